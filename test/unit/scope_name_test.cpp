/* scope_name_test.cpp: the names a scope may have. */
#include "membership/scope_name.hpp"

#include <catch2/catch.hpp>
#include <string>

using tenancy::scope_name_is_valid;

namespace {
bool
valid(const std::string &name)
{
	return scope_name_is_valid(name.data(), name.size());
}
} // namespace

TEST_CASE("scope names: a lower-case identifier of 1 to 63 bytes")
{
	CHECK(valid("workspace"));
	CHECK(valid("org_2"));
	CHECK(valid("a"));
	CHECK(valid(std::string(63, 'a')));
	CHECK_FALSE(valid(std::string(64, 'a')));
	CHECK_FALSE(valid(""));
	CHECK_FALSE(valid("Organization"));
	CHECK_FALSE(valid("2org"));
	CHECK_FALSE(valid("_org"));
	CHECK_FALSE(valid("org;x"));
	CHECK_FALSE(valid("org x"));
	CHECK_FALSE(valid(std::string("org\0x", 5)));
}
