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
#include "utils/guc.h"
}

#include <cstring>

namespace tenancy {

namespace {

char *active_tenant_claim = nullptr; /* GUC tenancy.active_tenant_claim; "" = unset */

/* The claim as read from one claims document. */
struct ParsedActiveTenant
{
	bool valid;
	uint64 version;								 /* of the claims document */
	char claim[max_claim_name_length + 1];		 /* the claim name it was read with */
	bool present;								 /* the claim holds a UUID */
	bool malformed;								 /* the claim holds something else */
	pg_uuid_t tenant;
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
	char text[64];
	Size text_length;

	parsed.valid = false;
	find_claim(document, length, active_tenant_claim, strlen(active_tenant_claim), scratch, &span);
	pfree(scratch);
	parsed.present = false;
	parsed.malformed = false;
	if (span.found && span.kind != JsonKind::null)
	{
		parsed.present = claim_ascii_string(span, text, sizeof(text), &text_length) &&
						 parse_uuid_text(text, text_length, parsed.tenant.data);
		parsed.malformed = !parsed.present;
	}
	snprintf(parsed.claim, sizeof(parsed.claim), "%s", active_tenant_claim);
	parsed.version = version;
	parsed.valid = true;
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

bool
current_active_tenant(pg_uuid_t *tenant)
{
	if (active_tenant_claim == nullptr || active_tenant_claim[0] == '\0')
		return false;
	ClaimsSource source = current_claims_source();
	if (source.document == nullptr)
		return false;
	if (!parsed.valid || parsed.version != source.version ||
		strcmp(parsed.claim, active_tenant_claim) != 0)
		parse(source.document, source.version);
	if (parsed.malformed)
		report_malformed();
	if (!parsed.present)
		return false;
	*tenant = parsed.tenant;
	return true;
}

} // namespace tenancy
