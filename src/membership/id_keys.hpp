/*
 * id_keys.hpp: tenant and user ids of every supported type as the
 * membership cache keys them (pure C++).
 *
 * A scope's ids are uuid, text or integer (bigint and int). The cache keeps
 * one 16-byte key per tenant so that one sorted array and one binary search
 * (membership_set.hpp, memcmp order) serve every type:
 *   uuid     its 16 bytes (PostgreSQL's uuid order is memcmp order);
 *   integer  the value big-endian with its sign bit flipped, then zeros, so
 *            memcmp order is numeric order;
 *   text     the tenant's position among the user's distinct tenant texts
 *            sorted in byte order, big-endian: the texts themselves live
 *            once per user in a sorted table (find_text maps a text to its
 *            position).
 * Never throws, never allocates.
 */
#pragma once
#include "core/pure.hpp"

#include <cstddef>
#include <cstdint>

namespace tenancy {

enum class IdKind : unsigned char
{
	uuid = 0, /* the zero value: memberships built before kinds existed are uuid */
	text,
	integer,
};

/* A text id: its bytes (not NUL-terminated) and length. */
struct TextRef
{
	const char *bytes;
	std::size_t length;
};

/* The key of an integer id. */
void integer_key(std::int64_t value, unsigned char key[16]) noexcept;

/* The integer an integer_key holds. */
std::int64_t integer_of_key(const unsigned char key[16]) noexcept;

/* The key of the text at position index of a user's sorted text table. */
void text_key(std::size_t index, unsigned char key[16]) noexcept;

/* The position a text_key holds. */
std::size_t text_index_of_key(const unsigned char key[16]) noexcept;

/* Byte order, a prefix first. */
bool text_less(const TextRef &a, const TextRef &b) noexcept;

/*
 * Sorts texts in byte order and drops repeats, in place; returns how many
 * distinct texts remain at the front.
 */
std::size_t sort_distinct_texts(TextRef *texts, std::size_t count) noexcept;

/* Whether sorted, distinct texts hold wanted; its position through *index. */
bool find_text(const TextRef *texts, std::size_t count, const TextRef &wanted,
			   std::size_t *index) noexcept;

/*
 * A decimal integer id as a claim spells it: an optional '-', then 1 to 19
 * digits (leading zeros allowed), nothing else, within int64. False for
 * anything else (spaces, '+', a fraction, out of range).
 */
bool parse_integer_id(const char *text, std::size_t length, std::int64_t *value) noexcept;

} // namespace tenancy
