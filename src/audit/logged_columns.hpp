/*
 * logged_columns.hpp: which of an audited table's columns the log shows, and
 * how (pure C++).
 *
 * From the table's live columns, its primary key and its audit settings:
 * the columns of a row image (every column but the excluded ones, in
 * attribute order, redacted ones flagged), the key columns (the primary key
 * minus excluded columns), and the tenant column (only while it exists and
 * is a uuid: one dropped or retyped since enable_audit logs NULL).
 * A full image (an INSERT's new row, a DELETE's old row) leaves out the
 * key and tenant columns: the log row holds them already, in record_key
 * and tenant_id, and each repeated would cost the row its name and value
 * again (docs/audit.md "Row layout").
 *
 * An excluded or redacted column the table no longer has (renamed or
 * dropped since enable_audit) fails closed: tenancy::Error 42703.
 */
#pragma once
#include "audit/settings.hpp"
#include "core/pure.hpp"

#include <optional>
#include <string>
#include <vector>

namespace tenancy::audit {

struct TableColumn
{
	std::string name;
	bool is_uuid = false;
};

struct LoggedColumn
{
	int column;			   /* index into the table's columns */
	bool redacted = false; /* logged only as "[redacted]" (or null) */
};

struct LoggedColumns
{
	std::vector<LoggedColumn> image; /* in attribute order */
	std::vector<LoggedColumn> key;	 /* in primary key order */
	std::vector<LoggedColumn> full;	 /* what a full image shows: image minus key and tenant */
	std::optional<int> tenant;		 /* index into the table's columns */
};

LoggedColumns plan_logged_columns(const std::vector<TableColumn> &columns,
								  const std::vector<std::string> &primary_key,
								  const AuditSettings &settings);

} // namespace tenancy::audit
