/*
 * active_scope_pg.hpp: the scope whose tenant the active tenant claim names
 * (setting tenancy.active_tenant_scope; docs/access.md "The active tenant
 * claim").
 */
#pragma once

namespace tenancy {

/* The scope the active tenant claim's id belongs to ('workspace' unless set). */
const char *active_tenant_scope(void);

/* Defines tenancy.active_tenant_scope (from _PG_init). */
void active_scope_init(void);

} // namespace tenancy
