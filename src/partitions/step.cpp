/*
 * step.cpp: calendar conversion (Howard Hinnant's civil-from-days) and step
 * alignment.
 */
#include "partitions/step.hpp"

#include "core/error.hpp"

#include <algorithm>
#include <string>

namespace tenancy {

/* 2000-01-01 is day 10957 counted from 1970-01-01. */
static constexpr std::int64_t pg_epoch_days = 10957;
/* Monday 2000-01-03, the anchor of fixed steps. */
static constexpr Timestamp fixed_anchor = 2 * usecs_per_day;

static std::int64_t
floor_div(std::int64_t a, std::int64_t b)
{
	std::int64_t q = a / b;
	return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

static std::int64_t
days_from_civil(std::int64_t y, int m, int d)
{
	y -= m <= 2;
	const std::int64_t era = floor_div(y, 400);
	const std::int64_t yoe = y - era * 400;
	const std::int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void
civil_from_days(std::int64_t z, std::int64_t &y, int &m, int &d)
{
	z += 719468;
	const std::int64_t era = floor_div(z, 146097);
	const std::int64_t doe = z - era * 146097;
	const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	const std::int64_t mp = (5 * doy + 2) / 153;
	d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
	m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
	y = yoe + era * 400 + (m <= 2);
}

static int
days_in_month(std::int64_t y, int m)
{
	static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m == 2 && leap ? 29 : days[m - 1];
}

static Timestamp
checked(Timestamp ts)
{
	if (ts < min_timestamp || ts >= end_timestamp)
		throw Error(sqlstate::datetime_field_overflow, "partition bound out of range",
					"A partition step reaches past the range of timestamp.",
					"Use a start_at or premake that stays within the timestamp range.");
	return ts;
}

CivilTime
civil_from_timestamp(Timestamp ts)
{
	const std::int64_t day = floor_div(ts, usecs_per_day);
	std::int64_t tod = ts - day * usecs_per_day;
	CivilTime c{};
	civil_from_days(day + pg_epoch_days, c.year, c.month, c.day);
	c.hour = static_cast<int>(tod / usecs_per_hour);
	tod %= usecs_per_hour;
	c.minute = static_cast<int>(tod / usecs_per_minute);
	tod %= usecs_per_minute;
	c.second = static_cast<int>(tod / usecs_per_second);
	c.usec = static_cast<int>(tod % usecs_per_second);
	return c;
}

Timestamp
timestamp_from_civil(const CivilTime &c)
{
	const std::int64_t day = days_from_civil(c.year, c.month, c.day) - pg_epoch_days;
	return day * usecs_per_day + c.hour * usecs_per_hour + c.minute * usecs_per_minute +
		   c.second * usecs_per_second + c.usec;
}

Step::Step(std::int32_t months, std::int32_t days, std::int64_t usecs, bool whole_days)
{
	const char *hint = "Use a positive step of whole months (e.g. '1 month') or of whole "
					   "seconds, hours or days (e.g. '1 day').";
	if (months < 0 || days < 0 || usecs < 0 || (months == 0 && days == 0 && usecs == 0))
		throw Error(sqlstate::invalid_parameter_value, "partition step must be positive", {},
					hint);
	if (months > 0 && (days > 0 || usecs > 0))
		throw Error(sqlstate::invalid_parameter_value,
					"partition step must not mix months with days or time",
					"Month lengths vary, so such a step has no fixed boundaries.", hint);
	if (months > 0)
	{
		months_ = months;
		return;
	}
	if (usecs % usecs_per_second != 0)
		throw Error(sqlstate::invalid_parameter_value,
					"partition step must be a whole number of seconds", {}, hint);
	fixed_ = static_cast<std::int64_t>(days) * usecs_per_day + usecs;
	if (whole_days && fixed_ % usecs_per_day != 0)
		throw Error(sqlstate::invalid_parameter_value,
					"partition step of a date column must be whole days or months", {},
					"Use a step such as '1 day', '7 days' or '1 month'.");
}

Timestamp
Step::floor(Timestamp ts) const
{
	checked(ts);
	if (months_ == 0)
		return checked(floor_div(ts - fixed_anchor, fixed_) * fixed_ + fixed_anchor);
	const CivilTime c = civil_from_timestamp(ts);
	const std::int64_t index = floor_div(c.year * 12 + (c.month - 1), months_) * months_;
	CivilTime start{};
	start.year = floor_div(index, 12);
	start.month = static_cast<int>(index - start.year * 12) + 1;
	start.day = 1;
	return checked(timestamp_from_civil(start));
}

Timestamp
Step::add(Timestamp ts, std::int64_t n) const
{
	checked(ts);
	/* Far outside the timestamp range either way: refuse before overflowing. */
	if (n > 4000000000LL || n < -4000000000LL)
		checked(end_timestamp);
	if (months_ == 0)
	{
		const std::int64_t span = fixed_ * n;
		if (n != 0 && span / n != fixed_)
			checked(end_timestamp);
		if ((span > 0 && ts > end_timestamp - span) || (span < 0 && ts < min_timestamp - span))
			checked(end_timestamp);
		return checked(ts + span);
	}
	CivilTime c = civil_from_timestamp(ts);
	const std::int64_t index = c.year * 12 + (c.month - 1) + n * months_;
	c.year = floor_div(index, 12);
	c.month = static_cast<int>(index - c.year * 12) + 1;
	if (c.year > 294276 || c.year < -4714)
		checked(end_timestamp);
	const int last = days_in_month(c.year, c.month);
	if (c.day > last)
		c.day = last; /* as PostgreSQL does: Jan 31 + 1 month = Feb 28/29 */
	return checked(timestamp_from_civil(c));
}

/*
 * ts - n * unit, refused (22008) outside the timestamp range. Unsigned
 * arithmetic: no intermediate value overflows, whatever n is.
 */
static Timestamp
shift_back(Timestamp ts, std::int64_t n, std::int64_t unit)
{
	const auto t = static_cast<std::uint64_t>(ts);
	const auto u = static_cast<std::uint64_t>(unit);
	if (n >= 0)
	{
		const std::uint64_t room = t - static_cast<std::uint64_t>(min_timestamp);
		if (static_cast<std::uint64_t>(n) > room / u)
			checked(min_timestamp - 1);
		return checked(static_cast<Timestamp>(t - static_cast<std::uint64_t>(n) * u));
	}
	const std::uint64_t room = static_cast<std::uint64_t>(end_timestamp) - t;
	const std::uint64_t back = 0 - static_cast<std::uint64_t>(n);
	if (back > room / u)
		checked(end_timestamp);
	return checked(static_cast<Timestamp>(t + back * u));
}

Timestamp
subtract_interval(Timestamp ts, std::int32_t months, std::int32_t days, std::int64_t usecs)
{
	checked(ts);
	if (months != 0)
	{
		CivilTime c = civil_from_timestamp(ts);
		const std::int64_t index = c.year * 12 + (c.month - 1) - months;
		c.year = floor_div(index, 12);
		c.month = static_cast<int>(index - c.year * 12) + 1;
		if (c.year > 294276 || c.year < -4714)
			checked(end_timestamp);
		c.day = std::min(c.day, days_in_month(c.year, c.month));
		ts = checked(timestamp_from_civil(c));
	}
	return shift_back(shift_back(ts, days, usecs_per_day), usecs, 1);
}

std::int64_t
Step::count(Timestamp from, Timestamp to) const
{
	if (to < from)
		return 0;
	if (months_ == 0)
		// Unsigned difference: cannot overflow between two valid timestamps.
		return static_cast<std::int64_t>((static_cast<std::uint64_t>(to) - static_cast<std::uint64_t>(from)) /
										 static_cast<std::uint64_t>(fixed_)) +
			   1;
	const CivilTime a = civil_from_timestamp(from), b = civil_from_timestamp(to);
	const std::int64_t months = (b.year * 12 + b.month) - (a.year * 12 + a.month);
	return months / months_ + 1;
}

} // namespace tenancy
