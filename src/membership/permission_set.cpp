/*
 * permission_set.cpp: see permission_set.hpp.
 */
#include "membership/permission_set.hpp"

#include <algorithm>
#include <cstring>

namespace tenancy {

namespace {

bool
name_less(const char *a, const char *b) noexcept
{
	return std::strcmp(a, b) < 0;
}

bool
name_equal(const char *a, const char *b) noexcept
{
	return std::strcmp(a, b) == 0;
}

} // namespace

std::size_t
sort_permissions(const char **names, std::size_t count) noexcept
{
	std::sort(names, names + count, name_less);
	return static_cast<std::size_t>(std::unique(names, names + count, name_equal) - names);
}

bool
list_has_permission(const PermissionList *list, const char *permission) noexcept
{
	if (list == nullptr)
		return false;
	return std::binary_search(list->names, list->names + list->count, permission, name_less);
}

bool
has_permission(const MembershipRow *rows, std::size_t count, const unsigned char tenant[16],
			   const char *permission) noexcept
{
	const MembershipRow *end = rows + count;

	for (const MembershipRow *it = find_membership(rows, count, tenant);
		 it != nullptr && it != end && std::memcmp(it->tenant, tenant, 16) == 0; ++it)
		if (list_has_permission(it->permissions, permission))
			return true;
	return false;
}

std::size_t
tenants_with_permission(const MembershipRow *rows, std::size_t count, const char *permission,
						unsigned char (*out)[16]) noexcept
{
	std::size_t written = 0;

	for (std::size_t i = 0; i < count; i++)
	{
		if (!list_has_permission(rows[i].permissions, permission))
			continue;
		if (written > 0 && std::memcmp(out[written - 1], rows[i].tenant, 16) == 0)
			continue;
		std::memcpy(out[written], rows[i].tenant, 16);
		written++;
	}
	return written;
}

} // namespace tenancy
