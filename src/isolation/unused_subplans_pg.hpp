/*
 * unused_subplans_pg.hpp: drops from a finished plan the InitPlans and
 * subplans nothing runs any more once the through-check hook has settled
 * its checks (server glue; plain C style).
 */
#pragma once

#include "core/pg.hpp"

extern "C" {
#include "nodes/plannodes.h"
}

namespace tenancy {

/*
 * Removes each InitPlan whose output no live expression reads, and empties
 * (NULL, as setrefs.c marks unchosen alternatives) each entry of
 * stmt->subplans no live SubPlan or InitPlan runs; leaves the plan as it is
 * when it holds a node of a kind whose expressions this does not know.
 */
void remove_unused_subplans(PlannedStmt *stmt);

} // namespace tenancy
