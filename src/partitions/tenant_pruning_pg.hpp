/*
 * tenant_pruning_pg.hpp: executor-time pruning of tenant partitions
 * (server glue; plain C style, may ereport).
 */
#pragma once

namespace tenancy {

/* Defines tenancy.prune_tenant_partitions and installs the executor hook. */
void tenant_pruning_init(void);

} // namespace tenancy
