/*
 * rate_limit_pg.cpp: tenancy.rate_limit, tenancy.enforce_rate_limit and
 * tenancy.rate_limit_usage.
 *
 * The glue reads the arguments, asks the pure core for the bucket key
 * (which may throw tenancy::Error: no C++ object with a destructor is live
 * when anything here raises) and decides under the partition's lock.
 */
#include "ratelimit/shared_buckets_pg.hpp"
#include "core/boundary.hpp"

extern "C" {
#include "access/htup_details.h"
#include "common/int.h"
#include "datatype/timestamp.h"
#include "funcapi.h"
#include "utils/timestamp.h"
}

#include <time.h>

namespace tenancy::ratelimit {

namespace {

/*
 * The limiter's one clock, read at each call (not the transaction's start):
 * the system's monotonic clock at its coarse resolution (one timer tick,
 * 4 ms here, clock_getres). The coarse read is a load from the vDSO page,
 * about 13 ns against 60 for the wall clock on this machine's kvm-clock,
 * where the wall clock was 9 to 17% of a call's row. Monotonic: a wall clock
 * stepped back or forward (NTP, an operator) neither freezes nor refills
 * buckets. One clock for every backend of the machine, so shared buckets
 * stay exact; docs/rate-limits.md says what the tick changes.
 */
int64
limiter_now_us(void)
{
	struct timespec now;

#ifdef CLOCK_MONOTONIC_COARSE
	clock_gettime(CLOCK_MONOTONIC_COARSE, &now);
#else
	clock_gettime(CLOCK_MONOTONIC, &now);
#endif
	return static_cast<int64>(now.tv_sec) * USECS_PER_SEC + now.tv_nsec / 1000;
}

[[noreturn]] void
report_null_argument(const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
			 errmsg("the rate limit's %s must not be NULL", what),
			 errhint("Pass a bucket name, a request count and an interval.")));
	pg_unreachable();
}

/* The interval as microseconds; months and years have no fixed length. */
int64
interval_microseconds(const Interval *per)
{
	int64 day_us;
	int64 total;

	if (per->month != 0 ||
		pg_mul_s64_overflow(static_cast<int64>(per->day), USECS_PER_DAY, &day_us) ||
		pg_add_s64_overflow(day_us, per->time, &total))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the rate limit's interval must not hold months or years"),
				 errhint("Write it in days or smaller units, such as '30 days'.")));
	return total;
}

/* Decides the request of fcinfo's (bucket, max_requests, per). */
bool
decide(FunctionCallInfo fcinfo, Limit *limit, int64 *retry_after)
{
	static const char *const names[3] = {"bucket", "max_requests", "interval"};

	for (int i = 0; i < 3; i++)
		if (PG_ARGISNULL(i))
			report_null_argument(names[i]);
	require_shared_buckets();
	text *bucket = PG_GETARG_TEXT_PP(0);
	limit->max_requests = PG_GETARG_INT32(1);
	limit->interval_us = interval_microseconds(PG_GETARG_INTERVAL_P(2));
	std::string_view name(VARDATA_ANY(bucket), VARSIZE_ANY_EXHDR(bucket));
	BucketKey key = bucket_key(shared_bucket_hash_key(), name, *limit);
	return take_shared_token(key, *limit, limiter_now_us(), retry_after);
}

} // namespace

} // namespace tenancy::ratelimit

TENANCY_FUNCTION(rate_limit)
{
	tenancy::ratelimit::Limit limit;
	int64 retry_after = 0;

	PG_RETURN_BOOL(tenancy::ratelimit::decide(fcinfo, &limit, &retry_after));
}

/*
 * SQLSTATE PT429 is PostgREST's spelling of "answer with HTTP 429"; the
 * bucket's name is not echoed (callers key buckets by user, key or IP).
 */
TENANCY_FUNCTION(enforce_rate_limit)
{
	tenancy::ratelimit::Limit limit;
	int64 retry_after = 0;

	if (!tenancy::ratelimit::decide(fcinfo, &limit, &retry_after))
	{
		int64 seconds = (retry_after + USECS_PER_SEC - 1) / USECS_PER_SEC;
		ereport(ERROR,
				(errcode(MAKE_SQLSTATE('P', 'T', '4', '2', '9')),
				 errmsg("rate limit exceeded"),
				 errdetail("The bucket allows %d requests per %s.", limit.max_requests,
						   DatumGetCString(DirectFunctionCall1(interval_out,
															   PG_GETARG_DATUM(2)))),
				 errhint("Retry after " INT64_FORMAT " seconds.", Max(seconds, 1))));
	}
	PG_RETURN_VOID();
}

TENANCY_FUNCTION(rate_limit_usage)
{
	TupleDesc desc;
	Datum values[2];
	bool nulls[2] = {false, false};

	if (get_call_result_type(fcinfo, nullptr, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "rate_limit_usage must return a record");
	tenancy::ratelimit::SharedBucketUsage usage =
		tenancy::ratelimit::shared_bucket_usage(tenancy::ratelimit::limiter_now_us());
	values[0] = Int64GetDatum(usage.capacity);
	values[1] = Int64GetDatum(usage.busy);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(desc), values, nulls)));
}
