/*
 * step.hpp: partition steps and the calendar arithmetic behind them.
 *
 * Times are PostgreSQL timestamps without time zone: microseconds since
 * 2000-01-01 00:00:00. Time partitions are computed in UTC (the SQL side
 * converts timestamptz with AT TIME ZONE 'UTC'), so there is no daylight
 * saving arithmetic here.
 *
 * A step is either a whole number of months (month, quarter, year) or a
 * fixed length of whole seconds (hour, day, week, ...). Steps mixing months
 * with days or time are refused: their boundaries would drift.
 */
#pragma once
#include "core/pure.hpp"

#include <cstdint>

namespace tenancy {

using Timestamp = std::int64_t; /* microseconds since 2000-01-01 00:00:00 */

inline constexpr std::int64_t usecs_per_second = 1000000;
inline constexpr std::int64_t usecs_per_minute = 60 * usecs_per_second;
inline constexpr std::int64_t usecs_per_hour = 60 * usecs_per_minute;
inline constexpr std::int64_t usecs_per_day = 24 * usecs_per_hour;

/* PostgreSQL's valid timestamp range: [4714-11-24 BC, 294277-01-01). */
inline constexpr Timestamp min_timestamp = -211813488000000000LL;
inline constexpr Timestamp end_timestamp = 9223371331200000000LL;

struct CivilTime
{
	std::int64_t year; /* astronomical: 0 is 1 BC */
	int month;		   /* 1..12 */
	int day;		   /* 1..31 */
	int hour, minute, second;
	int usec;
};

CivilTime civil_from_timestamp(Timestamp ts);
Timestamp timestamp_from_civil(const CivilTime &c);

class Step
{
  public:
	/*
	 * From an interval's fields. Throws 22023 for a zero or negative step,
	 * a step mixing months with days or time, or a fraction of a second;
	 * with whole_days, also for a step that is not a whole number of days
	 * (date columns).
	 */
	Step(std::int32_t months, std::int32_t days, std::int64_t usecs, bool whole_days = false);

	bool is_months() const noexcept { return months_ > 0; }
	std::int32_t months() const noexcept { return months_; }
	std::int64_t fixed_usecs() const noexcept { return fixed_; }

	/*
	 * The start of the step holding ts. Month steps align to the calendar
	 * (quarters to Jan/Apr/Jul/Oct, years to January); fixed steps align
	 * to multiples of the step counted from Monday 2000-01-03 00:00, so days
	 * start at midnight, weeks on Monday and hours on the hour.
	 */
	Timestamp floor(Timestamp ts) const;

	/* ts plus n steps (n may be negative). Throws 22008 when out of range. */
	Timestamp add(Timestamp ts, std::int64_t n) const;

	/*
	 * How many steps start in [from, to], both step starts (floor()), from
	 * <= to: counted by arithmetic, so a window of a billion one-second
	 * steps is measured without walking it.
	 */
	std::int64_t count(Timestamp from, Timestamp to) const;

  private:
	std::int32_t months_ = 0;
	std::int64_t fixed_ = 0;
};

/*
 * ts minus an interval of months, days and microseconds, as PostgreSQL's
 * timestamp - interval computes it: months first (the day of month cut to
 * the month's last: 2028-03-31 - 1 month = 2028-02-29), then days, then
 * time. Throws 22008 when the result leaves the timestamp range.
 */
Timestamp subtract_interval(Timestamp ts, std::int32_t months, std::int32_t days,
							std::int64_t usecs);

namespace sqlstate {
inline constexpr const char *datetime_field_overflow = "22008";
}

} // namespace tenancy
