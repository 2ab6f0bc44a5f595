/*
 * siphash.hpp: SipHash-c-d with its 64-bit output (Aumasson and Bernstein,
 * the reference's siphash.c), for any round counts.
 *
 * The bucket table names buckets with SipHash-1-3 (bucket_table.cpp): one
 * round per 8-byte block instead of SipHash-2-4's two, three finalisation
 * rounds instead of four. It is the variant Rust's standard hash maps and
 * CPython's str hash (3.11+) use against hash flooding: keyed with a
 * secret key, its outputs are unpredictable to whoever does not hold the
 * key, so nobody can choose names that collide. The template keeps the
 * round counts apart from the rest so that the unit test checks the
 * 2-4 instance against libsodium's crypto_shorthash_siphash24.
 */
#pragma once
#include "core/pure.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace tenancy::ratelimit {

inline constexpr std::size_t siphash_key_bytes = 16;

namespace detail {

inline std::uint64_t
rotl64(std::uint64_t x, int b) noexcept
{
	return (x << b) | (x >> (64 - b));
}

/* Little-endian, as the reference reads its key and message. */
inline std::uint64_t
load_le64(const std::uint8_t *p) noexcept
{
	std::uint64_t v;
	std::memcpy(&v, p, sizeof(v)); /* one load: a byte loop is not fused by g++ 12 */
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	return v;
}

struct SipState
{
	std::uint64_t v0, v1, v2, v3;

	void round() noexcept
	{
		v0 += v1;
		v1 = rotl64(v1, 13);
		v1 ^= v0;
		v0 = rotl64(v0, 32);
		v2 += v3;
		v3 = rotl64(v3, 16);
		v3 ^= v2;
		v0 += v3;
		v3 = rotl64(v3, 21);
		v3 ^= v0;
		v2 += v1;
		v1 = rotl64(v1, 17);
		v1 ^= v2;
		v2 = rotl64(v2, 32);
	}

	template <int Rounds>
	void rounds() noexcept
	{
		for (int i = 0; i < Rounds; i++)
			round();
	}

};

} // namespace detail

/* The hash as the reference's 8 output bytes read little-endian. */
template <int CRounds, int DRounds>
std::uint64_t
siphash64(const std::uint8_t *key, const std::uint8_t *data, std::size_t length) noexcept
{
	const std::uint64_t k0 = detail::load_le64(key);
	const std::uint64_t k1 = detail::load_le64(key + 8);
	detail::SipState s{k0 ^ 0x736f6d6570736575ULL, k1 ^ 0x646f72616e646f6dULL,
					   k0 ^ 0x6c7967656e657261ULL, k1 ^ 0x7465646279746573ULL};
	const std::size_t whole = length - length % 8;

	for (std::size_t i = 0; i < whole; i += 8)
	{
		std::uint64_t m = detail::load_le64(data + i);
		s.v3 ^= m;
		s.rounds<CRounds>();
		s.v0 ^= m;
	}
	// the last block: the remaining bytes, the length's low byte on top
	std::uint8_t tail[8] = {};
	if (length > whole)
		std::memcpy(tail, data + whole, length - whole);
	std::uint64_t last = detail::load_le64(tail) | (static_cast<std::uint64_t>(length) << 56);
	s.v3 ^= last;
	s.rounds<CRounds>();
	s.v0 ^= last;

	s.v2 ^= 0xff;
	s.rounds<DRounds>();
	return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

} // namespace tenancy::ratelimit
