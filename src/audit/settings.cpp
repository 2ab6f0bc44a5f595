/*
 * settings.cpp: parsing of the audit triggers' arguments.
 */
#include "audit/settings.hpp"

#include "core/error.hpp"

namespace tenancy::audit {

static bool
take_prefixed(const std::string &arg, const char *prefix, std::string *value)
{
	std::string p(prefix);
	if (arg.compare(0, p.size(), p) != 0 || arg.size() == p.size())
		return false;
	*value = arg.substr(p.size());
	return true;
}

AuditSettings
parse_audit_settings(const std::vector<std::string> &args)
{
	AuditSettings settings;
	for (const std::string &arg : args)
	{
		std::string value;
		if (take_prefixed(arg, "tenant=", &value))
		{
			if (settings.tenant_column)
				throw Error(sqlstate::invalid_parameter_value,
							"audit trigger names more than one tenant column",
							"", "Run tenancy.enable_audit() again to repair the triggers.");
			settings.tenant_column = value;
		}
		else if (take_prefixed(arg, "exclude=", &value))
			settings.exclude_columns.push_back(value);
		else if (take_prefixed(arg, "redact=", &value))
			settings.redact_columns.push_back(value);
		else
			throw Error(sqlstate::invalid_parameter_value, "audit trigger has an unknown argument",
						"Arguments are tenant=, exclude= and redact= followed by a column name.",
						"Run tenancy.enable_audit() again to repair the triggers.");
	}
	return settings;
}

} // namespace tenancy::audit
