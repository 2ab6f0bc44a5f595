/*
 * chain.hpp: the audit log's hash chain (pure C++, libsodium).
 *
 * Each sealed log row carries prev_hash (the row_hash of the row before it in
 * its tenant's chain, or the chain's anchor) and
 *
 *     row_hash = BLAKE2b-256(prev_hash || canonical_encoding(row))
 *
 * The encoding is length-prefixed, so no two different rows encode alike,
 * and it leaves out what a dump and restore changes (the table's OID).
 */
#pragma once
#include "core/pure.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tenancy::audit {

constexpr size_t hash_size = 32;
using Hash = std::array<uint8_t, hash_size>;

/* The anchor of a chain nothing has been dropped from: 32 zero bytes. */
constexpr Hash genesis_hash{};

/* The hashed fields of one log row, in their text or binary forms. */
struct ChainedRow
{
	int64_t id = 0;
	int64_t logged_at_us = 0; /* microseconds since 2000-01-01, as PostgreSQL stores */
	uint64_t txid = 0;
	std::string schema_name;
	std::string table_name;
	std::string op;
	std::optional<std::array<uint8_t, 16>> tenant_id;
	std::optional<std::array<uint8_t, 16>> actor_id;
	std::string db_user;
	std::optional<std::string> record_key; /* jsonb text output */
	std::optional<std::string> old_values;
	std::optional<std::string> new_values;
};

/* The canonical byte encoding of a row (exposed for tests). */
std::vector<uint8_t> encode_row(const ChainedRow &row);

/* BLAKE2b-256(prev || encode_row(row)). */
Hash chain_hash(const Hash &prev, const ChainedRow &row);

} // namespace tenancy::audit
