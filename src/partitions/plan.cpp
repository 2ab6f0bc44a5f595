/*
 * plan.cpp: premake and drain planning.
 */
#include "partitions/plan.hpp"

#include "core/error.hpp"

#include <algorithm>
#include <cstdint>
#include <string>

namespace tenancy {

void
check_premake(int premake)
{
	if (premake < 0 || premake > max_premake)
		throw Error(sqlstate::invalid_parameter_value,
					"premake must be between 0 and " + std::to_string(max_premake),
					"premake was " + std::to_string(premake) + ".",
					"premake counts the partitions made ahead of the current one.");
}

/* Throws 54000 when a window of steps is too many for one call. */
static void
check_window(std::int64_t steps)
{
	if (steps > max_partitions_per_call)
		throw Error(sqlstate::program_limit_exceeded,
					"one call may make at most " + std::to_string(max_partitions_per_call) +
						" partitions; this one spans " + std::to_string(steps),
					"The window runs from start_at's step to premake steps after the current one.",
					"Pass a later start_at or a longer step; rows older than start_at go to the "
					"default partition.");
}

static bool
overlaps(const std::vector<Range> &existing, Timestamp lower, Timestamp upper)
{
	for (const Range &r : existing)
		if (r.lower < upper && lower < r.upper)
			return true;
	return false;
}

std::vector<Timestamp>
plan_premake(const PremakeInput &in)
{
	check_premake(in.premake);
	const Timestamp current = in.step.floor(in.now);
	Timestamp first = in.start_at ? in.step.floor(*in.start_at) : current;
	const Timestamp last = std::max(in.step.add(current, in.premake), first);
	// Steps before the one holding the cutoff end at or before it: never made.
	if (in.cutoff)
		first = std::min(std::max(first, in.step.floor(*in.cutoff)), last);
	check_window(in.step.count(first, last));
	std::vector<Timestamp> out;
	for (Timestamp lower = first; lower <= last;)
	{
		const Timestamp upper = in.step.add(lower, 1);
		const bool expired = in.cutoff && upper <= *in.cutoff;
		if (!expired && !overlaps(in.existing, lower, upper))
			out.push_back(lower);
		lower = upper;
	}
	return out;
}

std::vector<Timestamp>
plan_drain(const Step &step, int premake, Timestamp now, std::optional<Timestamp> cutoff,
		   const std::vector<Timestamp> &wanted, const std::vector<Range> &existing,
		   std::size_t cap)
{
	check_premake(premake);
	const Timestamp current = step.floor(now);
	const Timestamp last = step.add(current, premake);
	std::vector<Timestamp> out;
	for (Timestamp ts : wanted)
	{
		const Timestamp lower = step.floor(ts);
		if (lower > last || std::find(out.begin(), out.end(), lower) != out.end())
			continue;
		const Timestamp upper = step.add(lower, 1);
		if ((cutoff && upper <= *cutoff) || overlaps(existing, lower, upper))
			continue;
		out.push_back(lower);
	}
	// Unsigned difference: cannot overflow between any two valid timestamps.
	auto distance = [current](Timestamp t) {
		const auto a = static_cast<std::uint64_t>(t), b = static_cast<std::uint64_t>(current);
		return t >= current ? a - b : b - a;
	};
	std::stable_sort(out.begin(), out.end(),
					 [&](Timestamp a, Timestamp b) { return distance(a) < distance(b); });
	if (out.size() > cap)
		out.resize(cap);
	std::sort(out.begin(), out.end());
	return out;
}

} // namespace tenancy
