/*
 * token_bucket.cpp: GCRA decisions (see token_bucket.hpp).
 */
#include "ratelimit/token_bucket.hpp"
#include "core/error.hpp"

namespace tenancy::ratelimit {

void
check_limit(std::int32_t max_requests, std::int64_t interval_us)
{
	if (max_requests <= 0)
		throw Error(sqlstate::invalid_parameter_value, "max_requests must be greater than 0",
					{}, "Pass the number of requests the bucket allows per interval, 1 or more.");
	if (interval_us <= 0)
		throw Error(sqlstate::invalid_parameter_value, "the interval must be longer than 0",
					{}, "Pass a positive interval without months or years, such as '1 minute'.");
}

ScaledTime
scaled(const Limit &limit, std::int64_t now_us) noexcept
{
	return static_cast<ScaledTime>(now_us) * limit.max_requests;
}

/*
 * In scaled units a request costs interval_us, and the bucket may run
 * ahead of now by at most interval * max - interval (max - 1 requests
 * already queued): so the max-th back-to-back request is the last admitted.
 */
bool
take_token(const Limit &limit, std::int64_t now_us, ScaledTime *tat) noexcept
{
	const ScaledTime now = scaled(limit, now_us);
	const ScaledTime cost = limit.interval_us;
	const ScaledTime tolerance = cost * limit.max_requests - cost;
	const ScaledTime start = *tat > now ? *tat : now;

	if (start - now > tolerance)
		return false;
	*tat = start + cost;
	return true;
}

bool
bucket_is_full(const Limit &limit, std::int64_t now_us, ScaledTime tat) noexcept
{
	return tat <= scaled(limit, now_us);
}

std::int64_t
retry_after_us(const Limit &limit, std::int64_t now_us, ScaledTime tat) noexcept
{
	const ScaledTime now = scaled(limit, now_us);
	const ScaledTime cost = limit.interval_us;
	const ScaledTime excess = tat - now - (cost * limit.max_requests - cost);

	if (excess <= 0)
		return 0;
	// round up to whole microseconds
	return static_cast<std::int64_t>((excess + limit.max_requests - 1) / limit.max_requests);
}

} // namespace tenancy::ratelimit
