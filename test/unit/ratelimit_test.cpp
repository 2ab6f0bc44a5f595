/* ratelimit_test.cpp: the token bucket rule and the bucket table's probing. */
#include "core/error.hpp"
#include "ratelimit/bucket_table.hpp"
#include "ratelimit/siphash.hpp"
#include "ratelimit/token_bucket.hpp"

#include <catch2/catch.hpp>
#include <cstring>
#include <sodium.h>
#include <string>
#include <vector>

using tenancy::ratelimit::BucketKey;
using tenancy::ratelimit::Limit;
using tenancy::ratelimit::Partition;
using tenancy::ratelimit::ScaledTime;
using tenancy::ratelimit::Slot;

namespace {
constexpr std::int64_t second = 1000000;
constexpr std::int64_t t0 = 851000000LL * second; /* any instant */

int
admitted(const Limit &limit, std::int64_t now, ScaledTime *tat, int attempts)
{
	int n = 0;
	for (int i = 0; i < attempts; i++)
		n += tenancy::ratelimit::take_token(limit, now, tat) ? 1 : 0;
	return n;
}
} // namespace

TEST_CASE("a full bucket admits exactly max_requests back to back", "[ratelimit]")
{
	for (int max : {1, 2, 3, 7, 100})
	{
		Limit limit{max, 60 * second};
		ScaledTime tat = 0;
		CHECK(admitted(limit, t0, &tat, 1000) == max);
	}
}

TEST_CASE("tokens come back at max_requests per interval", "[ratelimit]")
{
	Limit limit{3, 3 * second}; /* one token a second */
	ScaledTime tat = 0;
	REQUIRE(admitted(limit, t0, &tat, 10) == 3);
	CHECK(admitted(limit, t0 + second - 1, &tat, 10) == 0);
	CHECK(tenancy::ratelimit::retry_after_us(limit, t0 + second - 1, tat) == 1);
	CHECK(admitted(limit, t0 + second, &tat, 10) == 1);
	CHECK(admitted(limit, t0 + 3 * second, &tat, 10) == 2);
	CHECK(tenancy::ratelimit::bucket_is_full(limit, t0 + 6 * second, tat));
	CHECK_FALSE(tenancy::ratelimit::bucket_is_full(limit, t0 + 6 * second - 1, tat));
}

TEST_CASE("an interval that max_requests does not divide loses nothing to rounding",
		  "[ratelimit]")
{
	Limit limit{3, 1000}; /* a token every 333.33 microseconds */
	ScaledTime tat = 0;
	REQUIRE(admitted(limit, t0, &tat, 10) == 3);
	// 3000 µs later exactly 9 tokens came back, capped at the bucket size 3
	int total = 0;
	for (std::int64_t t = t0 + 1; t <= t0 + 3000; t++)
		total += admitted(limit, t, &tat, 1);
	CHECK(total == 9);
}

TEST_CASE("over any span d at most max + max * d / interval are admitted", "[ratelimit]")
{
	Limit limit{5, 10 * second};
	ScaledTime tat = 0;
	std::vector<std::int64_t> times;
	for (std::int64_t t = t0; t < t0 + 60 * second; t += second / 4)
		if (tenancy::ratelimit::take_token(limit, t, &tat))
			times.push_back(t);
	for (std::size_t i = 0; i < times.size(); i++)
	{
		std::size_t in_window = 0;
		for (std::size_t j = i; j < times.size() && times[j] < times[i] + 10 * second; j++)
			in_window++;
		CHECK(in_window <= 10);
	}
}

TEST_CASE("bad limits are refused with 22023", "[ratelimit]")
{
	using tenancy::ratelimit::check_limit;
	for (auto [max, interval] : std::vector<std::pair<int, std::int64_t>>{
			 {0, second}, {-1, second}, {1, 0}, {1, -second}})
	{
		try
		{
			check_limit(max, interval);
			FAIL("accepted");
		}
		catch (const tenancy::Error &e)
		{
			CHECK(e.sqlstate() == "22023");
		}
	}
}

TEST_CASE("the largest limits do not overflow", "[ratelimit]")
{
	Limit limit{2147483647, 1000LL * 365 * 24 * 3600 * second};
	ScaledTime tat = 0;
	CHECK(admitted(limit, 9000000000LL * second, &tat, 5) == 5);
}

TEST_CASE("siphash64 is the reference SipHash: 2-4 matches libsodium's siphash24", "[ratelimit]")
{
	REQUIRE(sodium_init() >= 0);
	std::uint8_t key[16];
	std::uint8_t data[64];
	for (int i = 0; i < 16; i++)
		key[i] = static_cast<std::uint8_t>(i);
	for (int i = 0; i < 64; i++)
		data[i] = static_cast<std::uint8_t>(i * 7 + 1);
	// every length across the 8-byte block boundaries, the empty message included
	for (std::size_t length = 0; length <= sizeof(data); length++)
	{
		std::uint8_t expected[8];
		crypto_shorthash_siphash24(expected, data, length, key);
		std::uint64_t got = tenancy::ratelimit::siphash64<2, 4>(key, data, length);
		std::uint8_t bytes[8];
		for (int i = 0; i < 8; i++)
			bytes[i] = static_cast<std::uint8_t>(got >> (8 * i));
		CHECK(std::memcmp(bytes, expected, 8) == 0);
	}
}

TEST_CASE("siphash64 1-3 depends on every byte, the length and the key", "[ratelimit]")
{
	using tenancy::ratelimit::siphash64;
	std::uint8_t key[16] = {}, other_key[16] = {};
	other_key[15] = 1;
	std::uint8_t data[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
	std::uint64_t base = siphash64<1, 3>(key, data, sizeof(data));
	CHECK(base == siphash64<1, 3>(key, data, sizeof(data)));
	CHECK(base != siphash64<1, 3>(other_key, data, sizeof(data)));
	CHECK(base != siphash64<1, 3>(key, data, sizeof(data) - 1));
	CHECK(base != siphash64<2, 4>(key, data, sizeof(data)));
	for (std::size_t i = 0; i < sizeof(data); i++)
	{
		data[i] ^= 0x80;
		CHECK(base != siphash64<1, 3>(key, data, sizeof(data)));
		data[i] ^= 0x80;
	}
}

TEST_CASE("bucket keys separate names and keys; long names are refused", "[ratelimit]")
{
	REQUIRE(sodium_init() >= 0);
	using tenancy::ratelimit::bucket_key;
	std::uint8_t hash_key[16], other_key[16];
	randombytes_buf(hash_key, sizeof(hash_key));
	randombytes_buf(other_key, sizeof(other_key));
	BucketKey a = bucket_key(hash_key, "user:1", Limit{10, second});
	BucketKey c = bucket_key(hash_key, "user:2", Limit{10, second});
	BucketKey a2 = bucket_key(hash_key, "user:1", Limit{10, second});
	BucketKey other = bucket_key(other_key, "user:1", Limit{10, second});
	CHECK(a.digest != c.digest);
	CHECK(a.digest == a2.digest);
	CHECK(a.digest != other.digest);
	CHECK_NOTHROW(bucket_key(hash_key, std::string(1024, 'x'), Limit{1, second}));
	try
	{
		bucket_key(hash_key, std::string(1025, 'x'), Limit{1, second});
		FAIL("accepted");
	}
	catch (const tenancy::Error &e)
	{
		CHECK(e.sqlstate() == "54000");
		CHECK(std::string(e.message()).find("xxx") == std::string::npos);
	}
}

TEST_CASE("one name with two limits is two buckets", "[ratelimit]")
{
	REQUIRE(sodium_init() >= 0);
	std::vector<Slot> slots(8, Slot{});
	Partition partition(slots.data(), slots.size());
	std::uint8_t hash_key[16];
	randombytes_buf(hash_key, sizeof(hash_key));
	// each takes a token, so each is busy and keeps its slot
	auto busy_bucket = [&](const Limit &limit) {
		Slot *slot = partition.find_or_claim(tenancy::ratelimit::bucket_key(hash_key, "user:1", limit),
											 limit, t0);
		REQUIRE(slot != nullptr);
		REQUIRE(tenancy::ratelimit::take_token(limit, t0, &slot->tat));
		return slot;
	};
	Limit ten{10, second}, eleven{11, second}, ten_per_minute{10, 60 * second};
	Slot *a = busy_bucket(ten);
	Slot *b = busy_bucket(eleven);
	Slot *c = busy_bucket(ten_per_minute);
	CHECK(a != b);
	CHECK(a != c);
	CHECK(b != c);
	CHECK(busy_bucket(ten) == a);
	CHECK(partition.busy_buckets(t0) == 3);
}

TEST_CASE("a partition finds buckets again and reuses only idle slots", "[ratelimit]")
{
	REQUIRE(sodium_init() >= 0);
	std::vector<Slot> slots(4, Slot{});
	Partition partition(slots.data(), slots.size());
	Limit limit{1, 10 * second};
	std::uint8_t hash_key[16];
	randombytes_buf(hash_key, sizeof(hash_key));
	std::vector<BucketKey> keys;
	for (int i = 0; i < 5; i++)
		keys.push_back(tenancy::ratelimit::bucket_key(hash_key, "b" + std::to_string(i), limit));

	for (int i = 0; i < 4; i++)
	{
		Slot *slot = partition.find_or_claim(keys[i], limit, t0);
		REQUIRE(slot != nullptr);
		REQUIRE(tenancy::ratelimit::take_token(limit, t0, &slot->tat));
	}
	CHECK(partition.busy_buckets(t0) == 4);
	// every slot busy: the fifth bucket gets none, the first is found again
	CHECK(partition.find_or_claim(keys[4], limit, t0) == nullptr);
	Slot *again = partition.find_or_claim(keys[0], limit, t0);
	REQUIRE(again != nullptr);
	CHECK_FALSE(tenancy::ratelimit::take_token(limit, t0, &again->tat));
	// ten seconds on, all are full again: idle, so the fifth takes a slot
	Slot *fifth = partition.find_or_claim(keys[4], limit, t0 + 10 * second);
	REQUIRE(fifth != nullptr);
	CHECK(fifth->tat == 0);
	CHECK(partition.busy_buckets(t0 + 10 * second) == 0);
}
