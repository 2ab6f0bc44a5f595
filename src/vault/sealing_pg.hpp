/*
 * sealing_pg.hpp: server glue shared by the vault's SQL functions: the key
 * ring of this backend, fingerprints, sealing and opening of column values.
 *
 * Plain C-style functions: they hold no C++ objects with destructors, so a
 * PostgreSQL error raised in them longjmps over nothing. The pure core they
 * call throws tenancy::Error, which the trampoline turns into ereport.
 */
#pragma once
#include "vault/keyring.hpp" /* pure headers before server headers */
#include "core/pg.hpp"

extern "C" {
#include "utils/uuid.h"
}

namespace tenancy::vault {

/*
 * The key ring named by tenancy.key_file; throws a clear error if unusable.
 * The reference is valid until the next call, which reloads the ring if the
 * file changed: take it again after running SQL that could run user code
 * (a trigger may call back into the vault).
 */
const KeyRing &current_key_ring();

/* The key id that seals: tenancy.active_key_id, or the highest in the file. */
int32 active_key_id(const KeyRing &ring);

/*
 * Before a key seals: records its fingerprint the first time, and refuses a
 * key whose fingerprint differs from the recorded one. Connects to SPI.
 */
void check_sealing_key(int32 key_id, const uint8 *key);

/* A sealed bytea of data under key key_id, bound to tenant and column. */
bytea *seal_value(const KeyRing &ring, int32 key_id, const pg_uuid_t *tenant,
				  const char *column, const char *data, size_t len);

/*
 * Opens a sealed value as text (palloc'd in the current context), or raises
 * "decryption failed", "key N is not in the key file" or the fingerprint
 * error. Connects to SPI only on failure.
 */
text *open_value(const KeyRing &ring, const bytea *sealed, const pg_uuid_t *tenant,
				 const char *column);

/*
 * The sealed value of column ("data_source" or "service_key") of tenant,
 * copied into the current context, or nullptr when NULL. Raises 42704 for
 * an unknown tenant.
 */
bytea *fetch_sealed(Datum tenant, const char *column);

/* Wipes and frees a palloc'd varlena holding plaintext. */
void wipe_varlena(struct varlena *value);

/* Raises 42704 for an unknown tenant. */
[[noreturn]] void report_unknown_tenant(Datum tenant);

} // namespace tenancy::vault
