/* maintenance_plan_test.cpp: the whole plan of a maintenance run, from facts. */
#include "core/error.hpp"
#include "partitions/maintenance_plan.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using tenancy::ArchiveTableKind;
using tenancy::CivilTime;
using tenancy::MaintenanceStep;
using tenancy::Period;
using tenancy::Range;
using tenancy::RetentionAction;
using tenancy::RetireOp;
using tenancy::Step;
using tenancy::StepKind;
using tenancy::ThinInto;
using tenancy::TimeSetFacts;
using tenancy::Timestamp;

namespace {

Timestamp
at(long long y, int m, int d, int h = 0, int mi = 0, int s = 0, int us = 0)
{
	return tenancy::timestamp_from_civil(CivilTime{y, m, d, h, mi, s, us});
}

const Step monthly(1, 0, 0);
const Step daily(0, 1, 0);
const Period one_month{1, 0, 0};

/* A set with partitions of step from first, count of them, ids 1, 2, ... */
TimeSetFacts
time_set(const Step &step, Timestamp first, int count, Timestamp now, int premake = 2)
{
	TimeSetFacts f{step, premake, now, {}, true, true, false, {}, std::nullopt,
				   RetentionAction::drop, std::nullopt, false, {}, {}, false, {}, false, false, {}};
	Timestamp lower = first;
	for (int i = 0; i < count; i++)
	{
		const Timestamp upper = step.add(lower, 1);
		f.partitions.push_back({static_cast<tenancy::RelId>(i + 1), Range{lower, upper}});
		lower = upper;
	}
	return f;
}

/* The plan as "kind id" (retire, thin) or "kind YYYY-MM-DD[ HH]" lines. */
std::vector<std::string>
summary(const std::vector<MaintenanceStep> &plan)
{
	std::vector<std::string> out;
	for (const MaintenanceStep &s : plan)
	{
		std::string line = tenancy::name_of(s.kind);
		if (s.partition)
			line += " " + std::to_string(*s.partition);
		else if (s.range)
		{
			const CivilTime c = tenancy::civil_from_timestamp(s.range->lower);
			char buf[32];
			std::snprintf(buf, sizeof buf, " %04lld-%02d-%02d", static_cast<long long>(c.year),
						  c.month, c.day);
			line += buf;
			if (c.hour != 0)
				line += " " + std::to_string(c.hour) + "h";
		}
		out.push_back(line);
	}
	return out;
}

using Lines = std::vector<std::string>;

} // namespace

TEST_CASE("retention cutoffs follow PostgreSQL's timestamp - interval", "[maintenance_plan]")
{
	// months first, cut to the month's last day
	CHECK(tenancy::subtract_interval(at(2024, 3, 31, 12), 1, 0, 0) == at(2024, 2, 29, 12));
	CHECK(tenancy::subtract_interval(at(2025, 3, 31), 1, 0, 0) == at(2025, 2, 28));
	CHECK(tenancy::subtract_interval(at(2028, 2, 29), 12, 0, 0) == at(2027, 2, 28));
	CHECK(tenancy::subtract_interval(at(2026, 1, 15), 13, 0, 0) == at(2024, 12, 15));
	// then days, then time: '1 month 1 day 1 hour'
	CHECK(tenancy::subtract_interval(at(2024, 3, 31, 0), 1, 1, tenancy::usecs_per_hour) ==
		  at(2024, 2, 27, 23));
	// a negative interval moves forward
	CHECK(tenancy::subtract_interval(at(2024, 1, 31), -1, 0, 0) == at(2024, 2, 29));
	CHECK(tenancy::subtract_interval(at(2024, 1, 31), 0, -2, -tenancy::usecs_per_hour) ==
		  at(2024, 2, 2, 1));
	CHECK_FALSE(tenancy::retention_cutoff(at(2024, 1, 1), std::nullopt).has_value());
	CHECK(*tenancy::retention_cutoff(at(2024, 3, 30), Period{0, 30, 0}) == at(2024, 2, 29));
	for (const Period &absurd : {Period{0, 2147483647, 0}, Period{0, -2147483647, 0},
								 Period{2147483647, 0, 0}, Period{0, 0, INT64_MAX},
								 Period{0, 0, INT64_MIN}})
	{
		try
		{
			tenancy::retention_cutoff(at(2024, 1, 1), absurd);
			FAIL("an interval beyond the timestamp range was accepted");
		}
		catch (const tenancy::Error &e)
		{
			CHECK(e.sqlstate() == "22008");
		}
	}
}

TEST_CASE("nothing to do: premade ahead, no retention, empty default", "[maintenance_plan]")
{
	const TimeSetFacts f = time_set(monthly, at(2026, 11, 1), 3, at(2026, 11, 20));
	CHECK(tenancy::plan_time_maintenance(f).empty());
	CHECK(tenancy::plan_tenant_maintenance({true, true, false, {}}).empty());
}

TEST_CASE("premake at a month end and across the year end", "[maintenance_plan]")
{
	// December made; the last microsecond of January 31st still plans February
	TimeSetFacts f = time_set(monthly, at(2025, 1, 1), 1, at(2025, 1, 31, 23, 59, 59, 999999));
	CHECK(summary(tenancy::plan_time_maintenance(f)) == Lines{"make 2025-02-01", "make 2025-03-01"});
	f.now = at(2025, 2, 1);
	CHECK(summary(tenancy::plan_time_maintenance(f)) ==
		  Lines{"make 2025-02-01", "make 2025-03-01", "make 2025-04-01"});
	// a 30-day month ends the same way
	f = time_set(monthly, at(2025, 4, 1), 3, at(2025, 4, 30, 23, 59, 59));
	CHECK(tenancy::plan_time_maintenance(f).empty());
	f.now = at(2025, 5, 1);
	CHECK(summary(tenancy::plan_time_maintenance(f)) == Lines{"make 2025-07-01"});
	// the year ends: yearly and monthly steps move into the next year
	f = time_set(monthly, at(2025, 12, 1), 1, at(2025, 12, 31, 23, 59, 59), 1);
	CHECK(summary(tenancy::plan_time_maintenance(f)) == Lines{"make 2026-01-01"});
	f.now = at(2026, 1, 1);
	CHECK(summary(tenancy::plan_time_maintenance(f)) == Lines{"make 2026-01-01", "make 2026-02-01"});
	TimeSetFacts y = time_set(Step(12, 0, 0), at(2025, 1, 1), 1, at(2026, 1, 1), 0);
	CHECK(summary(tenancy::plan_time_maintenance(y)) == Lines{"make 2026-01-01"});
	// each partition's range is one step
	for (const MaintenanceStep &s : tenancy::plan_time_maintenance(f))
		CHECK(s.range->upper == monthly.add(s.range->lower, 1));
}

TEST_CASE("29 February: daily partitions and a month's retention in a leap year", "[maintenance_plan]")
{
	// daily partitions Feb 26 .. Mar 4, 2024; retention 1 month
	TimeSetFacts f = time_set(daily, at(2024, 2, 26), 8, at(2024, 3, 29, 23, 59, 59), 0);
	f.retention = one_month;
	// 2024-03-29 23:59:59 - 1 month = 2024-02-29 23:59:59: Feb 26, 27, 28 go
	CHECK(summary(tenancy::plan_time_maintenance(f)) ==
		  Lines{"retire 1", "retire 2", "retire 3", "make 2024-03-29"});
	// March 30th and 31st minus a month are cut to February 29th: its
	// partition stays until April 1st
	f.now = at(2024, 3, 30);
	CHECK(summary(tenancy::plan_time_maintenance(f)) ==
		  Lines{"retire 1", "retire 2", "retire 3", "make 2024-03-30"});
	f.now = at(2024, 3, 31, 23, 59, 59);
	CHECK(summary(tenancy::plan_time_maintenance(f)) ==
		  Lines{"retire 1", "retire 2", "retire 3", "make 2024-03-31"});
	f.now = at(2024, 4, 1);
	CHECK(summary(tenancy::plan_time_maintenance(f)) ==
		  Lines{"retire 1", "retire 2", "retire 3", "retire 4", "make 2024-04-01"});
	// and a partition for February 29th is made like any other day
	TimeSetFacts leap = time_set(daily, at(2024, 2, 28), 1, at(2024, 2, 28, 23, 59, 59), 1);
	CHECK(summary(tenancy::plan_time_maintenance(leap)) == Lines{"make 2024-02-29"});
}

TEST_CASE("a DST change: bounds are UTC, days stay 24 hours", "[maintenance_plan]")
{
	// Europe/Berlin springs forward at 2025-03-30 01:00 UTC; America/New_York
	// falls back at 2025-11-02 06:00 UTC. The planner sees UTC only: the
	// second before and the second after plan the same, and every day and
	// hour is one step long.
	for (Timestamp change : {at(2025, 3, 30, 1), at(2025, 11, 2, 6)})
	{
		TimeSetFacts f = time_set(daily, daily.floor(change) - tenancy::usecs_per_day, 1,
								  change - tenancy::usecs_per_second, 3);
		const auto before = tenancy::plan_time_maintenance(f);
		f.now = change;
		const auto after = tenancy::plan_time_maintenance(f);
		CHECK(summary(before) == summary(after));
		REQUIRE(before.size() == 4);
		for (const MaintenanceStep &s : before)
			CHECK(s.range->upper - s.range->lower == tenancy::usecs_per_day);
		const Step hourly(0, 0, tenancy::usecs_per_hour);
		TimeSetFacts h = time_set(hourly, change - tenancy::usecs_per_hour, 1,
								  change - tenancy::usecs_per_second, 1);
		const auto hours = tenancy::plan_time_maintenance(h);
		REQUIRE(hours.size() == 1);
		CHECK(hours[0].range->lower == change);
		CHECK(hours[0].range->upper == change + tenancy::usecs_per_hour);
	}
}

TEST_CASE("retention exactly at the boundary", "[maintenance_plan]")
{
	// [Jan 1, Feb 1) with a month's retention goes when now - 1 month
	// reaches Feb 1: at March 1st 00:00, not a microsecond before
	TimeSetFacts f = time_set(monthly, at(2025, 1, 1), 4, at(2025, 2, 28, 23, 59, 59, 999999), 1);
	f.retention = one_month;
	CHECK(tenancy::plan_time_maintenance(f).empty());
	f.now = at(2025, 3, 1);
	CHECK(summary(tenancy::plan_time_maintenance(f)) == Lines{"retire 1"});
	// the same instant one step shorter keeps February too
	f.now = at(2025, 3, 31, 23, 59, 59);
	CHECK(summary(tenancy::plan_time_maintenance(f)) == Lines{"retire 1"});
	f.now = at(2025, 4, 1);
	CHECK(summary(tenancy::plan_time_maintenance(f)) == Lines{"retire 1", "retire 2", "make 2025-05-01"});
}

TEST_CASE("retirement ops follow the action and the archive table's kind", "[maintenance_plan]")
{
	TimeSetFacts f = time_set(monthly, at(2025, 1, 1), 5, at(2025, 4, 10), 1);
	f.retention = one_month;
	const auto ops = [&f] {
		const auto plan = tenancy::plan_time_maintenance(f);
		REQUIRE(plan.size() == 2); // Jan and Feb retire
		CHECK(plan[0].kind == StepKind::retire);
		CHECK(*plan[0].partition == 1);
		CHECK(*plan[1].partition == 2);
		return plan[0].ops;
	};
	using Ops = std::vector<RetireOp>;
	CHECK(ops() == Ops{RetireOp::before_retire, RetireOp::drop});
	f.action = RetentionAction::detach;
	CHECK(ops() == Ops{RetireOp::before_retire, RetireOp::detach});
	f.action = RetentionAction::archive_schema;
	CHECK(ops() == Ops{RetireOp::before_retire, RetireOp::detach, RetireOp::move_to_schema});
	f.action = RetentionAction::archive_table;
	f.archive_table = ArchiveTableKind::partitioned;
	CHECK(ops() == Ops{RetireOp::before_retire, RetireOp::attach_to_archive});
	f.archive_table = ArchiveTableKind::plain;
	CHECK(ops() == Ops{RetireOp::before_retire, RetireOp::copy_to_archive});
	// a target that is gone: the copy's check reports it when the step runs
	f.archive_table = std::nullopt;
	CHECK(ops() == Ops{RetireOp::before_retire, RetireOp::copy_to_archive});
	// under a keep rule the kept rows are looked for again, first
	f.keep_rule = true;
	CHECK(ops() == Ops{RetireOp::recheck_kept, RetireOp::before_retire, RetireOp::copy_to_archive});
}

TEST_CASE("a keep rule holds back, thins or lets go", "[maintenance_plan]")
{
	// Jan..Apr past retention: 1 holds kept rows only, 2 kept and others,
	// 3 none kept; 4 kept and others
	TimeSetFacts f = time_set(monthly, at(2025, 1, 1), 6, at(2025, 5, 15), 0);
	f.retention = Period{0, 14, 0};
	f.keep_rule = true;
	f.holding_kept = {1, 2, 4};
	f.holding_unkept = {2, 4};
	const auto plan = tenancy::plan_time_maintenance(f);
	CHECK(summary(plan) == Lines{"thin 2", "retire 3", "thin 4"});
	CHECK(plan[0].batch_rows == tenancy::thin_batch_rows);
	CHECK(plan[0].thin_into == ThinInto::nowhere);
	CHECK(plan[0].ops.empty());
	CHECK(plan[1].ops == std::vector<RetireOp>{RetireOp::recheck_kept, RetireOp::before_retire,
											   RetireOp::drop});
	// thinned rows go where the action sends partitions
	f.action = RetentionAction::detach;
	CHECK(tenancy::plan_time_maintenance(f)[0].thin_into == ThinInto::expired_table);
	f.action = RetentionAction::archive_schema;
	CHECK(tenancy::plan_time_maintenance(f)[0].thin_into == ThinInto::expired_table);
	f.action = RetentionAction::archive_table;
	f.archive_table = ArchiveTableKind::plain;
	CHECK(tenancy::plan_time_maintenance(f)[0].thin_into == ThinInto::archive_table);
	// facts about partitions not past retention change nothing
	f.holding_kept.push_back(5);
	CHECK(summary(tenancy::plan_time_maintenance(f)) == Lines{"thin 2", "retire 3", "thin 4"});
}

TEST_CASE("retention groups retire referencing partitions first", "[maintenance_plan]")
{
	// the referenced table: Jan..Mar past retention
	TimeSetFacts root = time_set(monthly, at(2025, 1, 1), 5, at(2025, 4, 10), 1);
	root.retention = one_month;
	root.has_members = true;
	// a member still has February: the referenced February waits for it
	root.member_ranges = {Range{at(2025, 2, 1), at(2025, 3, 1)}};
	auto plan = tenancy::plan_time_maintenance(root);
	CHECK(summary(plan) == Lines{"retire 1"});
	// members reference it: detached (which checks no row still does), then dropped
	CHECK(plan[0].ops == std::vector<RetireOp>{RetireOp::before_retire, RetireOp::detach,
											   RetireOp::drop});
	// a member of another step's range overlaps: it waits as well
	root.member_ranges = {Range{at(2025, 1, 15), at(2025, 1, 16)}};
	CHECK(summary(tenancy::plan_time_maintenance(root)) == Lines{"retire 2"});
	// kept rows in a group's partition hold it back whole (no thinning)
	root.member_ranges.clear();
	root.keep_rule = true;
	root.holding_kept = {1};
	root.holding_unkept = {1};
	CHECK(summary(tenancy::plan_time_maintenance(root)) == Lines{"retire 2"});

	// a member: its January waits while the referenced January holds kept rows
	TimeSetFacts member = time_set(monthly, at(2025, 1, 1), 5, at(2025, 4, 10), 1);
	member.retention = one_month;
	member.is_member = true;
	member.referenced_keep_rule = true;
	member.referenced_kept_ranges = {Range{at(2025, 1, 1), at(2025, 2, 1)}};
	plan = tenancy::plan_time_maintenance(member);
	CHECK(summary(plan) == Lines{"retire 2"});
	// nothing references a member: its partition is dropped attached
	CHECK(plan[0].ops == std::vector<RetireOp>{RetireOp::recheck_group, RetireOp::before_retire,
											   RetireOp::drop});
	// without a keep rule on the referenced table, kept ranges do not count
	member.referenced_keep_rule = false;
	plan = tenancy::plan_time_maintenance(member);
	CHECK(summary(plan) == Lines{"retire 1", "retire 2"});
	CHECK(plan[0].ops == std::vector<RetireOp>{RetireOp::before_retire, RetireOp::drop});
	// kept as a table: detached, without its keys to the referenced rows leaving next
	member.action = RetentionAction::detach;
	CHECK(tenancy::plan_time_maintenance(member)[0].ops ==
		  std::vector<RetireOp>{RetireOp::before_retire, RetireOp::detach,
								RetireOp::unlink_group_keys});
	member.action = RetentionAction::archive_schema;
	CHECK(tenancy::plan_time_maintenance(member)[0].ops ==
		  std::vector<RetireOp>{RetireOp::before_retire, RetireOp::detach,
								RetireOp::unlink_group_keys, RetireOp::move_to_schema});
}

TEST_CASE("the default: made first when missing, drained nearest to now first", "[maintenance_plan]")
{
	TimeSetFacts f = time_set(daily, at(2026, 11, 19), 3, at(2026, 11, 21, 10), 1);
	f.has_default = false;
	f.retention = Period{0, 1, 0};
	CHECK(summary(tenancy::plan_time_maintenance(f)) ==
		  Lines{"default", "retire 1", "make 2026-11-22"});
	// not wanted: nothing more
	f.with_default = false;
	CHECK(summary(tenancy::plan_time_maintenance(f)) == Lines{"retire 1", "make 2026-11-22"});

	// rows in the default: partitions for them (at most 10, within the
	// window, none retention drops at once), next to a default holding rows
	TimeSetFacts d = time_set(daily, at(2026, 11, 21), 1, at(2026, 11, 21, 10), 1);
	d.retention = Period{0, 30, 0};
	d.default_has_rows = true;
	d.default_row_times = {at(2026, 11, 22), at(2999, 1, 1), at(2026, 10, 1)};
	for (int day = 1; day <= 14; day++)
		d.default_row_times.push_back(at(2026, 11, day));
	CHECK(summary(tenancy::plan_time_maintenance(d)) ==
		  Lines{"make_pending 2026-11-22", "make_pending 2026-11-14", "make_pending 2026-11-13",
				"make_pending 2026-11-12", "make_pending 2026-11-11", "make_pending 2026-11-10",
				"make_pending 2026-11-09", "make_pending 2026-11-08", "make_pending 2026-11-07",
				"make_pending 2026-11-06"});
	// an empty default: the same premake attaches at once
	d.default_has_rows = false;
	CHECK(summary(tenancy::plan_time_maintenance(d)) == Lines{"make 2026-11-22"});
}

TEST_CASE("a run's order: default, retention oldest first, then nearest to now", "[maintenance_plan]")
{
	TimeSetFacts f = time_set(daily, at(2026, 11, 1), 3, at(2026, 11, 10, 13), 2);
	f.has_default = false;
	f.retention = Period{0, 5, 0};
	f.partitions.push_back({9, Range{at(2026, 11, 10), at(2026, 11, 11)}});
	const auto plan = tenancy::plan_time_maintenance(f);
	CHECK(summary(plan) == Lines{"default", "retire 1", "retire 2", "retire 3", "make 2026-11-11",
								 "make 2026-11-12"});
}

TEST_CASE("tenant sets: the default, then tenants in uuid order, ten a run", "[maintenance_plan]")
{
	auto uuid = [](unsigned char first) {
		tenancy::Uuid u{};
		u[0] = first;
		return u;
	};
	tenancy::TenantSetFacts f{true, false, false, {}};
	auto plan = tenancy::plan_tenant_maintenance(f);
	REQUIRE(plan.size() == 1);
	CHECK(plan[0].kind == StepKind::make_default);
	f = {true, true, true, {}};
	for (unsigned char b = 20; b > 0; b--)
		f.default_tenants.push_back(uuid(b));
	f.default_tenants.push_back(uuid(3));
	plan = tenancy::plan_tenant_maintenance(f);
	REQUIRE(plan.size() == tenancy::max_drained_per_run);
	for (std::size_t i = 0; i < plan.size(); i++)
	{
		CHECK(plan[i].kind == StepKind::make_tenant);
		CHECK((*plan[i].tenant)[0] == i + 1);
	}
	// rows in the default are what make tenants
	f.default_has_rows = false;
	CHECK(tenancy::plan_tenant_maintenance(f).empty());
}

TEST_CASE("steps are named as the SQL that executes them expects", "[maintenance_plan]")
{
	CHECK(std::string(tenancy::name_of(StepKind::make_default)) == "default");
	CHECK(std::string(tenancy::name_of(StepKind::make_tenant)) == "tenant");
	CHECK(std::string(tenancy::name_of(StepKind::make_pending)) == "make_pending");
	CHECK(std::string(tenancy::name_of(StepKind::thin)) == "thin");
	CHECK(std::string(tenancy::name_of(RetireOp::recheck_kept)) == "recheck_kept");
	CHECK(std::string(tenancy::name_of(RetireOp::unlink_group_keys)) == "unlink_group_keys");
	CHECK(std::string(tenancy::name_of(RetireOp::copy_to_archive)) == "copy_to_archive");
	CHECK(std::string(tenancy::name_of(ThinInto::nowhere)) == "nowhere");
	CHECK(std::string(tenancy::name_of(ThinInto::expired_table)) == "expired_table");
}

TEST_CASE("the default's expired rows: whole steps before the cutoff's, by the action", "[maintenance_plan]")
{
	using tenancy::DefaultExpiryFacts;
	// now 2024-03-30 12:00, a month's retention: cutoff 2024-02-29 12:00;
	// monthly steps: rows before February leave (February ends after it)
	DefaultExpiryFacts f{monthly, at(2024, 3, 30, 12), one_month, RetentionAction::drop, false, false};
	auto e = tenancy::plan_default_expiry(f);
	REQUIRE(e.has_value());
	CHECK(e->before == at(2024, 2, 1));
	CHECK(e->into == ThinInto::nowhere);
	CHECK_FALSE(e->spare_kept);
	// daily steps: rows before 29 February leave
	f.step = daily;
	CHECK(tenancy::plan_default_expiry(f)->before == at(2024, 2, 29));
	// exactly at a boundary: the step ending at the cutoff leaves
	f.now = at(2024, 3, 29);
	CHECK(tenancy::plan_default_expiry(f)->before == at(2024, 2, 29));
	// where the rows go, by the action; the keep rule's rows stay
	f.keep_rule = true;
	for (auto [action, into] : {std::pair{RetentionAction::detach, ThinInto::expired_table},
								std::pair{RetentionAction::archive_schema, ThinInto::expired_table},
								std::pair{RetentionAction::archive_table, ThinInto::archive_table}})
	{
		f.action = action;
		e = tenancy::plan_default_expiry(f);
		REQUIRE(e.has_value());
		CHECK(e->into == into);
		CHECK(e->spare_kept);
	}
	// no retention, or before_retire hooks (rows never leave without their
	// partition): nothing
	f.before_retire_hooks = true;
	CHECK_FALSE(tenancy::plan_default_expiry(f).has_value());
	f.before_retire_hooks = false;
	f.retention = std::nullopt;
	CHECK_FALSE(tenancy::plan_default_expiry(f).has_value());
	// an absurd retention: 22008, as for partitions
	f.retention = Period{0, 2147483647, 0};
	try
	{
		tenancy::plan_default_expiry(f);
		FAIL("an interval beyond the timestamp range was accepted");
	}
	catch (const tenancy::Error &err)
	{
		CHECK(err.sqlstate() == "22008");
	}
}

TEST_CASE("a run's sets: members before the tables they reference, each in oid order", "[maintenance_plan]")
{
	using tenancy::RegisteredSet;
	using tenancy::RelId;
	// 30 references nothing; 20 and 10 retire with 40; 50 with 30
	const std::vector<RegisteredSet> registered{
		{40, std::nullopt}, {20, RelId{40}}, {30, std::nullopt}, {50, RelId{30}}, {10, RelId{40}},
		{4000000000u, std::nullopt}};
	CHECK(tenancy::maintenance_order(registered, std::nullopt) ==
		  std::vector<RelId>{10, 20, 50, 30, 40, 4000000000u});
	// naming a group's referenced table maintains its members too, first
	CHECK(tenancy::maintenance_order(registered, RelId{40}) == std::vector<RelId>{10, 20, 40});
	// naming a member, or a set outside any group: that one alone
	CHECK(tenancy::maintenance_order(registered, RelId{50}) == std::vector<RelId>{50});
	CHECK(tenancy::maintenance_order(registered, RelId{4000000000u}) == std::vector<RelId>{4000000000u});
	// not registered: nothing
	CHECK(tenancy::maintenance_order(registered, RelId{60}).empty());
	CHECK(tenancy::maintenance_order({}, std::nullopt).empty());
}

TEST_CASE("the group-waiting rule, as partition_status and the recheck ask it", "[maintenance_plan]")
{
	const Range march{at(2024, 3, 1), at(2024, 4, 1)};
	const std::vector<Range> none;
	// a referenced table's range waits while a member has a partition of it
	CHECK(tenancy::group_range_waits(march, {Range{at(2024, 3, 1), at(2024, 4, 1)}}, false, false, none));
	CHECK(tenancy::group_range_waits(march, {Range{at(2024, 3, 31), at(2024, 4, 2)}}, false, false, none));
	CHECK_FALSE(tenancy::group_range_waits(march, {Range{at(2024, 4, 1), at(2024, 5, 1)}}, false, false, none));
	CHECK_FALSE(tenancy::group_range_waits(march, none, false, false, none));
	// a member's waits while the referenced table's partitions of the
	// range hold kept rows, only under its keep rule
	const std::vector<Range> kept_march{march};
	CHECK(tenancy::group_range_waits(march, none, true, true, kept_march));
	CHECK_FALSE(tenancy::group_range_waits(march, none, true, false, kept_march));
	CHECK_FALSE(tenancy::group_range_waits(march, none, false, true, kept_march));
	CHECK_FALSE(tenancy::group_range_waits(march, none, true, true, {Range{at(2024, 2, 1), at(2024, 3, 1)}}));
}
