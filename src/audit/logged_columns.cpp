/*
 * logged_columns.cpp: which columns an audited table logs (pure C++).
 */
#include "audit/logged_columns.hpp"

#include <algorithm>

namespace tenancy::audit {

namespace {

bool
listed(const std::vector<std::string> &names, const std::string &name)
{
	return std::find(names.begin(), names.end(), name) != names.end();
}

} // namespace

LoggedColumns
plan_logged_columns(const std::vector<TableColumn> &columns,
					const std::vector<std::string> &primary_key, const AuditSettings &settings)
{
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
	return logged;
}

} // namespace tenancy::audit
