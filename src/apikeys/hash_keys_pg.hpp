/*
 * hash_keys_pg.hpp: the keys this backend hashes API keys with: the
 * sub-keys derived from the master keys of tenancy.key_file (checked
 * against the file by a transaction starting a second or more after the
 * last check) and the backend's memo key.
 */
#pragma once
#include "apikeys/key_format.hpp" /* pure headers before server headers */
#include "core/pg.hpp"

namespace tenancy::apikeys {

/*
 * The sub-key that hashes keys under master key key_id, or nullptr when
 * the key file has no key key_id. The key file is read (stat'ed) again,
 * and each kept sub-key checked against it, by the first call of a
 * transaction that started a second or more after the last check; throws
 * tenancy::Error when it is unusable.
 */
const uint8 *hash_subkey(int32 key_id);

/* The highest key id of the key file as last checked. */
int32 highest_hash_key_id(void);

/* The backend's random memo key (memo_key_bytes), made at first use. */
const uint8 *memo_key(void);

} // namespace tenancy::apikeys
