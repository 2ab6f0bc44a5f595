/* audit_settings_test.cpp: parsing the audit triggers' arguments. */
#include "audit/settings.hpp"
#include "core/error.hpp"

#include <catch2/catch.hpp>

using tenancy::audit::parse_audit_settings;

TEST_CASE("audit trigger arguments parse into settings", "[audit]")
{
	auto s = parse_audit_settings({"tenant=workspace_id", "exclude=password", "exclude=we ird\"",
								   "redact=secret"});
	REQUIRE(s.tenant_column);
	CHECK(*s.tenant_column == "workspace_id");
	CHECK(s.exclude_columns == std::vector<std::string>{"password", "we ird\""});
	CHECK(s.redact_columns == std::vector<std::string>{"secret"});

	auto empty = parse_audit_settings({});
	CHECK_FALSE(empty.tenant_column);
	CHECK(empty.exclude_columns.empty());
}

TEST_CASE("bad audit trigger arguments are refused", "[audit]")
{
	CHECK_THROWS_AS(parse_audit_settings({"tenant=a", "tenant=b"}), tenancy::Error);
	CHECK_THROWS_AS(parse_audit_settings({"colour=red"}), tenancy::Error);
	CHECK_THROWS_AS(parse_audit_settings({"exclude="}), tenancy::Error);
	try
	{
		parse_audit_settings({"bogus"});
	}
	catch (const tenancy::Error &e)
	{
		CHECK(e.sqlstate() == "22023");
	}
}
