/*
 * tenant_columns_pg.hpp: GUC tenancy.tenant_columns, the column names that
 * mark a table as tenant data (isolation_report, enable_audit).
 */
#pragma once

/* Defines the GUC; called from _PG_init. */
namespace tenancy {
void tenant_columns_init(void);
}
