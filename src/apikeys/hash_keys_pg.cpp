/*
 * hash_keys_pg.cpp: the keys this backend hashes API keys with (see
 * hash_keys_pg.hpp).
 *
 * The backend's key ring (vault/sealing_pg.hpp) stats the key file and
 * checks its owner at every call: system calls that cost several times
 * the rest of a warm authentication (a PostgREST request authenticates
 * once, so even one stat() per transaction was 2 to 3% of a key request's
 * backend CPU on this project's virtual machine). So the ring is taken
 * again only by a transaction that started a second or more after the
 * one that last took it (the transaction's start time: no clock read, and
 * a clock stepped back counts as a second passed): a key file replaced,
 * chmod'ed or removed is seen within a second, at a transaction's start.
 *
 * Deriving a sub-key is a BLAKE2b, which costs as much as the rest of a
 * PostgREST request's key check: so the sub-keys are kept for the
 * backend's life, with a copy of the master key each came from, in
 * sodium_malloc'd (locked, guarded) memory as the vault keeps the master
 * keys themselves. At each transaction's first authentication every kept
 * sub-key's master key is compared with the key file's key of that id: a
 * key changed under the same id is derived again, a key gone from the
 * file hashes nothing, and an unusable key file wipes them all.
 *
 * The memo key (random, for the backend's life, in the same memory) keys
 * the memos of keys already verified (key_format.hpp, key_memo).
 */
#include "apikeys/hash_keys_pg.hpp"
#include "vault/sealing_pg.hpp"

extern "C" {
#include "access/xact.h"
}

#include <sodium.h>

namespace tenancy::apikeys {

namespace {

/* A key file rarely holds more than a few keys that hashed live keys. */
constexpr int slot_count = 4;

/* How long a check of the key file holds, by transactions' start times. */
constexpr int64 ring_check_interval_us = USECS_PER_SEC;

struct Slot
{
	int32 key_id;
	bool present; /* false: the key file has no key key_id */
	bool derived; /* subkey is derived from master */
	uint8 master[master_key_bytes];
	uint8 subkey[hash_bytes];
};

struct BackendKeys
{
	uint8 memo_key[memo_key_bytes];
	bool ring_read; /* the key file was read by the transaction that started at ring_read_at */
	TimestampTz ring_read_at;
	int32 highest_id;
	int used;
	int next; /* the slot a miss overwrites when all are used */
	Slot slots[slot_count];
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

void
wipe_slots(BackendKeys &keys) noexcept
{
	sodium_memzero(keys.slots, sizeof(keys.slots));
	keys.used = 0;
	keys.next = 0;
}

/* Makes slot hold the sub-key of master, or none when master is nullptr. */
void
fill_slot(Slot &slot, int32 key_id, const uint8 *master) noexcept
{
	slot.key_id = key_id;
	slot.present = master != nullptr;
	if (master == nullptr)
	{
		sodium_memzero(slot.master, sizeof(slot.master));
		sodium_memzero(slot.subkey, sizeof(slot.subkey));
		slot.derived = false;
		return;
	}
	if (!slot.derived || sodium_memcmp(slot.master, master, master_key_bytes) != 0)
	{
		memcpy(slot.master, master, master_key_bytes);
		derive_subkey(master, slot.subkey);
		slot.derived = true;
	}
}

/* True when the last check of the key file still holds for this transaction. */
bool
ring_checked(const BackendKeys &keys)
{
	TimestampTz start = GetCurrentTransactionStartTimestamp();
	return keys.ring_read && start >= keys.ring_read_at &&
		   start - keys.ring_read_at < ring_check_interval_us;
}

/*
 * The key ring; when the last check no longer holds, every kept sub-key is
 * checked against it. Throws when the key file is unusable, after wiping
 * the sub-keys (an unreadable key file leaves none behind).
 */
const vault::KeyRing &
checked_ring(BackendKeys &keys)
{
	try
	{
		const vault::KeyRing &ring = vault::current_key_ring();
		if (!ring_checked(keys))
		{
			for (int i = 0; i < keys.used; i++)
				fill_slot(keys.slots[i], keys.slots[i].key_id, ring.key(keys.slots[i].key_id));
			keys.highest_id = ring.highest_id();
			keys.ring_read = true;
			keys.ring_read_at = GetCurrentTransactionStartTimestamp();
		}
		return ring;
	}
	catch (...)
	{
		wipe_slots(keys);
		keys.ring_read = false;
		throw;
	}
}

} // namespace

const uint8 *
hash_subkey(int32 key_id)
{
	BackendKeys &keys = backend_keys();
	if (!ring_checked(keys))
		(void) checked_ring(keys);
	for (int i = 0; i < keys.used; i++)
		if (keys.slots[i].key_id == key_id)
			return keys.slots[i].present ? keys.slots[i].subkey : nullptr;
	// a key id not seen before: read the ring again (its reference may be stale)
	const uint8 *master = checked_ring(keys).key(key_id);
	Slot &slot = keys.slots[keys.used < slot_count ? keys.used++ : keys.next];
	keys.next = (keys.next + 1) % slot_count;
	sodium_memzero(&slot, sizeof(Slot));
	fill_slot(slot, key_id, master);
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
	BackendKeys &keys = backend_keys();
	if (!ring_checked(keys))
		(void) checked_ring(keys);
	return keys.highest_id;
}

} // namespace tenancy::apikeys
