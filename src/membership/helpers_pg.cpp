/*
 * helpers_pg.cpp: the SQL-callable access helpers and the caches' figures.
 *
 * Each helper reads the caller's id from the claims cache (identity) and
 * the caller's memberships from the membership cache; a per-row policy
 * costs a string compare, a hash probe and a binary search.
 *
 * Tenant ids are uuid, text or bigint per scope (id_keys.hpp): each helper
 * has a form per argument type. A uuid or bigint argument must match the
 * scope's ids (42804 otherwise); a text argument is read as the scope's id
 * in its text form, as a literal would be (so `helper('...')` with a
 * literal, which PostgreSQL resolves to the text form, answers in every
 * scope).
 *
 * Plain C-style glue: PODs and palloc'd memory only.
 */
#include "core/boundary.hpp"
#include "membership/helpers_pg.hpp"
#include "membership/id_types_pg.hpp"
#include "membership/registration_pg.hpp"
#include "identity/identity_pg.hpp"

extern "C" {
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/guc.h"
}

#include <cstring>

namespace tenancy {

namespace {

void
require_roles(const UserMemberships *memberships)
{
	if (!memberships->has_roles)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the membership registration has no role column"),
				 errhint("Call tenancy.register_membership() again with role_column.")));
}

bool
has_access(const char *scope, FunctionCallInfo fcinfo, Arg arg)
{
	unsigned char key[16];

	if (PG_ARGISNULL(0))
		return false;
	Caller caller = caller_memberships(scope);
	require_argument_kind(caller, arg);
	if (!argument_key(caller, fcinfo, 0, arg, key) || caller.m == nullptr)
		return false;
	return find_membership(caller.m->rows, caller.m->nrows, key) != nullptr;
}

/* The array helper of a kind, as the hint of a wrong-type call names it. */
const char *
tenants_function(IdKind kind)
{
	switch (kind)
	{
		case IdKind::text:
			return "user_workspaces_text";
		case IdKind::integer:
			return "user_workspaces_bigint";
		case IdKind::uuid:
			break;
	}
	return "user_workspaces";
}

/* The caller's tenants of scope as an array of kind's type. */
Datum
tenants(const char *scope, IdKind kind)
{
	Caller caller = caller_memberships(scope);
	const UserMemberships *m = caller.m;

	if (caller.known && caller.kind != kind)
	{
		char *hint = strcmp(scope, default_scope) == 0
						 ? psprintf("Call tenancy.%s().", tenants_function(caller.kind))
						 : psprintf("Call tenancy.%s(%s).", tenants_function(caller.kind),
									quote_literal_cstr(scope));
		report_wrong_tenant_kind(scope, caller.kind,
								 psprintf("%s[]", id_kind_name(kind)), hint);
	}
	return tenant_array(m != nullptr ? m->tenants : nullptr, m != nullptr ? m->ntenants : 0, m,
						kind);
}

/* The role in the tenant of argument 0, or nullptr. */
const char *
role_in(const char *scope, FunctionCallInfo fcinfo, Arg arg)
{
	unsigned char key[16];

	if (PG_ARGISNULL(0))
		return nullptr;
	Caller caller = caller_memberships(scope);
	require_argument_kind(caller, arg);
	if (caller.m == nullptr)
		return nullptr;
	require_roles(caller.m);
	if (!argument_key(caller, fcinfo, 0, arg, key))
		return nullptr;
	const MembershipRow *row = find_membership(caller.m->rows, caller.m->nrows, key);
	return row == nullptr ? nullptr : row->role;
}

/* Membership in the tenant of argument tenant with one of the roles of the next argument. */
bool
has_role(const char *scope, FunctionCallInfo fcinfo, int tenant, Arg arg)
{
	Datum *elements;
	bool *nulls;
	int count;
	unsigned char key[16];

	if (PG_ARGISNULL(tenant) || PG_ARGISNULL(tenant + 1))
		return false;
	Caller caller = caller_memberships(scope);
	require_argument_kind(caller, arg);
	if (caller.m == nullptr)
		return false;
	require_roles(caller.m);
	if (!argument_key(caller, fcinfo, tenant, arg, key))
		return false;
	deconstruct_array(PG_GETARG_ARRAYTYPE_P(tenant + 1), TEXTOID, -1, false, TYPALIGN_INT,
					  &elements, &nulls, &count);
	const char **roles = static_cast<const char **>(palloc(Max(count, 1) * sizeof(char *)));
	for (int i = 0; i < count; i++)
		roles[i] = nulls[i] ? nullptr : TextDatumGetCString(elements[i]);
	return has_membership_role(caller.m->rows, caller.m->nrows, key, roles, count);
}

Datum
role_datum(FunctionCallInfo fcinfo, const char *role)
{
	if (role == nullptr)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(role));
}

} // namespace

} // namespace tenancy

using tenancy::Arg;
using tenancy::IdKind;

TENANCY_FUNCTION(user_has_workspace_access)
{
	PG_RETURN_BOOL(tenancy::has_access(tenancy::default_scope, fcinfo, Arg::uuid));
}

TENANCY_FUNCTION(user_has_workspace_access_bigint)
{
	PG_RETURN_BOOL(tenancy::has_access(tenancy::default_scope, fcinfo, Arg::bigint));
}

TENANCY_FUNCTION(user_has_workspace_access_text)
{
	PG_RETURN_BOOL(tenancy::has_access(tenancy::default_scope, fcinfo, Arg::text));
}

// the scope is checked first in the scoped forms: a NULL scope is an error even for a NULL tenant

TENANCY_FUNCTION(user_has_scope_access)
{
	const char *scope = tenancy::scope_argument(fcinfo, 1);
	PG_RETURN_BOOL(tenancy::has_access(scope, fcinfo, Arg::uuid));
}

TENANCY_FUNCTION(user_has_scope_access_bigint)
{
	const char *scope = tenancy::scope_argument(fcinfo, 1);
	PG_RETURN_BOOL(tenancy::has_access(scope, fcinfo, Arg::bigint));
}

TENANCY_FUNCTION(user_has_scope_access_text)
{
	const char *scope = tenancy::scope_argument(fcinfo, 1);
	PG_RETURN_BOOL(tenancy::has_access(scope, fcinfo, Arg::text));
}

TENANCY_FUNCTION(user_workspaces)
{
	return tenancy::tenants(tenancy::default_scope, IdKind::uuid);
}

TENANCY_FUNCTION(user_workspaces_bigint)
{
	return tenancy::tenants(tenancy::default_scope, IdKind::integer);
}

TENANCY_FUNCTION(user_workspaces_text)
{
	return tenancy::tenants(tenancy::default_scope, IdKind::text);
}

TENANCY_FUNCTION(user_scope_tenants)
{
	return tenancy::tenants(tenancy::scope_argument(fcinfo, 0), IdKind::uuid);
}

TENANCY_FUNCTION(user_scope_tenants_bigint)
{
	return tenancy::tenants(tenancy::scope_argument(fcinfo, 0), IdKind::integer);
}

TENANCY_FUNCTION(user_scope_tenants_text)
{
	return tenancy::tenants(tenancy::scope_argument(fcinfo, 0), IdKind::text);
}

TENANCY_FUNCTION(user_workspace_role)
{
	return tenancy::role_datum(fcinfo,
							   tenancy::role_in(tenancy::default_scope, fcinfo, Arg::uuid));
}

TENANCY_FUNCTION(user_workspace_role_bigint)
{
	return tenancy::role_datum(fcinfo,
							   tenancy::role_in(tenancy::default_scope, fcinfo, Arg::bigint));
}

TENANCY_FUNCTION(user_workspace_role_text)
{
	return tenancy::role_datum(fcinfo,
							   tenancy::role_in(tenancy::default_scope, fcinfo, Arg::text));
}

TENANCY_FUNCTION(user_scope_role)
{
	const char *scope = tenancy::scope_argument(fcinfo, 1);
	return tenancy::role_datum(fcinfo, tenancy::role_in(scope, fcinfo, Arg::uuid));
}

TENANCY_FUNCTION(user_scope_role_bigint)
{
	const char *scope = tenancy::scope_argument(fcinfo, 1);
	return tenancy::role_datum(fcinfo, tenancy::role_in(scope, fcinfo, Arg::bigint));
}

TENANCY_FUNCTION(user_scope_role_text)
{
	const char *scope = tenancy::scope_argument(fcinfo, 1);
	return tenancy::role_datum(fcinfo, tenancy::role_in(scope, fcinfo, Arg::text));
}

TENANCY_FUNCTION(user_has_workspace_role)
{
	PG_RETURN_BOOL(tenancy::has_role(tenancy::default_scope, fcinfo, 0, Arg::uuid));
}

TENANCY_FUNCTION(user_has_workspace_role_bigint)
{
	PG_RETURN_BOOL(tenancy::has_role(tenancy::default_scope, fcinfo, 0, Arg::bigint));
}

TENANCY_FUNCTION(user_has_workspace_role_text)
{
	PG_RETURN_BOOL(tenancy::has_role(tenancy::default_scope, fcinfo, 0, Arg::text));
}

TENANCY_FUNCTION(user_has_scope_role)
{
	PG_RETURN_BOOL(tenancy::has_role(tenancy::scope_argument(fcinfo, 0), fcinfo, 1, Arg::uuid));
}

TENANCY_FUNCTION(user_has_scope_role_bigint)
{
	PG_RETURN_BOOL(tenancy::has_role(tenancy::scope_argument(fcinfo, 0), fcinfo, 1, Arg::bigint));
}

TENANCY_FUNCTION(user_has_scope_role_text)
{
	PG_RETURN_BOOL(tenancy::has_role(tenancy::scope_argument(fcinfo, 0), fcinfo, 1, Arg::text));
}

TENANCY_FUNCTION(cache_stats)
{
	ReturnSetInfo *rsinfo = reinterpret_cast<ReturnSetInfo *>(fcinfo->resultinfo);
	tenancy::ClaimsCacheStats claims = tenancy::claims_cache_stats();
	tenancy::MembershipCacheStats members = tenancy::membership_cache_stats();
	const char *names[2] = {"claims", "memberships"};
	int64 figures[2][4] = {{claims.hits, claims.misses, claims.invalidations, claims.entries},
						   {members.hits, members.misses, members.invalidations, members.entries}};

	InitMaterializedSRF(fcinfo, 0);
	for (int row = 0; row < 2; row++)
	{
		Datum values[5];
		bool nulls[5] = {false, false, false, false, false};

		values[0] = CStringGetTextDatum(names[row]);
		for (int i = 0; i < 4; i++)
			values[i + 1] = Int64GetDatum(figures[row][i]);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

TENANCY_FUNCTION(cache_reset)
{
	tenancy::claims_cache_reset();
	tenancy::membership_cache_reset();
	PG_RETURN_VOID();
}
