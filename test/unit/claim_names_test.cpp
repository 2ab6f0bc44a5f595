/* claim_names_test.cpp: claim names and the older per-claim setting names. */
#include "identity/claim_names.hpp"

#include <catch2/catch.hpp>
#include <cstring>
#include <string>

TEST_CASE("claim names: 1 to 255 bytes without control characters", "[identity]")
{
	for (const std::string name : {"sub", "uid", "https://example.com/user_id", "user id", "ünïcode"})
	{
		INFO(name);
		CHECK(tenancy::claim_name_is_valid(name.data(), name.size()));
	}
	CHECK(tenancy::claim_name_is_valid(std::string(255, 'x').data(), 255));
	CHECK_FALSE(tenancy::claim_name_is_valid(std::string(256, 'x').data(), 256));
	CHECK_FALSE(tenancy::claim_name_is_valid("", 0));
	CHECK_FALSE(tenancy::claim_name_is_valid(nullptr, 3));
	CHECK_FALSE(tenancy::claim_name_is_valid("a\nb", 3));
	CHECK_FALSE(tenancy::claim_name_is_valid("a\tb", 3));
	CHECK_FALSE(tenancy::claim_name_is_valid("a\x7f", 2));
	CHECK_FALSE(tenancy::claim_name_is_valid(std::string("a\0b", 3).data(), 3));
}

TEST_CASE("the older PostgREST setting of a claim", "[identity]")
{
	char out[64];
	CHECK(tenancy::legacy_claim_setting("sub", 3, out, sizeof(out)) == 21);
	CHECK(std::string(out) == "request.jwt.claim.sub");
	CHECK(tenancy::legacy_claim_setting("role", 4, out, sizeof(out)) == 22);
	CHECK(std::string(out) == "request.jwt.claim.role");
}

TEST_CASE("a setting name that does not fit is not written", "[identity]")
{
	char out[22];
	// 21 bytes plus the NUL fit exactly
	CHECK(tenancy::legacy_claim_setting("sub", 3, out, sizeof(out)) == 21);
	CHECK(std::string(out) == "request.jwt.claim.sub");
	CHECK(tenancy::legacy_claim_setting("subs", 4, out, sizeof(out)) == 22);
	CHECK(out[0] == '\0');
	CHECK(tenancy::legacy_claim_setting("sub", 3, nullptr, 0) == 21);
}
