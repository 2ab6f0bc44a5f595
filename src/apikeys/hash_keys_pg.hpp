/*
 * hash_keys_pg.hpp: the keys this backend hashes API keys with: the
 * sub-keys derived from the master keys of tenancy.key_file (checked
 * against the file once per transaction) and the backend's memo key.
 */
#pragma once
#include "apikeys/key_format.hpp" /* pure headers before server headers */
#include "core/pg.hpp"

namespace tenancy::apikeys {

/*
 * The sub-key that hashes keys under master key key_id, or nullptr when
 * the key file has no key key_id. The key file is read (stat'ed) at the
 * transaction's first call, and each sub-key checked against it at its
 * first use in the transaction; throws tenancy::Error when it is unusable.
 */
const uint8 *hash_subkey(int32 key_id);

/* The highest key id of the key file as the transaction first read it. */
int32 highest_hash_key_id(void);

/* The backend's random memo key (memo_key_bytes), made at first use. */
const uint8 *memo_key(void);

/*
 * At transaction end (only flags: no allocation, no error): the next
 * transaction reads the key file again and checks each sub-key against it.
 */
void transaction_ended_for_hash_keys(void) noexcept;

} // namespace tenancy::apikeys
