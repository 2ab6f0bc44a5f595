/* audit_log_sql_test.cpp: the SQL generated for audited tables. */
#include "audit/log_sql.hpp"

#include <catch2/catch.hpp>

using namespace tenancy::audit;

static AuditedRelation
items()
{
	AuditedRelation rel;
	rel.columns = {{"id"}, {"workspace_id"}, {"body"}, {"password", true, true, false},
				   {"secret", true, false, true}, {"shape", false}};
	rel.key_columns = {"id"};
	rel.tenant_column = "workspace_id";
	return rel;
}

TEST_CASE("identifiers are always quoted, literals as quote_literal does", "[audit]")
{
	CHECK(quote_identifier("body") == "\"body\"");
	CHECK(quote_identifier("We\"ird") == "\"We\"\"ird\"");
	CHECK(quote_literal("it's") == "'it''s'");
	CHECK(quote_literal("back\\slash") == "E'back\\\\slash'");
}

TEST_CASE("excluded columns never appear as values, keys or comparisons", "[audit]")
{
	AuditedRelation rel = items();
	for (const std::string &sql : {insert_log_sql(rel), update_log_sql(rel), delete_log_sql(rel)})
	{
		CHECK(sql.find("\"password\"") == std::string::npos);
		/* only as a key removed from to_jsonb(row) */
		if (sql.find("'password'") != std::string::npos)
			CHECK(sql.find("- ARRAY['password', 'secret']::text[]") != std::string::npos);
	}
	CHECK(update_log_sql(rel).find("'password'") == std::string::npos);
}

TEST_CASE("redacted columns are logged as a marker, never their value", "[audit]")
{
	AuditedRelation rel = items();
	std::string insert = insert_log_sql(rel);
	CHECK(insert.find("'secret', CASE WHEN (t).\"secret\" IS NULL THEN NULL::jsonb ELSE "
					  "'\"[redacted]\"'::jsonb END") != std::string::npos);
	std::string update = update_log_sql(rel);
	CHECK(update.find("jsonb_build_object('secret', (o.r).\"secret\")") == std::string::npos);
	CHECK(update.find("jsonb_build_object('secret', CASE WHEN (o.r).\"secret\" IS NULL") !=
		  std::string::npos);
}

TEST_CASE("types without equality are compared as text", "[audit]")
{
	std::string update = update_log_sql(items());
	CHECK(update.find("(o.r).\"shape\"::text IS DISTINCT FROM (n.r).\"shape\"::text") !=
		  std::string::npos);
	CHECK(update.find("(o.r).\"body\" IS DISTINCT FROM (n.r).\"body\"") != std::string::npos);
}

TEST_CASE("key, tenant and statement shapes", "[audit]")
{
	AuditedRelation rel = items();
	CHECK(insert_log_sql(rel).find("jsonb_build_object('id', (t).\"id\")") != std::string::npos);
	CHECK(insert_log_sql(rel).find("FROM tenancy_new t") != std::string::npos);
	CHECK(delete_log_sql(rel).find("FROM tenancy_old t") != std::string::npos);
	CHECK(delete_log_sql(rel).find("'DELETE', (t).\"workspace_id\"") != std::string::npos);

	rel.key_columns.clear();
	rel.tenant_column.reset();
	CHECK(insert_log_sql(rel).find("'INSERT', NULL::uuid, $5, $6, NULL::jsonb") !=
		  std::string::npos);
	CHECK(truncate_log_sql().find("'TRUNCATE'") != std::string::npos);
}

TEST_CASE("a relation whose every column is excluded logs no updates", "[audit]")
{
	AuditedRelation rel;
	rel.columns = {{"a", true, true, false}};
	CHECK(update_log_sql(rel).empty());
	CHECK_FALSE(insert_log_sql(rel).empty());
}

TEST_CASE("a one-row update needs no pairing join", "[audit]")
{
	std::string one = update_log_sql(items(), true);
	CHECK(one.find("row_number()") == std::string::npos);
	CHECK(one.find("FROM (SELECT t AS r FROM tenancy_old t) o, (SELECT t AS r FROM tenancy_new t) n") !=
		  std::string::npos);
	CHECK(update_log_sql(items()).find("USING (rn)") != std::string::npos);
}
