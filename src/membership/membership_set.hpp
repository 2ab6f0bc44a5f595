/*
 * membership_set.hpp: one user's memberships as a sorted array (pure C++).
 *
 * The membership cache stores, per user, the (tenant, role) pairs of the
 * user's active memberships, sorted by tenant bytes (the order of
 * PostgreSQL's uuid type, which compares with memcmp) and then by role.
 * Lookups are binary searches. The arrays live in PostgreSQL memory; these
 * functions only reorder and read them, never allocate and never throw.
 */
#pragma once
#include "core/pure.hpp"

#include <cstddef>

namespace tenancy {

struct PermissionList; /* permission_set.hpp */

struct MembershipRow
{
	unsigned char tenant[16];
	const char *role; /* nullptr when no role column or a NULL role */
	const PermissionList *permissions; /* the role's; nullptr when none */
};

/* Sorts rows by tenant, then role (a NULL role first), in place. */
void sort_memberships(MembershipRow *rows, std::size_t count) noexcept;

/*
 * Writes each distinct tenant of sorted rows to out (room for count
 * entries), in order; returns how many.
 */
std::size_t distinct_tenants(const MembershipRow *rows, std::size_t count,
								unsigned char (*out)[16]) noexcept;

/* The first sorted row for tenant, or nullptr. */
const MembershipRow *find_membership(const MembershipRow *rows, std::size_t count,
									 const unsigned char tenant[16]) noexcept;

/*
 * The sorted rows of one tenant: *first and the count returned (0, with
 * *first nullptr, when there are none). They are contiguous, so a caller
 * can answer for that tenant alone without copying.
 */
std::size_t tenant_rows(const MembershipRow *rows, std::size_t count,
						const unsigned char tenant[16], const MembershipRow **first) noexcept;

/*
 * Whether the sorted rows hold tenant with one of roles (nullptr entries
 * in roles are skipped).
 */
bool has_membership_role(const MembershipRow *rows, std::size_t count,
						 const unsigned char tenant[16], const char *const *roles,
						 std::size_t role_count) noexcept;

} // namespace tenancy
