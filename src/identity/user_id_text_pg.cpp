/*
 * user_id_text_pg.cpp: tenancy.current_user_id_text(), the user claim as
 * any string.
 *
 * tenancy.current_user_id() is a uuid (SPEC part 1), and the membership
 * helpers key users by it. Identity providers such as Clerk (`user_2abc...`)
 * or Auth0 (`auth0|123`) put other strings in `sub`; a policy comparing a
 * text owner column (`owner_id = tenancy.current_user_id_text()`) needs
 * the claim as it is, and the membership helpers of a scope with text or
 * integer user ids key users by it (current_user_text). Read from the
 * claims document that claims_pg.cpp caches, once per document, converting
 * nothing else.
 *
 * Plain C-style glue: PODs only, so an ereport unwinds nothing.
 */
#include "core/boundary.hpp"
#include "identity/claims_scan.hpp"
#include "identity/identity_pg.hpp"

extern "C" {
#include "mb/pg_wchar.h"
}

#include <cstring>

namespace tenancy {

namespace {

/* The longest user id read from a claims document, in bytes. */
constexpr std::size_t max_user_id_text = 255;

/* The user claim as read from one claims document. */
struct ParsedUserText
{
	bool valid;
	uint64 version; /* of the claims document */
	bool present;	/* a string of 1 to max_user_id_text bytes without NUL */
	bool malformed; /* anything else but absent or null */
	std::size_t length; /* of text, when present */
	char text[max_user_id_text + 1];
};

ParsedUserText parsed;

void
parse(const ClaimsSource &source)
{
	Size length = strlen(source.document);
	unsigned char *scratch = static_cast<unsigned char *>(palloc(claims_scratch_size(length)));
	ClaimSpan span;
	std::size_t written = 0;

	parsed.valid = false;
	find_claim(source.document, length, source.user_claim, strlen(source.user_claim), scratch,
			   &span);
	pfree(scratch);
	parsed.present = false;
	parsed.malformed = false;
	if (span.found && span.kind != JsonKind::null)
	{
		// a \u escape is decoded to UTF-8, which only a UTF-8 database can hold
		parsed.present = claim_string(span, GetDatabaseEncoding() == PG_UTF8, parsed.text,
									  max_user_id_text, &written) &&
						 written > 0;
		parsed.malformed = !parsed.present;
	}
	parsed.text[written] = '\0';
	parsed.length = written;
	parsed.version = source.version;
	parsed.valid = true;
}

[[noreturn]] void
report_malformed(const char *claim)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("claim \"%s\" is not a user id", claim),
			 errdetail("A user id is a JSON string of 1 to %zu bytes, without NUL; the value is "
					   "not shown.",
					   max_user_id_text),
			 errhint("The identity provider must put the user's id in claim \"%s\" "
					 "(tenancy.user_claim names the claim).",
					 claim)));
	pg_unreachable();
}

} // namespace

bool
current_user_text(const char **text, Size *length)
{
	ClaimsSource source = current_claims_source();

	if (source.document == nullptr)
	{
		if (source.legacy_user == nullptr)
			return false;
		*text = source.legacy_user;
		*length = strlen(source.legacy_user);
		return true;
	}
	if (!parsed.valid || parsed.version != source.version)
		parse(source);
	if (parsed.malformed)
		report_malformed(source.user_claim);
	if (!parsed.present)
		return false;
	*text = parsed.text;
	*length = parsed.length;
	return true;
}

} // namespace tenancy

/*
 * The user claim as text, any string: NULL when there are no claims or the
 * claim is absent or JSON null. Without a claims document, the older
 * PostgREST setting request.jwt.claim.<user_claim> as it is.
 */
TENANCY_FUNCTION(current_user_id_text)
{
	if (tenancy::caller_has_no_user())
		PG_RETURN_NULL();
	const char *text;
	Size length;

	if (!tenancy::current_user_text(&text, &length))
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text_with_len(text, length));
}
