/* partitions_test.cpp: steps, names and premake/drain plans. */
#include "core/error.hpp"
#include "partitions/naming.hpp"
#include "partitions/plan.hpp"

#include <catch2/catch.hpp>

using tenancy::CivilTime;
using tenancy::Step;
using tenancy::Timestamp;

static Timestamp
at(long long y, int m, int d, int h = 0, int mi = 0, int s = 0)
{
	return tenancy::timestamp_from_civil(CivilTime{y, m, d, h, mi, s, 0});
}

static const Step monthly(1, 0, 0);
static const Step daily(0, 1, 0);

static std::string
sqlstate_of(void (*f)())
{
	try
	{
		f();
	}
	catch (const tenancy::Error &e)
	{
		return e.sqlstate();
	}
	return "none";
}

TEST_CASE("civil conversion round-trips and knows the PostgreSQL epoch", "[partitions]")
{
	CHECK(at(2000, 1, 1) == 0);
	CHECK(at(2000, 1, 2) == tenancy::usecs_per_day);
	CHECK(at(1999, 12, 31) == -tenancy::usecs_per_day);
	for (Timestamp ts : {at(2026, 11, 22, 13, 30, 5), at(1600, 2, 29), at(-44, 3, 15), at(99999, 12, 31)})
	{
		CivilTime c = tenancy::civil_from_timestamp(ts);
		CHECK(tenancy::timestamp_from_civil(c) == ts);
	}
	CivilTime c = tenancy::civil_from_timestamp(at(2024, 2, 29, 23, 59, 59) + 999999);
	CHECK((c.year == 2024 && c.month == 2 && c.day == 29 && c.hour == 23 && c.usec == 999999));
}

TEST_CASE("steps validate like the SQL calls promise", "[partitions]")
{
	CHECK(sqlstate_of([] { Step(0, 0, 0); }) == "22023");
	CHECK(sqlstate_of([] { Step(-1, 0, 0); }) == "22023");
	CHECK(sqlstate_of([] { Step(0, -1, 0); }) == "22023");
	CHECK(sqlstate_of([] { Step(1, 1, 0); }) == "22023");
	CHECK(sqlstate_of([] { Step(0, 0, 1500000); }) == "22023");
	CHECK(sqlstate_of([] { Step(0, 0, tenancy::usecs_per_hour, true); }) == "22023");
	CHECK(sqlstate_of([] { Step(0, 1, 0, true); }) == "none");
	CHECK(sqlstate_of([] { Step(3, 0, 0, true); }) == "none");
}

TEST_CASE("floor aligns months, quarters, years, days, weeks and hours", "[partitions]")
{
	CHECK(monthly.floor(at(2026, 11, 22, 13)) == at(2026, 11, 1));
	CHECK(monthly.floor(at(2026, 11, 1)) == at(2026, 11, 1));
	CHECK(monthly.floor(at(2026, 11, 1) - 1) == at(2026, 10, 1));
	CHECK(Step(3, 0, 0).floor(at(2026, 11, 22)) == at(2026, 10, 1));
	CHECK(Step(12, 0, 0).floor(at(2026, 11, 22)) == at(2026, 1, 1));
	CHECK(Step(1, 0, 0).floor(at(-10, 5, 5)) == at(-10, 5, 1));
	CHECK(daily.floor(at(2026, 11, 22, 23, 59, 59)) == at(2026, 11, 22));
	CHECK(daily.floor(at(1999, 12, 31, 12)) == at(1999, 12, 31));
	CHECK(Step(0, 7, 0).floor(at(2026, 11, 22)) == at(2026, 11, 16)); /* a Monday */
	CHECK(Step(0, 0, tenancy::usecs_per_hour).floor(at(2026, 11, 22, 13, 59)) ==
		  at(2026, 11, 22, 13));
	CHECK(Step(0, 0, 15 * tenancy::usecs_per_minute).floor(at(2026, 11, 22, 13, 44)) ==
		  at(2026, 11, 22, 13, 30));
}

TEST_CASE("add follows PostgreSQL's month arithmetic and refuses overflow", "[partitions]")
{
	CHECK(monthly.add(at(2026, 11, 1), 1) == at(2026, 12, 1));
	CHECK(monthly.add(at(2026, 12, 1), 1) == at(2027, 1, 1));
	CHECK(monthly.add(at(2026, 1, 1), -1) == at(2025, 12, 1));
	CHECK(monthly.add(at(2024, 1, 31), 1) == at(2024, 2, 29));
	CHECK(daily.add(at(2026, 11, 22), 30) == at(2026, 12, 22));
	CHECK(sqlstate_of([] { monthly.add(at(294270, 1, 1), 1000); }) == "22008");
	CHECK(sqlstate_of([] { daily.add(at(2026, 1, 1), 9000000000000LL); }) == "22008");
	CHECK(sqlstate_of([] { daily.add(tenancy::end_timestamp, 0); }) == "22008");
}

TEST_CASE("time suffixes are readable", "[partitions]")
{
	CHECK(tenancy::time_suffix(monthly, at(2026, 11, 1)) == "p2026_11");
	CHECK(tenancy::time_suffix(Step(3, 0, 0), at(2026, 10, 1)) == "p2026_10");
	CHECK(tenancy::time_suffix(Step(12, 0, 0), at(2026, 1, 1)) == "p2026");
	CHECK(tenancy::time_suffix(daily, at(2026, 11, 22)) == "p20261122");
	CHECK(tenancy::time_suffix(Step(0, 7, 0), at(2026, 11, 16)) == "p20261116");
	CHECK(tenancy::time_suffix(Step(0, 0, tenancy::usecs_per_hour), at(2026, 11, 22, 13)) ==
		  "p20261122_13");
	CHECK(tenancy::time_suffix(Step(0, 0, 15 * tenancy::usecs_per_minute),
							   at(2026, 11, 22, 13, 30)) == "p20261122_1330");
	CHECK(tenancy::time_suffix(Step(0, 0, 30 * tenancy::usecs_per_second),
							   at(2026, 11, 22, 13, 30, 30)) == "p20261122_133030");
	CHECK(tenancy::time_suffix(monthly, at(0, 3, 1)) == "pbc0001_03");
}

TEST_CASE("names never exceed 62 bytes and stay distinct", "[partitions]")
{
	CHECK(tenancy::child_name("events", "p2026_11") == "events_p2026_11");
	const std::string long_a(60, 'a');
	const std::string long_b = std::string(59, 'a') + "b";
	const std::string na = tenancy::child_name(long_a, "p20261122");
	const std::string nb = tenancy::child_name(long_b, "p20261122");
	CHECK(na.size() == 62);
	CHECK(nb.size() == 62);
	CHECK(na != nb);
	CHECK(na.substr(na.size() - 10) == "_p20261122");
	CHECK(na == tenancy::child_name(long_a, "p20261122"));
	/* exactly 62 fits without hashing; one more byte is cut and hashed */
	CHECK(tenancy::child_name(std::string(52, 'x'), "p20261122") ==
		  std::string(52, 'x') + "_p20261122");
	CHECK(tenancy::child_name(std::string(53, 'x'), "p20261122").size() == 62);
	CHECK(tenancy::child_name(std::string(53, 'x'), "p20261122").find('_') == 43);
}

TEST_CASE("names cut multibyte parents on a character boundary", "[partitions]")
{
	std::string parent;
	while (parent.size() < 60)
		parent += "\xC3\xA9"; /* é, two bytes */
	for (const char *suffix : {"p2026_11", "p20261122", "default", "t0123456789ab"})
	{
		const std::string n = tenancy::child_name(parent, suffix);
		CHECK(n.size() <= 62);
		std::size_t lead = n.find('_');
		REQUIRE(lead != std::string::npos);
		CHECK(lead % 2 == 0); /* only whole é before the separator */
	}
	CHECK(tenancy::utf8_prefix("a\xE2\x82\xAC", 3) == "a");
	CHECK(tenancy::utf8_prefix("a\xE2\x82\xAC", 4) == "a\xE2\x82\xAC");
	CHECK(tenancy::utf8_prefix("\xF0\x9F\x98\x80x", 2) == "");
}

TEST_CASE("tenant suffixes use the uuid's hex digits", "[partitions]")
{
	std::array<unsigned char, 16> u{};
	for (int i = 0; i < 16; i++)
		u[i] = static_cast<unsigned char>(0x10 * (i % 16) + i);
	CHECK(tenancy::tenant_suffix(u, false) == "t001122334455");
	CHECK(tenancy::tenant_suffix(u, true) == "t00112233445566778899aabbccddeeff");
}

TEST_CASE("premake makes the current step and premake ahead, minus what exists", "[partitions]")
{
	tenancy::PremakeInput in{monthly, 2, std::nullopt, at(2026, 11, 22), std::nullopt, {}};
	CHECK(tenancy::plan_premake(in) ==
		  std::vector<Timestamp>{at(2026, 11, 1), at(2026, 12, 1), at(2027, 1, 1)});
	in.existing = {{at(2026, 12, 1), at(2027, 1, 1)}};
	CHECK(tenancy::plan_premake(in) == std::vector<Timestamp>{at(2026, 11, 1), at(2027, 1, 1)});
	/* a user partition with odd bounds overlapping a step blocks that step */
	in.existing = {{at(2026, 11, 15), at(2026, 11, 16)}};
	CHECK(tenancy::plan_premake(in) == std::vector<Timestamp>{at(2026, 12, 1), at(2027, 1, 1)});
}

TEST_CASE("premake honours start_at and retention, and never back-fills", "[partitions]")
{
	tenancy::PremakeInput in{monthly, 1, at(2026, 8, 10), at(2026, 11, 22), std::nullopt, {}};
	CHECK(tenancy::plan_premake(in).size() == 5); /* Aug..Dec */
	in.cutoff = at(2026, 9, 15);
	CHECK(tenancy::plan_premake(in).front() == at(2026, 9, 1)); /* Aug would be dropped */
	/* after a long pause, only now's window is made: catch-up is capped */
	tenancy::PremakeInput late{daily, 3, std::nullopt, at(2030, 1, 1), std::nullopt,
							   {{at(2026, 1, 1), at(2026, 1, 2)}}};
	CHECK(tenancy::plan_premake(late).size() == 4);
	/* start_at after now + premake: just that step */
	tenancy::PremakeInput ahead{monthly, 0, at(2027, 5, 5), at(2026, 11, 22), std::nullopt, {}};
	CHECK(tenancy::plan_premake(ahead) == std::vector<Timestamp>{at(2027, 5, 1)});
	CHECK(sqlstate_of([] {
			  tenancy::plan_premake({monthly, -1, std::nullopt, 0, std::nullopt, {}});
		  }) == "22023");
	CHECK(sqlstate_of([] {
			  tenancy::plan_premake({monthly, 1001, std::nullopt, 0, std::nullopt, {}});
		  }) == "22023");
}

TEST_CASE("drain plans only sane steps, nearest first, capped", "[partitions]")
{
	const Timestamp now = at(2026, 11, 22);
	std::vector<Timestamp> wanted = {at(2999, 1, 1), at(2026, 11, 22, 5), at(2026, 11, 23),
									 at(2026, 11, 22, 6), at(2026, 1, 5), at(2025, 12, 31)};
	/* 2999 is beyond the premake window; the 22nd appears once */
	CHECK(tenancy::plan_drain(daily, 3, now, std::nullopt, wanted, {}, 10) ==
		  std::vector<Timestamp>{at(2025, 12, 31), at(2026, 1, 5), at(2026, 11, 22),
								 at(2026, 11, 23)});
	/* retention keeps expired steps out; the cap keeps the nearest */
	CHECK(tenancy::plan_drain(daily, 3, now, at(2026, 6, 1), wanted, {}, 10) ==
		  std::vector<Timestamp>{at(2026, 11, 22), at(2026, 11, 23)});
	CHECK(tenancy::plan_drain(daily, 3, now, std::nullopt, wanted, {}, 2) ==
		  std::vector<Timestamp>{at(2026, 11, 22), at(2026, 11, 23)});
	CHECK(tenancy::plan_drain(daily, 3, now, std::nullopt, wanted,
							  {{at(2026, 11, 23), at(2026, 11, 24)}}, 10)
			  .size() == 3);
}

TEST_CASE("steps are counted by arithmetic, months and fixed alike", "[partitions]")
{
	CHECK(monthly.count(at(2026, 1, 1), at(2026, 12, 1)) == 12);
	CHECK(Step(3, 0, 0).count(at(2026, 1, 1), at(2026, 10, 1)) == 4);
	CHECK(daily.count(at(2026, 1, 1), at(2026, 1, 1)) == 1);
	CHECK(daily.count(at(2026, 1, 2), at(2026, 1, 1)) == 0);
	const Step second(0, 0, tenancy::usecs_per_second);
	CHECK(second.count(at(-4000, 1, 1), at(290000, 1, 1)) > 9000000000000LL);
}

TEST_CASE("premake refuses a window wider than one call may make, before any work", "[partitions]")
{
	/* one-second steps from a year back: 31 million partitions */
	CHECK(sqlstate_of([] {
			  tenancy::plan_premake({Step(0, 0, tenancy::usecs_per_second), 4, at(2025, 11, 22),
									 at(2026, 11, 22), std::nullopt, {}});
		  }) == "54000");
	/* start_at from before the calendar: refused, not walked */
	CHECK(sqlstate_of([] {
			  tenancy::plan_premake({daily, 4, at(-4000, 1, 1), at(2026, 11, 22), std::nullopt, {}});
		  }) == "54000");
	/* the limit itself is allowed: premake 1000 plus 999 days back */
	tenancy::PremakeInput in{daily, tenancy::max_premake, at(2026, 11, 22) - 999 * tenancy::usecs_per_day,
							 at(2026, 11, 22), std::nullopt, {}};
	CHECK(tenancy::plan_premake(in).size() == static_cast<std::size_t>(tenancy::max_partitions_per_call));
	in.start_at = *in.start_at - tenancy::usecs_per_day;
	try
	{
		tenancy::plan_premake(in);
		FAIL("a window one step over the limit was planned");
	}
	catch (const tenancy::Error &e)
	{
		CHECK(e.sqlstate() == "54000");
		CHECK(e.message() == "one call may make at most 2000 partitions; this one spans 2001");
	}
	/* steps retention drops at once do not count: an old start_at is fine */
	tenancy::PremakeInput kept{daily, 4, at(1990, 1, 1), at(2026, 11, 22), at(2026, 11, 1), {}};
	CHECK(tenancy::plan_premake(kept).size() == 26);
}
