/* id_keys_test.cpp: the cache keys of integer and text ids. */
#include "membership/id_keys.hpp"

#include <catch2/catch.hpp>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace {

int
key_order(std::int64_t a, std::int64_t b)
{
	unsigned char ka[16], kb[16];
	tenancy::integer_key(a, ka);
	tenancy::integer_key(b, kb);
	int c = std::memcmp(ka, kb, 16);
	return (c > 0) - (c < 0);
}

bool
parses(const std::string &text, std::int64_t *value)
{
	return tenancy::parse_integer_id(text.data(), text.size(), value);
}

} // namespace

TEST_CASE("integer keys sort as the integers and round-trip")
{
	const std::int64_t values[] = {INT64_MIN, -42, -1, 0, 1, 255, 256, INT64_MAX};
	for (std::int64_t a : values)
	{
		unsigned char key[16];
		tenancy::integer_key(a, key);
		CHECK(tenancy::integer_of_key(key) == a);
		for (std::int64_t b : values)
			CHECK(key_order(a, b) == (a < b ? -1 : a > b ? 1 : 0));
	}
}

TEST_CASE("text keys sort as their positions")
{
	unsigned char k1[16], k2[16];
	tenancy::text_key(1, k1);
	tenancy::text_key(256, k2);
	CHECK(std::memcmp(k1, k2, 16) < 0);
	CHECK(tenancy::text_index_of_key(k2) == 256);
}

TEST_CASE("texts sort in byte order, distinct, and are found by bytes")
{
	std::vector<std::string> owned = {"user_b", "user_a", "", "user_a", "user_ab", "\xc3\xa9",
									  std::string("a\0b", 3)};
	std::vector<tenancy::TextRef> texts;
	for (const std::string &s : owned)
		texts.push_back({s.data(), s.size()});
	std::size_t n = tenancy::sort_distinct_texts(texts.data(), texts.size());
	REQUIRE(n == 6);
	CHECK(texts[0].length == 0);
	CHECK(std::string(texts[1].bytes, texts[1].length) == std::string("a\0b", 3));
	CHECK(std::string(texts[2].bytes, texts[2].length) == "user_a");
	CHECK(std::string(texts[3].bytes, texts[3].length) == "user_ab");
	CHECK(std::string(texts[5].bytes, texts[5].length) == "\xc3\xa9");
	std::size_t index = 99;
	std::string wanted = "user_ab";
	CHECK(tenancy::find_text(texts.data(), n, {wanted.data(), wanted.size()}, &index));
	CHECK(index == 3);
	std::string prefix = "user";
	CHECK_FALSE(tenancy::find_text(texts.data(), n, {prefix.data(), prefix.size()}, &index));
	CHECK_FALSE(tenancy::find_text(texts.data(), 0, {prefix.data(), prefix.size()}, &index));
}

TEST_CASE("integer ids parse strictly")
{
	std::int64_t v = 0;
	CHECK(parses("0", &v));
	CHECK(v == 0);
	CHECK(parses("-42", &v));
	CHECK(v == -42);
	CHECK(parses("007", &v));
	CHECK(v == 7);
	CHECK(parses("9223372036854775807", &v));
	CHECK(v == INT64_MAX);
	CHECK(parses("-9223372036854775808", &v));
	CHECK(v == INT64_MIN);
	CHECK_FALSE(parses("9223372036854775808", &v));
	CHECK_FALSE(parses("-9223372036854775809", &v));
	CHECK_FALSE(parses("", &v));
	CHECK_FALSE(parses("-", &v));
	CHECK_FALSE(parses("+1", &v));
	CHECK_FALSE(parses(" 1", &v));
	CHECK_FALSE(parses("1 ", &v));
	CHECK_FALSE(parses("1.0", &v));
	CHECK_FALSE(parses("user_2abc", &v));
}
