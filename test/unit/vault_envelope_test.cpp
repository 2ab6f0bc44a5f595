/* vault_envelope_test.cpp: sealing, opening and decoding envelopes. */
#include "vault/envelope.hpp"

#include <catch2/catch.hpp>
#include <cstring>
#include <random>
#include <sodium.h>
#include <string>
#include <vector>

namespace v = tenancy::vault;

namespace {

struct Fixture
{
	std::uint8_t key[v::key_bytes];
	std::uint8_t other_key[v::key_bytes];
	std::uint8_t tenant[v::tenant_id_bytes];
	std::uint8_t other_tenant[v::tenant_id_bytes];

	Fixture()
	{
		REQUIRE(sodium_init() >= 0);
		randombytes_buf(key, sizeof key);
		randombytes_buf(other_key, sizeof other_key);
		randombytes_buf(tenant, sizeof tenant);
		memcpy(other_tenant, tenant, sizeof tenant);
		other_tenant[15] ^= 1;
	}

	std::vector<std::uint8_t> seal(const std::string &text, std::int32_t key_id = 7,
								   const char *column = "data_source")
	{
		std::vector<std::uint8_t> out(v::sealed_size(text.size()));
		v::Binding b{tenant, column};
		REQUIRE(v::seal(key, key_id, b, reinterpret_cast<const std::uint8_t *>(text.data()),
						text.size(), out.data()));
		return out;
	}

	bool open(const std::vector<std::uint8_t> &sealed, std::string *text,
			  const std::uint8_t *with_key, const std::uint8_t *with_tenant,
			  const char *column = "data_source")
	{
		v::Envelope e;
		if (v::decode_envelope(sealed.data(), sealed.size(), &e) != v::DecodeStatus::ok)
			return false;
		std::vector<std::uint8_t> out(v::opened_size(e));
		v::Binding b{with_tenant, column};
		if (!v::open(with_key, e, b, out.data()))
			return false;
		text->assign(out.begin(), out.end());
		return true;
	}
};

} // namespace

TEST_CASE("a sealed value opens with the same key, tenant and column", "[vault]")
{
	Fixture f;
	auto sealed = f.seal("host=db1 password=hunter2");
	CHECK(sealed.size() == 1 + 4 + 24 + 25 + 16);
	CHECK(sealed[0] == 1);
	CHECK(sealed[4] == 7);
	std::string text;
	REQUIRE(f.open(sealed, &text, f.key, f.tenant));
	CHECK(text == "host=db1 password=hunter2");
}

TEST_CASE("the empty string seals and opens", "[vault]")
{
	Fixture f;
	auto sealed = f.seal("");
	std::string text = "x";
	REQUIRE(f.open(sealed, &text, f.key, f.tenant));
	CHECK(text.empty());
}

TEST_CASE("every seal uses a fresh nonce", "[vault]")
{
	Fixture f;
	auto a = f.seal("same"), b = f.seal("same");
	CHECK(a != b);
	CHECK(memcmp(a.data() + 5, b.data() + 5, v::nonce_bytes) != 0);
}

TEST_CASE("the ciphertext does not contain the plaintext", "[vault]")
{
	Fixture f;
	std::string secret = "MARKERSECRETMARKER";
	auto sealed = f.seal(secret);
	std::string raw(sealed.begin(), sealed.end());
	CHECK(raw.find(secret) == std::string::npos);
}

TEST_CASE("a value fails to open elsewhere or when altered", "[vault]")
{
	Fixture f;
	auto sealed = f.seal("postgresql://u:pw@h/db");
	std::string text;
	SECTION("another tenant") { CHECK_FALSE(f.open(sealed, &text, f.key, f.other_tenant)); }
	SECTION("another column")
	{
		CHECK_FALSE(f.open(sealed, &text, f.key, f.tenant, "service_key"));
	}
	SECTION("another key") { CHECK_FALSE(f.open(sealed, &text, f.other_key, f.tenant)); }
	SECTION("relabelled key id")
	{
		sealed[4] = 8;
		CHECK_FALSE(f.open(sealed, &text, f.key, f.tenant));
	}
	SECTION("any flipped bit")
	{
		for (std::size_t i = 0; i < sealed.size(); i++)
		{
			auto copy = sealed;
			copy[i] ^= 0x20;
			CHECK_FALSE(f.open(copy, &text, f.key, f.tenant));
		}
	}
	SECTION("truncated")
	{
		sealed.pop_back();
		CHECK_FALSE(f.open(sealed, &text, f.key, f.tenant));
	}
	CHECK(text.empty());
}

TEST_CASE("decode_envelope reports malformed headers", "[vault]")
{
	v::Envelope e;
	std::vector<std::uint8_t> buf(v::header_bytes + v::tag_bytes, 0);
	CHECK(v::decode_envelope(buf.data(), buf.size() - 1, &e) == v::DecodeStatus::too_short);
	CHECK(v::decode_envelope(nullptr, 0, &e) == v::DecodeStatus::too_short);
	buf[0] = 2;
	CHECK(v::decode_envelope(buf.data(), buf.size(), &e) == v::DecodeStatus::unknown_format);
	buf[0] = 1;
	CHECK(v::decode_envelope(buf.data(), buf.size(), &e) == v::DecodeStatus::invalid_key_id);
	buf[1] = 0x80;
	CHECK(v::decode_envelope(buf.data(), buf.size(), &e) == v::DecodeStatus::invalid_key_id);
	buf[1] = 0x7f;
	buf[2] = buf[3] = buf[4] = 0xff;
	REQUIRE(v::decode_envelope(buf.data(), buf.size(), &e) == v::DecodeStatus::ok);
	CHECK(e.key_id == 2147483647);
	CHECK(v::opened_size(e) == 0);
}

TEST_CASE("seal refuses a bad key id or column", "[vault]")
{
	Fixture f;
	std::uint8_t out[v::header_bytes + v::tag_bytes + 1];
	v::Binding ok{f.tenant, "data_source"}, empty{f.tenant, ""};
	std::string long_name(64, 'c');
	v::Binding too_long{f.tenant, long_name.c_str()};
	const std::uint8_t pt = 'x';
	CHECK_FALSE(v::seal(f.key, 0, ok, &pt, 1, out));
	CHECK_FALSE(v::seal(f.key, -3, ok, &pt, 1, out));
	CHECK_FALSE(v::seal(f.key, 1, empty, &pt, 1, out));
	CHECK_FALSE(v::seal(f.key, 1, too_long, &pt, 1, out));
}

/*
 * The decoder and opener fed with random bytes, and with mutations of a
 * valid envelope: only clean failures (ASan and UBSan watch every read).
 */
TEST_CASE("random bytes never crash the decoder or the opener", "[vault][fuzz]")
{
	Fixture f;
	auto valid = f.seal("host=h dbname=d password=p");
	auto seed = GENERATE(take(20, random(0u, 1000000u)));
	std::mt19937 rng(seed);
	for (int round = 0; round < 500; round++)
	{
		std::vector<std::uint8_t> input;
		if (round % 2 == 0)
		{
			input.resize(rng() % 200);
			for (auto &b : input)
				b = static_cast<std::uint8_t>(rng());
			if (!input.empty() && rng() % 2)
				input[0] = 1;
		}
		else
		{
			input = valid;
			int flips = 1 + rng() % 4;
			for (int i = 0; i < flips; i++)
				input[rng() % input.size()] ^= static_cast<std::uint8_t>(1 + rng() % 255);
			if (rng() % 3 == 0)
				input.resize(rng() % (input.size() + 1));
		}
		/* An exact-size heap copy, so ASan catches any read past the end. */
		std::unique_ptr<std::uint8_t[]> exact(new std::uint8_t[input.size() + 1]);
		if (!input.empty())
			memcpy(exact.get(), input.data(), input.size());
		v::Envelope e;
		if (v::decode_envelope(exact.get(), input.size(), &e) != v::DecodeStatus::ok)
			continue;
		std::unique_ptr<std::uint8_t[]> out(new std::uint8_t[v::opened_size(e) + 1]);
		v::Binding b{f.tenant, "data_source"};
		CHECK_FALSE(v::open(f.key, e, b, out.get()));
	}
}
