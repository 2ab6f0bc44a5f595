/*
 * log_sql.hpp: the SQL an audited table's statement triggers run (pure C++).
 *
 * For each audited relation the trigger prepares, once, an
 * INSERT INTO tenancy.audit_log ... SELECT ... FROM <transition table>,
 * generated here from the relation's columns. PostgreSQL's own functions
 * (to_jsonb, jsonb_build_object) turn values into jsonb. The statements take
 * the same six parameters:
 *   $1 xid8 txid, $2 oid relid, $3 name schema, $4 name table,
 *   $5 uuid actor, $6 name db_user
 * and read the transition tables tenancy_old and tenancy_new.
 */
#pragma once
#include "core/pure.hpp"

#include <optional>
#include <string>
#include <vector>

namespace tenancy::audit {

struct AuditedColumn
{
	std::string name;
	bool comparable = true; /* has an equality operator; else compared as text */
	bool excluded = false;	/* never logged, changes to it alone log nothing */
	bool redacted = false;	/* logged only as "[redacted]" (or null) */
};

struct AuditedRelation
{
	std::vector<AuditedColumn> columns; /* live columns, in attribute order */
	std::vector<std::string> key_columns; /* primary key, in key order */
	std::optional<std::string> tenant_column;
};

/* Always-quoted identifier: "name" with inner quotes doubled. */
std::string quote_identifier(const std::string &name);
/* A string literal as PostgreSQL's quote_literal writes it. */
std::string quote_literal(const std::string &value);

std::string insert_log_sql(const AuditedRelation &rel);
/* single_row: the statement changed one row, so no pairing is needed. */
std::string update_log_sql(const AuditedRelation &rel, bool single_row = false);
std::string delete_log_sql(const AuditedRelation &rel);
std::string truncate_log_sql();

} // namespace tenancy::audit
