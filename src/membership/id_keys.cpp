/*
 * id_keys.cpp: see id_keys.hpp.
 */
#include "membership/id_keys.hpp"

#include <algorithm>
#include <cstring>

namespace tenancy {

void
integer_key(std::int64_t value, unsigned char key[16]) noexcept
{
	std::uint64_t bits = static_cast<std::uint64_t>(value) ^ (std::uint64_t{1} << 63);

	for (int i = 7; i >= 0; i--)
	{
		key[i] = static_cast<unsigned char>(bits & 0xFF);
		bits >>= 8;
	}
	std::memset(key + 8, 0, 8);
}

std::int64_t
integer_of_key(const unsigned char key[16]) noexcept
{
	std::uint64_t bits = 0;

	for (int i = 0; i < 8; i++)
		bits = (bits << 8) | key[i];
	return static_cast<std::int64_t>(bits ^ (std::uint64_t{1} << 63));
}

void
text_key(std::size_t index, unsigned char key[16]) noexcept
{
	std::uint64_t bits = index;

	for (int i = 7; i >= 0; i--)
	{
		key[i] = static_cast<unsigned char>(bits & 0xFF);
		bits >>= 8;
	}
	std::memset(key + 8, 0, 8);
}

std::size_t
text_index_of_key(const unsigned char key[16]) noexcept
{
	std::uint64_t bits = 0;

	for (int i = 0; i < 8; i++)
		bits = (bits << 8) | key[i];
	return static_cast<std::size_t>(bits);
}

bool
text_less(const TextRef &a, const TextRef &b) noexcept
{
	int c = std::memcmp(a.bytes, b.bytes, std::min(a.length, b.length));

	return c != 0 ? c < 0 : a.length < b.length;
}

namespace {

bool
text_equal(const TextRef &a, const TextRef &b) noexcept
{
	return a.length == b.length && std::memcmp(a.bytes, b.bytes, a.length) == 0;
}

} // namespace

std::size_t
sort_distinct_texts(TextRef *texts, std::size_t count) noexcept
{
	std::sort(texts, texts + count, text_less);
	return static_cast<std::size_t>(std::unique(texts, texts + count, text_equal) - texts);
}

bool
find_text(const TextRef *texts, std::size_t count, const TextRef &wanted,
		  std::size_t *index) noexcept
{
	const TextRef *it = std::lower_bound(texts, texts + count, wanted, text_less);

	if (it == texts + count || !text_equal(*it, wanted))
		return false;
	*index = static_cast<std::size_t>(it - texts);
	return true;
}

bool
parse_integer_id(const char *text, std::size_t length, std::int64_t *value) noexcept
{
	std::size_t i = 0;
	bool negative = length > 0 && text[0] == '-';
	// the magnitude, accumulated negative: -2^63 fits, 2^63 does not
	std::int64_t result = 0;
	const std::int64_t min = INT64_MIN;

	if (negative)
		i++;
	if (i == length)
		return false;
	for (; i < length; i++)
	{
		if (text[i] < '0' || text[i] > '9')
			return false;
		int digit = text[i] - '0';
		if (result < (min + digit) / 10)
			return false;
		result = result * 10 - digit;
	}
	if (!negative && result == min)
		return false;
	*value = negative ? result : -result;
	return true;
}

} // namespace tenancy
