/* uuid_text_test.cpp: claim UUIDs are recognised exactly as uuid_in does. */
#include "identity/uuid_text.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstring>
#include <string>

namespace {

bool
parses(const std::string &text, unsigned char out[16])
{
	return tenancy::parse_uuid_text(text.data(), text.size(), out);
}

const unsigned char expected[16] = {0xa0, 0xee, 0xbc, 0x99, 0x9c, 0x0b, 0x4e, 0xf8,
									0xbb, 0x6d, 0x6b, 0xb9, 0xbd, 0x38, 0x0a, 0x11};

} // namespace

TEST_CASE("the spellings PostgreSQL accepts parse to the same bytes", "[identity]")
{
	for (const char *text : {"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
							 "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11",
							 "{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}",
							 "a0eebc999c0b4ef8bb6d6bb9bd380a11",
							 "a0ee-bc99-9c0b-4ef8-bb6d-6bb9-bd38-0a11",
							 "{a0eebc99-9c0b4ef8-bb6d6bb9-bd380a11}"})
	{
		unsigned char out[16] = {};
		INFO(text);
		REQUIRE(parses(text, out));
		CHECK(std::memcmp(out, expected, 16) == 0);
	}
}

TEST_CASE("anything else is refused without throwing", "[identity]")
{
	for (const char *text : {"", "{}", "not-a-uuid", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1",
							 "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a111",
							 "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11-",
							 "{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
							 "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}",
							 "a0eebc99--9c0b-4ef8-bb6d-6bb9bd380a11",
							 "a0eeb-c99-9c0b-4ef8-bb6d-6bb9bd380a11",
							 " a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
							 "g0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "12345"})
	{
		unsigned char out[16] = {};
		INFO(text);
		CHECK_FALSE(parses(text, out));
	}
}

TEST_CASE("an embedded NUL or a null pointer is refused", "[identity]")
{
	unsigned char out[16] = {};
	std::string with_nul("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", 36);
	with_nul[4] = '\0';
	CHECK_FALSE(parses(with_nul, out));
	CHECK_FALSE(tenancy::parse_uuid_text(nullptr, 0, out));
	// the length bounds the read: a valid prefix is not enough
	CHECK_FALSE(tenancy::parse_uuid_text("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", 20, out));
}

TEST_CASE("a uuid is written in the canonical form uuid_out writes", "[identity]")
{
	const unsigned char bytes[16] = {0xa0, 0xee, 0xbc, 0x99, 0x9c, 0x0b, 0x4e, 0xf8,
									 0xbb, 0x6d, 0x6b, 0xb9, 0xbd, 0x38, 0x0a, 0x11};
	char text[tenancy::uuid_text_length];
	tenancy::format_uuid_text(bytes, text);
	CHECK(std::string(text, sizeof(text)) == "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");

	unsigned char back[16];
	REQUIRE(tenancy::parse_uuid_text(text, sizeof(text), back));
	CHECK(std::equal(bytes, bytes + 16, back));
}
