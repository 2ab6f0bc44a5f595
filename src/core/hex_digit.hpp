/*
 * hex_digit.hpp: the value of one hexadecimal digit (pure C++, no server).
 * Shared by the uuid text parser and the claims scanner's \u escapes.
 */
#pragma once
#include "core/pure.hpp"

namespace tenancy {

/* 0-15 for a hex digit of either case, -1 for anything else. */
inline int
hex_digit_value(char c) noexcept
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

} // namespace tenancy
