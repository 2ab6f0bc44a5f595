/*
 * permission_set.hpp: the permissions a membership's role grants (pure C++).
 *
 * A role read from the registered roles table carries a PermissionList:
 * its permission names, sorted and distinct, so a check is a binary
 * search. Memberships of one role share one list. The lists live in
 * PostgreSQL memory; these functions only reorder and read, never allocate
 * and never throw.
 */
#pragma once
#include "core/pure.hpp"
#include "membership/membership_set.hpp"

#include <cstddef>

namespace tenancy {

struct PermissionList
{
	std::size_t count;
	const char *const *names; /* sorted by strcmp, distinct */
};

/*
 * Sorts names by strcmp and drops repeats, in place; returns how many
 * remain (the first ones).
 */
std::size_t sort_permissions(const char **names, std::size_t count) noexcept;

/* Whether the list (nullptr: none) holds permission. */
bool list_has_permission(const PermissionList *list, const char *permission) noexcept;

/* Whether one of the sorted rows of tenant grants permission. */
bool has_permission(const MembershipRow *rows, std::size_t count, const unsigned char tenant[16],
					const char *permission) noexcept;

/*
 * Writes each distinct tenant of the sorted rows in which a row grants
 * permission to out (room for count entries), in order; returns how many.
 */
std::size_t tenants_with_permission(const MembershipRow *rows, std::size_t count,
									const char *permission, unsigned char (*out)[16]) noexcept;

} // namespace tenancy
