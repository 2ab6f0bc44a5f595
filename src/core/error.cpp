/*
 * error.cpp: tenancy::Error.
 */
#include "core/error.hpp"

#include <utility>

namespace tenancy {

static bool
is_valid_sqlstate(const std::string &code)
{
	if (code.size() != 5)
		return false;
	for (char c : code)
		if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z')))
			return false;
	return true;
}

Error::Error(std::string sqlstate, std::string message, std::string detail,
			 std::string hint)
	: sqlstate_(is_valid_sqlstate(sqlstate) ? std::move(sqlstate)
											: std::string(sqlstate::internal_error)),
	  message_(std::move(message)),
	  detail_(std::move(detail)),
	  hint_(std::move(hint))
{
}

} // namespace tenancy
