/*
 * bounds.cpp: partition ranges from PostgreSQL's sorted bound points.
 */
#include "partitions/bounds.hpp"

#include "core/error.hpp"

namespace tenancy {

namespace {

/* PostgreSQL's DATEVAL_NOBEGIN and DATEVAL_NOEND. */
constexpr std::int32_t date_minus_infinity = INT32_MIN;
constexpr std::int32_t date_plus_infinity = INT32_MAX;

} // namespace

Timestamp
timestamp_of_date(std::int32_t days)
{
	if (days == date_minus_infinity)
		return minus_infinity;
	if (days == date_plus_infinity)
		return plus_infinity;
	// Compared in days first: days * usecs_per_day can overflow 64 bits.
	// The range is the one PostgreSQL's date-to-timestamp cast accepts.
	if (days < min_timestamp / usecs_per_day)
		return minus_infinity;
	if (days >= end_timestamp / usecs_per_day)
		return plus_infinity;
	return static_cast<Timestamp>(days) * usecs_per_day;
}

std::vector<std::optional<Range>>
ranges_from_bound_points(const std::vector<Timestamp> &points, const std::vector<int> &indexes,
						 int nparts)
{
	if (nparts < 0 || indexes.size() != points.size() + 1)
		throw Error(sqlstate::invalid_parameter_value,
					"partition bound points and indexes do not match");
	std::vector<std::optional<Range>> out(static_cast<std::size_t>(nparts));
	for (std::size_t i = 0; i < points.size(); i++)
	{
		const int part = indexes[i];
		if (part < 0)
			continue;
		// The first point can only be a lower bound; the last entry of
		// indexes (values above every point) has no upper bound.
		if (i == 0 || part >= nparts || out[part])
			throw Error(sqlstate::invalid_parameter_value,
						"partition bound indexes are not a range layout");
		out[part] = Range{points[i - 1], points[i]};
	}
	if (indexes.back() >= 0)
		throw Error(sqlstate::invalid_parameter_value,
					"partition bound indexes are not a range layout");
	return out;
}

} // namespace tenancy
