/*
 * tenancy_functions_pg.hpp: the OIDs of the membership functions that
 * per-tenant pruning recognises in policies, and of the relation whose
 * invalidation announces a membership change (server glue; plain C style).
 */
#pragma once

#include "core/pg.hpp"

namespace tenancy {

/* Each InvalidOid while tenancy is not installed in this database. */
struct TenancyFunctionOids
{
	Oid workspaces;		  /* tenancy.user_workspaces() */
	Oid scope_workspaces; /* tenancy.user_workspaces(text) */
	Oid access;			  /* tenancy.user_has_workspace_access(uuid) */
	Oid scope_access;	  /* tenancy.user_has_workspace_access(uuid, text) */
	Oid membership_sentinel; /* tenancy.membership_registration: its relcache
							  * invalidation announces every membership change */
};

/* Registers the invalidation callbacks (at load). */
void tenancy_function_oids_init(void);

/* The OIDs, looked up by name once and again after any function or schema changed. */
const TenancyFunctionOids *tenancy_function_oids(void);

} // namespace tenancy
