/*
 * settings.hpp: an audited table's settings, as carried by the arguments of
 * its tenancy_audit_* triggers (pure C++).
 *
 *   'tenant=<column>'   the tenant column (at most one)
 *   'exclude=<column>'  a column never logged (any number)
 *   'redact=<column>'   a column logged only as "[redacted]" (any number)
 */
#pragma once
#include "core/pure.hpp"

#include <optional>
#include <string>
#include <vector>

namespace tenancy::audit {

struct AuditSettings
{
	std::optional<std::string> tenant_column;
	std::vector<std::string> exclude_columns;
	std::vector<std::string> redact_columns;
};

/* Parses trigger arguments; throws tenancy::Error (22023) on a bad one. */
AuditSettings parse_audit_settings(const std::vector<std::string> &args);

} // namespace tenancy::audit
