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
#include "membership/active_scope_pg.hpp"
#include "membership/helpers_pg.hpp"
#include "membership/hierarchy_pg.hpp"
#include "membership/id_types_pg.hpp"
#include "membership/membership_cache_pg.hpp"
#include "membership/registration_pg.hpp"
#include "identity/identity_pg.hpp"

extern "C" {
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/uuid.h"
}

#include <cstring>

namespace tenancy {

namespace {

/* The memberships of one tenant, a view into a cached entry. */
UserMemberships narrowed;

CallerHook caller_hook = nullptr;

/* The caller's id in an integer scope or as a uuid; UserId points here. */
int64 user_integer;
pg_uuid_t user_uuid;

[[noreturn]] void
report_claim_not_integer(const char *what, const char *claim, const char *scope)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("claim \"%s\" is not a %s id of scope \"%s\"", claim, what, scope),
			 errdetail("The scope's %s ids are integers: the claim must be a decimal integer; "
					   "its value is not shown.",
					   what),
			 errhint("The identity provider must put the %s's id in claim \"%s\".", what, claim)));
	pg_unreachable();
}

/* The current user's id as the scope's user kind; false when there is no user. */
bool
current_user_of_kind(const char *scope, IdKind kind, UserId *user)
{
	const char *text;
	Size length;

	user->kind = kind;
	if (kind == IdKind::uuid)
	{
		if (!current_user_uuid(&user_uuid))
			return false;
		user->bytes = reinterpret_cast<const char *>(user_uuid.data);
		user->length = UUID_LEN;
		return true;
	}
	if (!current_user_text(&text, &length))
		return false;
	if (kind == IdKind::text)
	{
		user->bytes = text;
		user->length = length;
		return true;
	}
	if (!parse_integer_id(text, length, &user_integer))
		report_claim_not_integer("user", current_claims_source().user_claim, scope);
	user->bytes = reinterpret_cast<const char *>(&user_integer);
	user->length = sizeof(user_integer);
	return true;
}

/*
 * The key of the active tenant the claims name, for all's tenant kind:
 * false when the claims name none; *known false when they name a text
 * tenant the user does not have.
 */
bool
active_tenant_key(const UserMemberships *all, const char *scope, unsigned char key[16],
				  bool *known)
{
	const char *text;
	Size length;
	pg_uuid_t active;
	int64 integer;
	std::size_t index;

	*known = true;
	switch (all->tenant_kind)
	{
		case IdKind::uuid:
			if (!current_active_tenant(&active))
				return false;
			memcpy(key, active.data, UUID_LEN);
			return true;
		case IdKind::integer:
			if (!current_active_tenant_text(&text, &length))
				return false;
			if (!parse_integer_id(text, length, &integer))
				report_claim_not_integer("tenant", GetConfigOption("tenancy.active_tenant_claim",
																	false, false),
										 scope);
			integer_key(integer, key);
			return true;
		case IdKind::text:
			if (!current_active_tenant_text(&text, &length))
				return false;
			*known = find_text(all->texts, all->ntexts, TextRef{text, length}, &index);
			if (*known)
				text_key(index, key);
			return true;
	}
	pg_unreachable();
}

/*
 * In the active tenant's scope (tenancy.active_tenant_scope), the
 * memberships narrowed to the active tenant when the caller's claims name
 * one (a tenant the user does not belong to leaves nothing); else all of
 * them.
 */
const UserMemberships *
narrow_to_active_tenant(const UserMemberships *all, const char *scope)
{
	unsigned char key[16];
	bool known;

	// the claim names a tenant of the active scope (an organization), not a project
	if (strcmp(scope, active_tenant_scope()) != 0 || !active_tenant_key(all, scope, key, &known))
		return all;
	const MembershipRow *first = nullptr;
	narrowed = *all;
	narrowed.nrows =
		known ? static_cast<int>(tenant_rows(all->rows, all->nrows, key, &first)) : 0;
	narrowed.rows = const_cast<MembershipRow *>(first);
	narrowed.ntenants = narrowed.nrows > 0 ? 1 : 0;
	// the row's tenant key is the tenant's: a pg_uuid_t is 16 key bytes
	narrowed.tenants =
		narrowed.nrows > 0 ? reinterpret_cast<pg_uuid_t *>(narrowed.rows->tenant) : nullptr;
	return &narrowed;
}

/*
 * The active tenant the claims name as a value of the active scope's
 * tenant type (type: the top mapping's parent column, of that type); false
 * when no tenant can have it (an integer beyond an int column).
 */
bool
active_tenant_value(Oid type, const char *text, Size length, Datum *value)
{
	pg_uuid_t *uuid;
	int64 integer;

	switch (scope_id_kinds(active_tenant_scope()).tenant)
	{
		case IdKind::uuid:
			uuid = static_cast<pg_uuid_t *>(palloc(sizeof(pg_uuid_t)));
			current_active_tenant(uuid); /* raises for a claim that is no UUID, without its value */
			*value = UUIDPGetDatum(uuid);
			return true;
		case IdKind::integer:
			if (!parse_integer_id(text, length, &integer))
				report_claim_not_integer("tenant", GetConfigOption("tenancy.active_tenant_claim",
																	false, false),
										 active_tenant_scope());
			if (type == INT8OID)
			{
				*value = Int64GetDatum(integer);
				return true;
			}
			if (integer < PG_INT32_MIN || integer > PG_INT32_MAX)
				return false;
			*value = Int32GetDatum(static_cast<int32>(integer));
			return true;
		case IdKind::text:
			*value = PointerGetDatum(cstring_to_text_with_len(text, length));
			return true;
	}
	pg_unreachable();
}

struct ActiveChildren
{
	const Lineage *lineage;
	Datum top;
};

pg_uuid_t *
keep_active_children(void *arg, const UserMemberships *all, Snapshot snapshot, int *count)
{
	const ActiveChildren *children = static_cast<const ActiveChildren *>(arg);

	return descendant_keys(children->lineage, children->top, all, snapshot, count);
}

/*
 * In a scope derived (through one or more parents) from the active scope,
 * when the claims name an active tenant: the user's memberships there kept
 * to the active tenant's children (false, *out untouched, otherwise).
 */
bool
narrow_to_active_children(const char *scope, const UserId *user, const UserMemberships **out)
{
	const char *text;
	Size length;
	Lineage lineage;
	ActiveChildren children;
	const char *top = active_tenant_scope();

	if (!current_active_tenant_text(&text, &length) || !lineage_to(scope, top, &lineage))
		return false;
	children.lineage = &lineage;
	if (!active_tenant_value(lineage.links[lineage.count - 1].parent_type, text, length,
							 &children.top))
	{
		*out = nullptr; /* no tenant has that id: nothing */
		return true;
	}
	// kept per active scope and tenant: the setting may name another scope later
	char tag[NAMEDATALEN + 1 + 256];
	int tag_length = snprintf(tag, sizeof(tag), "%s:%.*s", top, static_cast<int>(length), text);
	*out = memberships_kept(scope, user, tag, Min(static_cast<Size>(tag_length), sizeof(tag) - 1),
							keep_active_children, &children);
	return true;
}

} // namespace

/*
 * What the helpers answer from: the current user's memberships in scope,
 * in the active scope narrowed to the active tenant, with the kind of the
 * scope's tenant ids. The one place that decides whose memberships a
 * helper sees. Valid until the next call.
 */
Caller
caller_memberships(const char *scope)
{
	Caller caller;
	const UserMemberships *other;
	UserId user;

	caller.scope = scope;
	caller.known = true;
	// another caller (an API key) answers instead of the user
	if (caller_hook != nullptr && caller_hook(scope, &other))
	{
		caller.m = other;
		caller.kind = other != nullptr ? other->tenant_kind : scope_id_kinds(scope).tenant;
		return caller;
	}
	// without a registration, no user still reaches nothing (a user: 55000 below)
	const char *text;
	Size length;
	if (!scope_is_registered(scope) && !current_user_text(&text, &length))
	{
		caller.known = false;
		caller.kind = IdKind::uuid;
		caller.m = nullptr;
		return caller;
	}
	ScopeIdKinds kinds = scope_id_kinds(scope);
	caller.kind = kinds.tenant;
	caller.m = nullptr;
	if (!current_user_of_kind(scope, kinds.user, &user))
		return caller;
	// the active tenant's children in a scope derived from the active scope
	if (strcmp(scope, active_tenant_scope()) != 0 && narrow_to_active_children(scope, &user, &caller.m))
		return caller;
	caller.m = narrow_to_active_tenant(memberships_of(scope, &user), scope);
	return caller;
}

/* 42804 unless a tenant argument of type arg can name a tenant of caller's scope. */
void
require_argument_kind(const Caller &caller, Arg arg)
{
	if (!caller.known || arg == Arg::text || (arg == Arg::uuid && caller.kind == IdKind::uuid) ||
		(arg == Arg::bigint && caller.kind == IdKind::integer))
		return;
	char *hint = caller.kind == IdKind::text
					 ? pstrdup("Pass the tenant id as text.")
					 : psprintf("Pass the tenant id as %s, or as text.", id_kind_name(caller.kind));
	report_wrong_tenant_kind(caller.scope, caller.kind,
							 arg == Arg::uuid ? "a uuid tenant id" : "a bigint tenant id", hint);
}

/*
 * The key of the tenant argument argno (of type arg) names in caller's
 * scope; false when it names none of the caller's tenants for certain.
 */
bool
argument_key(const Caller &caller, FunctionCallInfo fcinfo, int argno, Arg arg,
			 unsigned char key[16])
{
	std::size_t index;

	switch (arg)
	{
		case Arg::uuid:
			memcpy(key, PG_GETARG_UUID_P(argno)->data, UUID_LEN);
			return true;
		case Arg::bigint:
			integer_key(PG_GETARG_INT64(argno), key);
			return true;
		case Arg::text:
			break;
	}
	if (!caller.known)
		return false; /* no registration and no user: nothing to reach */
	text *t = PG_GETARG_TEXT_PP(argno);
	switch (caller.kind)
	{
		case IdKind::uuid:
			memcpy(key,
				   DatumGetUUIDP(DirectFunctionCall1(uuid_in, CStringGetDatum(text_to_cstring(t))))
					   ->data,
				   UUID_LEN);
			return true;
		case IdKind::integer:
			integer_key(DatumGetInt64(DirectFunctionCall1(int8in,
														  CStringGetDatum(text_to_cstring(t)))),
						key);
			return true;
		case IdKind::text:
			if (caller.m == nullptr ||
				!find_text(caller.m->texts, caller.m->ntexts,
						   TextRef{VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t)}, &index))
				return false;
			text_key(index, key);
			return true;
	}
	pg_unreachable();
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

Datum
tenant_array(const pg_uuid_t *keys, int count, const UserMemberships *m, IdKind kind)
{
	Datum *elements = static_cast<Datum *>(palloc(Max(count, 1) * sizeof(Datum)));

	for (int i = 0; i < count; i++)
	{
		const unsigned char *key = keys[i].data;
		if (kind == IdKind::uuid)
			elements[i] = UUIDPGetDatum(&keys[i]);
		else if (kind == IdKind::integer)
			elements[i] = Int64GetDatum(integer_of_key(key));
		else
		{
			const TextRef &t = m->texts[text_index_of_key(key)];
			elements[i] = PointerGetDatum(cstring_to_text_with_len(t.bytes, t.length));
		}
	}
	if (kind == IdKind::uuid)
		PG_RETURN_ARRAYTYPE_P(
			construct_array(elements, count, UUIDOID, UUID_LEN, false, TYPALIGN_CHAR));
	if (kind == IdKind::integer)
		PG_RETURN_ARRAYTYPE_P(construct_array(elements, count, INT8OID, sizeof(int64),
											  FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	PG_RETURN_ARRAYTYPE_P(construct_array(elements, count, TEXTOID, -1, false, TYPALIGN_INT));
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

void
set_caller_hook(CallerHook hook)
{
	caller_hook = hook;
}

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
