/*
 * key_request_pg.cpp: tenancy.api_key_request(), PostgREST's db-pre-request.
 *
 * Reads header X-API-Key from the JSON PostgREST puts in request.headers
 * and makes the key the caller until the transaction ends. PostgREST runs
 * its db-pre-request on every request: one without the header (a JWT's,
 * or an anonymous one) passes through, its caller what its claims say. C, not
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
	// no headers, or no X-API-Key among them: not a key's request (a JWT's,
	// or anonymous), whose caller stays what its claims say
	const char *headers = GetConfigOption("request.headers", true, false);
	if (headers == nullptr || headers[0] == '\0')
		PG_RETURN_VOID();
	std::size_t length = strlen(headers);
	unsigned char *scan_scratch =
		static_cast<unsigned char *>(palloc(tenancy::claims_scratch_size(length)));
	tenancy::ClaimSpan span;
	tenancy::ClaimsShape shape = tenancy::find_claim(headers, length, header_name,
													 sizeof(header_name) - 1, scan_scratch, &span);
	pfree(scan_scratch);
	if (shape == tenancy::ClaimsShape::not_json)
		refuse_request("The setting request.headers is not a JSON document.",
					   "Call tenancy.api_key_request() as PostgREST's db-pre-request.");
	if (shape != tenancy::ClaimsShape::object)
		refuse_request("The setting request.headers is not a JSON object.",
					   "Call tenancy.api_key_request() as PostgREST's db-pre-request.");
	if (!span.found || span.kind == tenancy::JsonKind::null)
		PG_RETURN_VOID();
	// in a scratch of its own, which the (sub)transaction's abort wipes should anything below raise
	KeyScratch *scratch = take_key_scratch();
	std::size_t key_size = header_value(span, scratch->text, sizeof(KeyScratch::text));
	become_key_caller(active_key(std::string_view(scratch->text, key_size)));
	give_back_key_scratch(scratch);
	PG_RETURN_VOID();
}
