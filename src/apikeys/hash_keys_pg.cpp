/*
 * hash_keys_pg.cpp: the keys this backend hashes API keys with (see
 * hash_keys_pg.hpp).
 *
 * The backend's key ring (vault/sealing_pg.hpp) stats the key file and
 * checks its owner at every call: two system calls that cost several times
 * the rest of a warm authentication. So a transaction takes the ring at
 * its first authentication and keeps the sub-keys it derives, in
 * sodium_malloc'd memory wiped when the transaction ends: a key file
 * replaced, chmod'ed or removed is seen from the next transaction on.
 *
 * The memo key (random, for the backend's life, in the same locked memory)
 * keys the memos of keys already verified (key_format.hpp, key_memo).
 */
#include "apikeys/hash_keys_pg.hpp"
#include "vault/sealing_pg.hpp"

#include <sodium.h>

namespace tenancy::apikeys {

namespace {

/* A key file rarely holds more than a few keys that hashed live keys. */
constexpr int slot_count = 4;

struct Slot
{
	int32 key_id;
	bool present; /* false: the key file has no key key_id */
	uint8 subkey[hash_bytes];
};

struct Subkeys
{
	bool read; /* the key file was read in this transaction */
	int32 highest_id;
	int used;
	int next; /* the slot a miss overwrites when all are used */
	Slot slots[slot_count];
};

struct BackendKeys
{
	uint8 memo_key[memo_key_bytes];
	Subkeys transaction;
};

BackendKeys *keys = nullptr;

BackendKeys &
backend_keys(void)
{
	if (keys == nullptr)
	{
		BackendKeys *made = static_cast<BackendKeys *>(sodium_malloc(sizeof(BackendKeys)));
		if (made == nullptr)
			ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY),
							errmsg("could not allocate memory for the API key hash keys")));
		sodium_memzero(made, sizeof(BackendKeys));
		randombytes_buf(made->memo_key, sizeof(made->memo_key));
		keys = made;
	}
	return *keys;
}

Subkeys &
transaction_subkeys(void)
{
	Subkeys *subkeys = &backend_keys().transaction;
	if (!subkeys->read)
	{
		subkeys->highest_id = vault::current_key_ring().highest_id();
		subkeys->read = true;
	}
	return *subkeys;
}

} // namespace

const uint8 *
hash_subkey(int32 key_id)
{
	Subkeys &keys = transaction_subkeys();

	for (int i = 0; i < keys.used; i++)
		if (keys.slots[i].key_id == key_id)
			return keys.slots[i].present ? keys.slots[i].subkey : nullptr;
	const uint8 *master = vault::current_key_ring().key(key_id);
	Slot &slot = keys.slots[keys.used < slot_count ? keys.used++ : keys.next];
	keys.next = (keys.next + 1) % slot_count;
	slot.key_id = key_id;
	slot.present = master != nullptr;
	if (slot.present)
		derive_subkey(master, slot.subkey);
	return slot.present ? slot.subkey : nullptr;
}

const uint8 *
memo_key(void)
{
	return backend_keys().memo_key;
}

int32
highest_hash_key_id(void)
{
	return transaction_subkeys().highest_id;
}

void
forget_hash_subkeys(void) noexcept
{
	if (keys != nullptr && keys->transaction.read)
		sodium_memzero(&keys->transaction, sizeof(Subkeys));
}

} // namespace tenancy::apikeys
