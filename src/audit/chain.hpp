/*
 * chain.hpp: the audit log's hash chains (pure C++, libsodium).
 *
 * Each log row has a digest over its content, in two parts:
 *
 *     images_digest = BLAKE2b-256(encoding of record_key, old_values, new_values)
 *                     (each image's jsonb in its stored binary form)
 *     row_digest    = BLAKE2b-256(encoding of the row's metadata || images_digest)
 *
 * and each tenant's chain runs over the digests of its rows in chain order
 * (txid, id):
 *
 *     link_n = BLAKE2b-256(link_n-1 || row_digest_n)
 *
 * Erasure replaces a row's images and keeps their images_digest in the row
 * (erased_digest), so the row still verifies: its metadata is checked, its
 * images are not. The encodings are length-prefixed, so no two different
 * rows encode alike, and leave out what a dump and restore changes (the
 * table's OID). A jsonb's binary form is canonical (keys sorted, duplicates
 * removed, numerics normalised), so the jsonb a restore parses from the
 * dump's text has the same bytes: hashing them spares the text conversion.
 *
 * The fields are views: the digests are computed while the row's bytes are
 * live (in a batch the caller holds), with no copy.
 */
#pragma once
#include "core/pure.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace tenancy::audit {

constexpr size_t hash_size = 32;
using Hash = std::array<uint8_t, hash_size>;
using Uuid = std::array<uint8_t, 16>;

/* The start of a chain nothing has been dropped from: 32 zero bytes. */
constexpr Hash genesis_hash{};

/* The metadata of one log row: what erasure never changes. */
struct RowMeta
{
	int64_t id = 0;
	int64_t logged_at_us = 0; /* microseconds since 2000-01-01, as PostgreSQL stores */
	uint64_t txid = 0;
	std::string_view schema_name;
	std::string_view table_name;
	std::string_view op;
	std::optional<Uuid> tenant_id;
	std::optional<Uuid> actor_id;
	std::string_view db_user;
};

/* The images of one log row, each a jsonb's binary form; nullopt is SQL NULL. */
struct RowImages
{
	std::optional<std::string_view> record_key;
	std::optional<std::string_view> old_values;
	std::optional<std::string_view> new_values;
};

/* The canonical encodings (exposed for tests; the digests hash the same bytes as they encode them). */
std::vector<uint8_t> encode_meta(const RowMeta &meta);
std::vector<uint8_t> encode_images(const RowImages &images);

Hash images_digest(const RowImages &images);
Hash row_digest(const RowMeta &meta, const Hash &images_digest);

/* The next link of a chain: BLAKE2b-256(link || row_digest). */
Hash chain_link(const Hash &link, const Hash &row_digest);

} // namespace tenancy::audit
