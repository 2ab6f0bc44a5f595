/*
 * opfamily_pg.hpp: what planner support functions ask of an index's
 * operator family before offering it a condition.
 */
#pragma once
#include "core/pg.hpp"

namespace tenancy {

/* Whether opfamily is a btree family (false for a missing one); never raises. */
bool is_btree_family(Oid opfamily);

} // namespace tenancy
