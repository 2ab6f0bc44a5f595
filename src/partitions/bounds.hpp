/*
 * bounds.hpp: the bounds of the partitions of a range-partitioned table, as
 * PostgreSQL keeps them in the relcache (PartitionBoundInfo), turned into
 * one [lower, upper) per partition.
 *
 * PostgreSQL stores the distinct bound points of all partitions once,
 * sorted, and for each point the index of the partition whose upper bound
 * it is (-1 for a gap); a partition's lower bound is the point before its
 * upper one. Reading them there costs no catalog query and no parsing of
 * pg_get_expr text (bounds_pg.cpp).
 */
#pragma once
#include "core/pure.hpp"

#include "partitions/plan.hpp"
#include "partitions/step.hpp"

#include <cstdint>
#include <optional>
#include <vector>

namespace tenancy {

/* MINVALUE and MAXVALUE, as PostgreSQL's -infinity and infinity timestamps. */
inline constexpr Timestamp minus_infinity = INT64_MIN;
inline constexpr Timestamp plus_infinity = INT64_MAX;

/*
 * A date (days since 2000-01-01) as a timestamp at its midnight; the
 * infinite dates and dates beyond the timestamp range become -infinity and
 * infinity.
 */
Timestamp timestamp_of_date(std::int32_t days);

/*
 * Per partition index 0..nparts-1, its range, from the sorted bound points
 * and PostgreSQL's indexes array (points.size() + 1 entries: indexes[i] is
 * the partition whose upper bound is points[i], -1 for none). A partition
 * with no range (the default) gets nullopt. Throws 22023 on input that is
 * not such a layout.
 */
std::vector<std::optional<Range>> ranges_from_bound_points(const std::vector<Timestamp> &points,
														   const std::vector<int> &indexes,
														   int nparts);

} // namespace tenancy
