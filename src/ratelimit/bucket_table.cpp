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
bucket_key(const std::uint8_t *hash_key, std::string_view name, const Limit &limit)
{
	check_limit(limit.max_requests, limit.interval_us);
	if (name.size() > max_bucket_name_bytes)
		throw Error(sqlstate::program_limit_exceeded, "the bucket name is too long",
					"A bucket name may hold at most 1024 bytes.",
					"Name the bucket by a short key such as 'user:' || id.");
	// the limit is part of the key: one name used with two limits is two buckets
	static_assert(digest_bytes == crypto_shorthash_siphashx24_BYTES);
	static_assert(bucket_hash_key_bytes == crypto_shorthash_siphashx24_KEYBYTES);
	std::uint8_t message[sizeof(std::int32_t) + sizeof(std::int64_t) + max_bucket_name_bytes];
	std::size_t length = 0;
	std::memcpy(message + length, &limit.max_requests, sizeof(limit.max_requests));
	length += sizeof(limit.max_requests);
	std::memcpy(message + length, &limit.interval_us, sizeof(limit.interval_us));
	length += sizeof(limit.interval_us);
	std::memcpy(message + length, name.data(), name.size());
	length += name.size();

	BucketKey key;
	crypto_shorthash_siphashx24(key.digest, message, length, hash_key);
	// the digest is unpredictable without the key: its halves place the bucket
	key.partition_hash = read_u64(key.digest);
	key.slot_hash = read_u64(key.digest + 8);
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
