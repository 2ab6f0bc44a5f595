/*
 * shared_buckets_pg.hpp: the rate limiter's buckets in shared memory.
 */
#pragma once
#include "ratelimit/bucket_table.hpp" /* pure headers before server headers */
#include "core/pg.hpp"

namespace tenancy::ratelimit {

/*
 * Called by _PG_init. Defines tenancy.rate_limit_buckets and, when the
 * library is being preloaded, requests the shared memory and locks.
 */
void shared_buckets_init(void);

/* Raises 55000 with a hint when tenancy was not preloaded. */
void require_shared_buckets(void);

/* The table's random bucket hash key (bucket_hash_key_bytes). */
const uint8 *shared_bucket_hash_key(void);

/*
 * Decides one request against the bucket; raises 53400 when every slot the
 * bucket may use holds a busy bucket. *retry_after_us is set when refused.
 */
bool take_shared_token(const BucketKey &key, const Limit &limit, int64 now_us,
					   int64 *retry_after_us);

struct SharedBucketUsage
{
	int64 capacity;
	int64 busy;
};
SharedBucketUsage shared_bucket_usage(int64 now_us);

} // namespace tenancy::ratelimit
