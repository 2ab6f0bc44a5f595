/*
 * envelope.cpp: the sealed value format (see envelope.hpp).
 */
#include "vault/envelope.hpp"

#include <cstring>
#include <sodium.h>

namespace tenancy::vault {

namespace {

static_assert(key_bytes == crypto_aead_xchacha20poly1305_ietf_KEYBYTES);
static_assert(nonce_bytes == crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
static_assert(tag_bytes == crypto_aead_xchacha20poly1305_ietf_ABYTES);

constexpr std::size_t max_ad_bytes = 5 + tenant_id_bytes + max_column_name;

void
write_header(std::uint8_t *out, std::int32_t key_id) noexcept
{
	std::uint32_t id = static_cast<std::uint32_t>(key_id);

	out[0] = envelope_format;
	out[1] = static_cast<std::uint8_t>(id >> 24);
	out[2] = static_cast<std::uint8_t>(id >> 16);
	out[3] = static_cast<std::uint8_t>(id >> 8);
	out[4] = static_cast<std::uint8_t>(id);
}

/* Associated data: header (version, key id), tenant id, column name. */
std::size_t
build_ad(std::uint8_t *ad, const std::uint8_t *header, const Binding &binding) noexcept
{
	std::size_t column_len = strnlen(binding.column, max_column_name + 1);

	memcpy(ad, header, 5);
	memcpy(ad + 5, binding.tenant_id, tenant_id_bytes);
	memcpy(ad + 5 + tenant_id_bytes, binding.column, column_len);
	return 5 + tenant_id_bytes + column_len;
}

bool
valid_column(const Binding &binding) noexcept
{
	if (binding.column == nullptr || binding.tenant_id == nullptr)
		return false;
	std::size_t len = strnlen(binding.column, max_column_name + 1);
	return len > 0 && len <= max_column_name;
}

} // namespace

DecodeStatus
decode_envelope(const std::uint8_t *data, std::size_t len, Envelope *out) noexcept
{
	if (data == nullptr || len < header_bytes + tag_bytes)
		return DecodeStatus::too_short;
	if (data[0] != envelope_format)
		return DecodeStatus::unknown_format;
	std::uint32_t id = (std::uint32_t(data[1]) << 24) | (std::uint32_t(data[2]) << 16) |
					   (std::uint32_t(data[3]) << 8) | std::uint32_t(data[4]);
	if (id == 0 || id > static_cast<std::uint32_t>(max_key_id))
		return DecodeStatus::invalid_key_id;
	out->format = data[0];
	out->key_id = static_cast<std::int32_t>(id);
	out->nonce = data + 5;
	out->ciphertext = data + header_bytes;
	out->ciphertext_len = len - header_bytes;
	return DecodeStatus::ok;
}

std::size_t
sealed_size(std::size_t plaintext_len) noexcept
{
	return header_bytes + plaintext_len + tag_bytes;
}

std::size_t
opened_size(const Envelope &envelope) noexcept
{
	return envelope.ciphertext_len - tag_bytes;
}

bool
seal(const std::uint8_t *key, std::int32_t key_id, const Binding &binding,
	 const std::uint8_t *plaintext, std::size_t plaintext_len, std::uint8_t *out) noexcept
{
	if (key_id <= 0 || !valid_column(binding))
		return false;
	write_header(out, key_id);
	randombytes_buf(out + 5, nonce_bytes);

	std::uint8_t ad[max_ad_bytes];
	std::size_t ad_len = build_ad(ad, out, binding);
	unsigned long long written = 0;
	crypto_aead_xchacha20poly1305_ietf_encrypt(out + header_bytes, &written, plaintext,
											   plaintext_len, ad, ad_len, nullptr,
											   out + 5, key);
	return written == plaintext_len + tag_bytes;
}

bool
open(const std::uint8_t *key, const Envelope &envelope, const Binding &binding,
	 std::uint8_t *out) noexcept
{
	std::size_t plain_len = opened_size(envelope);

	if (!valid_column(binding))
	{
		sodium_memzero(out, plain_len);
		return false;
	}
	std::uint8_t header[5];
	write_header(header, envelope.key_id);
	std::uint8_t ad[max_ad_bytes];
	std::size_t ad_len = build_ad(ad, header, binding);
	unsigned long long written = 0;
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(out, &written, nullptr,
												   envelope.ciphertext,
												   envelope.ciphertext_len, ad, ad_len,
												   envelope.nonce, key) != 0)
	{
		sodium_memzero(out, plain_len);
		return false;
	}
	return written == plain_len;
}

} // namespace tenancy::vault
