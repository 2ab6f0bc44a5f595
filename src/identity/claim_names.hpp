/*
 * claim_names.hpp: names of claims and of the settings that carry them
 * (pure C++, no server).
 */
#pragma once
#include "core/pure.hpp"

#include <cstddef>

namespace tenancy {

/* The longest claim name tenancy.user_claim accepts, in bytes. */
inline constexpr std::size_t max_claim_name_length = 255;

/*
 * Whether name can be tenancy.user_claim: 1 to 255 bytes, no control
 * characters (a claim name is a JSON object key, and it is also spliced
 * into the setting name request.jwt.claim.<name>).
 */
bool claim_name_is_valid(const char *name, std::size_t length) noexcept;

/*
 * Writes "request.jwt.claim.<claim>", the older PostgREST per-claim
 * setting, NUL-terminated into out (size bytes). Returns the length it
 * needs without the NUL; when that is >= size nothing usable was written
 * (out holds an empty string).
 */
std::size_t legacy_claim_setting(const char *claim, std::size_t length, char *out,
								 std::size_t size) noexcept;

} // namespace tenancy
