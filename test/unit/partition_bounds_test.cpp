/* partition_bounds_test.cpp: ranges from PostgreSQL's bound points. */
#include "core/error.hpp"
#include "partitions/bounds.hpp"

#include <catch2/catch.hpp>

using tenancy::Range;
using tenancy::Timestamp;

static const Timestamp day = tenancy::usecs_per_day;

TEST_CASE("contiguous ranges share their points", "[partitions][bounds]")
{
	// [0, 1d) is partition 2, [1d, 2d) partition 0, [2d, 3d) partition 1.
	auto r = tenancy::ranges_from_bound_points({0, day, 2 * day, 3 * day}, {-1, 2, 0, 1, -1}, 3);
	REQUIRE(r.size() == 3);
	CHECK(r[2]->lower == 0);
	CHECK(r[2]->upper == day);
	CHECK(r[0]->lower == day);
	CHECK(r[0]->upper == 2 * day);
	CHECK(r[1]->lower == 2 * day);
	CHECK(r[1]->upper == 3 * day);
}

TEST_CASE("gaps and the default partition", "[partitions][bounds]")
{
	// [0, 1d) is partition 0, a gap, [5d, 6d) is partition 2; 1 is the default.
	auto r = tenancy::ranges_from_bound_points({0, day, 5 * day, 6 * day}, {-1, 0, -1, 2, -1}, 3);
	CHECK(r[0]->upper == day);
	CHECK_FALSE(r[1].has_value());
	CHECK(r[2]->lower == 5 * day);
	CHECK(r[2]->upper == 6 * day);
}

TEST_CASE("MINVALUE and MAXVALUE are the infinite timestamps", "[partitions][bounds]")
{
	auto r = tenancy::ranges_from_bound_points({tenancy::minus_infinity, 0, tenancy::plus_infinity},
											   {-1, 0, 1, -1}, 2);
	CHECK(r[0]->lower == tenancy::minus_infinity);
	CHECK(r[1]->upper == tenancy::plus_infinity);
}

TEST_CASE("no partitions, or only a default", "[partitions][bounds]")
{
	CHECK(tenancy::ranges_from_bound_points({}, {-1}, 0).empty());
	auto r = tenancy::ranges_from_bound_points({}, {-1}, 1);
	REQUIRE(r.size() == 1);
	CHECK_FALSE(r[0].has_value());
}

TEST_CASE("a layout that is not a range layout is refused", "[partitions][bounds]")
{
	auto state = [](std::vector<Timestamp> points, std::vector<int> indexes, int nparts) {
		try
		{
			tenancy::ranges_from_bound_points(points, indexes, nparts);
		}
		catch (const tenancy::Error &e)
		{
			return e.sqlstate();
		}
		return std::string("none");
	};
	CHECK(state({0, day}, {-1, 0}, 1) == "22023");		 /* indexes too short */
	CHECK(state({0, day}, {0, -1, -1}, 1) == "22023");	 /* first point as an upper bound */
	CHECK(state({0, day}, {-1, 3, -1}, 1) == "22023");	 /* partition index out of range */
	CHECK(state({0, day, 2 * day}, {-1, 0, 0, -1}, 1) == "22023"); /* twice */
	CHECK(state({0, day}, {-1, 0, 0}, 1) == "22023");	 /* above the last point */
}

TEST_CASE("dates become midnight timestamps", "[partitions][bounds]")
{
	CHECK(tenancy::timestamp_of_date(0) == 0);
	CHECK(tenancy::timestamp_of_date(1) == day);
	CHECK(tenancy::timestamp_of_date(-1) == -day);
	CHECK(tenancy::timestamp_of_date(INT32_MIN) == tenancy::minus_infinity);
	CHECK(tenancy::timestamp_of_date(INT32_MAX) == tenancy::plus_infinity);
	// 5874897 AD is a valid date but beyond the timestamp range
	CHECK(tenancy::timestamp_of_date(2147483494) == tenancy::plus_infinity);
}
