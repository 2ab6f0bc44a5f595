/*
 * helpers_pg.cpp: the SQL-callable access helpers and the caches' figures.
 *
 * Each helper reads the caller's id from the claims cache (identity) and
 * the caller's memberships from the membership cache; a per-row policy
 * costs a string compare, a hash probe and a binary search.
 *
 * Plain C-style glue: PODs and palloc'd memory only.
 */
#include "core/boundary.hpp"
#include "membership/helpers_pg.hpp"
#include "membership/membership_cache_pg.hpp"
#include "membership/registration_pg.hpp"
#include "identity/identity_pg.hpp"

extern "C" {
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"
}

#include <cstring>

namespace tenancy {

namespace {

/* The memberships of one tenant, a view into a cached entry. */
UserMemberships narrowed;

CallerHook caller_hook = nullptr;

} // namespace

/*
 * What the helpers answer from: the current user's memberships in scope,
 * in the default scope narrowed to the active tenant when the caller's
 * claims name one (a tenant the user does not belong to leaves nothing), or
 * nullptr when there is no user.
 * The one place that decides whose memberships a helper sees. Valid until
 * the next call.
 */
const UserMemberships *
caller_memberships(const char *scope)
{
	pg_uuid_t user;
	pg_uuid_t active;

	// another caller (an API key) answers instead of the user
	const UserMemberships *other;
	if (caller_hook != nullptr && caller_hook(scope, &other))
		return other;
	if (!current_user_uuid(&user))
		return nullptr;
	const UserMemberships *all = memberships_of(scope, &user);
	// the claim names a tenant of the default scope (an organization), not a project
	if (strcmp(scope, default_scope) != 0 || !current_active_tenant(&active))
		return all;
	const MembershipRow *first;
	narrowed = *all;
	narrowed.nrows = static_cast<int>(tenant_rows(all->rows, all->nrows, active.data, &first));
	narrowed.rows = const_cast<MembershipRow *>(first);
	narrowed.ntenants = narrowed.nrows > 0 ? 1 : 0;
	// the row's tenant bytes are the tenant: a pg_uuid_t is its 16 bytes
	narrowed.tenants =
		narrowed.nrows > 0 ? reinterpret_cast<pg_uuid_t *>(narrowed.rows->tenant) : nullptr;
	return &narrowed;
}

/* The scope argument of a helper's scoped form; NULL is an error, not "no access". */
const char *
scope_argument(FunctionCallInfo fcinfo, int argno)
{
	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("scope must not be NULL"),
				 errhint("Name a registered scope, or call the form without scope for "
						 "'workspace'.")));
	return text_to_cstring(PG_GETARG_TEXT_PP(argno));
}

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
has_access(const char *scope, FunctionCallInfo fcinfo)
{
	if (PG_ARGISNULL(0))
		return false;
	const UserMemberships *m = caller_memberships(scope);
	return m != nullptr && find_membership(m->rows, m->nrows, PG_GETARG_UUID_P(0)->data) != nullptr;
}

Datum
tenants(const char *scope)
{
	const UserMemberships *m = caller_memberships(scope);
	int count = m ? m->ntenants : 0;
	Datum *elements = static_cast<Datum *>(palloc(Max(count, 1) * sizeof(Datum)));

	for (int i = 0; i < count; i++)
		elements[i] = UUIDPGetDatum(&m->tenants[i]);
	PG_RETURN_ARRAYTYPE_P(construct_array(elements, count, UUIDOID, UUID_LEN, false, TYPALIGN_CHAR));
}

/* The role in the tenant of argument 0, or nullptr. */
const char *
role_in(const char *scope, FunctionCallInfo fcinfo)
{
	if (PG_ARGISNULL(0))
		return nullptr;
	const UserMemberships *m = caller_memberships(scope);
	if (m == nullptr)
		return nullptr;
	require_roles(m);
	const MembershipRow *row = find_membership(m->rows, m->nrows, PG_GETARG_UUID_P(0)->data);
	return row == nullptr ? nullptr : row->role;
}

/* Membership in the tenant of argument tenant with one of the roles of the next argument. */
bool
has_role(const char *scope, FunctionCallInfo fcinfo, int tenant)
{
	Datum *elements;
	bool *nulls;
	int count;

	if (PG_ARGISNULL(tenant) || PG_ARGISNULL(tenant + 1))
		return false;
	const UserMemberships *m = caller_memberships(scope);
	if (m == nullptr)
		return false;
	require_roles(m);
	deconstruct_array(PG_GETARG_ARRAYTYPE_P(tenant + 1), TEXTOID, -1, false, TYPALIGN_INT,
					  &elements, &nulls, &count);
	const char **roles = static_cast<const char **>(palloc(Max(count, 1) * sizeof(char *)));
	for (int i = 0; i < count; i++)
		roles[i] = nulls[i] ? nullptr : TextDatumGetCString(elements[i]);
	return has_membership_role(m->rows, m->nrows, PG_GETARG_UUID_P(tenant)->data, roles, count);
}

} // namespace

void
set_caller_hook(CallerHook hook)
{
	caller_hook = hook;
}

} // namespace tenancy

TENANCY_FUNCTION(user_has_workspace_access)
{
	PG_RETURN_BOOL(tenancy::has_access(tenancy::default_scope, fcinfo));
}

TENANCY_FUNCTION(user_has_scope_access)
{
	// the scope is checked first: a NULL scope is an error even for a NULL tenant
	const char *scope = tenancy::scope_argument(fcinfo, 1);
	PG_RETURN_BOOL(tenancy::has_access(scope, fcinfo));
}

TENANCY_FUNCTION(user_workspaces)
{
	return tenancy::tenants(tenancy::default_scope);
}

TENANCY_FUNCTION(user_scope_tenants)
{
	return tenancy::tenants(tenancy::scope_argument(fcinfo, 0));
}

TENANCY_FUNCTION(user_workspace_role)
{
	const char *role = tenancy::role_in(tenancy::default_scope, fcinfo);
	if (role == nullptr)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(role));
}

TENANCY_FUNCTION(user_scope_role)
{
	const char *role = tenancy::role_in(tenancy::scope_argument(fcinfo, 1), fcinfo);
	if (role == nullptr)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(role));
}

TENANCY_FUNCTION(user_has_workspace_role)
{
	PG_RETURN_BOOL(tenancy::has_role(tenancy::default_scope, fcinfo, 0));
}

TENANCY_FUNCTION(user_has_scope_role)
{
	PG_RETURN_BOOL(tenancy::has_role(tenancy::scope_argument(fcinfo, 0), fcinfo, 1));
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
