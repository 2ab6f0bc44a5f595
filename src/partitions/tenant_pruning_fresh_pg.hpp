/*
 * tenant_pruning_fresh_pg.hpp: keeping a plan that holds a caller's tenant
 * set from serving anyone else (server glue; plain C style, may ereport).
 */
#pragma once

#include "core/pg.hpp"

extern "C" {
#include "nodes/plannodes.h"
}

namespace tenancy {

/* Installs the utility hook and the transaction callbacks (at load). */
void tenant_pruning_fresh_init(void);

/*
 * stmt holds a set read for its caller: it is made to depend on the
 * membership sentinel (any membership change invalidates it) and on token,
 * an id no relation of any query has, which forget_plans_holding_sets
 * invalidates in this backend only.
 */
void depend_on_caller(PlannedStmt *stmt, Oid sentinel, Oid token);

/*
 * Invalidates, in this backend's plan cache, every plan made to depend on
 * the caller since the last call; nothing when there is none. Called at
 * each statement start, each utility command and each transaction end.
 */
void forget_plans_holding_sets(void);

} // namespace tenancy
