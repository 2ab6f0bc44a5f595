/*
 * permission_helpers_pg.cpp: the SQL-callable permission helpers
 * (docs/access.md "Roles and permissions").
 *
 * A permission is granted in a tenant when one of the caller's memberships
 * there has a role whose permissions (from the registered roles table)
 * name it, or when the caller owns the tenant and owner_permissions names
 * it. They answer from the same cached memberships as the other helpers:
 * a per-row policy costs a hash probe and two binary searches.
 *
 * Plain C-style glue: PODs and palloc'd memory only.
 */
#include "core/boundary.hpp"
#include "membership/helpers_pg.hpp"
#include "membership/registration_pg.hpp"
#include "membership/roles_pg.hpp"

extern "C" {
#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/builtins.h"
}

namespace tenancy {

namespace {

/* The caller's memberships in scope, after checking that scope grants permissions. */
const UserMemberships *
permission_memberships(const char *scope)
{
	const UserMemberships *m = caller_memberships(scope);
	int index;

	if (m == nullptr)
		return nullptr;
	const Registration *reg = current_registration(scope, &index);
	if (!grants_permissions(reg->roles, reg->owner))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("scope \"%s\" grants no permissions", scope),
				 errdetail("Its registration has no roles table with a permissions column and "
						   "no owner permissions."),
				 errhint("Call tenancy.register_membership() again with role_table and "
						 "permissions_column.")));
	return m;
}

/* Whether the caller holds the permission of argument 1 in the tenant of argument 0. */
bool
has_permission_in(const char *scope, FunctionCallInfo fcinfo)
{
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		return false;
	const UserMemberships *m = permission_memberships(scope);
	if (m == nullptr)
		return false;
	return has_permission(m->rows, m->nrows, PG_GETARG_UUID_P(0)->data,
						  text_to_cstring(PG_GETARG_TEXT_PP(1)));
}

/* The caller's tenants in which the permission of argument 0 is granted. */
Datum
tenants_with(const char *scope, FunctionCallInfo fcinfo)
{
	const UserMemberships *m = PG_ARGISNULL(0) ? nullptr : permission_memberships(scope);
	int count = m ? m->nrows : 0;
	pg_uuid_t *tenants = static_cast<pg_uuid_t *>(palloc(Max(count, 1) * sizeof(pg_uuid_t)));
	Datum *elements = static_cast<Datum *>(palloc(Max(count, 1) * sizeof(Datum)));

	if (m != nullptr)
		count = static_cast<int>(
			tenants_with_permission(m->rows, m->nrows, text_to_cstring(PG_GETARG_TEXT_PP(0)),
									reinterpret_cast<unsigned char (*)[16]>(tenants)));
	for (int i = 0; i < count; i++)
		elements[i] = UUIDPGetDatum(&tenants[i]);
	PG_RETURN_ARRAYTYPE_P(construct_array(elements, count, UUIDOID, UUID_LEN, false, TYPALIGN_CHAR));
}

} // namespace

} // namespace tenancy

TENANCY_FUNCTION(user_has_permission)
{
	PG_RETURN_BOOL(tenancy::has_permission_in(tenancy::default_scope, fcinfo));
}

TENANCY_FUNCTION(user_has_scope_permission)
{
	// the scope is checked first: a NULL scope is an error even for a NULL tenant
	const char *scope = tenancy::scope_argument(fcinfo, 2);
	PG_RETURN_BOOL(tenancy::has_permission_in(scope, fcinfo));
}

TENANCY_FUNCTION(user_workspaces_with_permission)
{
	return tenancy::tenants_with(tenancy::default_scope, fcinfo);
}

TENANCY_FUNCTION(user_scope_tenants_with_permission)
{
	return tenancy::tenants_with(tenancy::scope_argument(fcinfo, 1), fcinfo);
}
