/*
 * helpers_pg.hpp: what every access helper answers from (server glue;
 * helpers_pg.cpp). The permission helpers (permission_helpers_pg.cpp) use
 * it too.
 */
#pragma once
#include "membership/membership_cache_pg.hpp"

namespace tenancy {

/* The type of a helper's tenant argument. */
enum class Arg
{
	uuid,
	bigint,
	text,
};

/* Whose memberships a helper answers from, in a scope whose tenant ids are of kind. */
struct Caller
{
	const char *scope;
	bool known; /* kind is known: false only without a registration and a user */
	IdKind kind;
	const UserMemberships *m; /* nullptr: no user, or nothing there */
};

/*
 * The current caller's memberships in scope (an API key's, or the user's,
 * narrowed to the active tenant in the default scope), with the kind of the
 * scope's tenant ids. The one place that decides whose memberships a helper
 * sees. Valid until the next call.
 */
Caller caller_memberships(const char *scope);

/* 42804 unless a tenant argument of type arg can name a tenant of caller's scope. */
void require_argument_kind(const Caller &caller, Arg arg);

/*
 * The key of the tenant argument argno (of type arg) names in caller's
 * scope; false when it names none of the caller's tenants for certain.
 */
bool argument_key(const Caller &caller, FunctionCallInfo fcinfo, int argno, Arg arg,
				  unsigned char key[16]);

/*
 * The tenants of keys (count of them, keys of m's scope) as an array of
 * kind's type: uuid[], bigint[] or text[].
 */
Datum tenant_array(const pg_uuid_t *keys, int count, const UserMemberships *m, IdKind kind);

/* The scope argument of a helper's scoped form; NULL is an error, not "no access". */
const char *scope_argument(FunctionCallInfo fcinfo, int argno);

} // namespace tenancy
