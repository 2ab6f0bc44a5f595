/*
 * claim_names.cpp: see claim_names.hpp.
 */
#include "identity/claim_names.hpp"

#include <cstring>

namespace tenancy {

namespace {

constexpr char legacy_prefix[] = "request.jwt.claim.";
constexpr std::size_t legacy_prefix_length = sizeof(legacy_prefix) - 1;

} // namespace

bool
claim_name_is_valid(const char *name, std::size_t length) noexcept
{
	if (name == nullptr || length == 0 || length > max_claim_name_length)
		return false;
	for (std::size_t i = 0; i < length; i++)
	{
		unsigned char c = static_cast<unsigned char>(name[i]);
		if (c < 0x20 || c == 0x7f)
			return false;
	}
	return true;
}

std::size_t
legacy_claim_setting(const char *claim, std::size_t length, char *out, std::size_t size) noexcept
{
	std::size_t needed = legacy_prefix_length + length;

	if (out == nullptr || size == 0)
		return needed;
	if (needed >= size)
	{
		out[0] = '\0';
		return needed;
	}
	std::memcpy(out, legacy_prefix, legacy_prefix_length);
	std::memcpy(out + legacy_prefix_length, claim, length);
	out[needed] = '\0';
	return needed;
}

} // namespace tenancy
