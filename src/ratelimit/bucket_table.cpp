/*
 * bucket_table.cpp: bucket keys and the probing of one partition (see
 * bucket_table.hpp).
 */
#include "ratelimit/bucket_table.hpp"
#include "core/error.hpp"


namespace tenancy::ratelimit {

namespace {

bool
slot_is_idle(const Slot &slot, std::int64_t now_us) noexcept
{
	Limit limit{slot.max_requests, slot.interval_us};
	return bucket_is_full(limit, now_us, slot.tat);
}

bool
holds(const Slot &slot, const BucketKey &key, const Limit &limit) noexcept
{
	return slot.digest == key.digest && slot.max_requests == limit.max_requests && slot.interval_us == limit.interval_us;
}

std::size_t
home_slot(const BucketKey &key, std::size_t size) noexcept
{
	return (key.digest >> partition_bits) % size;
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
	BucketKey key;
	key.digest = siphash64<1, 3>(hash_key, reinterpret_cast<const std::uint8_t *>(name.data()),
								  name.size());
	return key;
}

Slot *
Partition::find_or_claim(const BucketKey &key, const Limit &limit, std::int64_t now_us) noexcept
{
	Slot *reusable = nullptr;
	std::size_t window = size_ < probe_limit ? size_ : probe_limit;
	std::size_t at = home_slot(key, size_); /* one division, not one per probe */

	for (std::size_t i = 0; i < window; i++, at = at + 1 == size_ ? 0 : at + 1)
	{
		Slot &slot = slots_[at];
		if (!slot.used)
		{
			if (reusable == nullptr)
				reusable = &slot;
			break;
		}
		if (holds(slot, key, limit))
			return &slot;
		if (reusable == nullptr && slot_is_idle(slot, now_us))
			reusable = &slot;
	}
	if (reusable == nullptr)
		return nullptr;
	reusable->digest = key.digest;
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
