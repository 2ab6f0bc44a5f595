/*
 * use_notes_pg.hpp: uses of API keys noted in shared memory where the
 * table cannot be written (a read-only transaction, a standby, a
 * repeatable read snapshot), flushed to last_used_at later.
 */
#pragma once
#include "core/pg.hpp"

extern "C" {
#include "datatype/timestamp.h"
#include "utils/uuid.h"
}

namespace tenancy::apikeys {

/* Slots in shared memory: one per key with a use not yet flushed. */
constexpr int use_note_slots = 1024;

/* Called by api_keys_init: requests the shared memory while preloading. */
void use_notes_init(void);

/*
 * Notes that key id of this database was used at used_at. False when the
 * note could not be kept: tenancy was not preloaded, or every slot holds
 * another key's note.
 */
bool note_key_use(const pg_uuid_t *id, TimestampTz used_at);

/* True when this database may have notes to flush (a cheap hint). */
bool key_uses_pending(void);

/*
 * Writes this database's notes to last_used_at (at most once a minute per
 * key, skipping rows another transaction holds) and forgets them. SPI is
 * connected and the user is the records table's owner. Returns the rows
 * written.
 */
uint64 flush_key_uses(void);

} // namespace tenancy::apikeys
