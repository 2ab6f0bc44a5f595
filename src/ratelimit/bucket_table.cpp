/*
 * bucket_table.cpp: bucket keys and the probing of one partition (see
 * bucket_table.hpp).
 */
#include "ratelimit/bucket_table.hpp"
#include "core/error.hpp"

#include <cstring>
#include <sodium.h>

namespace tenancy::ratelimit {

namespace {

bool
slot_is_idle(const Slot &slot, std::int64_t now_us) noexcept
{
	Limit limit{slot.max_requests, slot.interval_us};
	return bucket_is_full(limit, now_us, slot.tat);
}

std::uint64_t
read_u64(const std::uint8_t *bytes) noexcept
{
	std::uint64_t value;
	std::memcpy(&value, bytes, sizeof(value));
	return value;
}

} // namespace

BucketKey
bucket_key(std::string_view name, const Limit &limit)
{
	check_limit(limit.max_requests, limit.interval_us);
	if (name.size() > max_bucket_name_bytes)
		throw Error(sqlstate::program_limit_exceeded, "the bucket name is too long",
					"A bucket name may hold at most 1024 bytes.",
					"Name the bucket by a short key such as 'user:' || id.");
	// the limit is part of the key: one name used with two limits is two buckets
	crypto_generichash_state state;
	std::uint8_t full[32];
	std::uint64_t name_length = name.size();
	crypto_generichash_init(&state, nullptr, 0, sizeof(full));
	crypto_generichash_update(&state, reinterpret_cast<const unsigned char *>(&name_length),
							  sizeof(name_length));
	crypto_generichash_update(&state, reinterpret_cast<const unsigned char *>(name.data()),
							  name.size());
	crypto_generichash_update(&state, reinterpret_cast<const unsigned char *>(&limit.max_requests),
							  sizeof(limit.max_requests));
	crypto_generichash_update(&state, reinterpret_cast<const unsigned char *>(&limit.interval_us),
							  sizeof(limit.interval_us));
	crypto_generichash_final(&state, full, sizeof(full));

	BucketKey key;
	std::memcpy(key.digest, full, digest_bytes);
	key.partition_hash = read_u64(full + 16);
	key.slot_hash = read_u64(full + 24);
	return key;
}

Slot *
Partition::find_or_claim(const BucketKey &key, const Limit &limit, std::int64_t now_us) noexcept
{
	Slot *reusable = nullptr;
	std::size_t window = size_ < probe_limit ? size_ : probe_limit;

	for (std::size_t i = 0; i < window; i++)
	{
		Slot &slot = slots_[(key.slot_hash + i) % size_];
		if (!slot.used)
		{
			if (reusable == nullptr)
				reusable = &slot;
			break;
		}
		if (std::memcmp(slot.digest, key.digest, digest_bytes) == 0)
			return &slot;
		if (reusable == nullptr && slot_is_idle(slot, now_us))
			reusable = &slot;
	}
	if (reusable == nullptr)
		return nullptr;
	std::memcpy(reusable->digest, key.digest, digest_bytes);
	reusable->max_requests = limit.max_requests;
	reusable->interval_us = limit.interval_us;
	reusable->tat = 0;
	reusable->used = true;
	return reusable;
}

std::size_t
Partition::busy_buckets(std::int64_t now_us) const noexcept
{
	std::size_t busy = 0;
	for (std::size_t i = 0; i < size_; i++)
		if (slots_[i].used && !slot_is_idle(slots_[i], now_us))
			busy++;
	return busy;
}

std::size_t
slots_per_partition(std::size_t total_buckets, std::size_t partitions) noexcept
{
	std::size_t per = (total_buckets + partitions - 1) / partitions;
	return per < 1 ? 1 : per;
}

} // namespace tenancy::ratelimit
