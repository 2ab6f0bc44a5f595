/*
 * key_check_pg.cpp: the check of a key's text (see key_check_pg.hpp).
 *
 * A warm check (the text verified before in this backend) costs a lookup,
 * a SipHash and a constant-time compare; any other text the keyed BLAKE2b
 * against the stored hash. Plain C style: nothing here has a destructor,
 * so an error raised below (the cache, the key file) skips nothing.
 */
#include "apikeys/key_check_pg.hpp"
#include "apikeys/hash_keys_pg.hpp"
#include "apikeys/key_scratch_pg.hpp"
#include "apikeys/key_use_pg.hpp"

extern "C" {
#include "utils/timestamp.h"
}

#include <sodium.h>

namespace tenancy::apikeys {

namespace {

/*
 * The record of the key text if this backend verified that text before
 * under the same sub-key (its memo matches), else nullptr.
 */
KeyRecord *
remembered(std::string_view text)
{
	pg_uuid_t id;
	KeyId parsed;
	if (!peek_key_id(text, parsed))
		return nullptr;
	memcpy(id.data, parsed.data(), id_bytes);
	KeyRecord *record = key_record(&id);
	// every text of a key's shape costs the memo, so a miss tells nothing
	const uint8 *subkey = hash_subkey(record->exists ? record->hash_key_id : highest_hash_key_id());
	if (subkey == nullptr)
		return nullptr;
	bool same = same_memo(key_memo(memo_key(), subkey, text), record->memo);
	return record->exists && record->memo_set && same ? record : nullptr;
}

/*
 * The record of the key text, verified against the stored hash in
 * constant time (unknown ids cost the same hash as known ones); a PT401
 * error for a malformed key or one that does not match.
 */
KeyRecord *
verified(std::string_view text)
{
	// in the scratch: a cache fill or the key file below may raise before the wipe
	KeyScratch *scratch = take_key_scratch();
	ParsedKey &key = scratch->parsed;
	parse_key(text, key);
	pg_uuid_t id;
	memcpy(id.data, key.id.data(), id_bytes);
	KeyRecord *record = key_record(&id);
	const uint8 *subkey = hash_subkey(record->exists ? record->hash_key_id : highest_hash_key_id());
	bool matches = subkey != nullptr && same_hash(subkey_hash(subkey, key), record->hash);
	give_back_key_scratch(scratch);
	if (!record->exists || !matches)
		refuse_key();
	KeyMemo memo = key_memo(memo_key(), subkey, text);
	memcpy(record->memo, memo.data(), memo_bytes);
	record->memo_set = true;
	return record;
}

} // namespace

/* Revocation and expiry are checked at every call, against the clock. */
KeyRecord *
active_key(std::string_view text)
{
	KeyRecord *record = remembered(text);
	if (record == nullptr)
		record = verified(text);
	TimestampTz now = GetCurrentTimestamp();
	if (record->revoked || record->expires_at <= now)
		refuse_key();
	note_use(record, now);
	return record;
}

} // namespace tenancy::apikeys
