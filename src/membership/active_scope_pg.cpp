/*
 * active_scope_pg.cpp: setting tenancy.active_tenant_scope, the scope whose
 * tenant the active tenant claim names. With an organization scope above a
 * default scope of workspaces, `org_id` names an organization: the
 * organization scope answers for it alone and every scope derived from it
 * for its children (helpers_pg.cpp).
 *
 * Only a superuser sets it, as the claim's name: it chooses how the claim
 * is read, for every session of a database.
 */
#include "membership/active_scope_pg.hpp"
#include "membership/registration_pg.hpp"
#include "membership/scope_name.hpp"

extern "C" {
#include "utils/guc.h"
}

#include <cstring>

namespace tenancy {

namespace {

char *active_scope = nullptr; /* GUC tenancy.active_tenant_scope */

/* A scope's name, as register_membership takes it. */
bool
check_active_scope(char **newval, void **extra, GucSource source)
{
	bool valid = scope_name_is_valid(*newval, strlen(*newval));

	if (!valid)
		GUC_check_errdetail("tenancy.active_tenant_scope must name a scope: a lower-case "
							"letter, then lower-case letters, digits or underscores, up to 63 "
							"bytes.");
	return valid;
}

} // namespace

const char *
active_tenant_scope(void)
{
	return active_scope != nullptr ? active_scope : default_scope;
}

void
active_scope_init(void)
{
	DefineCustomStringVariable(
		"tenancy.active_tenant_scope",
		"The scope whose tenant the active tenant claim names.",
		"That scope's helpers answer for the named tenant alone, and the helpers of every "
		"scope derived from it for that tenant's children.",
		&active_scope, default_scope, PGC_SUSET, 0, check_active_scope, nullptr, nullptr);
}

} // namespace tenancy
