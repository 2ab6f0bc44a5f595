/*
 * identity_pg.hpp: what other capabilities use of identity (server glue).
 */
#pragma once
#include "core/pg.hpp"

extern "C" {
#include "utils/uuid.h"
}

namespace tenancy {

/* Defines the identity GUCs; called once from _PG_init. */
void identity_init(void);

/*
 * The current user's id from the cached claims: true and *user_id set, or
 * false when there is no user. Raises 22P02 for a malformed token. Plain C
 * style: holds no C++ objects, may ereport.
 */
bool current_user_uuid(pg_uuid_t *user_id);

/* This backend's claims cache figures, for tenancy.cache_stats(). */
struct ClaimsCacheStats
{
	int64 hits;
	int64 misses;
	int64 invalidations;
	int64 entries;
};
ClaimsCacheStats claims_cache_stats(void);

/* Empties the claims cache and zeroes its figures. */
void claims_cache_reset(void);

} // namespace tenancy
