/*
 * helper_caller_pg.cpp: whose memberships every access helper answers
 * from (helpers_pg.hpp, caller_memberships): an API key's when one is the
 * caller (the hook), else the current user's, read from the claims as the
 * scope's user kind, narrowed to the active tenant in the active scope and
 * to its children in the scopes derived from it.
 *
 * Plain C-style glue: PODs and palloc'd memory only.
 */
#include "core/boundary.hpp"
#include "membership/active_scope_pg.hpp"
#include "membership/helpers_pg.hpp"
#include "membership/hierarchy_pg.hpp"
#include "membership/registration_pg.hpp"
#include "identity/identity_pg.hpp"

extern "C" {
#include "utils/guc.h"
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

void
set_caller_hook(CallerHook hook)
{
	caller_hook = hook;
}

} // namespace tenancy
