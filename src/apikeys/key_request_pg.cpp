/*
 * key_request_pg.cpp: tenancy.api_key_request(), PostgREST's db-pre-request.
 *
 * Reads header X-API-Key from the JSON PostgREST puts in request.headers
 * and makes the key the caller until the transaction ends. C, not
 * PL/pgSQL: PostgREST runs it once per request, and a PL/pgSQL body that
 * casts the document to json and calls the key check through SPI cost
 * more than the key check itself. The document is scanned by identity's
 * claims scanner (converts nothing, checks the whole syntax). Runs no SQL
 * of its own but the schema-qualified last-use write (key_use_pg.cpp), so
 * it needs no pinned search_path. Nothing here has a destructor.
 */
#include "apikeys/key_format.hpp" /* pure headers before server headers */
#include "identity/claims_scan.hpp"
#include "apikeys/caller_state_pg.hpp"
#include "apikeys/key_check_pg.hpp"
#include "apikeys/key_scratch_pg.hpp"
#include "core/boundary.hpp"

extern "C" {
#include "mb/pg_wchar.h"
#include "utils/guc.h"
}

#include <cstring>

namespace tenancy::apikeys {

namespace {

constexpr char header_name[] = "x-api-key"; /* PostgREST lowercases header names */

[[noreturn]] void
refuse_request(const char *detail, const char *hint)
{
	throw Error(invalid_key_sqlstate, "invalid API key", detail, hint);
}

[[noreturn]] void
refuse_missing_header()
{
	refuse_request("The request has no X-API-Key header.", "Send the key in the X-API-Key header.");
}

/*
 * The header's value as ->> gives it (a string decoded, any other value as
 * its JSON text) into out (size bytes); its length. A value longer than
 * out cannot be a key: it is cut to size, which the key check refuses as
 * too long.
 */
std::size_t
header_value(const ClaimSpan &span, char *out, std::size_t size)
{
	std::size_t written = 0;
	if (span.kind != JsonKind::string)
	{
		written = std::min(span.length, size);
		memcpy(out, span.text, written);
		return written;
	}
	if (!claim_string(span, GetDatabaseEncoding() == PG_UTF8, out, size, &written))
	{
		if (span.length < size)
			refuse_request("The X-API-Key header holds characters no API key has.",
						   "Send the key as tenancy.create_api_key returned it.");
		written = size; /* too long to be a key */
	}
	return written;
}

} // namespace

} // namespace tenancy::apikeys

TENANCY_FUNCTION(api_key_request)
{
	using namespace tenancy::apikeys;
	const char *headers = GetConfigOption("request.headers", true, false);
	if (headers == nullptr || headers[0] == '\0')
		refuse_missing_header();
	std::size_t length = strlen(headers);
	unsigned char *scratch = static_cast<unsigned char *>(palloc(tenancy::claims_scratch_size(length)));
	tenancy::ClaimSpan span;
	tenancy::ClaimsShape shape = tenancy::find_claim(headers, length, header_name,
													 sizeof(header_name) - 1, scratch, &span);
	pfree(scratch);
	if (shape == tenancy::ClaimsShape::not_json)
		refuse_request("The setting request.headers is not a JSON document.",
					   "Call tenancy.api_key_request() as PostgREST's db-pre-request.");
	if (shape != tenancy::ClaimsShape::object || !span.found || span.kind == tenancy::JsonKind::null)
		refuse_missing_header();
	// in the scratch, which the (sub)transaction's abort wipes should anything below raise
	char *key = key_scratch()->text;
	std::size_t key_size = header_value(span, key, sizeof(KeyScratch::text));
	become_key_caller(active_key(std::string_view(key, key_size)));
	wipe_key_scratch();
	PG_RETURN_VOID();
}
