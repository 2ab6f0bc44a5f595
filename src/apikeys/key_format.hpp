/*
 * key_format.hpp: the text of an API key and its keyed hash.
 *
 * A key is "tnk_" + the key id (32 lowercase hex digits) + "_" + 256 bits
 * of randomness (43 characters of unpadded base64url): 80 characters. The
 * id finds the stored record; the secret is proved by a keyed hash. The
 * hash key is a sub-key derived from a master key of tenancy.key_file, so
 * the master key is never used raw and a dump alone cannot test guesses.
 *
 * Errors name what is wrong with the shape of a key, never its text.
 */
#pragma once
#include "core/pure.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace tenancy::apikeys {

inline constexpr std::string_view key_prefix = "tnk_";
inline constexpr std::size_t id_bytes = 16;
inline constexpr std::size_t secret_bytes = 32;
inline constexpr std::size_t hash_bytes = 32;
inline constexpr std::size_t master_key_bytes = 32;
inline constexpr std::size_t key_length = 4 + 32 + 1 + 43;
inline constexpr std::size_t memo_bytes = 16;
inline constexpr std::size_t memo_key_bytes = 16;

/* The SQLSTATE of every refused key: PostgREST answers it with HTTP 401. */
inline constexpr const char *invalid_key_sqlstate = "PT401";

struct ParsedKey
{
	std::array<std::uint8_t, id_bytes> id; /* a KeyId */
	std::array<std::uint8_t, secret_bytes> secret;
};

using KeyHash = std::array<std::uint8_t, hash_bytes>;
using KeyId = std::array<std::uint8_t, id_bytes>;
using KeyMemo = std::array<std::uint8_t, memo_bytes>;

/* Writes the key's text and a terminating NUL into out. */
void format_key(const ParsedKey &key, char out[key_length + 1]) noexcept;

/*
 * Splits a key into out; throws tenancy::Error (PT401) saying what shape
 * is wrong, after zeroing out (a refused secret may be half decoded).
 */
void parse_key(std::string_view text, ParsedKey &out);

/* The hash key derived from master (BLAKE2b keyed with master over a fixed label). */
void derive_subkey(const std::uint8_t *master, std::uint8_t subkey[hash_bytes]) noexcept;

/* The keyed hash of the key under a sub-key derive_subkey made. */
KeyHash subkey_hash(const std::uint8_t *subkey, const ParsedKey &key) noexcept;

/* The keyed hash of the key under the sub-key derived from master. */
KeyHash key_hash(const std::uint8_t *master, const ParsedKey &key) noexcept;

/*
 * The id of a text of a key's length and prefix, or false: the warm path's
 * look, which raises nothing (parse_key says what is wrong with a shape).
 */
bool peek_key_id(std::string_view text, KeyId &id) noexcept;

/*
 * A memo that text was verified under subkey: SipHash-2-4 with 128-bit
 * output, keyed with a backend's random memo key, over subkey and text.
 * Without the memo key nobody can make one; a different subkey (a changed
 * key file) or text gives a different memo.
 */
KeyMemo key_memo(const std::uint8_t *memo_key, const std::uint8_t *subkey,
				 std::string_view text) noexcept;

/*
 * Constant-time comparisons (libsodium's crypto_verify_16 and _32): every
 * comparison of a memo or hash goes through these two.
 */
bool same_memo(const KeyMemo &a, const std::uint8_t *b) noexcept;
bool same_hash(const KeyHash &a, const std::uint8_t *b) noexcept;

/* The error for a key that is well formed but unknown, revoked or expired. */
[[noreturn]] void refuse_key();

/* The error for a NULL key. */
[[noreturn]] void refuse_null_key();

} // namespace tenancy::apikeys
