/* audit_logged_columns_test.cpp: which columns of an audited table are logged. */
#include "audit/logged_columns.hpp"
#include "core/error.hpp"

#include <catch2/catch.hpp>

using namespace tenancy::audit;

namespace {

std::vector<TableColumn>
items()
{
	return {{"id"}, {"workspace_id", true}, {"body"}, {"password"}, {"secret"}};
}

std::vector<int>
columns_of(const std::vector<LoggedColumn> &logged)
{
	std::vector<int> out;
	for (const LoggedColumn &col : logged)
		out.push_back(col.column);
	return out;
}

} // namespace

TEST_CASE("without settings every column is logged, the key in key order", "[audit]")
{
	LoggedColumns logged = plan_logged_columns(items(), {"body", "id"}, AuditSettings{});
	CHECK(columns_of(logged.image) == std::vector<int>{0, 1, 2, 3, 4});
	CHECK(columns_of(logged.key) == std::vector<int>{2, 0});
	CHECK_FALSE(logged.tenant.has_value());
}

TEST_CASE("excluded columns appear nowhere, not even in the key", "[audit]")
{
	AuditSettings settings;
	settings.exclude_columns = {"password", "id"};
	LoggedColumns logged = plan_logged_columns(items(), {"id"}, settings);
	CHECK(columns_of(logged.image) == std::vector<int>{1, 2, 4});
	CHECK(logged.key.empty());
}

TEST_CASE("redacted columns are flagged in images and keys", "[audit]")
{
	AuditSettings settings;
	settings.redact_columns = {"secret", "id"};
	LoggedColumns logged = plan_logged_columns(items(), {"id"}, settings);
	REQUIRE(logged.image.size() == 5);
	CHECK(logged.image[0].redacted);
	CHECK_FALSE(logged.image[1].redacted);
	CHECK(logged.image[4].redacted);
	REQUIRE(logged.key.size() == 1);
	CHECK(logged.key[0].redacted);
}

TEST_CASE("the tenant column counts only while it is a uuid column", "[audit]")
{
	AuditSettings settings;
	settings.tenant_column = "workspace_id";
	CHECK(plan_logged_columns(items(), {}, settings).tenant == 1);

	std::vector<TableColumn> retyped = items();
	retyped[1].is_uuid = false;
	CHECK_FALSE(plan_logged_columns(retyped, {}, settings).tenant.has_value());

	settings.tenant_column = "dropped";
	CHECK_FALSE(plan_logged_columns(items(), {}, settings).tenant.has_value());
}

TEST_CASE("a table with no primary key has no key columns", "[audit]")
{
	CHECK(plan_logged_columns(items(), {}, AuditSettings{}).key.empty());
}

TEST_CASE("an excluded or redacted column the table no longer has fails closed", "[audit]")
{
	/* "password" renamed to "pass": logging "pass" would show it in clear */
	std::vector<TableColumn> renamed = items();
	renamed[3].name = "pass";
	AuditSettings excluded;
	excluded.exclude_columns = {"password"};
	CHECK_THROWS_AS(plan_logged_columns(renamed, {}, excluded), tenancy::Error);
	AuditSettings redacted;
	redacted.redact_columns = {"password"};
	CHECK_THROWS_AS(plan_logged_columns(renamed, {}, redacted), tenancy::Error);

	/* a column of the old name added again is excluded again */
	renamed.push_back({"password"});
	CHECK(columns_of(plan_logged_columns(renamed, {}, excluded).image) ==
		  std::vector<int>{0, 1, 2, 3, 4});
}

TEST_CASE("a full image leaves out the key and tenant columns, which the log row holds", "[audit]")
{
	AuditSettings settings;
	settings.tenant_column = "workspace_id";
	settings.exclude_columns = {"password"};
	LoggedColumns logged = plan_logged_columns(items(), {"id"}, settings);
	CHECK(columns_of(logged.full) == std::vector<int>{2, 4});

	/* a tenant column that is part of the key is left out once */
	CHECK(columns_of(plan_logged_columns(items(), {"workspace_id", "id"}, settings).full) ==
		  std::vector<int>{2, 4});

	/* without a key or a tenant column, nothing else holds the values */
	CHECK(columns_of(plan_logged_columns(items(), {}, AuditSettings{}).full) ==
		  std::vector<int>{0, 1, 2, 3, 4});

	/* a retyped tenant column is not tenant_id: the image keeps it */
	std::vector<TableColumn> retyped = items();
	retyped[1].is_uuid = false;
	CHECK(columns_of(plan_logged_columns(retyped, {"id"}, settings).full) ==
		  std::vector<int>{1, 2, 4});

	/* an excluded key column is in no key: the image leaves out only the tenant */
	settings.exclude_columns = {"id"};
	CHECK(columns_of(plan_logged_columns(items(), {"id"}, settings).full) ==
		  std::vector<int>{2, 3, 4});
}
