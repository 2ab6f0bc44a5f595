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

/*
 * As current_user_uuid, but never raises: malformed claims or a user claim
 * that is not a UUID give false, as no user does. For the audit trigger,
 * which must never block a write over a bad token.
 */
bool current_user_uuid_if_valid(pg_uuid_t *user_id);

/*
 * The user claim as text (tenancy.current_user_id_text()): true with *text
 * (valid until the next call; no NUL inside) and *length set, or false when
 * there is no user. Raises 22P02 naming the claim, never showing it, when
 * the claim is not a string of 1 to 255 bytes. For scopes whose user ids
 * are text or integers. Plain C style, may ereport.
 */
bool current_user_text(const char **text, Size *length);

/*
 * Where the caller's claims are, for readers of one more claim: the JSON
 * claims document the claims setting holds (NULL when there is none), the
 * older per-claim user setting's value when there is no document (or
 * NULL), the user claim's name, and a version that changes whenever any of
 * them does, so a reader parses once per document. Raises 22P02 when the
 * document is malformed. Valid until the next call.
 */
struct ClaimsSource
{
	const char *document;
	const char *legacy_user;
	const char *user_claim;
	uint64 version;
};
ClaimsSource current_claims_source(void);

/* Defines tenancy.active_tenant_claim; called once from _PG_init. */
void active_tenant_init(void);

/*
 * The tenant named by the claim tenancy.active_tenant_claim names: true and
 * *tenant set, or false when the setting is unset or the caller's claims
 * do not carry it (absent or JSON null). Raises 22P02 naming the claim when
 * its value is not a UUID. Plain C style, may ereport.
 */
bool current_active_tenant(pg_uuid_t *tenant);

/*
 * The same claim as the string it is (for a scope of text or integer
 * tenant ids): true with *text (valid until the next call) and *length, or
 * false as above. Raises 22P02 naming the claim when it is not a string of
 * 1 to 255 bytes without NUL.
 */
bool current_active_tenant_text(const char **text, Size *length);

/*
 * Another caller than a user (an API key made the caller of the
 * transaction): the hook answers true while there is one, and the user
 * functions answer NULL whatever the claims say. Set once at load.
 */
using NoUserHook = bool (*)(void);
void set_no_user_hook(NoUserHook hook);
bool caller_has_no_user(void);

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
