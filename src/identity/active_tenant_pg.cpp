/*
 * active_tenant_pg.cpp: the caller's active tenant, from the claim that
 * setting tenancy.active_tenant_claim names (Clerk's and Supabase's
 * organization claim, `org_id`).
 *
 * The claim is read from the claims document that claims_pg.cpp caches,
 * once per document: the scan (claims_scan.hpp) converts nothing but this
 * claim, so an unrelated claim cannot make it fail. The membership helpers
 * use it to answer for that tenant only (docs/access.md).
 *
 * Plain C-style glue: PODs only, so an ereport unwinds nothing.
 */
#include "core/boundary.hpp"
#include "identity/claim_names.hpp"
#include "identity/claims_scan.hpp"
#include "identity/identity_pg.hpp"
#include "identity/uuid_text.hpp"

extern "C" {
#include "mb/pg_wchar.h"
#include "utils/guc.h"
}

#include <cstring>

namespace tenancy {

namespace {

char *active_tenant_claim = nullptr; /* GUC tenancy.active_tenant_claim; "" = unset */

/* The longest tenant id read from the claim, in bytes (as for the user id). */
constexpr Size max_tenant_id_text = 255;

/* The claim as read from one claims document. */
struct ParsedActiveTenant
{
	bool valid;
	uint64 version;								 /* of the claims document */
	char claim[max_claim_name_length + 1];		 /* the claim name it was read with */
	bool present;								 /* the claim holds a string of 1 to 255 bytes */
	bool malformed;								 /* the claim holds something else */
	bool is_uuid;								 /* the string is a UUID: tenant */
	pg_uuid_t tenant;
	Size length;
	char text[max_tenant_id_text + 1];
};

ParsedActiveTenant parsed;

bool
check_active_tenant_claim(char **newval, void **extra, GucSource source)
{
	size_t length = strlen(*newval);

	if (length == 0 || claim_name_is_valid(*newval, length))
		return true;
	GUC_check_errdetail("tenancy.active_tenant_claim must be empty or name a claim of 1 to %zu "
						"bytes, without control characters.",
						max_claim_name_length);
	return false;
}

void
parse(const char *document, uint64 version)
{
	Size length = strlen(document);
	unsigned char *scratch = static_cast<unsigned char *>(palloc(claims_scratch_size(length)));
	ClaimSpan span;
	Size text_length = 0;

	parsed.valid = false;
	find_claim(document, length, active_tenant_claim, strlen(active_tenant_claim), scratch, &span);
	pfree(scratch);
	parsed.present = false;
	parsed.malformed = false;
	parsed.is_uuid = false;
	if (span.found && span.kind != JsonKind::null)
	{
		parsed.present = claim_string(span, GetDatabaseEncoding() == PG_UTF8, parsed.text,
									  max_tenant_id_text, &text_length) &&
						 text_length > 0;
		parsed.malformed = !parsed.present;
		parsed.is_uuid =
			parsed.present && parse_uuid_text(parsed.text, text_length, parsed.tenant.data);
	}
	parsed.text[text_length] = '\0';
	parsed.length = text_length;
	snprintf(parsed.claim, sizeof(parsed.claim), "%s", active_tenant_claim);
	parsed.version = version;
	parsed.valid = true;
}

[[noreturn]] void
report_not_string(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("claim \"%s\" is not a tenant id", parsed.claim),
			 errdetail("The claim names the caller's active tenant "
					   "(tenancy.active_tenant_claim): a JSON string of 1 to %zu bytes, without "
					   "NUL; its value is not shown.",
					   max_tenant_id_text),
			 errhint("The identity provider must put the active tenant's id in claim \"%s\", "
					 "or leave the claim out to reach all of the user's tenants.",
					 parsed.claim)));
	pg_unreachable();
}

[[noreturn]] void
report_malformed(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("claim \"%s\" is not a valid UUID", parsed.claim),
			 errdetail("The claim names the caller's active tenant "
					   "(tenancy.active_tenant_claim); its value is not shown."),
			 errhint("The identity provider must put the active tenant's UUID in claim \"%s\", "
					 "or leave the claim out to reach all of the user's tenants.",
					 parsed.claim)));
	pg_unreachable();
}

} // namespace

void
active_tenant_init(void)
{
	DefineCustomStringVariable(
		"tenancy.active_tenant_claim",
		"Claim that names the caller's active tenant; the access helpers then answer for it only.",
		"Empty (the default): no claim narrows access. Changing it is a superuser decision "
		"because it chooses what a token may narrow.",
		&active_tenant_claim, "", PGC_SUSET, 0, check_active_tenant_claim, nullptr, nullptr);
}

namespace {

/* Whether the caller's claims carry the active tenant claim, parsed. */
bool
active_tenant_present(void)
{
	if (active_tenant_claim == nullptr || active_tenant_claim[0] == '\0')
		return false;
	ClaimsSource source = current_claims_source();
	if (source.document == nullptr)
		return false;
	if (!parsed.valid || parsed.version != source.version ||
		strcmp(parsed.claim, active_tenant_claim) != 0)
		parse(source.document, source.version);
	return parsed.malformed || parsed.present;
}

} // namespace

bool
current_active_tenant(pg_uuid_t *tenant)
{
	if (!active_tenant_present())
		return false;
	if (!parsed.is_uuid)
		report_malformed();
	*tenant = parsed.tenant;
	return true;
}

bool
current_active_tenant_text(const char **text, Size *length)
{
	if (!active_tenant_present())
		return false;
	if (parsed.malformed)
		report_not_string();
	*text = parsed.text;
	*length = parsed.length;
	return true;
}

} // namespace tenancy
