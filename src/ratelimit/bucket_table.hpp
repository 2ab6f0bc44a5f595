/*
 * bucket_table.hpp: where the rate limiter's buckets live, as plain memory
 * (server glue places it in shared memory and locks each partition).
 *
 * The table is split into partitions, one lock each; a bucket belongs to
 * the partition its digest names. A partition is an open-addressing array
 * probed linearly from the bucket's home slot for at most probe_limit
 * slots. Slots are never emptied again once used: a bucket that is full
 * again (bucket_is_full) is idle, and its slot is taken over by the next
 * bucket that needs one, which is how idle buckets are evicted without
 * changing any answer. A lookup may stop at the first never-used slot: no
 * bucket was ever placed beyond it in that probe sequence.
 */
#pragma once
#include "core/pure.hpp"
#include "ratelimit/siphash.hpp"
#include "ratelimit/token_bucket.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace tenancy::ratelimit {

inline constexpr std::size_t bucket_hash_key_bytes = siphash_key_bytes;
inline constexpr std::size_t probe_limit = 32;
inline constexpr int partition_bits = 4;
inline constexpr int bucket_partitions = 1 << partition_bits;
inline constexpr std::size_t max_bucket_name_bytes = 1024;

/*
 * Names a bucket: SipHash-1-3 (siphash.hpp) of its name, keyed with a
 * random key of the table, so nobody can choose names that collide. The
 * limit is not hashed: a slot holds it and must match too, so one name
 * used with two limits is two buckets.
 */
struct BucketKey
{
	std::uint64_t digest; /* its low bits choose the partition, the rest the home slot */
};

inline int
partition_of(const BucketKey &key) noexcept
{
	return static_cast<int>(key.digest & (bucket_partitions - 1));
}

/*
 * Throws tenancy::Error for a name over max_bucket_name_bytes (54000) and
 * for a bad limit (check_limit).
 */
BucketKey bucket_key(const std::uint8_t *hash_key, std::string_view name, const Limit &limit);

struct Slot
{
	ScaledTime tat;
	std::int64_t interval_us;
	std::int32_t max_requests;
	bool used;
	std::uint64_t digest;
};

/* The slots of one partition; the caller holds its lock. */
class Partition
{
  public:
	Partition(Slot *slots, std::size_t size) noexcept : slots_(slots), size_(size) {}

	/*
	 * The bucket's slot, a new full bucket in a never-used or idle slot
	 * within the probe window, or nullptr when every slot there is busy.
	 */
	Slot *find_or_claim(const BucketKey &key, const Limit &limit, std::int64_t now_us) noexcept;

	/* Buckets in use that are not yet full again. */
	std::size_t busy_buckets(std::int64_t now_us) const noexcept;

  private:
	Slot *slots_;
	std::size_t size_;
};

/* Slots per partition for a table of total_buckets split in partitions. */
std::size_t slots_per_partition(std::size_t total_buckets, std::size_t partitions) noexcept;

} // namespace tenancy::ratelimit
