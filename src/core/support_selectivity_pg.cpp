/*
 * support_selectivity_pg.cpp: see support_selectivity_pg.hpp.
 */
#include "core/support_selectivity_pg.hpp"

extern "C" {
#include "optimizer/optimizer.h"
}

namespace tenancy {

void
estimate_as_clause(SupportRequestSelectivity *request, Node *clause)
{
	if (request->is_join)
		request->selectivity = clause_selectivity(request->root, clause, 0, request->jointype,
												  request->sjinfo);
	else
		request->selectivity = clause_selectivity(request->root, clause, request->varRelid,
												  JOIN_INNER, nullptr);
}

} // namespace tenancy
