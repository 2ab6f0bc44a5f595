/*
 * uuid_text.cpp: see uuid_text.hpp. Mirrors string_to_uuid() in
 * PostgreSQL's src/backend/utils/adt/uuid.c, minus the error report.
 */
#include "identity/uuid_text.hpp"
#include "core/hex_digit.hpp"

namespace tenancy {

bool
parse_uuid_text(const char *text, std::size_t length, unsigned char out[16]) noexcept
{
	std::size_t pos = 0;
	bool braces = false;

	if (text == nullptr)
		return false;
	if (length > 0 && text[0] == '{')
	{
		braces = true;
		pos++;
	}
	for (int i = 0; i < 16; i++)
	{
		if (pos + 2 > length)
			return false;
		int high = hex_digit_value(text[pos]);
		int low = hex_digit_value(text[pos + 1]);
		if (high < 0 || low < 0)
			return false;
		out[i] = static_cast<unsigned char>(high * 16 + low);
		pos += 2;
		// a hyphen may follow any group of four digits, as uuid_in allows
		if (i % 2 == 1 && i < 15 && pos < length && text[pos] == '-')
			pos++;
	}
	if (braces)
	{
		if (pos >= length || text[pos] != '}')
			return false;
		pos++;
	}
	return pos == length;
}

void
format_uuid_text(const unsigned char uuid[16], char out[uuid_text_length]) noexcept
{
	static const char digits[] = "0123456789abcdef";
	std::size_t pos = 0;
	for (int i = 0; i < 16; i++)
	{
		// hyphens after bytes 4, 6, 8 and 10: the 8-4-4-4-12 form
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[pos++] = '-';
		out[pos++] = digits[uuid[i] >> 4];
		out[pos++] = digits[uuid[i] & 0x0f];
	}
}

} // namespace tenancy
