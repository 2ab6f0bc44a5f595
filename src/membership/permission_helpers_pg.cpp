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
#include "membership/hierarchy_pg.hpp"
#include "membership/id_types_pg.hpp"
#include "membership/registration_pg.hpp"
#include "membership/roles_pg.hpp"

extern "C" {
#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/builtins.h"
}

#include <cstring>

namespace tenancy {

namespace {

/*
 * 55000 unless scope's registration, or a parent's whose memberships reach
 * it (hierarchy_pg.hpp), grants permissions (a caller with memberships has
 * one).
 */
void
require_permissions(const char *scope)
{
	int index;
	const char *at = scope;
	int depth;

	for (depth = 0; depth <= max_scope_depth; depth++)
	{
		const Registration *reg = current_registration(at, &index);
		if (grants_permissions(reg->roles, reg->owner))
			return;
		if (reg->parent == nullptr)
			break;
		at = pstrdup(reg->parent->scope); /* the next lookup may load reg again */
	}
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("scope \"%s\" grants no permissions", scope),
			 depth == 0 ? errdetail("Its registration has no roles table with a permissions "
									"column and no owner permissions.")
						: errdetail("Neither its registration nor its parent scopes' have a roles "
									"table with a permissions column or owner permissions."),
			 errhint("Call tenancy.register_membership() again with role_table and "
					 "permissions_column.")));
}

/*
 * Whether the caller holds the permission of argument 1 in the tenant of
 * argument 0 (of type arg).
 */
bool
has_permission_in(const char *scope, FunctionCallInfo fcinfo, Arg arg)
{
	unsigned char key[16];

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		return false;
	Caller caller = caller_memberships(scope);
	require_argument_kind(caller, arg);
	if (caller.m == nullptr)
		return false;
	require_permissions(scope);
	if (!argument_key(caller, fcinfo, 0, arg, key))
		return false;
	return has_permission(caller.m->rows, caller.m->nrows, key,
						  text_to_cstring(PG_GETARG_TEXT_PP(1)));
}

/* The array helper of a kind, as the hint of a wrong-type call names it. */
const char *
with_permission_function(IdKind kind)
{
	switch (kind)
	{
		case IdKind::text:
			return "user_workspaces_with_permission_text";
		case IdKind::integer:
			return "user_workspaces_with_permission_bigint";
		case IdKind::uuid:
			break;
	}
	return "user_workspaces_with_permission";
}

/*
 * The caller's tenants of scope in which the permission of argument 0 is
 * granted, as an array of kind's type.
 */
Datum
tenants_with(const char *scope, FunctionCallInfo fcinfo, IdKind kind)
{
	Caller caller = caller_memberships(scope);

	if (caller.known && caller.kind != kind)
	{
		const char *function = with_permission_function(caller.kind);
		char *hint = strcmp(scope, default_scope) == 0
						 ? psprintf("Call tenancy.%s(permission).", function)
						 : psprintf("Call tenancy.%s(permission, %s).", function,
									quote_literal_cstr(scope));
		report_wrong_tenant_kind(scope, caller.kind, psprintf("%s[]", id_kind_name(kind)), hint);
	}
	const UserMemberships *m = PG_ARGISNULL(0) ? nullptr : caller.m;
	if (m != nullptr)
		require_permissions(scope);
	int count = m ? m->nrows : 0;
	pg_uuid_t *tenants = static_cast<pg_uuid_t *>(palloc(Max(count, 1) * sizeof(pg_uuid_t)));
	if (m != nullptr)
		count = static_cast<int>(
			tenants_with_permission(m->rows, m->nrows, text_to_cstring(PG_GETARG_TEXT_PP(0)),
									reinterpret_cast<unsigned char (*)[16]>(tenants)));
	return tenant_array(tenants, count, m, kind);
}

} // namespace

} // namespace tenancy

using tenancy::Arg;
using tenancy::IdKind;

TENANCY_FUNCTION(user_has_permission)
{
	PG_RETURN_BOOL(tenancy::has_permission_in(tenancy::default_scope, fcinfo, Arg::uuid));
}

TENANCY_FUNCTION(user_has_permission_bigint)
{
	PG_RETURN_BOOL(tenancy::has_permission_in(tenancy::default_scope, fcinfo, Arg::bigint));
}

TENANCY_FUNCTION(user_has_permission_text)
{
	PG_RETURN_BOOL(tenancy::has_permission_in(tenancy::default_scope, fcinfo, Arg::text));
}

// the scope is checked first: a NULL scope is an error even for a NULL tenant
TENANCY_FUNCTION(user_has_scope_permission)
{
	const char *scope = tenancy::scope_argument(fcinfo, 2);
	PG_RETURN_BOOL(tenancy::has_permission_in(scope, fcinfo, Arg::uuid));
}

TENANCY_FUNCTION(user_has_scope_permission_bigint)
{
	const char *scope = tenancy::scope_argument(fcinfo, 2);
	PG_RETURN_BOOL(tenancy::has_permission_in(scope, fcinfo, Arg::bigint));
}

TENANCY_FUNCTION(user_has_scope_permission_text)
{
	const char *scope = tenancy::scope_argument(fcinfo, 2);
	PG_RETURN_BOOL(tenancy::has_permission_in(scope, fcinfo, Arg::text));
}

TENANCY_FUNCTION(user_workspaces_with_permission)
{
	return tenancy::tenants_with(tenancy::default_scope, fcinfo, IdKind::uuid);
}

TENANCY_FUNCTION(user_workspaces_with_permission_bigint)
{
	return tenancy::tenants_with(tenancy::default_scope, fcinfo, IdKind::integer);
}

TENANCY_FUNCTION(user_workspaces_with_permission_text)
{
	return tenancy::tenants_with(tenancy::default_scope, fcinfo, IdKind::text);
}

TENANCY_FUNCTION(user_scope_tenants_with_permission)
{
	return tenancy::tenants_with(tenancy::scope_argument(fcinfo, 1), fcinfo, IdKind::uuid);
}

TENANCY_FUNCTION(user_scope_tenants_with_permission_bigint)
{
	return tenancy::tenants_with(tenancy::scope_argument(fcinfo, 1), fcinfo, IdKind::integer);
}

TENANCY_FUNCTION(user_scope_tenants_with_permission_text)
{
	return tenancy::tenants_with(tenancy::scope_argument(fcinfo, 1), fcinfo, IdKind::text);
}
