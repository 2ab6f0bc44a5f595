/*
 * key_use_pg.hpp: recording the last use of an API key (last_used_at).
 */
#pragma once
#include "apikeys/api_key_cache_pg.hpp"

namespace tenancy::apikeys {

/*
 * Records that record's key was used now, at most once a minute per key
 * and backend, never blocking: written to the table where a write can be
 * made, else noted in shared memory (use_notes_pg.hpp) for a later flush.
 */
void note_use(KeyRecord *record, TimestampTz now);

} // namespace tenancy::apikeys
