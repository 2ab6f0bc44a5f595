/*
 * key_code.hpp: how audit_history's index orders a record key whose one
 * column is an integer (pure C++).
 *
 * Rows are logged in the order a statement touched them, which for tables
 * keyed by a sequence is mostly the order of their ids. A hash of the key
 * would scatter a bulk statement's index entries over the whole index (a
 * random leaf page per row); a code that grows with the id puts them side
 * by side, so consecutive rows insert into the same few leaf pages.
 */
#pragma once
#include "core/pure.hpp"

#include <cstdint>

namespace tenancy::audit {

/*
 * The code of a one-column key {name: value} with an integer value:
 * 23 bits of the name's hash above the value shifted into 0 .. 2^32 - 1.
 * Non-negative, so it never meets a negative code; ordered like value for
 * one name. Keys of other shapes use jsonb's 64-bit hash: a code may equal
 * a hash, which the lookup's comparison of the jsonb itself resolves.
 */
constexpr int64_t
ordered_key_code(uint32_t name_hash, int32_t value)
{
	uint64_t name_bits = uint64_t(name_hash & 0x7FFFFFu) << 40;
	uint64_t value_bits = uint64_t(int64_t(value) + (int64_t(1) << 31));
	return int64_t(name_bits | value_bits);
}

} // namespace tenancy::audit
