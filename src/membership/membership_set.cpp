/*
 * membership_set.cpp: see membership_set.hpp.
 */
#include "membership/membership_set.hpp"

#include <algorithm>
#include <cstring>

namespace tenancy {

namespace {

int
compare_roles(const char *a, const char *b) noexcept
{
	if (a == nullptr || b == nullptr)
		return (a == nullptr ? 0 : 1) - (b == nullptr ? 0 : 1);
	return std::strcmp(a, b);
}

bool
row_less(const MembershipRow &a, const MembershipRow &b) noexcept
{
	int c = std::memcmp(a.tenant, b.tenant, sizeof(a.tenant));

	if (c != 0)
		return c < 0;
	return compare_roles(a.role, b.role) < 0;
}

bool
tenant_less(const MembershipRow &row, const unsigned char *tenant) noexcept
{
	return std::memcmp(row.tenant, tenant, sizeof(row.tenant)) < 0;
}

} // namespace

void
sort_memberships(MembershipRow *rows, std::size_t count) noexcept
{
	std::sort(rows, rows + count, row_less);
}

std::size_t
distinct_tenants(const MembershipRow *rows, std::size_t count,
					unsigned char (*out)[16]) noexcept
{
	std::size_t written = 0;

	for (std::size_t i = 0; i < count; i++)
	{
		if (written > 0 && std::memcmp(out[written - 1], rows[i].tenant, 16) == 0)
			continue;
		std::memcpy(out[written], rows[i].tenant, 16);
		written++;
	}
	return written;
}

const MembershipRow *
find_membership(const MembershipRow *rows, std::size_t count,
				const unsigned char tenant[16]) noexcept
{
	const MembershipRow *end = rows + count;
	const MembershipRow *it = std::lower_bound(rows, end, tenant, tenant_less);

	if (it == end || std::memcmp(it->tenant, tenant, 16) != 0)
		return nullptr;
	return it;
}

std::size_t
tenant_rows(const MembershipRow *rows, std::size_t count, const unsigned char tenant[16],
			const MembershipRow **first) noexcept
{
	const MembershipRow *end = rows + count;
	const MembershipRow *it = find_membership(rows, count, tenant);
	std::size_t n = 0;

	*first = it;
	while (it != nullptr && it + n != end && std::memcmp(it[n].tenant, tenant, 16) == 0)
		n++;
	return n;
}

bool
has_membership_role(const MembershipRow *rows, std::size_t count,
					const unsigned char tenant[16], const char *const *roles,
					std::size_t role_count) noexcept
{
	const MembershipRow *end = rows + count;

	for (const MembershipRow *it = find_membership(rows, count, tenant);
		 it != nullptr && it != end && std::memcmp(it->tenant, tenant, 16) == 0; ++it)
	{
		if (it->role == nullptr)
			continue;
		for (std::size_t r = 0; r < role_count; r++)
			if (roles[r] != nullptr && std::strcmp(roles[r], it->role) == 0)
				return true;
	}
	return false;
}

} // namespace tenancy
