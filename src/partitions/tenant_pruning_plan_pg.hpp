/*
 * tenant_pruning_plan_pg.hpp: plan-time pruning of tenant partitions
 * (server glue; plain C style, may ereport).
 */
#pragma once

namespace tenancy {

/* Installs the planner hook; it works while *enabled (tenancy.prune_tenant_partitions). */
void tenant_pruning_plan_init(const bool *enabled);

} // namespace tenancy
