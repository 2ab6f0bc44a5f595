/*
 * claims_scan.hpp: finding one top-level claim in a JSON claims document
 * without converting the others (pure C++, no server).
 *
 * A token's claims are untrusted. Converting the whole document (jsonb_in)
 * fails on claims tenancy never reads: a number too large for numeric
 * (22003) or nesting deeper than the stack allows (54001), and every policy
 * that asks who the caller is would fail with it. The scan here checks the
 * whole document's syntax iteratively (no recursion, no limit on nesting)
 * and converts nothing: it returns where the wanted claim's value is.
 */
#pragma once
#include "core/pure.hpp"

#include <cstddef>

namespace tenancy {

enum class ClaimsShape
{
	object,		/* a JSON object: claims can be read */
	not_json,	/* not a JSON document */
	not_object, /* JSON, but not an object */
};

enum class JsonKind
{
	string,
	number,
	object,
	array,
	boolean,
	null,
};

/* Where a claim's value is in the document: its JSON text, unconverted. */
struct ClaimSpan
{
	bool found;
	JsonKind kind;
	const char *text; /* into the document; a string keeps its quotes */
	std::size_t length;
};

/* Bytes of scratch find_claim needs for a document of length bytes. */
std::size_t claims_scratch_size(std::size_t length) noexcept;

/*
 * Checks that document (length bytes) is one JSON value and, when it is an
 * object, finds its member named key (key_length bytes, compared with the
 * member names' escapes decoded; the last one wins when a name repeats, as
 * in jsonb). key may be null to check only. scratch holds
 * claims_scratch_size(length) bytes. Never throws, never allocates.
 */
ClaimsShape find_claim(const char *document, std::size_t length, const char *key,
					   std::size_t key_length, unsigned char *scratch, ClaimSpan *out) noexcept;

/*
 * The decoded text of a string value that is plain ASCII (escapes decoded),
 * into out (size bytes, no NUL written); its length through *written.
 * False for any other value, a non-ASCII or NUL character, or when it does
 * not fit. A UUID claim is read this way, without the server's JSON code.
 */
bool claim_ascii_string(const ClaimSpan &value, char *out, std::size_t size,
						std::size_t *written) noexcept;

/*
 * The decoded text of a string value, any characters but NUL: the
 * document's own bytes as they are (they are in its encoding), escapes
 * decoded to UTF-8 when utf8 (the document's encoding is UTF-8), else only
 * escapes of ASCII characters. Into out (size bytes, no NUL written); its
 * length through *written. False for any other value, a NUL (escaped), an
 * escape of a non-ASCII character when !utf8, or when it does not fit.
 */
bool claim_string(const ClaimSpan &value, bool utf8, char *out, std::size_t size,
				  std::size_t *written) noexcept;

} // namespace tenancy
