/* scope_name.cpp: what a scope's name may be (scope_name.hpp). */
#include "membership/scope_name.hpp"

namespace tenancy {

namespace {

bool
is_lower(char c) noexcept
{
	return c >= 'a' && c <= 'z';
}

} // namespace

bool
scope_name_is_valid(const char *name, std::size_t length) noexcept
{
	if (length == 0 || length > 63 || !is_lower(name[0]))
		return false;
	for (std::size_t i = 1; i < length; i++)
		if (!is_lower(name[i]) && !(name[i] >= '0' && name[i] <= '9') && name[i] != '_')
			return false;
	return true;
}

} // namespace tenancy
