/*
 * support_selectivity_pg.hpp: a planner support function's selectivity
 * answer, given the plain clause its call is equivalent to.
 */
#pragma once
#include "core/pg.hpp"

extern "C" {
#include "nodes/supportnodes.h"
}

namespace tenancy {

/* Sets request->selectivity to clause's, estimated as the call would be (join or not). */
void estimate_as_clause(SupportRequestSelectivity *request, Node *clause);

} // namespace tenancy
