/*
 * maintenance_plan.cpp: the plan of one maintenance run (premake, drain,
 * retention, keep rules, retention groups), from facts alone.
 */
#include "partitions/maintenance_plan.hpp"

#include <algorithm>
#include <cstdint>

namespace tenancy {

std::optional<Timestamp>
retention_cutoff(Timestamp now, const std::optional<Period> &retention)
{
	if (!retention)
		return std::nullopt;
	return subtract_interval(now, retention->months, retention->days, retention->usecs);
}

static bool
overlaps_any(const std::vector<Range> &ranges, const Range &r)
{
	return std::any_of(ranges.begin(), ranges.end(),
					   [&](const Range &o) { return o.lower < r.upper && o.upper > r.lower; });
}

static bool
listed(const std::vector<RelId> &ids, RelId id)
{
	return std::find(ids.begin(), ids.end(), id) != ids.end();
}

bool
group_range_waits(const Range &r, const std::vector<Range> &member_ranges, bool is_member,
				  bool referenced_keep_rule, const std::vector<Range> &referenced_kept_ranges)
{
	if (overlaps_any(member_ranges, r))
		return true;
	return is_member && referenced_keep_rule && overlaps_any(referenced_kept_ranges, r);
}

static bool
waits_for_group(const TimeSetFacts &f, const Range &r)
{
	return group_range_waits(r, f.member_ranges, f.is_member, f.referenced_keep_rule,
							 f.referenced_kept_ranges);
}

/* What retiring a partition takes under the set's action. */
static std::vector<RetireOp>
retire_ops(const TimeSetFacts &f)
{
	std::vector<RetireOp> ops;
	// Kept rows may arrive between the plan and the step: looked for again
	// under the lock the retirement takes anyway.
	if (f.keep_rule)
		ops.push_back(RetireOp::recheck_kept);
	if (f.is_member && f.referenced_keep_rule)
		ops.push_back(RetireOp::recheck_group);
	ops.push_back(RetireOp::before_retire);
	if (f.action == RetentionAction::archive_table)
	{
		// A target that is gone or changed is checked, and reported, when
		// the step runs: its copy checks it first.
		ops.push_back(f.archive_table == ArchiveTableKind::partitioned ? RetireOp::attach_to_archive
																		: RetireOp::copy_to_archive);
		return ops;
	}
	// A partition that members reference cannot be dropped attached (their
	// keys depend on it): detaching checks that no row references it.
	if (f.action == RetentionAction::drop && !f.has_members)
	{
		ops.push_back(RetireOp::drop);
		return ops;
	}
	ops.push_back(RetireOp::detach);
	if (f.is_member)
		ops.push_back(RetireOp::unlink_group_keys);
	if (f.action == RetentionAction::drop)
		ops.push_back(RetireOp::drop);
	else if (f.action == RetentionAction::archive_schema)
		ops.push_back(RetireOp::move_to_schema);
	return ops;
}

/* Where rows removed without their partition go (thinning, the default's expired rows). */
static ThinInto
destination_of(RetentionAction action)
{
	if (action == RetentionAction::archive_table)
		return ThinInto::archive_table;
	return action == RetentionAction::drop ? ThinInto::nowhere : ThinInto::expired_table;
}

/* Retention's steps, oldest partition first. */
static void
plan_retention(const TimeSetFacts &f, Timestamp cutoff, std::vector<MaintenanceStep> &out)
{
	const bool grouped = f.is_member || f.has_members;
	std::vector<TimePartition> expired;
	for (const TimePartition &p : f.partitions)
		if (p.range.upper <= cutoff)
			expired.push_back(p);
	std::stable_sort(expired.begin(), expired.end(), [](const TimePartition &a, const TimePartition &b) {
		return a.range.lower < b.range.lower;
	});
	for (const TimePartition &p : expired)
	{
		if (grouped && waits_for_group(f, p.range))
			continue;
		MaintenanceStep s{StepKind::retire, p.range, p.id, std::nullopt, {}, ThinInto::nowhere, 0};
		if (!f.keep_rule || !listed(f.holding_kept, p.id))
			s.ops = retire_ops(f);
		// A group's partition with kept rows is held back whole: removing
		// its other rows would need the rows referencing them gone first.
		else if (!grouped && listed(f.holding_unkept, p.id))
		{
			s.kind = StepKind::thin;
			s.thin_into = destination_of(f.action);
			s.batch_rows = thin_batch_rows;
		}
		else
			continue; // kept rows only: held back
		out.push_back(std::move(s));
	}
}

/* Partitions to make (premake and drain), nearest to now first. */
static void
plan_making(const TimeSetFacts &f, std::optional<Timestamp> cutoff, std::vector<MaintenanceStep> &out)
{
	std::vector<Range> existing;
	for (const TimePartition &p : f.partitions)
		existing.push_back(p.range);
	std::vector<Timestamp> lowers =
		plan_premake(PremakeInput{f.step, f.premake, std::nullopt, f.now, cutoff, existing});
	if (f.default_has_rows)
		for (Timestamp t : plan_drain(f.step, f.premake, f.now, cutoff, f.default_row_times, existing,
									  max_drained_per_run))
			lowers.push_back(t);
	std::sort(lowers.begin(), lowers.end());
	lowers.erase(std::unique(lowers.begin(), lowers.end()), lowers.end());
	// Unsigned difference: cannot overflow between any two valid timestamps.
	const auto distance = [now = f.now](Timestamp t) {
		const auto a = static_cast<std::uint64_t>(t), b = static_cast<std::uint64_t>(now);
		return t >= now ? a - b : b - a;
	};
	std::stable_sort(lowers.begin(), lowers.end(),
					 [&](Timestamp a, Timestamp b) { return distance(a) < distance(b); });
	const StepKind kind = f.default_has_rows ? StepKind::make_pending : StepKind::make;
	for (Timestamp lower : lowers)
		out.push_back(MaintenanceStep{kind, Range{lower, f.step.add(lower, 1)}, std::nullopt,
									  std::nullopt, {}, ThinInto::nowhere, 0});
}

static MaintenanceStep
make_default_step()
{
	return MaintenanceStep{StepKind::make_default, std::nullopt, std::nullopt, std::nullopt, {},
						   ThinInto::nowhere, 0};
}

std::vector<MaintenanceStep>
plan_time_maintenance(const TimeSetFacts &facts)
{
	std::vector<MaintenanceStep> out;
	// First, so that the rest of the run sees it.
	if (facts.with_default && !facts.has_default)
		out.push_back(make_default_step());
	const std::optional<Timestamp> cutoff = retention_cutoff(facts.now, facts.retention);
	if (cutoff)
		plan_retention(facts, *cutoff, out);
	plan_making(facts, cutoff, out);
	return out;
}

std::vector<MaintenanceStep>
plan_tenant_maintenance(const TenantSetFacts &facts)
{
	std::vector<MaintenanceStep> out;
	if (facts.with_default && !facts.has_default)
		out.push_back(make_default_step());
	if (!facts.default_has_rows)
		return out;
	std::vector<Uuid> tenants = facts.default_tenants;
	std::sort(tenants.begin(), tenants.end());
	tenants.erase(std::unique(tenants.begin(), tenants.end()), tenants.end());
	// The rest wait for the next run.
	if (tenants.size() > max_drained_per_run)
		tenants.resize(max_drained_per_run);
	for (const Uuid &t : tenants)
		out.push_back(MaintenanceStep{StepKind::make_tenant, std::nullopt, std::nullopt, t, {},
									  ThinInto::nowhere, 0});
	return out;
}

std::optional<DefaultExpiry>
plan_default_expiry(const DefaultExpiryFacts &facts)
{
	if (!facts.retention || facts.before_retire_hooks)
		return std::nullopt;
	const Timestamp cutoff = *retention_cutoff(facts.now, facts.retention);
	return DefaultExpiry{facts.step.floor(cutoff), facts.keep_rule, destination_of(facts.action)};
}

std::vector<RelId>
maintenance_order(const std::vector<RegisteredSet> &registered, std::optional<RelId> named)
{
	std::vector<RegisteredSet> sets;
	for (const RegisteredSet &s : registered)
		if (!named || s.parent == *named || s.retire_with == named)
			sets.push_back(s);
	std::sort(sets.begin(), sets.end(), [](const RegisteredSet &a, const RegisteredSet &b) {
		const bool a_member = a.retire_with.has_value(), b_member = b.retire_with.has_value();
		return a_member != b_member ? a_member : a.parent < b.parent;
	});
	std::vector<RelId> out;
	for (const RegisteredSet &s : sets)
		out.push_back(s.parent);
	return out;
}

/* Names in the order of each enum's values (maintenance_plan.hpp). */
const char *
name_of(StepKind kind)
{
	static const char *const names[] = {"default", "tenant", "make", "make_pending", "retire", "thin"};
	return names[static_cast<int>(kind)];
}

const char *
name_of(RetireOp op)
{
	static const char *const names[] = {"recheck_kept", "recheck_group", "before_retire",
										"detach", "unlink_group_keys", "drop", "move_to_schema",
										"attach_to_archive", "copy_to_archive"};
	return names[static_cast<int>(op)];
}

const char *
name_of(ThinInto into)
{
	static const char *const names[] = {"nowhere", "archive_table", "expired_table"};
	return names[static_cast<int>(into)];
}

} // namespace tenancy
