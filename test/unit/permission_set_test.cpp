/* permission_set_test.cpp: the permissions a membership's role grants. */
#include "membership/permission_set.hpp"

#include <catch2/catch.hpp>
#include <cstring>
#include <vector>

namespace {

tenancy::MembershipRow
row(unsigned char first, const tenancy::PermissionList *permissions)
{
	tenancy::MembershipRow r{};
	r.tenant[0] = first;
	r.permissions = permissions;
	return r;
}

std::vector<unsigned char>
tenant(unsigned char first)
{
	std::vector<unsigned char> t(16, 0);
	t[0] = first;
	return t;
}

} // namespace

TEST_CASE("permission names sort and lose repeats", "[access]")
{
	std::vector<const char *> names = {"jobs_view_all", "billing", "jobs_view_all", "admin"};
	std::size_t count = tenancy::sort_permissions(names.data(), names.size());
	REQUIRE(count == 3);
	CHECK(std::strcmp(names[0], "admin") == 0);
	CHECK(std::strcmp(names[1], "billing") == 0);
	CHECK(std::strcmp(names[2], "jobs_view_all") == 0);
	CHECK(tenancy::sort_permissions(names.data(), 0) == 0);
}

TEST_CASE("a list holds exactly its names; no list holds none", "[access]")
{
	const char *names[] = {"a", "jobs_view_all", "z"};
	tenancy::PermissionList list{3, names};
	CHECK(tenancy::list_has_permission(&list, "jobs_view_all"));
	CHECK(tenancy::list_has_permission(&list, "z"));
	CHECK_FALSE(tenancy::list_has_permission(&list, "jobs_view"));
	CHECK_FALSE(tenancy::list_has_permission(&list, ""));
	CHECK_FALSE(tenancy::list_has_permission(nullptr, "a"));
}

TEST_CASE("any of a tenant's rows grants; other tenants' rows do not", "[access]")
{
	const char *viewer_names[] = {"jobs_view"};
	const char *admin_names[] = {"jobs_view", "jobs_view_all"};
	tenancy::PermissionList viewer{1, viewer_names};
	tenancy::PermissionList admin{2, admin_names};
	std::vector<tenancy::MembershipRow> rows = {row(0x01, &viewer), row(0x05, nullptr),
												row(0x05, &admin), row(0x09, &viewer)};
	tenancy::sort_memberships(rows.data(), rows.size());
	CHECK(tenancy::has_permission(rows.data(), rows.size(), tenant(0x05).data(), "jobs_view_all"));
	CHECK_FALSE(
		tenancy::has_permission(rows.data(), rows.size(), tenant(0x01).data(), "jobs_view_all"));
	CHECK_FALSE(tenancy::has_permission(rows.data(), rows.size(), tenant(0x07).data(), "jobs_view"));

	unsigned char out[4][16];
	std::size_t n = tenancy::tenants_with_permission(rows.data(), rows.size(), "jobs_view", out);
	REQUIRE(n == 3);
	CHECK(out[0][0] == 0x01);
	CHECK(out[1][0] == 0x05);
	CHECK(out[2][0] == 0x09);
	n = tenancy::tenants_with_permission(rows.data(), rows.size(), "jobs_view_all", out);
	REQUIRE(n == 1);
	CHECK(out[0][0] == 0x05);
	CHECK(tenancy::tenants_with_permission(rows.data(), rows.size(), "nothing", out) == 0);
}
