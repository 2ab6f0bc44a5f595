/*
 * access_pg.hpp: the membership registration and cache, shared by the
 * access glue files (server glue; plain C style, may ereport).
 */
#pragma once
#include "membership/membership_set.hpp"
#include "core/pg.hpp"

extern "C" {
#include "access/attnum.h"
#include "utils/uuid.h"
}

namespace tenancy {

/* Defines tenancy.membership_cache_size and the relcache callback. */
void access_init(void);

/*
 * Bumped by the relcache callback whenever the sentinel (the registration
 * table, which the membership triggers invalidate), the registered
 * membership table, or everything (InvalidOid) is invalidated. Anything
 * cached under an older generation is dropped before it is used again.
 */
extern uint64 membership_generation;

/* The registration as resolved against the catalogs. */
struct Registration
{
	Oid relid;
	AttrNumber tenant_attno;
	AttrNumber user_attno;
	AttrNumber role_attno;	 /* 0 when no role column */
	AttrNumber status_attno; /* 0 when no status column */
	Oid role_type;
	Oid status_type;
	FmgrInfo role_output;
	FmgrInfo status_output;
	int nstatuses;
	char **statuses; /* active statuses, as the column type prints them */
	Oid user_index;	 /* a btree index leading with the user column, or 0 */
};

/*
 * The registration, loaded again when the generation moved. Raises 55000
 * when nothing is registered or the registered table lost its columns.
 */
const Registration *current_registration(void);

/* The sentinel relation (tenancy.membership_registration). */
Oid membership_sentinel_relid(void);

/* Registers the relcache callback that bumps membership_generation. */
void register_relcache_callback(void);

/* The variable behind GUC tenancy.membership_cache_size. */
int *membership_cache_size_variable(void);

/* One user's active memberships. Valid until the next lookup. */
struct UserMemberships
{
	int nrows;
	MembershipRow *rows; /* sorted by workspace, then role */
	int nworkspaces;
	pg_uuid_t *workspaces; /* distinct, sorted */
	bool has_roles;		   /* a role column is registered */
};

/* The user's memberships, from the cache or the membership table. */
const UserMemberships *memberships_of(const pg_uuid_t *user);

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
