/* audit_key_code_test.cpp: the index code of one-column integer keys. */
#include "audit/key_code.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <limits>

using tenancy::audit::ordered_key_code;

TEST_CASE("a key code grows with the key's value, for one column name", "[audit]")
{
	const uint32_t name = 0xDEADBEEF;
	const int32_t values[] = {std::numeric_limits<int32_t>::min(), -2, -1, 0, 1, 2, 1000,
							  std::numeric_limits<int32_t>::max()};
	for (size_t i = 1; i < sizeof(values) / sizeof(values[0]); i++)
		CHECK(ordered_key_code(name, values[i - 1]) < ordered_key_code(name, values[i]));
}

TEST_CASE("key codes are never negative and keep names apart", "[audit]")
{
	CHECK(ordered_key_code(0xFFFFFFFF, std::numeric_limits<int32_t>::max()) >= 0);
	CHECK(ordered_key_code(0, std::numeric_limits<int32_t>::min()) == 0);
	/* only the low 23 bits of the name's hash count */
	CHECK(ordered_key_code(0x00800001, 7) == ordered_key_code(0x00000001, 7));
	CHECK(ordered_key_code(1, 7) != ordered_key_code(2, 7));
	/* every value of one name sorts before every value of the next */
	CHECK(ordered_key_code(1, std::numeric_limits<int32_t>::max()) <
		  ordered_key_code(2, std::numeric_limits<int32_t>::min()));
}
