/*
 * uuid_text.hpp: UUID text recognition for claims (pure C++, no server).
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

} // namespace tenancy
