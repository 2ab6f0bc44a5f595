/*
 * key_format.cpp: API key text and hashing (see key_format.hpp).
 */
#include "apikeys/key_format.hpp"
#include "core/error.hpp"
#include "core/hex_digit.hpp"

#include <algorithm>
#include <cstring>
#include <sodium.h>

namespace tenancy::apikeys {

namespace {

constexpr const char *shape_hint =
	"Send the whole key as tenancy.create_api_key returned it: 80 characters starting "
	"with tnk_.";

[[noreturn]] void
refuse_shape(const char *detail)
{
	throw Error(invalid_key_sqlstate, "invalid API key", detail, shape_hint);
}

/* A context string fixes the sub-key to this one use. */
constexpr unsigned char subkey_label[] = "tenancy api key hash v1";

} // namespace

void
format_key(const ParsedKey &key, char out[key_length + 1]) noexcept
{
	static const char digits[] = "0123456789abcdef";
	char *p = out;
	for (char c : key_prefix)
		*p++ = c;
	for (std::uint8_t byte : key.id)
	{
		*p++ = digits[byte >> 4];
		*p++ = digits[byte & 15];
	}
	*p++ = '_';
	// 43 characters and the NUL: exactly what is left of out
	sodium_bin2base64(p, out + key_length + 1 - p, key.secret.data(), key.secret.size(),
					  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

namespace {

void
split_key(std::string_view text, ParsedKey &key)
{
	if (text.empty())
		refuse_shape("The key is empty.");
	if (text.size() > key_length)
		refuse_shape("The key is longer than an API key.");
	if (text.substr(0, key_prefix.size()) != key_prefix)
		refuse_shape("The key does not start with tnk_.");
	if (text.size() < key_length)
		refuse_shape("The key is shorter than an API key (truncated?).");
	std::string_view id = text.substr(key_prefix.size(), 2 * id_bytes);
	for (std::size_t i = 0; i < id_bytes; i++)
	{
		int high = hex_digit_value(id[2 * i]);
		int low = hex_digit_value(id[2 * i + 1]);
		if (high < 0 || low < 0)
			refuse_shape("The key's id part is not hexadecimal.");
		key.id[i] = static_cast<std::uint8_t>(high * 16 + low);
	}
	if (text[key_prefix.size() + 2 * id_bytes] != '_')
		refuse_shape("The key's parts are not separated by _.");
	std::string_view secret = text.substr(key_prefix.size() + 2 * id_bytes + 1);
	std::size_t decoded = 0;
	if (sodium_base642bin(key.secret.data(), key.secret.size(), secret.data(), secret.size(),
						  nullptr, &decoded, nullptr,
						  sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
		decoded != secret_bytes)
		refuse_shape("The key's secret part is not base64url.");
}

} // namespace

void
parse_key(std::string_view text, ParsedKey &out)
{
	try
	{
		split_key(text, out);
	}
	catch (...)
	{
		sodium_memzero(&out, sizeof(out));
		throw;
	}
}

void
derive_subkey(const std::uint8_t *master, std::uint8_t subkey[hash_bytes]) noexcept
{
	crypto_generichash(subkey, hash_bytes, subkey_label, sizeof(subkey_label) - 1, master,
					   master_key_bytes);
}

KeyHash
subkey_hash(const std::uint8_t *subkey, const ParsedKey &key) noexcept
{
	KeyHash hash;
	crypto_generichash_state state;
	crypto_generichash_init(&state, subkey, hash_bytes, hash.size());
	crypto_generichash_update(&state, key.id.data(), key.id.size());
	crypto_generichash_update(&state, key.secret.data(), key.secret.size());
	crypto_generichash_final(&state, hash.data(), hash.size());
	sodium_memzero(&state, sizeof(state));
	return hash;
}

KeyHash
key_hash(const std::uint8_t *master, const ParsedKey &key) noexcept
{
	std::uint8_t subkey[hash_bytes];
	derive_subkey(master, subkey);
	KeyHash hash = subkey_hash(subkey, key);
	sodium_memzero(subkey, sizeof(subkey));
	return hash;
}

bool
peek_key_id(std::string_view text, KeyId &id) noexcept
{
	if (text.size() != key_length || text.substr(0, key_prefix.size()) != key_prefix)
		return false;
	for (std::size_t i = 0; i < id_bytes; i++)
	{
		int high = hex_digit_value(text[key_prefix.size() + 2 * i]);
		int low = hex_digit_value(text[key_prefix.size() + 2 * i + 1]);
		if (high < 0 || low < 0)
			return false;
		id[i] = static_cast<std::uint8_t>(high * 16 + low);
	}
	return true;
}

KeyMemo
key_memo(const std::uint8_t *memo_key, const std::uint8_t *subkey, std::string_view text) noexcept
{
	static_assert(memo_bytes == crypto_shorthash_siphashx24_BYTES);
	static_assert(memo_key_bytes == crypto_shorthash_siphashx24_KEYBYTES);
	std::uint8_t message[hash_bytes + key_length];
	std::size_t length = hash_bytes + std::min(text.size(), key_length);
	std::memcpy(message, subkey, hash_bytes);
	std::memcpy(message + hash_bytes, text.data(), length - hash_bytes);
	KeyMemo memo;
	crypto_shorthash_siphashx24(memo.data(), message, length, memo_key);
	sodium_memzero(message, sizeof(message));
	return memo;
}

/*
 * crypto_verify_16/32: libsodium's constant-time comparisons of fixed
 * sizes (vector code, no early exit): the time taken does not depend on
 * where two values differ. sodium_memcmp is constant-time too, but a
 * byte loop through a volatile that cost a tenth of a warm check.
 */
bool
same_memo(const KeyMemo &a, const std::uint8_t *b) noexcept
{
	static_assert(memo_bytes == crypto_verify_16_BYTES);
	return crypto_verify_16(a.data(), b) == 0;
}

bool
same_hash(const KeyHash &a, const std::uint8_t *b) noexcept
{
	static_assert(hash_bytes == crypto_verify_32_BYTES);
	return crypto_verify_32(a.data(), b) == 0;
}

void
refuse_key()
{
	throw Error(invalid_key_sqlstate, "invalid API key",
				"No active key matches: it is unknown, revoked or expired, or was made under "
				"another key file.",
				"Ask the tenant's administrator for a new key.");
}

} // namespace tenancy::apikeys

namespace tenancy::apikeys {

void
refuse_null_key()
{
	throw Error(invalid_key_sqlstate, "invalid API key", "The key is NULL.",
				"Send the key as tenancy.create_api_key returned it.");
}

} // namespace tenancy::apikeys
