/*
 * token_bucket.hpp: the rate limiter's rule, as GCRA (the generic cell rate
 * algorithm, a token bucket stored as one number).
 *
 * A bucket allows max_requests per interval: it holds at most max_requests
 * tokens, a request takes one, and tokens come back at max_requests per
 * interval, continuously. A full bucket admits exactly max_requests requests
 * back to back; over any span of length d it admits at most
 * max_requests + max_requests * d / interval.
 *
 * The state is the theoretical arrival time (TAT): the time at which the
 * bucket is full again. Times are microseconds scaled by max_requests, so
 * the emission interval interval / max_requests is exact (no rounding).
 */
#pragma once
#include "core/pure.hpp"

#include <cstdint>

namespace tenancy::ratelimit {

using ScaledTime = __int128;

struct Limit
{
	std::int32_t max_requests; /* > 0 */
	std::int64_t interval_us;  /* > 0 */
};

/* Throws tenancy::Error (22023) for max_requests <= 0 or interval_us <= 0. */
void check_limit(std::int32_t max_requests, std::int64_t interval_us);

/* now_us in the scaled unit of the limit. */
ScaledTime scaled(const Limit &limit, std::int64_t now_us) noexcept;

/*
 * Decides one request at now_us against a bucket whose TAT is *tat (0 for
 * a new bucket): admits it and advances *tat, or refuses it and leaves *tat
 * as it was.
 */
bool take_token(const Limit &limit, std::int64_t now_us, ScaledTime *tat) noexcept;

/* A bucket whose TAT is not after now is full: forgetting it changes nothing. */
bool bucket_is_full(const Limit &limit, std::int64_t now_us, ScaledTime tat) noexcept;

/* Microseconds until the bucket has a token again (0 when it has one now). */
std::int64_t retry_after_us(const Limit &limit, std::int64_t now_us, ScaledTime tat) noexcept;

} // namespace tenancy::ratelimit
