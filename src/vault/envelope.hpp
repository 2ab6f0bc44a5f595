/*
 * envelope.hpp: the sealed value format and XChaCha20-Poly1305 sealing.
 *
 * A sealed value (what tenancy.tenants.data_source and service_key hold) is
 * one versioned envelope:
 *
 *   byte  0       format version (1)
 *   bytes 1..4    key id, unsigned 32-bit big-endian (1 .. 2^31-1)
 *   bytes 5..28   nonce, 24 random bytes, fresh for every value
 *   bytes 29..    ciphertext followed by the 16-byte Poly1305 tag
 *
 * The associated data binds the value to where it lives: the 5 header bytes
 * (version and key id), the tenant id (16 bytes) and the column name. A
 * value copied to another tenant, to the other column, or relabelled with
 * another key id fails to open.
 *
 * Nothing here allocates or throws; callers own every buffer, so server glue
 * can use palloc'd memory and wipe it.
 */
#pragma once
#include "core/pure.hpp"

#include <cstddef>
#include <cstdint>

namespace tenancy::vault {

inline constexpr std::uint8_t envelope_format = 1;
inline constexpr std::size_t key_bytes = 32;
inline constexpr std::size_t nonce_bytes = 24;
inline constexpr std::size_t tag_bytes = 16;
inline constexpr std::size_t header_bytes = 1 + 4 + nonce_bytes;
inline constexpr std::size_t tenant_id_bytes = 16;
inline constexpr std::size_t max_column_name = 63;
inline constexpr std::int32_t max_key_id = 2147483647;

/* What a well-formed envelope says about itself. Pointers into the input. */
struct Envelope
{
	std::uint8_t format;
	std::int32_t key_id;
	const std::uint8_t *nonce;
	const std::uint8_t *ciphertext; /* includes the tag */
	std::size_t ciphertext_len;
};

enum class DecodeStatus
{
	ok,
	too_short,		 /* shorter than header plus tag */
	unknown_format,	 /* a format version this build does not know */
	invalid_key_id,	 /* key id 0 or above 2^31-1 */
};

/* Where a sealed value lives: the associated data besides the header. */
struct Binding
{
	const std::uint8_t *tenant_id; /* 16 bytes */
	const char *column;			   /* NUL-terminated, at most 63 bytes */
};

/* Parses the header of an envelope; never reads past data + len. */
DecodeStatus decode_envelope(const std::uint8_t *data, std::size_t len,
							 Envelope *out) noexcept;

/* The envelope size for a plaintext of plaintext_len bytes. */
std::size_t sealed_size(std::size_t plaintext_len) noexcept;

/* The plaintext size of a decoded envelope. */
std::size_t opened_size(const Envelope &envelope) noexcept;

/*
 * Seals plaintext under key (key_bytes) with a fresh random nonce, writing
 * sealed_size(plaintext_len) bytes to out. Returns false only for an
 * invalid key id or column name.
 */
bool seal(const std::uint8_t *key, std::int32_t key_id, const Binding &binding,
		  const std::uint8_t *plaintext, std::size_t plaintext_len,
		  std::uint8_t *out) noexcept;

/*
 * Opens a decoded envelope with key, writing opened_size(envelope) bytes to
 * out. Returns false when it does not authenticate (wrong key, tampered,
 * or bound to another tenant, column or key id); out is then zeroed.
 */
bool open(const std::uint8_t *key, const Envelope &envelope, const Binding &binding,
		  std::uint8_t *out) noexcept;

} // namespace tenancy::vault
