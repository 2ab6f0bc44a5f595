/*
 * claims_scan.cpp: see claims_scan.hpp.
 *
 * The grammar is RFC 8259's, as PostgreSQL's JSON lexer applies it: no
 * leading zeros, no bare control characters in strings, \u escapes with
 * valid surrogate pairs. Containers are tracked with one bit per level in
 * the caller's scratch (1 = object), so nesting costs no recursion.
 */
#include "identity/claims_scan.hpp"
#include "core/hex_digit.hpp"

namespace tenancy {

namespace {

bool
is_space(char c) noexcept
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

bool
is_digit(char c) noexcept
{
	return c >= '0' && c <= '9';
}

const char *
skip_space(const char *p, const char *end) noexcept
{
	while (p < end && is_space(*p))
		p++;
	return p;
}

/* The code unit of the \uXXXX at p (p at the backslash), or -1. */
long
code_unit(const char *p, const char *end) noexcept
{
	if (end - p < 6 || p[0] != '\\' || p[1] != 'u')
		return -1;
	long unit = 0;
	for (int i = 2; i < 6; i++)
	{
		int digit = hex_digit_value(p[i]);
		if (digit < 0)
			return -1;
		unit = unit * 16 + digit;
	}
	return unit;
}

/*
 * Decodes one character of a string's contents at p (already checked) and
 * advances p: an escape gives its code point (a surrogate pair joined), a
 * byte below 0x80 itself, any other byte itself with *raw_byte set (part of
 * a multibyte character of the document's encoding).
 */
long
next_character(const char *&p, const char *end, bool *raw_byte) noexcept
{
	*raw_byte = false;
	if (*p != '\\')
	{
		*raw_byte = static_cast<unsigned char>(*p) >= 0x80;
		return static_cast<unsigned char>(*p++);
	}
	char escaped = p[1];
	if (escaped != 'u')
	{
		p += 2;
		switch (escaped)
		{
			case 'b': return '\b';
			case 'f': return '\f';
			case 'n': return '\n';
			case 'r': return '\r';
			case 't': return '\t';
			default: return escaped; /* " \ / */
		}
	}
	long unit = code_unit(p, end);
	p += 6;
	if (unit >= 0xD800 && unit <= 0xDBFF)
	{
		long low = code_unit(p, end);
		p += 6;
		return 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
	}
	return unit;
}

/* The string at p (at its opening quote) checked: the byte after its closing quote, or null. */
const char *
scan_string(const char *p, const char *end) noexcept
{
	for (p++; p < end; p++)
	{
		unsigned char c = static_cast<unsigned char>(*p);
		if (c == '"')
			return p + 1;
		if (c < 0x20)
			return nullptr;
		if (c != '\\')
			continue;
		if (end - p < 2)
			return nullptr;
		switch (p[1])
		{
			case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
				p++;
				continue;
			case 'u':
				break;
			default:
				return nullptr;
		}
		long unit = code_unit(p, end);
		if (unit < 0 || (unit >= 0xDC00 && unit <= 0xDFFF))
			return nullptr;
		if (unit >= 0xD800 && unit <= 0xDBFF)
		{
			long low = code_unit(p + 6, end);
			if (low < 0xDC00 || low > 0xDFFF)
				return nullptr;
			p += 6;
		}
		p += 5;
	}
	return nullptr;
}

const char *
scan_digits(const char *p, const char *end) noexcept
{
	if (p >= end || !is_digit(*p))
		return nullptr;
	while (p < end && is_digit(*p))
		p++;
	return p;
}

/* The number at p checked, not converted: the byte after it, or null. */
const char *
scan_number(const char *p, const char *end) noexcept
{
	if (*p == '-')
		p++;
	if (p < end && *p == '0')
		p++;
	else if (!(p = scan_digits(p, end)))
		return nullptr;
	if (p < end && *p == '.' && !(p = scan_digits(p + 1, end)))
		return nullptr;
	if (p < end && (*p == 'e' || *p == 'E'))
	{
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		p = scan_digits(p, end);
	}
	return p;
}

const char *
scan_word(const char *p, const char *end, const char *word, std::size_t length) noexcept
{
	if (static_cast<std::size_t>(end - p) < length)
		return nullptr;
	for (std::size_t i = 0; i < length; i++)
		if (p[i] != word[i])
			return nullptr;
	return p + length;
}

/* The UTF-8 bytes of code point code into out; how many. */
std::size_t
utf8_encode(long code, unsigned char out[4]) noexcept
{
	if (code < 0x80)
	{
		out[0] = static_cast<unsigned char>(code);
		return 1;
	}
	if (code < 0x800)
	{
		out[0] = static_cast<unsigned char>(0xC0 | (code >> 6));
		out[1] = static_cast<unsigned char>(0x80 | (code & 0x3F));
		return 2;
	}
	if (code < 0x10000)
	{
		out[0] = static_cast<unsigned char>(0xE0 | (code >> 12));
		out[1] = static_cast<unsigned char>(0x80 | ((code >> 6) & 0x3F));
		out[2] = static_cast<unsigned char>(0x80 | (code & 0x3F));
		return 3;
	}
	out[0] = static_cast<unsigned char>(0xF0 | (code >> 18));
	out[1] = static_cast<unsigned char>(0x80 | ((code >> 12) & 0x3F));
	out[2] = static_cast<unsigned char>(0x80 | ((code >> 6) & 0x3F));
	out[3] = static_cast<unsigned char>(0x80 | (code & 0x3F));
	return 4;
}

/*
 * Whether the member name (contents between the quotes) decodes to key.
 * Bytes that are not escaped are compared as they are (the document is in
 * the database encoding); escapes are compared as UTF-8.
 */
bool
name_equals(const char *p, const char *end, const char *key, std::size_t key_length) noexcept
{
	std::size_t matched = 0;

	while (p < end)
	{
		bool raw_byte;
		long code = next_character(p, end, &raw_byte);
		unsigned char bytes[4];
		std::size_t count = 1;

		if (raw_byte)
			bytes[0] = static_cast<unsigned char>(code);
		else
			count = utf8_encode(code, bytes);
		for (std::size_t i = 0; i < count; i++)
			if (matched == key_length || static_cast<unsigned char>(key[matched++]) != bytes[i])
				return false;
	}
	return matched == key_length;
}

JsonKind
kind_at(char c) noexcept
{
	switch (c)
	{
		case '"': return JsonKind::string;
		case '{': return JsonKind::object;
		case '[': return JsonKind::array;
		case 't': case 'f': return JsonKind::boolean;
		case 'n': return JsonKind::null;
		default: return JsonKind::number;
	}
}

/* The nesting levels, one bit each in the caller's scratch. */
struct Nesting
{
	unsigned char *bits;
	std::size_t depth;

	void push(bool object) noexcept
	{
		std::size_t level = depth++;
		unsigned char mask = static_cast<unsigned char>(1u << (level % 8));
		bits[level / 8] = object ? (bits[level / 8] | mask) : (bits[level / 8] & ~mask);
	}
	bool in_object() const noexcept
	{
		std::size_t level = depth - 1;
		return (bits[level / 8] >> (level % 8)) & 1u;
	}
};

enum class Expect
{
	value,
	value_or_close, /* after [ */
	name_or_close,	/* after { */
	name,			/* after , in an object */
	after_value,
};

} // namespace

std::size_t
claims_scratch_size(std::size_t length) noexcept
{
	// each level opens with a byte of its own: at most length levels
	return length / 8 + 1;
}

ClaimsShape
find_claim(const char *document, std::size_t length, const char *key, std::size_t key_length,
		   unsigned char *scratch, ClaimSpan *out) noexcept
{
	const char *p = document;
	const char *end = document + length;
	Nesting nesting = {scratch, 0};
	Expect expect = Expect::value;
	bool top_is_object = false;
	bool wanted = false;		   /* the member being read is the one asked for */
	const char *member = nullptr; /* where that member's value starts */

	out->found = false;
	for (;;)
	{
		p = skip_space(p, end);
		if (expect == Expect::after_value)
		{
			// a value just ended; a member of the top-level object among them
			if (nesting.depth == 1 && top_is_object && wanted)
			{
				out->found = true;
				out->kind = kind_at(*member);
				out->text = member;
				out->length = static_cast<std::size_t>(p - member);
				while (out->length > 0 && is_space(member[out->length - 1]))
					out->length--;
				wanted = false;
			}
			if (nesting.depth == 0)
				break;
			if (p == end)
				return ClaimsShape::not_json;
			bool object = nesting.in_object();
			if (*p == ',')
				expect = object ? Expect::name : Expect::value;
			else if (*p == (object ? '}' : ']'))
				nesting.depth--;
			else
				return ClaimsShape::not_json;
			p++;
			continue;
		}
		if (p == end)
			return ClaimsShape::not_json;
		if (expect == Expect::value_or_close || expect == Expect::name_or_close)
		{
			if (*p == (expect == Expect::value_or_close ? ']' : '}'))
			{
				nesting.depth--;
				p++;
				expect = Expect::after_value;
				continue;
			}
			expect = expect == Expect::value_or_close ? Expect::value : Expect::name;
		}
		if (expect == Expect::name)
		{
			const char *name = p;
			if (*p != '"' || !(p = scan_string(p, end)))
				return ClaimsShape::not_json;
			if (nesting.depth == 1 && key != nullptr)
				wanted = name_equals(name + 1, p - 1, key, key_length);
			p = skip_space(p, end);
			if (p == end || *p != ':')
				return ClaimsShape::not_json;
			p++;
			expect = Expect::value;
			continue;
		}
		// a value
		if (nesting.depth == 0)
			top_is_object = *p == '{';
		else if (nesting.depth == 1)
			member = p;
		switch (*p)
		{
			case '{':
				nesting.push(true);
				p++;
				expect = Expect::name_or_close;
				continue;
			case '[':
				nesting.push(false);
				p++;
				expect = Expect::value_or_close;
				continue;
			case '"': p = scan_string(p, end); break;
			case 't': p = scan_word(p, end, "true", 4); break;
			case 'f': p = scan_word(p, end, "false", 5); break;
			case 'n': p = scan_word(p, end, "null", 4); break;
			default:
				p = (*p == '-' || is_digit(*p)) ? scan_number(p, end) : nullptr;
				break;
		}
		if (p == nullptr)
			return ClaimsShape::not_json;
		expect = Expect::after_value;
	}
	if (p != end)
		return ClaimsShape::not_json;
	if (!top_is_object)
	{
		out->found = false;
		return ClaimsShape::not_object;
	}
	return ClaimsShape::object;
}

bool
claim_ascii_string(const ClaimSpan &value, char *out, std::size_t size,
				   std::size_t *written) noexcept
{
	if (!value.found || value.kind != JsonKind::string || value.length < 2)
		return false;
	const char *p = value.text + 1;
	const char *end = value.text + value.length - 1;
	std::size_t count = 0;

	while (p < end)
	{
		bool raw_byte;
		long code = next_character(p, end, &raw_byte);
		if (raw_byte || code <= 0 || code >= 0x80 || count == size)
			return false;
		out[count++] = static_cast<char>(code);
	}
	*written = count;
	return true;
}

bool
claim_string(const ClaimSpan &value, bool utf8, char *out, std::size_t size,
			 std::size_t *written) noexcept
{
	if (!value.found || value.kind != JsonKind::string || value.length < 2)
		return false;
	const char *p = value.text + 1;
	const char *end = value.text + value.length - 1;
	std::size_t count = 0;

	while (p < end)
	{
		bool raw_byte;
		long code = next_character(p, end, &raw_byte);
		unsigned char bytes[4];
		std::size_t n = 1;

		if (code == 0 || (!raw_byte && code >= 0x80 && !utf8))
			return false;
		if (raw_byte)
			bytes[0] = static_cast<unsigned char>(code);
		else
			n = utf8_encode(code, bytes);
		if (size - count < n)
			return false;
		for (std::size_t i = 0; i < n; i++)
			out[count++] = static_cast<char>(bytes[i]);
	}
	*written = count;
	return true;
}

} // namespace tenancy
