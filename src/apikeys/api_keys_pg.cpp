/*
 * api_keys_pg.cpp: tenancy.create_api_key, authenticate_api_key,
 * _api_key_become_caller, caller_has_scope and caller_api_key_id.
 *
 * Keys travel as SPI parameters or not at all: no statement text holds a
 * key, so neither the log nor pg_stat_statements can show one. Stored is
 * only the keyed hash (key_format.hpp). The C++ calls below (parsing,
 * hashing, the key ring) may throw tenancy::Error; no C++ object with a
 * destructor is live when anything here raises a PostgreSQL error.
 */
#include "apikeys/caller_state_pg.hpp"
#include "apikeys/key_check_pg.hpp"
#include "apikeys/key_scratch_pg.hpp"
#include "membership/registration_pg.hpp"
#include "vault/sealing_pg.hpp"
#include "core/boundary.hpp"

extern "C" {
#include "access/htup_details.h"
#include "access/xact.h"
#include "access/xlog.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"
}

#include <sodium.h>

namespace tenancy::apikeys {

namespace {

[[noreturn]] void
report_bad_argument(const char *message, const char *hint)
{
	ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("%s", message),
					errhint("%s", hint)));
	pg_unreachable();
}

/*
 * Refuses a membership scope other than the default that is not registered
 * or whose tenants are not uuids. SPI is connected.
 */
void
check_key_scope(FunctionCallInfo fcinfo, int argno)
{
	static SPIPlanPtr plan = nullptr;

	if (PG_ARGISNULL(argno))
		report_bad_argument("the membership scope of an API key must not be NULL",
							"Pass a scope registered with tenancy.register_membership, or omit "
							"scope_name for the default scope 'workspace'.");
	char *scope = text_to_cstring(PG_GETARG_TEXT_PP(argno));
	if (strcmp(scope, default_scope) == 0)
		return;
	if (plan == nullptr)
	{
		Oid types[1] = {TEXTOID};
		plan = SPI_prepare("SELECT tenancy.scope_tenant_type($1)::pg_catalog.oid", 1, types);
		if (plan == nullptr)
			elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
		SPI_keepplan(plan);
	}
	Datum values[1] = {PG_GETARG_DATUM(argno)};
	if (SPI_execute_plan(plan, values, nullptr, true, 1) != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "could not read the registration of a membership scope");
	bool isnull;
	Datum type = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	if (isnull)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("no membership table is registered for scope \"%s\"", scope),
						errhint("Register the scope with tenancy.register_membership(..., scope => "
								"'%s') first, or omit scope_name for the default scope.",
								scope)));
	if (DatumGetObjectId(type) != UUIDOID)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("the tenants of scope \"%s\" are not uuids", scope),
						errdetail("An API key's tenant is a uuid."),
						errhint("Make keys for a scope whose tenant column is uuid.")));
}

/* The active key of argument 0, or a PT401 error. */
KeyRecord *
authenticate(FunctionCallInfo fcinfo)
{
	if (PG_ARGISNULL(0))
		refuse_null_key();
	text *argument = PG_GETARG_TEXT_PP(0);
	return active_key(std::string_view(VARDATA_ANY(argument), VARSIZE_ANY_EXHDR(argument)));
}

} // namespace

} // namespace tenancy::apikeys

/*
 * create_api_key(tenant, name, scopes, expires_at, scope_name): SECURITY DEFINER (it
 * writes tenancy.api_key_records as the extension's owner); the DBA grants
 * it to the roles that administer keys.
 */
TENANCY_FUNCTION(create_api_key)
{
	if (PG_ARGISNULL(0))
		tenancy::apikeys::report_bad_argument("the tenant of an API key must not be NULL",
							"Pass the id of the tenant the key acts for.");
	if (PG_ARGISNULL(1) || VARSIZE_ANY_EXHDR(PG_GETARG_TEXT_PP(1)) == 0 ||
		VARSIZE_ANY_EXHDR(PG_GETARG_TEXT_PP(1)) > 200)
		tenancy::apikeys::report_bad_argument("an API key needs a name of 1 to 200 bytes",
							"Name the key after its use, such as 'billing export'.");
	ArrayType *scopes = PG_ARGISNULL(2) ? construct_empty_array(TEXTOID) : PG_GETARG_ARRAYTYPE_P(2);
	if (ARR_NDIM(scopes) > 1 || array_contains_nulls(scopes))
		tenancy::apikeys::report_bad_argument("the scopes of an API key must be a list without NULLs",
							"Pass scopes as text[], such as '{invoices:read}'.");
	TimestampTz now = GetCurrentTimestamp();
	if (!PG_ARGISNULL(3) && PG_GETARG_TIMESTAMPTZ(3) <= now)
		tenancy::apikeys::report_bad_argument("an API key must expire in the future",
							"Pass a later expires_at, or NULL for a key that does not expire.");
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	tenancy::apikeys::check_key_scope(fcinfo, 4);

	const tenancy::vault::KeyRing &ring = tenancy::vault::current_key_ring();
	int32 hash_key_id = tenancy::vault::active_key_id(ring);
	const uint8 *master = ring.key(hash_key_id);
	// the key lives in the scratch until the row is stored: an error on the
	// way aborts, and the abort wipes it (key_scratch_pg.hpp)
	tenancy::apikeys::KeyScratch *scratch = tenancy::apikeys::take_key_scratch();
	tenancy::apikeys::ParsedKey &key = scratch->parsed;
	randombytes_buf(key.id.data(), key.id.size());
	key.id[6] = (key.id[6] & 0x0f) | 0x40; /* a version 4 UUID */
	key.id[8] = (key.id[8] & 0x3f) | 0x80;
	randombytes_buf(key.secret.data(), key.secret.size());
	tenancy::apikeys::KeyHash hash = tenancy::apikeys::key_hash(master, key);
	tenancy::apikeys::format_key(key, scratch->text);
	sodium_memzero(&key.secret, sizeof(key.secret));

	bytea *hash_value = static_cast<bytea *>(palloc(VARHDRSZ + tenancy::apikeys::hash_bytes));
	SET_VARSIZE(hash_value, VARHDRSZ + tenancy::apikeys::hash_bytes);
	memcpy(VARDATA(hash_value), hash.data(), tenancy::apikeys::hash_bytes);
	pg_uuid_t *id = static_cast<pg_uuid_t *>(palloc(sizeof(pg_uuid_t)));
	memcpy(id->data, key.id.data(), tenancy::apikeys::id_bytes);
	Oid types[8] = {UUIDOID, UUIDOID, TEXTOID, TEXTARRAYOID, BYTEAOID, INT4OID, TIMESTAMPTZOID,
					TEXTOID};
	Datum values[8] = {UUIDPGetDatum(id),	  PG_GETARG_DATUM(0),		   PG_GETARG_DATUM(1),
					   PointerGetDatum(scopes), PointerGetDatum(hash_value), Int32GetDatum(hash_key_id),
					   PG_ARGISNULL(3) ? (Datum) 0 : PG_GETARG_DATUM(3), PG_GETARG_DATUM(4)};
	char nulls[8] = {' ', ' ', ' ', ' ', ' ', ' ', PG_ARGISNULL(3) ? 'n' : ' ', ' '};
	if (SPI_execute_with_args(
			"INSERT INTO tenancy.api_key_records "
			"(id, tenant_id, name, scopes, hash, hash_key_id, expires_at, scope_name) "
			"VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
			8, types, values, nulls, false, 0) != SPI_OK_INSERT)
		elog(ERROR, "could not store the API key");
	SPI_finish();
	text *result = cstring_to_text(scratch->text);
	tenancy::apikeys::give_back_key_scratch(scratch);
	PG_RETURN_TEXT_P(result);
}

TENANCY_FUNCTION(authenticate_api_key)
{
	Datum values[3];
	bool nulls[3] = {false, false, false};

	// the result's descriptor, built once per call site: a warm call is a lookup
	TupleDesc desc = static_cast<TupleDesc>(fcinfo->flinfo->fn_extra);
	if (desc == nullptr)
	{
		if (get_call_result_type(fcinfo, nullptr, &desc) != TYPEFUNC_COMPOSITE)
			elog(ERROR, "authenticate_api_key must return a record");
		MemoryContext old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);
		desc = BlessTupleDesc(CreateTupleDescCopy(desc));
		MemoryContextSwitchTo(old);
		fcinfo->flinfo->fn_extra = desc;
	}
	tenancy::apikeys::KeyRecord *record = tenancy::apikeys::authenticate(fcinfo);
	// heap_form_tuple copies the values: the cached record is not referenced
	values[0] = UUIDPGetDatum(&record->id);
	values[1] = UUIDPGetDatum(&record->tenant);
	values[2] = PointerGetDatum(record->scopes);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(desc, values, nulls)));
}

/* Called by tenancy.api_key_request(): the key is the caller until the transaction ends. */
TENANCY_FUNCTION(_api_key_become_caller)
{
	tenancy::apikeys::become_key_caller(tenancy::apikeys::authenticate(fcinfo));
	PG_RETURN_VOID();
}

TENANCY_FUNCTION(caller_has_scope)
{
	const tenancy::apikeys::KeyRecord *caller = tenancy::apikeys::key_caller();
	Datum *elements;
	bool *nulls;
	int count;

	if (caller == nullptr || PG_ARGISNULL(0))
		PG_RETURN_BOOL(false);
	text *wanted = PG_GETARG_TEXT_PP(0);
	deconstruct_array(caller->scopes, TEXTOID, -1, false, TYPALIGN_INT, &elements, &nulls, &count);
	for (int i = 0; i < count; i++)
	{
		text *scope = DatumGetTextPP(elements[i]);
		if (VARSIZE_ANY_EXHDR(scope) == VARSIZE_ANY_EXHDR(wanted) &&
			memcmp(VARDATA_ANY(scope), VARDATA_ANY(wanted), VARSIZE_ANY_EXHDR(wanted)) == 0)
			PG_RETURN_BOOL(true);
	}
	PG_RETURN_BOOL(false);
}

TENANCY_FUNCTION(caller_api_key_id)
{
	const tenancy::apikeys::KeyRecord *caller = tenancy::apikeys::key_caller();
	if (caller == nullptr)
		PG_RETURN_NULL();
	pg_uuid_t *id = static_cast<pg_uuid_t *>(palloc(sizeof(pg_uuid_t)));
	*id = caller->id;
	PG_RETURN_UUID_P(id);
}
