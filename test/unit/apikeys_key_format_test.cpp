/* apikeys_key_format_test.cpp: API key text, parsing and hashing. */
#include "apikeys/key_format.hpp"
#include "core/error.hpp"

#include <catch2/catch.hpp>
#include <cstring>
#include <sodium.h>
#include <string>

using tenancy::apikeys::ParsedKey;

namespace {
ParsedKey
random_key()
{
	ParsedKey key;
	randombytes_buf(key.id.data(), key.id.size());
	randombytes_buf(key.secret.data(), key.secret.size());
	return key;
}

std::string
formatted(const ParsedKey &key)
{
	char text[tenancy::apikeys::key_length + 1];
	tenancy::apikeys::format_key(key, text);
	return text;
}

std::string
refusal(const std::string &text)
{
	ParsedKey out;
	try
	{
		tenancy::apikeys::parse_key(text, out);
	}
	catch (const tenancy::Error &e)
	{
		CHECK(e.sqlstate() == "PT401");
		CHECK(e.message() == "invalid API key");
		if (text.size() > 8)
			CHECK(std::string(e.detail() + e.hint()).find(text.substr(4, 8)) == std::string::npos);
		return e.detail();
	}
	return "accepted";
}
} // namespace

TEST_CASE("a formatted key parses back to its id and secret", "[apikeys]")
{
	REQUIRE(sodium_init() >= 0);
	for (int i = 0; i < 50; i++)
	{
		ParsedKey key = random_key();
		std::string text = formatted(key);
		CHECK(text.size() == tenancy::apikeys::key_length);
		CHECK(text.rfind("tnk_", 0) == 0);
		ParsedKey back;
		tenancy::apikeys::parse_key(text, back);
		CHECK(back.id == key.id);
		CHECK(back.secret == key.secret);
	}
}

TEST_CASE("a refused key leaves nothing of itself in the parsed key", "[apikeys]")
{
	REQUIRE(sodium_init() >= 0);
	std::string good = formatted(random_key());
	// the secret's last character is not base64url: the rest was decoded before the refusal
	for (const std::string &text : {good.substr(0, 79) + "!", good.substr(0, 40) + "!" + good.substr(41),
									"tnk_" + good.substr(4, 5) + "g" + good.substr(10)})
	{
		ParsedKey out;
		std::memset(&out, 0xa5, sizeof(out));
		CHECK_THROWS_AS(tenancy::apikeys::parse_key(text, out), tenancy::Error);
		ParsedKey zero{};
		CHECK(out.id == zero.id);
		CHECK(out.secret == zero.secret);
	}
}

TEST_CASE("malformed keys are refused with what is wrong, never the key", "[apikeys]")
{
	REQUIRE(sodium_init() >= 0);
	std::string good = formatted(random_key());
	CHECK(refusal("") == "The key is empty.");
	CHECK(refusal(good + "x") == "The key is longer than an API key.");
	CHECK(refusal(std::string(100000, 'a')) == "The key is longer than an API key.");
	CHECK(refusal("tnx_" + good.substr(4)) == "The key does not start with tnk_.");
	CHECK(refusal(good.substr(0, 79)) == "The key is shorter than an API key (truncated?).");
	std::string bad_id = good;
	bad_id[10] = 'g';
	CHECK(refusal(bad_id) == "The key's id part is not hexadecimal.");
	std::string bad_sep = good;
	bad_sep[36] = '-';
	CHECK(refusal(bad_sep) == "The key's parts are not separated by _.");
	std::string bad_secret = good;
	bad_secret[50] = '+';
	CHECK(refusal(bad_secret) == "The key's secret part is not base64url.");
}

TEST_CASE("the hash depends on the master key, the id and the secret", "[apikeys]")
{
	REQUIRE(sodium_init() >= 0);
	std::uint8_t master[32], other[32];
	randombytes_buf(master, sizeof(master));
	randombytes_buf(other, sizeof(other));
	ParsedKey key = random_key();
	auto hash = tenancy::apikeys::key_hash(master, key);
	CHECK(tenancy::apikeys::same_hash(hash, tenancy::apikeys::key_hash(master, key).data()));
	CHECK_FALSE(tenancy::apikeys::same_hash(hash, tenancy::apikeys::key_hash(other, key).data()));
	ParsedKey flipped = key;
	flipped.secret[31] ^= 1;
	CHECK_FALSE(tenancy::apikeys::same_hash(hash, tenancy::apikeys::key_hash(master, flipped).data()));
	flipped = key;
	flipped.id[0] ^= 1;
	CHECK_FALSE(tenancy::apikeys::same_hash(hash, tenancy::apikeys::key_hash(master, flipped).data()));
	// the master key is never the hash key: hashing under it raw differs
	std::uint8_t raw[32];
	crypto_generichash(raw, sizeof(raw), key.secret.data(), key.secret.size(), master, sizeof(master));
	CHECK_FALSE(tenancy::apikeys::same_hash(hash, raw));
}

TEST_CASE("the hash is the sub-key's hash of the derived sub-key", "[apikeys]")
{
	REQUIRE(sodium_init() >= 0);
	std::uint8_t master[32], subkey[32];
	randombytes_buf(master, sizeof(master));
	ParsedKey key = random_key();
	tenancy::apikeys::derive_subkey(master, subkey);
	CHECK(tenancy::apikeys::same_hash(tenancy::apikeys::key_hash(master, key),
									  tenancy::apikeys::subkey_hash(subkey, key).data()));
}

TEST_CASE("peek_key_id reads the id of a key's shape and refuses anything else", "[apikeys]")
{
	ParsedKey key = random_key();
	std::string text = formatted(key);
	tenancy::apikeys::KeyId id{};
	REQUIRE(tenancy::apikeys::peek_key_id(text, id));
	CHECK(id == key.id);
	CHECK_FALSE(tenancy::apikeys::peek_key_id(text.substr(0, 79), id));
	CHECK_FALSE(tenancy::apikeys::peek_key_id(text + "A", id));
	CHECK_FALSE(tenancy::apikeys::peek_key_id("tnx_" + text.substr(4), id));
	std::string bad_id = text;
	bad_id[10] = 'g';
	CHECK_FALSE(tenancy::apikeys::peek_key_id(bad_id, id));
}

TEST_CASE("a memo depends on the memo key, the sub-key and the whole text", "[apikeys]")
{
	REQUIRE(sodium_init() >= 0);
	std::uint8_t memo_key[16], other_memo_key[16], subkey[32], other_subkey[32];
	randombytes_buf(memo_key, sizeof(memo_key));
	randombytes_buf(other_memo_key, sizeof(other_memo_key));
	randombytes_buf(subkey, sizeof(subkey));
	randombytes_buf(other_subkey, sizeof(other_subkey));
	std::string text = formatted(random_key());
	auto memo = tenancy::apikeys::key_memo(memo_key, subkey, text);
	CHECK(tenancy::apikeys::same_memo(memo, tenancy::apikeys::key_memo(memo_key, subkey, text).data()));
	CHECK_FALSE(tenancy::apikeys::same_memo(
		memo, tenancy::apikeys::key_memo(other_memo_key, subkey, text).data()));
	CHECK_FALSE(tenancy::apikeys::same_memo(
		memo, tenancy::apikeys::key_memo(memo_key, other_subkey, text).data()));
	std::string last = text;
	last[79] = last[79] == 'A' ? 'B' : 'A';
	CHECK_FALSE(tenancy::apikeys::same_memo(memo, tenancy::apikeys::key_memo(memo_key, subkey, last).data()));
}

TEST_CASE("the constant-time compares find a difference in any byte, first to last", "[apikeys]")
{
	REQUIRE(sodium_init() >= 0);
	tenancy::apikeys::KeyHash hash;
	tenancy::apikeys::KeyMemo memo;
	randombytes_buf(hash.data(), hash.size());
	randombytes_buf(memo.data(), memo.size());
	CHECK(tenancy::apikeys::same_hash(hash, hash.data()));
	CHECK(tenancy::apikeys::same_memo(memo, memo.data()));
	for (std::size_t i = 0; i < hash.size(); i++)
		for (std::uint8_t bit = 1; bit != 0; bit <<= 1)
		{
			tenancy::apikeys::KeyHash other = hash;
			other[i] ^= bit;
			CHECK_FALSE(tenancy::apikeys::same_hash(hash, other.data()));
		}
	for (std::size_t i = 0; i < memo.size(); i++)
	{
		tenancy::apikeys::KeyMemo other = memo;
		other[i] ^= 0x80;
		CHECK_FALSE(tenancy::apikeys::same_memo(memo, other.data()));
	}
}
