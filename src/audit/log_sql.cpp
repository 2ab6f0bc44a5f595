/*
 * log_sql.cpp: generation of the audit triggers' INSERT ... SELECT.
 */
#include "audit/log_sql.hpp"

namespace tenancy::audit {

namespace {

const char *const log_columns =
	"INSERT INTO tenancy.audit_log (txid, relid, schema_name, table_name, op, tenant_id, "
	"actor_id, db_user, record_key, old_values, new_values)\n";

/* row.column, where row is a composite value (the whole transition row). */
std::string
field(const std::string &row, const std::string &column)
{
	return "(" + row + ")." + quote_identifier(column);
}

std::string
logged_value(const std::string &row, const AuditedColumn &col)
{
	if (col.redacted)
		return "CASE WHEN " + field(row, col.name) +
			   " IS NULL THEN NULL::jsonb ELSE '\"[redacted]\"'::jsonb END";
	return field(row, col.name);
}

/* All logged columns of row as a jsonb object. */
std::string
row_values(const AuditedRelation &rel, const std::string &row)
{
	std::string removed, redacted;
	for (const AuditedColumn &col : rel.columns)
	{
		if (col.excluded || col.redacted)
			removed += (removed.empty() ? "" : ", ") + quote_literal(col.name);
		if (col.redacted && !col.excluded)
			redacted += (redacted.empty() ? "" : ", ") + quote_literal(col.name) + ", " +
						logged_value(row, col);
	}
	std::string sql = "to_jsonb(" + row + ")";
	if (!removed.empty())
		sql = "(" + sql + " - ARRAY[" + removed + "]::text[])";
	if (!redacted.empty())
		sql = "(" + sql + " || jsonb_build_object(" + redacted + "))";
	return sql;
}

const AuditedColumn *
find_column(const AuditedRelation &rel, const std::string &name)
{
	for (const AuditedColumn &col : rel.columns)
		if (col.name == name)
			return &col;
	return nullptr;
}

std::string
record_key(const AuditedRelation &rel, const std::string &row)
{
	std::string pairs;
	for (const std::string &key : rel.key_columns)
	{
		const AuditedColumn *col = find_column(rel, key);
		if (col == nullptr || col->excluded)
			continue;
		pairs += (pairs.empty() ? "" : ", ") + quote_literal(key) + ", " + logged_value(row, *col);
	}
	return pairs.empty() ? "NULL::jsonb" : "jsonb_build_object(" + pairs + ")";
}

std::string
tenant(const AuditedRelation &rel, const std::string &row)
{
	return rel.tenant_column ? field(row, *rel.tenant_column) : "NULL::uuid";
}

std::string
changed(const AuditedColumn &col)
{
	if (col.comparable)
		return field("o.r", col.name) + " IS DISTINCT FROM " + field("n.r", col.name);
	return field("o.r", col.name) + "::text IS DISTINCT FROM " + field("n.r", col.name) + "::text";
}

/* The row-set statements: one log row per transition row. */
std::string
single_image_sql(const AuditedRelation &rel, const char *op, const char *transition,
				 bool is_old)
{
	std::string sql = log_columns;
	sql += "SELECT $1, $2, $3, $4, '" + std::string(op) + "', " + tenant(rel, "t") +
		   ", $5, $6, " + record_key(rel, "t") + ", ";
	std::string values = row_values(rel, "t");
	sql += is_old ? values + ", NULL" : "NULL, " + values;
	sql += "\nFROM " + std::string(transition) + " t";
	return sql;
}

} // namespace

std::string
quote_identifier(const std::string &name)
{
	std::string out = "\"";
	for (char c : name)
	{
		if (c == '"')
			out += '"';
		out += c;
	}
	return out + "\"";
}

std::string
quote_literal(const std::string &value)
{
	bool has_backslash = value.find('\\') != std::string::npos;
	std::string out = has_backslash ? "E'" : "'";
	for (char c : value)
	{
		if (c == '\'' || c == '\\')
			out += c;
		out += c;
	}
	return out + "'";
}

std::string
insert_log_sql(const AuditedRelation &rel)
{
	return single_image_sql(rel, "INSERT", "tenancy_new", false);
}

std::string
delete_log_sql(const AuditedRelation &rel)
{
	return single_image_sql(rel, "DELETE", "tenancy_old", true);
}

/*
 * UPDATE pairs the i-th old row with the i-th new row: PostgreSQL appends
 * both images of a row to the transition tables together, in the same order.
 * A one-row statement (the common OLTP case) needs no pairing.
 * Only changed, non-excluded columns are logged; rows where none changed are
 * not logged at all.
 */
std::string
update_log_sql(const AuditedRelation &rel, bool single_row)
{
	std::string old_values, new_values, any_change;
	for (const AuditedColumn &col : rel.columns)
	{
		if (col.excluded)
			continue;
		std::string when = "CASE WHEN " + changed(col) + " THEN jsonb_build_object(" +
						   quote_literal(col.name) + ", ";
		old_values += (old_values.empty() ? "" : "\n  || ") + when + logged_value("o.r", col) +
					  ") ELSE '{}'::jsonb END";
		new_values += (new_values.empty() ? "" : "\n  || ") + when + logged_value("n.r", col) +
					  ") ELSE '{}'::jsonb END";
		any_change += (any_change.empty() ? "" : "\n   OR ") + changed(col);
	}
	if (any_change.empty())
		return std::string(); /* nothing is logged for this relation's updates */

	std::string sql = log_columns;
	sql += "SELECT $1, $2, $3, $4, 'UPDATE', " + tenant(rel, "n.r") + ", $5, $6, " +
		   record_key(rel, "n.r") + ",\n  " + old_values + ",\n  " + new_values;
	if (single_row)
		sql += "\nFROM (SELECT t AS r FROM tenancy_old t) o, (SELECT t AS r FROM tenancy_new t) n";
	else
		sql += "\nFROM (SELECT row_number() OVER () AS rn, t AS r FROM tenancy_old t) o"
			   "\nJOIN (SELECT row_number() OVER () AS rn, t AS r FROM tenancy_new t) n USING (rn)";
	sql += "\nWHERE " + any_change;
	return sql;
}

std::string
truncate_log_sql()
{
	return std::string(log_columns) +
		   "VALUES ($1, $2, $3, $4, 'TRUNCATE', NULL, $5, $6, NULL, NULL, NULL)";
}

} // namespace tenancy::audit
