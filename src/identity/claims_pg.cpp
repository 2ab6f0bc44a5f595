/*
 * claims_pg.cpp: the caller's claims, parsed once per distinct setting value.
 *
 * PostgREST (and Supabase, and pooler-friendly clients) put the verified JWT
 * claims in a setting, usually per transaction with SET LOCAL or
 * set_config(..., true). Every helper call reads that setting's current
 * string and compares it with the string the cache was parsed from; only a
 * different string is parsed again. Comparing the raw string (not a counter
 * or a transaction id) is what makes SET LOCAL, savepoint rollbacks, SET
 * clauses of functions and parallel workers (which receive the leader's
 * settings) correct without hooks.
 *
 * The user claim is read by claims_scan.hpp's pure scan, which checks the
 * whole document's syntax but converts only that claim: a huge number or
 * deep nesting in an unrelated claim cannot make the helpers fail. The
 * whole jsonb (current_claims, current_claim) is built on first use; when
 * PostgreSQL cannot convert the document, current_claims() reports 22P02
 * naming the setting and current_claim() converts only the claim asked
 * for. Errors name the setting and the claim, never the token.
 *
 * Plain C-style glue: holds no C++ objects, so an ereport unwinds nothing.
 */
#include "core/boundary.hpp"
#include "core/compat.hpp"
#include "identity/claim_names.hpp"
#include "identity/claims_scan.hpp"
#include "identity/identity_pg.hpp"
#include "identity/uuid_text.hpp"

extern "C" {
#include "utils/guc.h"
#include "utils/jsonb.h"
}

#include <cstring>

namespace tenancy {

namespace {

/* GUCs. */
char *claims_setting_name = nullptr; /* tenancy.claims_setting */
char *user_claim_name = nullptr;	 /* tenancy.user_claim */

/* "request.jwt.claim.<user_claim>": the older PostgREST per-claim setting. */
char legacy_user_setting[32 + max_claim_name_length] = "request.jwt.claim.sub";

enum ClaimsProblem
{
	claims_ok,
	claims_not_json,
	claims_not_object
};

/*
 * The parsed claims of one setting value. All pointers are in context; valid
 * is false while (re)filling, so an error half-way leaves nothing usable.
 */
struct ClaimsCache
{
	MemoryContext context;
	bool valid;
	char *setting_name;	 /* the tenancy.claims_setting it was read from */
	char *user_claim;	 /* the tenancy.user_claim it was read with */
	char *raw;			 /* the setting's string, or NULL when unset/empty */
	char *legacy_raw;	 /* the legacy setting's string when raw is NULL */
	ClaimsProblem problem; /* raw is set but is not a JSON object */
	Jsonb *claims;		 /* the whole object once built; NULL before */
	bool claims_unconvertible; /* jsonb_in failed on raw (a huge number, deep nesting) */
	bool has_user;
	bool bad_user; /* the user claim is present but not a UUID */
	const char *user_source; /* the setting the bad user claim came from */
	pg_uuid_t user_id;
	uint64 fills; /* moves with every fill: the document's version for readers of other claims */
	int64 hits;
	int64 misses;
	int64 invalidations;
};

ClaimsCache cache;

bool
check_user_claim(char **newval, void **extra, GucSource source)
{
	if (!claim_name_is_valid(*newval, strlen(*newval)))
	{
		GUC_check_errdetail("tenancy.user_claim must name a claim of 1 to %zu bytes, "
							"without control characters.",
							max_claim_name_length);
		return false;
	}
	return true;
}

void
assign_user_claim(const char *newval, void *extra)
{
	// always fits: check_user_claim bounded the name
	legacy_claim_setting(newval, strlen(newval), legacy_user_setting, sizeof(legacy_user_setting));
}

bool
check_claims_setting(char **newval, void **extra, GucSource source)
{
	if ((*newval)[0] == '\0')
	{
		GUC_check_errdetail("tenancy.claims_setting must name a setting, e.g. request.jwt.claims.");
		return false;
	}
	return true;
}

const char *
nonempty(const char *value)
{
	return (value != nullptr && value[0] != '\0') ? value : nullptr;
}

bool
same_string(const char *a, const char *b)
{
	if (a == nullptr || b == nullptr)
		return a == b;
	return strcmp(a, b) == 0;
}

char *
copy_or_null(const char *value)
{
	return value ? MemoryContextStrdup(cache.context, value) : nullptr;
}

[[noreturn]] void
report_bad_user_claim(const char *setting)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("claim \"%s\" is not a valid UUID", user_claim_name),
			 errdetail("The claim was read from setting \"%s\"; its value is not shown.",
					   setting),
			 errhint("The identity provider must put the user's UUID in claim \"%s\" "
					 "(tenancy.user_claim names the claim).",
					 user_claim_name)));
	pg_unreachable();
}

/* Raises the error for malformed claims: names the setting, never the token. */
[[noreturn]] void
report_malformed_claims(const ClaimsCache *state)
{
	if (state->problem == claims_not_json)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("setting \"%s\" does not hold valid JSON claims", state->setting_name),
				 errdetail("Claim \"%s\" cannot be read; the value is not shown.",
						   state->user_claim),
				 errhint("Set it to the JSON object of the verified token's claims, as "
						 "PostgREST does (tenancy.claims_setting names the setting).")));
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("setting \"%s\" does not hold a JSON object of claims", state->setting_name),
			 errdetail("Claim \"%s\" cannot be read; the value is not shown.", state->user_claim),
			 errhint("Set it to the JSON object of the verified token's claims, as "
					 "PostgREST does.")));
	pg_unreachable();
}

/* The claim's span in the cached claims; the shape of the document. */
ClaimsShape
scan_claim(const char *raw, const char *name, Size name_length, ClaimSpan *span)
{
	Size length = strlen(raw);
	unsigned char *scratch = static_cast<unsigned char *>(palloc(claims_scratch_size(length)));
	ClaimsShape shape = find_claim(raw, length, name, name_length, scratch, span);

	pfree(scratch);
	return shape;
}

/*
 * Checks cache.raw and reads the user claim from it, converting nothing
 * else; a malformed value is recorded in cache.problem, not raised.
 */
void
parse_claims(void)
{
	ClaimSpan user;
	char text[64];
	Size length;

	switch (scan_claim(cache.raw, cache.user_claim, strlen(cache.user_claim), &user))
	{
		case ClaimsShape::not_json:
			cache.problem = claims_not_json;
			return;
		case ClaimsShape::not_object:
			cache.problem = claims_not_object;
			return;
		case ClaimsShape::object:
			break;
	}
	if (!user.found || user.kind == JsonKind::null)
		return;
	// reported by current_user_uuid, so that the other claims stay readable
	if (!claim_ascii_string(user, text, sizeof(text), &length) ||
		!parse_uuid_text(text, length, cache.user_id.data))
	{
		cache.bad_user = true;
		cache.user_source = cache.setting_name;
		return;
	}
	cache.has_user = true;
}

/*
 * jsonb_in of text, or NULL when PostgreSQL cannot convert it: a number
 * beyond numeric's range, nesting deeper than the stack allows, an escape
 * jsonb refuses. Only those data errors are caught (the input is text the
 * scan accepted, and jsonb_in holds no resources but memory); any other
 * error, a cancel included, propagates. Plain C: nothing to unwind.
 */
Jsonb *
jsonb_or_null(const char *text, Size length)
{
	MemoryContext caller = CurrentMemoryContext;
	char *copy = pnstrdup(text, length);
	Jsonb *result = nullptr;

	PG_TRY();
	{
		result = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(copy)));
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(caller);
		ErrorData *error = CopyErrorData();
		if (ERRCODE_TO_CATEGORY(error->sqlerrcode) != ERRCODE_DATA_EXCEPTION &&
			error->sqlerrcode != ERRCODE_STATEMENT_TOO_COMPLEX)
			PG_RE_THROW();
		FlushErrorState();
		FreeErrorData(error);
		result = nullptr;
	}
	PG_END_TRY();
	return result;
}

[[noreturn]] void
report_unconvertible(const ClaimsCache *state, const char *claim)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("setting \"%s\" holds claims that cannot be read as jsonb", state->setting_name),
			 errdetail("%s%s%s holds a number beyond numeric's range, nesting too deep or an "
					   "unsupported escape; the value is not shown.",
					   claim ? "Claim \"" : "A claim", claim ? claim : "", claim ? "\"" : ""),
			 errhint("tenancy.current_user_id() and the other claims stay readable; fix the "
					 "token's claims to read them all.")));
	pg_unreachable();
}

/* The whole claims object of a well-formed document, built once; NULL when it cannot be. */
Jsonb *
claims_jsonb(ClaimsCache *state)
{
	if (state->claims == nullptr && !state->claims_unconvertible)
	{
		Jsonb *built = jsonb_or_null(state->raw, strlen(state->raw));
		if (built == nullptr)
			state->claims_unconvertible = true;
		else
		{
			state->claims = static_cast<Jsonb *>(MemoryContextAlloc(state->context, VARSIZE(built)));
			memcpy(state->claims, built, VARSIZE(built));
		}
	}
	return state->claims;
}

void
fill(const char *raw, const char *legacy_raw)
{
	if (cache.context == nullptr)
		cache.context = AllocSetContextCreate(CacheMemoryContext, "tenancy claims cache",
											  ALLOCSET_SMALL_SIZES);
	cache.valid = false;
	cache.fills++;
	MemoryContextReset(cache.context);
	cache.setting_name = copy_or_null(claims_setting_name);
	cache.user_claim = copy_or_null(user_claim_name);
	cache.raw = copy_or_null(raw);
	cache.legacy_raw = copy_or_null(legacy_raw);
	cache.claims = nullptr;
	cache.claims_unconvertible = false;
	cache.problem = claims_ok;
	cache.has_user = false;
	cache.bad_user = false;
	if (cache.raw != nullptr)
		parse_claims();
	else if (cache.legacy_raw != nullptr)
	{
		cache.has_user =
			parse_uuid_text(cache.legacy_raw, strlen(cache.legacy_raw), cache.user_id.data);
		cache.bad_user = !cache.has_user;
		cache.user_source = legacy_user_setting;
	}
	cache.valid = true;
}

/*
 * The claims for the settings as they are now: cached or parsed again.
 * Malformed claims are returned with problem set, not raised.
 */
ClaimsCache *
peek_claims_state(void)
{
	const char *raw = nonempty(GetConfigOption(claims_setting_name, true, false));
	const char *legacy_raw =
		raw ? nullptr : nonempty(GetConfigOption(legacy_user_setting, true, false));

	if (cache.valid && same_string(raw, cache.raw) && same_string(legacy_raw, cache.legacy_raw) &&
		strcmp(claims_setting_name, cache.setting_name) == 0 &&
		strcmp(user_claim_name, cache.user_claim) == 0)
	{
		cache.hits++;
		return &cache;
	}
	cache.misses++;
	if (cache.valid)
		cache.invalidations++;
	fill(raw, legacy_raw);
	return &cache;
}

/* As peek_claims_state, raising 22P02 for malformed claims. */
ClaimsCache *
current_claims_state(void)
{
	ClaimsCache *state = peek_claims_state();

	if (state->problem != claims_ok)
		report_malformed_claims(state);
	return state;
}

/* A claim value as text, as jsonb's ->> operator would give it. */
Datum
claim_as_text(JsonbValue *value, bool *isnull)
{
	*isnull = false;
	switch (value->type)
	{
		case jbvNull:
			*isnull = true;
			return (Datum) 0;
		case jbvString:
			return PointerGetDatum(cstring_to_text_with_len(value->val.string.val,
															value->val.string.len));
		case jbvBool:
			return PointerGetDatum(cstring_to_text(value->val.boolean ? "true" : "false"));
		case jbvNumeric:
			return PointerGetDatum(cstring_to_text(DatumGetCString(
				DirectFunctionCall1(numeric_out, NumericGetDatum(value->val.numeric)))));
		default:
			return PointerGetDatum(cstring_to_text(
				JsonbToCString(nullptr, value->val.binary.data, value->val.binary.len)));
	}
}

/*
 * One claim as text when the whole document cannot be converted: only that
 * claim's value is, so the claims tenancy reads do not depend on the others.
 */
Datum
one_claim_as_text(const ClaimsCache *state, text *name, bool *isnull)
{
	char *key = text_to_cstring(name);
	ClaimSpan span;

	scan_claim(state->raw, key, strlen(key), &span);
	*isnull = true;
	if (!span.found)
		return (Datum) 0;
	Jsonb *value = jsonb_or_null(span.text, span.length);
	if (value == nullptr)
		report_unconvertible(state, key);
	if (!JB_ROOT_IS_SCALAR(value))
	{
		*isnull = false;
		return PointerGetDatum(
			cstring_to_text(JsonbToCString(nullptr, &value->root, VARSIZE(value))));
	}
	JsonbValue scalar;
	JsonbExtractScalar(&value->root, &scalar);
	return claim_as_text(&scalar, isnull);
}

} // namespace

void
identity_init(void)
{
	DefineCustomStringVariable(
		"tenancy.claims_setting", "Setting that holds the caller's JSON claims.",
		"PostgREST sets request.jwt.claims per transaction. Changing it is a superuser "
		"decision because it chooses where identity comes from.",
		&claims_setting_name, "request.jwt.claims", PGC_SUSET, 0, check_claims_setting,
		nullptr, nullptr);
	DefineCustomStringVariable(
		"tenancy.user_claim", "Claim that holds the caller's user id (a UUID).", nullptr,
		&user_claim_name, "sub", PGC_SUSET, 0, check_user_claim, assign_user_claim, nullptr);
}

bool
current_user_uuid(pg_uuid_t *user_id)
{
	const ClaimsCache *state = current_claims_state();

	if (state->bad_user)
		report_bad_user_claim(state->user_source);
	if (!state->has_user)
		return false;
	*user_id = state->user_id;
	return true;
}

bool
current_user_uuid_if_valid(pg_uuid_t *user_id)
{
	const ClaimsCache *state = peek_claims_state();

	if (state->problem != claims_ok || state->bad_user || !state->has_user)
		return false;
	*user_id = state->user_id;
	return true;
}

ClaimsSource
current_claims_source(void)
{
	const ClaimsCache *state = current_claims_state();
	ClaimsSource source;

	source.document = state->raw;
	source.legacy_user = state->raw ? nullptr : state->legacy_raw;
	source.user_claim = state->user_claim;
	source.version = state->fills;
	return source;
}

ClaimsCacheStats
claims_cache_stats(void)
{
	ClaimsCacheStats stats;

	stats.hits = cache.hits;
	stats.misses = cache.misses;
	stats.invalidations = cache.invalidations;
	stats.entries = cache.valid ? 1 : 0;
	return stats;
}

void
claims_cache_reset(void)
{
	cache.valid = false;
	if (cache.context != nullptr)
		MemoryContextReset(cache.context);
	cache.hits = cache.misses = cache.invalidations = 0;
}

} // namespace tenancy

TENANCY_FUNCTION(current_user_id)
{
	pg_uuid_t *user_id = static_cast<pg_uuid_t *>(palloc(sizeof(pg_uuid_t)));

	if (tenancy::caller_has_no_user() || !tenancy::current_user_uuid(user_id))
		PG_RETURN_NULL();
	PG_RETURN_UUID_P(user_id);
}

TENANCY_FUNCTION(current_claims)
{
	tenancy::ClaimsCache *state = tenancy::current_claims_state();

	if (state->raw == nullptr)
		PG_RETURN_NULL();
	Jsonb *claims = tenancy::claims_jsonb(state);
	if (claims == nullptr)
		tenancy::report_unconvertible(state, nullptr);
	Jsonb *copy = static_cast<Jsonb *>(palloc(VARSIZE(claims)));
	memcpy(copy, claims, VARSIZE(claims));
	PG_RETURN_JSONB_P(copy);
}

/*
 * One top-level claim as text. Without a claims object (the setting unset or
 * empty), the older PostgREST per-claim setting request.jwt.claim.<name>.
 */
TENANCY_FUNCTION(current_claim)
{
	text *name = PG_GETARG_TEXT_PP(0);
	tenancy::ClaimsCache *state = tenancy::current_claims_state();
	bool isnull = false;

	if (state->raw != nullptr)
	{
		Jsonb *claims = tenancy::claims_jsonb(state);
		Datum result;
		if (claims == nullptr)
			result = tenancy::one_claim_as_text(state, name, &isnull);
		else
		{
			JsonbValue *value = getKeyJsonValueFromContainer(
				&claims->root, VARDATA_ANY(name), VARSIZE_ANY_EXHDR(name), nullptr);
			if (value == nullptr)
				PG_RETURN_NULL();
			result = tenancy::claim_as_text(value, &isnull);
		}
		if (isnull)
			PG_RETURN_NULL();
		PG_RETURN_DATUM(result);
	}
	Size length = VARSIZE_ANY_EXHDR(name);
	Size size = tenancy::legacy_claim_setting(VARDATA_ANY(name), length, nullptr, 0) + 1;
	char *setting = static_cast<char *>(palloc(size));
	tenancy::legacy_claim_setting(VARDATA_ANY(name), length, setting, size);
	const char *value = tenancy::nonempty(GetConfigOption(setting, true, false));
	if (value == nullptr)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(value));
}
