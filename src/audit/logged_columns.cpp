/*
 * logged_columns.cpp: which columns an audited table logs (pure C++).
 */
#include "audit/logged_columns.hpp"

#include "core/error.hpp"

#include <algorithm>

namespace tenancy::audit {

namespace {

bool
listed(const std::vector<std::string> &names, const std::string &name)
{
	return std::find(names.begin(), names.end(), name) != names.end();
}

/*
 * Settings name columns, so a renamed excluded or redacted column would be
 * logged in clear under its new name (forever: the hash chain forbids
 * removing it). Instead the table's changes are refused until its audit
 * settings name its columns again.
 */
void
require_configured(const std::vector<TableColumn> &columns, const std::vector<std::string> &names,
				   const char *setting)
{
	for (const std::string &name : names)
		if (std::none_of(columns.begin(), columns.end(),
						 [&](const TableColumn &col) { return col.name == name; }))
			throw Error(sqlstate::undefined_column,
						std::string("the audit settings ") + setting + " column \"" + name +
							"\", which the table no longer has",
						"The column was renamed or dropped after tenancy.enable_audit(); "
						"its changes are refused rather than logged in clear.",
						"Run tenancy.enable_audit() again with the table's current column names.");
}

} // namespace

LoggedColumns
plan_logged_columns(const std::vector<TableColumn> &columns,
					const std::vector<std::string> &primary_key, const AuditSettings &settings)
{
	require_configured(columns, settings.exclude_columns, "exclude");
	require_configured(columns, settings.redact_columns, "redact");
	LoggedColumns logged;
	for (int i = 0; i < (int) columns.size(); i++)
	{
		const TableColumn &col = columns[i];
		if (listed(settings.exclude_columns, col.name))
			continue;
		logged.image.push_back({i, listed(settings.redact_columns, col.name)});
		if (settings.tenant_column && *settings.tenant_column == col.name && col.is_uuid)
			logged.tenant = i;
	}
	for (const std::string &key : primary_key)
		for (const LoggedColumn &col : logged.image)
			if (columns[col.column].name == key)
				logged.key.push_back(col);
	for (const LoggedColumn &col : logged.image)
		if (col.column != logged.tenant &&
			std::none_of(logged.key.begin(), logged.key.end(),
						 [&](const LoggedColumn &key) { return key.column == col.column; }))
			logged.full.push_back(col);
	return logged;
}

} // namespace tenancy::audit
