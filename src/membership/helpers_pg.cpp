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
#include "membership/membership_cache_pg.hpp"
#include "identity/identity_pg.hpp"
#include "apikeys/caller_memberships_pg.hpp"

extern "C" {
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "utils/array.h"
}

namespace tenancy {

namespace {

/* The memberships of one tenant, a view into a cached entry. */
UserMemberships narrowed;

/*
 * What the helpers answer from: the current user's memberships, narrowed to
 * the active tenant when the caller's claims name one (a tenant the user
 * does not belong to leaves nothing), or nullptr when there is no user.
 * The one place that decides whose memberships a helper sees. Valid until
 * the next call.
 */
const UserMemberships *
caller_memberships(void)
{
	pg_uuid_t user;
	pg_uuid_t active;

	// an API key made the caller (src/apikeys): it answers for its tenant
	if (const UserMemberships *key = apikeys::key_caller_memberships())
		return key;
	if (!current_user_uuid(&user))
		return nullptr;
	const UserMemberships *all = memberships_of(&user);
	if (!current_active_tenant(&active))
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

void
require_roles(const UserMemberships *memberships)
{
	if (!memberships->has_roles)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the membership registration has no role column"),
				 errhint("Call tenancy.register_membership() again with role_column.")));
}

} // namespace

} // namespace tenancy

TENANCY_FUNCTION(user_has_workspace_access)
{
	if (PG_ARGISNULL(0))
		PG_RETURN_BOOL(false);
	const tenancy::UserMemberships *m = tenancy::caller_memberships();
	if (m == nullptr)
		PG_RETURN_BOOL(false);
	PG_RETURN_BOOL(tenancy::find_membership(m->rows, m->nrows, PG_GETARG_UUID_P(0)->data) !=
				   nullptr);
}

TENANCY_FUNCTION(user_workspaces)
{
	const tenancy::UserMemberships *m = tenancy::caller_memberships();
	int count = m ? m->ntenants : 0;
	Datum *elements = static_cast<Datum *>(palloc(Max(count, 1) * sizeof(Datum)));

	for (int i = 0; i < count; i++)
		elements[i] = UUIDPGetDatum(&m->tenants[i]);
	PG_RETURN_ARRAYTYPE_P(construct_array(elements, count, UUIDOID, UUID_LEN, false, TYPALIGN_CHAR));
}

TENANCY_FUNCTION(user_workspace_role)
{
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	const tenancy::UserMemberships *m = tenancy::caller_memberships();
	if (m == nullptr)
		PG_RETURN_NULL();
	tenancy::require_roles(m);
	const tenancy::MembershipRow *row =
		tenancy::find_membership(m->rows, m->nrows, PG_GETARG_UUID_P(0)->data);
	if (row == nullptr || row->role == nullptr)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(row->role));
}

TENANCY_FUNCTION(user_has_workspace_role)
{
	Datum *elements;
	bool *nulls;
	int count;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		PG_RETURN_BOOL(false);
	const tenancy::UserMemberships *m = tenancy::caller_memberships();
	if (m == nullptr)
		PG_RETURN_BOOL(false);
	tenancy::require_roles(m);
	deconstruct_array(PG_GETARG_ARRAYTYPE_P(1), TEXTOID, -1, false, TYPALIGN_INT, &elements, &nulls,
					  &count);
	const char **roles = static_cast<const char **>(palloc(Max(count, 1) * sizeof(char *)));
	for (int i = 0; i < count; i++)
		roles[i] = nulls[i] ? nullptr : TextDatumGetCString(elements[i]);
	PG_RETURN_BOOL(tenancy::has_membership_role(m->rows, m->nrows, PG_GETARG_UUID_P(0)->data,
												roles, count));
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
