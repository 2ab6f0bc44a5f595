/*
 * uuid_text.hpp: UUID text for claims and the audit log (pure C++, no server).
 *
 * A token's user claim is untrusted text. PostgreSQL's uuid_in would raise
 * an error quoting the value; tenancy recognises the same spellings itself
 * and reports a malformed claim without echoing it.
 */
#pragma once
#include "core/pure.hpp"

#include <cstddef>

namespace tenancy {

/*
 * Parses the spellings PostgreSQL's uuid type accepts: 32 hex digits,
 * optionally in braces, optionally with a hyphen after any group of four
 * digits (the canonical 8-4-4-4-12 form among them). On success writes the
 * 16 bytes to out and returns true; never throws.
 */
bool parse_uuid_text(const char *text, std::size_t length, unsigned char out[16]) noexcept;

/* The canonical text of a uuid, as uuid_out writes it: 36 characters, lower-case hex, no NUL. */
constexpr std::size_t uuid_text_length = 36;
void format_uuid_text(const unsigned char uuid[16], char out[uuid_text_length]) noexcept;

} // namespace tenancy
