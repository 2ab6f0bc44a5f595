/* membership_set_test.cpp: sorting and searching one user's memberships. */
#include "membership/membership_set.hpp"

#include <catch2/catch.hpp>
#include <cstring>
#include <vector>

namespace {

tenancy::MembershipRow
row(unsigned char first, const char *role)
{
	tenancy::MembershipRow r{};
	std::memset(r.tenant, 0, 16);
	r.tenant[0] = first;
	r.tenant[15] = 0x42;
	r.role = role;
	return r;
}

std::vector<unsigned char>
ws(unsigned char first)
{
	std::vector<unsigned char> w(16, 0);
	w[0] = first;
	w[15] = 0x42;
	return w;
}

} // namespace

TEST_CASE("rows sort by tenant bytes, then role, NULL role first", "[access]")
{
	std::vector<tenancy::MembershipRow> rows = {row(0xf0, "viewer"), row(0x01, "owner"),
												row(0x80, nullptr), row(0x01, "admin"),
												row(0x80, "member")};
	tenancy::sort_memberships(rows.data(), rows.size());
	CHECK(rows[0].tenant[0] == 0x01);
	CHECK(std::strcmp(rows[0].role, "admin") == 0);
	CHECK(std::strcmp(rows[1].role, "owner") == 0);
	CHECK(rows[2].tenant[0] == 0x80);
	CHECK(rows[2].role == nullptr);
	CHECK(std::strcmp(rows[3].role, "member") == 0);
	CHECK(rows[4].tenant[0] == 0xf0);
}

TEST_CASE("distinct tenants drop duplicates and keep order", "[access]")
{
	std::vector<tenancy::MembershipRow> rows = {row(0x02, "b"), row(0x01, "a"), row(0x02, "a"),
												row(0x03, nullptr)};
	tenancy::sort_memberships(rows.data(), rows.size());
	unsigned char out[4][16];
	REQUIRE(tenancy::distinct_tenants(rows.data(), rows.size(), out) == 3);
	CHECK(out[0][0] == 0x01);
	CHECK(out[1][0] == 0x02);
	CHECK(out[2][0] == 0x03);
	CHECK(tenancy::distinct_tenants(rows.data(), 0, out) == 0);
}

TEST_CASE("find returns the first row of a tenant or nothing", "[access]")
{
	std::vector<tenancy::MembershipRow> rows = {row(0x05, "z"), row(0x05, "a"), row(0x09, "m")};
	tenancy::sort_memberships(rows.data(), rows.size());
	auto w5 = ws(0x05), w9 = ws(0x09), w7 = ws(0x07), wff = ws(0xff), w00 = ws(0x00);
	const tenancy::MembershipRow *found = tenancy::find_membership(rows.data(), rows.size(), w5.data());
	REQUIRE(found != nullptr);
	CHECK(std::strcmp(found->role, "a") == 0);
	CHECK(tenancy::find_membership(rows.data(), rows.size(), w9.data()) == &rows[2]);
	CHECK(tenancy::find_membership(rows.data(), rows.size(), w7.data()) == nullptr);
	CHECK(tenancy::find_membership(rows.data(), rows.size(), wff.data()) == nullptr);
	CHECK(tenancy::find_membership(rows.data(), rows.size(), w00.data()) == nullptr);
	CHECK(tenancy::find_membership(rows.data(), 0, w5.data()) == nullptr);
}

TEST_CASE("a role matches only in its own tenant", "[access]")
{
	std::vector<tenancy::MembershipRow> rows = {row(0x05, "viewer"), row(0x05, "editor"),
												row(0x09, "owner"), row(0x0a, nullptr)};
	tenancy::sort_memberships(rows.data(), rows.size());
	auto w5 = ws(0x05), w9 = ws(0x09), wa = ws(0x0a), w7 = ws(0x07);
	const char *owner_or_admin[] = {"owner", "admin"};
	const char *editor[] = {"editor"};
	const char *with_null[] = {nullptr, "viewer"};
	CHECK(tenancy::has_membership_role(rows.data(), rows.size(), w5.data(), editor, 1));
	CHECK(tenancy::has_membership_role(rows.data(), rows.size(), w5.data(), with_null, 2));
	CHECK_FALSE(tenancy::has_membership_role(rows.data(), rows.size(), w5.data(), owner_or_admin, 2));
	CHECK(tenancy::has_membership_role(rows.data(), rows.size(), w9.data(), owner_or_admin, 2));
	CHECK_FALSE(tenancy::has_membership_role(rows.data(), rows.size(), w9.data(), editor, 1));
	CHECK_FALSE(tenancy::has_membership_role(rows.data(), rows.size(), wa.data(), with_null, 2));
	CHECK_FALSE(tenancy::has_membership_role(rows.data(), rows.size(), w7.data(), editor, 1));
	CHECK_FALSE(tenancy::has_membership_role(rows.data(), rows.size(), w5.data(), editor, 0));
}

TEST_CASE("one tenant's rows are a contiguous range, or none", "[access]")
{
	std::vector<tenancy::MembershipRow> rows = {row(0x09, "owner"), row(0x05, "viewer"),
												row(0x05, "editor"), row(0x0a, nullptr)};
	tenancy::sort_memberships(rows.data(), rows.size());
	auto w5 = ws(0x05), w9 = ws(0x09), wa = ws(0x0a), w7 = ws(0x07);
	const tenancy::MembershipRow *first = nullptr;
	CHECK(tenancy::tenant_rows(rows.data(), rows.size(), w5.data(), &first) == 2);
	CHECK(first == &rows[0]);
	CHECK(tenancy::tenant_rows(rows.data(), rows.size(), w9.data(), &first) == 1);
	CHECK(first == &rows[2]);
	CHECK(tenancy::tenant_rows(rows.data(), rows.size(), wa.data(), &first) == 1);
	CHECK(first == &rows[3]);
	CHECK(tenancy::tenant_rows(rows.data(), rows.size(), w7.data(), &first) == 0);
	CHECK(first == nullptr);
	CHECK(tenancy::tenant_rows(rows.data(), 0, w5.data(), &first) == 0);
	CHECK(first == nullptr);
}
