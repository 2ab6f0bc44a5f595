/*
 * plan.hpp: which time partitions to make, worked out from the bounds of
 * the partitions that exist and the clock alone (never from the data).
 */
#pragma once
#include "core/pure.hpp"

#include "partitions/step.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace tenancy {

struct Range
{
	Timestamp lower; /* inclusive */
	Timestamp upper; /* exclusive */
};

inline constexpr int max_premake = 1000;

/*
 * The most partitions one call may make in one transaction: each holds
 * locks to the end of it (the shared lock table is sized for about 64 per
 * connection), so a far start_at or a tiny step must be refused before any
 * work, not end in 53200 after minutes. Twice the largest premake window.
 */
inline constexpr std::int64_t max_partitions_per_call = 2 * max_premake;

/* Throws 22023 unless 0 <= premake <= max_premake. */
void check_premake(int premake);

struct PremakeInput
{
	Step step;
	int premake;
	std::optional<Timestamp> start_at; /* first step wanted; default: now's */
	Timestamp now;
	std::optional<Timestamp> cutoff; /* retention: ranges ending at or before it are not made */
	std::vector<Range> existing;
};

/*
 * Lower bounds of the steps to make, ascending: every step from start_at's
 * (or now's) to premake steps after now's, except steps overlapping an
 * existing partition and steps retention would drop at once. The window
 * never reaches further back than start_at or now, so a maintenance run
 * after a long pause makes at most premake + 1 partitions (no back-fill).
 * Throws 54000 before any work when the window (its steps retention would
 * not drop at once) holds more than max_partitions_per_call steps.
 */
std::vector<Timestamp> plan_premake(const PremakeInput &in);

/*
 * Lower bounds of the steps to make for rows found in the default
 * partition (wanted: the step floors of those rows): only steps inside
 * (cutoff, now's step + premake], not overlapping an existing partition,
 * nearest to now first, at most cap of them. Rows outside stay in the
 * default, so one row dated 2999 cannot make a thousand partitions.
 */
std::vector<Timestamp> plan_drain(const Step &step, int premake, Timestamp now,
								  std::optional<Timestamp> cutoff,
								  const std::vector<Timestamp> &wanted,
								  const std::vector<Range> &existing, std::size_t cap);

} // namespace tenancy
