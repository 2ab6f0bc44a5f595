/*
 * membership_cache_pg.hpp: the per-backend membership cache (server glue;
 * plain C style, may ereport). membership_cache_pg.cpp owns the cache and
 * its setting.
 */
#pragma once
#include "membership/id_keys.hpp"
#include "membership/membership_set.hpp"
#include "core/pg.hpp"

extern "C" {
#include "utils/snapshot.h"
#include "utils/uuid.h"
}

namespace tenancy {

/* Defines GUC tenancy.membership_cache_size. */
void membership_cache_init(void);

/*
 * One user's active memberships. Valid until the next lookup. Tenants are
 * keyed as id_keys.hpp says for tenant_kind (a uuid's key is the uuid).
 */
struct UserMemberships
{
	int nrows;
	MembershipRow *rows; /* sorted by tenant key, then role */
	int ntenants;
	pg_uuid_t *tenants; /* distinct tenant keys, sorted */
	bool has_roles;		/* a role column is registered */
	IdKind tenant_kind;
	/* text tenants: the user's distinct tenant texts in byte order; a key is a position here */
	int ntexts;
	const TextRef *texts;
};

/*
 * A user id of a scope's user kind: a uuid's 16 bytes, an integer's int64
 * (8 bytes, native order), a text's bytes.
 */
struct UserId
{
	IdKind kind;
	const char *bytes;
	Size length;
};

/*
 * The user's memberships in scope, from the cache or the scope's membership
 * table. The one entry point through which every helper learns what a user
 * may reach.
 */
const UserMemberships *memberships_of(const char *scope, const UserId *user);

/*
 * Selects tenants of all (keys of its kind) with snapshot: returns them
 * sorted in memcmp order, their number through *count.
 */
using KeepTenants = pg_uuid_t *(*)(void *arg, const UserMemberships *all, Snapshot snapshot,
								   int *count);

/*
 * The user's memberships in scope kept to the tenants keep selects, cached
 * like the memberships under the user and tag (which names the selection:
 * keep must select the same for the same tag while no invalidation
 * arrives). For the active tenant's children (helpers_pg.cpp).
 */
const UserMemberships *memberships_kept(const char *scope, const UserId *user, const char *tag,
										Size tag_length, KeepTenants keep, void *arg);

/*
 * Another caller than the claims' user may answer for a transaction (an
 * API key, src/apikeys, registers one at load). The hook returns true
 * while it is the caller, setting *memberships to what it holds in scope
 * (nullptr: nothing there); false leaves the user's memberships to answer.
 * Set at load; membership never names who sets it.
 */
using CallerHook = bool (*)(const char *scope, const UserMemberships **memberships);
void set_caller_hook(CallerHook hook);

struct MembershipCacheStats
{
	int64 hits;
	int64 misses;
	int64 invalidations;
	int64 entries;
};
MembershipCacheStats membership_cache_stats(void);
void membership_cache_reset(void);

} // namespace tenancy
