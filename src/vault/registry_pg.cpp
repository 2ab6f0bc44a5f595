/*
 * registry_pg.cpp: set_tenant_connection, tenant_connection,
 * tenant_service_key, tenant_connection_info and reseal_batch (the worker
 * of the rotate_keys procedure).
 *
 * Plaintext handling: a secret arrives as a text argument, is validated
 * from a palloc'd copy that is wiped, is sealed straight from the argument,
 * and only the ciphertext reaches an UPDATE, as a bind parameter. Opened
 * values are written straight into the result text; intermediate copies
 * are wiped.
 */
#include "vault/conninfo.hpp" /* pure headers first */
#include "vault/envelope.hpp"
#include "vault/sealing_pg.hpp"
#include "core/boundary.hpp"

extern "C" {
#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
}

#include <sodium.h>

namespace {

/* Wipes a detoasted copy of an argument (never the caller's own datum). */
void
wipe_detoasted(text *value, Datum original)
{
	if (value != nullptr && (Pointer) value != DatumGetPointer(original))
		sodium_memzero(VARDATA_ANY(value), VARSIZE_ANY_EXHDR(value));
}

/* Validates a connection string from a wiped copy. */
void
validate_conninfo_text(text *conninfo)
{
	char *copy = text_to_cstring(conninfo);
	try
	{
		tenancy::vault::validate_conninfo(copy);
	}
	catch (...)
	{
		sodium_memzero(copy, strlen(copy));
		throw;
	}
	sodium_memzero(copy, strlen(copy));
	pfree(copy);
}

void
require_argument(FunctionCallInfo fcinfo, int arg, const char *name)
{
	if (PG_ARGISNULL(arg))
		ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						errmsg("%s must not be NULL", name)));
}

/* Locks the tenant's row for the rest of the transaction, or raises 42704. */
void
lock_tenant(Datum tenant)
{
	static SPIPlanPtr plan = nullptr;
	Oid types[1] = {UUIDOID};
	Datum values[1] = {tenant};

	if (plan == nullptr)
	{
		plan = SPI_prepare(
			"SELECT 1 FROM tenancy.tenants WHERE id OPERATOR(pg_catalog.=) $1 FOR UPDATE", 1,
			types);
		if (plan == nullptr)
			elog(ERROR, "SPI_prepare failed");
		SPI_keepplan(plan);
	}
	if (SPI_execute_plan(plan, values, nullptr, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not lock the tenant");
	if (SPI_processed == 0)
		tenancy::vault::report_unknown_tenant(tenant);
}

/* Writes sealed values and their key id; only ciphertext is a parameter. */
void
store_sealed(Datum tenant, bytea *data_source, bytea *service_key, int32 key_id)
{
	static SPIPlanPtr plan = nullptr;
	Oid types[4] = {UUIDOID, BYTEAOID, BYTEAOID, INT4OID};
	Datum values[4] = {tenant, PointerGetDatum(data_source), PointerGetDatum(service_key),
					   Int32GetDatum(key_id)};
	char nulls[4] = {' ', data_source ? ' ' : 'n', service_key ? ' ' : 'n', ' '};

	if (plan == nullptr)
	{
		plan = SPI_prepare("UPDATE tenancy.tenants SET data_source = $2, service_key = $3, "
						   "key_id = $4 WHERE id OPERATOR(pg_catalog.=) $1",
						   4, types);
		if (plan == nullptr)
			elog(ERROR, "SPI_prepare failed");
		SPI_keepplan(plan);
	}
	if (SPI_execute_plan(plan, values, nulls, false, 0) != SPI_OK_UPDATE || SPI_processed != 1)
		elog(ERROR, "could not store the sealed connection");
}

/* Opens one column of the tenant as text, or nullptr when it is NULL. */
text *
open_column(Datum tenant, const char *column)
{
	bytea *sealed = tenancy::vault::fetch_sealed(tenant, column);
	if (sealed == nullptr)
		return nullptr;
	const tenancy::vault::KeyRing &ring = tenancy::vault::current_key_ring();
	text *plain = tenancy::vault::open_value(ring, sealed, DatumGetUUIDP(tenant), column);
	pfree(sealed);
	return plain;
}

/* Re-seals one value under key_id; the opened plaintext is wiped. */
bytea *
reseal(const tenancy::vault::KeyRing &ring, int32 key_id, const pg_uuid_t *tenant,
	   const char *column, bytea *sealed)
{
	if (sealed == nullptr)
		return nullptr;
	text *plain = tenancy::vault::open_value(ring, sealed, tenant, column);
	bytea *fresh = tenancy::vault::seal_value(ring, key_id, tenant, column, VARDATA(plain),
											  VARSIZE(plain) - VARHDRSZ);
	tenancy::vault::wipe_varlena(plain);
	return fresh;
}

/* The tuple of tenant_connection_info from an opened connection string. */
Datum
connection_info_tuple(FunctionCallInfo fcinfo, const char *conninfo)
{
	tenancy::vault::ConninfoSummary s = tenancy::vault::summarize_conninfo(conninfo);
	return tenancy::pg_guarded([&]() -> Datum {
		TupleDesc tupdesc;
		if (get_call_result_type(fcinfo, nullptr, &tupdesc) != TYPEFUNC_COMPOSITE)
			elog(ERROR, "tenant_connection_info must return a composite type");
		tupdesc = BlessTupleDesc(tupdesc);
		Datum values[6];
		bool nulls[6] = {!s.has_host, !s.has_port, !s.has_dbname, !s.has_user, !s.has_sslmode,
						 false};
		values[0] = s.has_host ? CStringGetTextDatum(s.host.c_str()) : (Datum) 0;
		values[1] = s.has_port ? CStringGetTextDatum(s.port.c_str()) : (Datum) 0;
		values[2] = s.has_dbname ? CStringGetTextDatum(s.dbname.c_str()) : (Datum) 0;
		values[3] = s.has_user ? CStringGetTextDatum(s.user.c_str()) : (Datum) 0;
		values[4] = s.has_sslmode ? CStringGetTextDatum(s.sslmode.c_str()) : (Datum) 0;
		values[5] = BoolGetDatum(s.has_password);
		return HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls));
	});
}

} // namespace

/*
 * set_tenant_connection(tenant uuid, conninfo text, service_key text):
 * validates, seals both values under the active key, and stores the
 * ciphertext. A NULL service_key removes the stored one (the service key
 * belongs to the connection it is set with).
 */
TENANCY_FUNCTION(set_tenant_connection)
{
	require_argument(fcinfo, 0, "tenant");
	require_argument(fcinfo, 1, "conninfo");
	Datum tenant = PG_GETARG_DATUM(0);
	text *conninfo = PG_GETARG_TEXT_PP(1);
	text *service_key = PG_ARGISNULL(2) ? nullptr : PG_GETARG_TEXT_PP(2);

	validate_conninfo_text(conninfo);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	lock_tenant(tenant);
	int32 key_id;
	{
		const tenancy::vault::KeyRing &ring = tenancy::vault::current_key_ring();
		key_id = tenancy::vault::active_key_id(ring);
		tenancy::vault::check_sealing_key(key_id, ring.key(key_id));
	}
	/* Taken again: check_sealing_key ran SQL (see current_key_ring). */
	const tenancy::vault::KeyRing &ring = tenancy::vault::current_key_ring();
	const pg_uuid_t *id = DatumGetUUIDP(tenant);
	bytea *sealed_conninfo = tenancy::vault::seal_value(
		ring, key_id, id, "data_source", VARDATA_ANY(conninfo), VARSIZE_ANY_EXHDR(conninfo));
	bytea *sealed_service =
		service_key == nullptr
			? nullptr
			: tenancy::vault::seal_value(ring, key_id, id, "service_key",
										 VARDATA_ANY(service_key),
										 VARSIZE_ANY_EXHDR(service_key));
	store_sealed(tenant, sealed_conninfo, sealed_service, key_id);
	SPI_finish();

	wipe_detoasted(conninfo, PG_GETARG_DATUM(1));
	if (service_key != nullptr)
		wipe_detoasted(service_key, PG_GETARG_DATUM(2));
	PG_RETURN_VOID();
}

/* tenant_connection(tenant uuid) → text: the opened connection string. */
TENANCY_FUNCTION(tenant_connection)
{
	text *plain = open_column(PG_GETARG_DATUM(0), "data_source");
	if (plain == nullptr)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(plain);
}

/* tenant_service_key(tenant uuid) → text: the opened service key. */
TENANCY_FUNCTION(tenant_service_key)
{
	text *plain = open_column(PG_GETARG_DATUM(0), "service_key");
	if (plain == nullptr)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(plain);
}

/* tenant_connection_info(tenant uuid): the non-secret parts. */
TENANCY_FUNCTION(tenant_connection_info)
{
	text *plain = open_column(PG_GETARG_DATUM(0), "data_source");
	if (plain == nullptr)
		PG_RETURN_NULL();
	char *conninfo = text_to_cstring(plain);
	tenancy::vault::wipe_varlena(plain);
	Datum result;
	try
	{
		result = connection_info_tuple(fcinfo, conninfo);
	}
	catch (...)
	{
		sodium_memzero(conninfo, strlen(conninfo));
		throw;
	}
	sodium_memzero(conninfo, strlen(conninfo));
	pfree(conninfo);
	return result;
}

/*
 * reseal_batch(batch_size int) → int: re-seals up to batch_size tenants
 * whose values are not under the active key, locking their rows; returns
 * how many. rotate_keys calls it and commits between batches; it checks
 * batch_size here, as the procedure can carry no pinned search_path.
 */
TENANCY_FUNCTION(reseal_batch)
{
	static SPIPlanPtr plan = nullptr;
	require_argument(fcinfo, 0, "batch_size");
	int32 batch_size = PG_GETARG_INT32(0);
	if (batch_size < 1)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("batch_size must be at least 1")));

	int32 key_id;
	{
		const tenancy::vault::KeyRing &ring = tenancy::vault::current_key_ring();
		key_id = tenancy::vault::active_key_id(ring);
		tenancy::vault::check_sealing_key(key_id, ring.key(key_id));
	}

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (plan == nullptr)
	{
		Oid types[2] = {INT4OID, INT4OID};
		plan = SPI_prepare("SELECT id, data_source, service_key FROM tenancy.tenants "
						   "WHERE key_id OPERATOR(pg_catalog.<>) $1 "
						   "ORDER BY id LIMIT $2 FOR UPDATE",
						   2, types);
		if (plan == nullptr)
			elog(ERROR, "SPI_prepare failed");
		SPI_keepplan(plan);
	}
	Datum args[2] = {Int32GetDatum(key_id), Int32GetDatum(batch_size)};
	if (SPI_execute_plan(plan, args, nullptr, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read tenancy.tenants");
	SPITupleTable *rows = SPI_tuptable;
	uint64 count = SPI_processed;
	for (uint64 i = 0; i < count; i++)
	{
		/*
		 * Each UPDATE may run user triggers that reach the key cache; take
		 * the ring afresh so a reload in between never leaves it dangling.
		 */
		const tenancy::vault::KeyRing &ring = tenancy::vault::current_key_ring();
		if (ring.key(key_id) == nullptr)
			ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
							errmsg("the key file changed during key rotation"),
							errhint("Run tenancy.rotate_keys() again.")));
		bool null_id, null_ds, null_sk;
		Datum id = SPI_getbinval(rows->vals[i], rows->tupdesc, 1, &null_id);
		Datum ds = SPI_getbinval(rows->vals[i], rows->tupdesc, 2, &null_ds);
		Datum sk = SPI_getbinval(rows->vals[i], rows->tupdesc, 3, &null_sk);
		const pg_uuid_t *tenant = DatumGetUUIDP(id);
		bytea *fresh_ds = reseal(ring, key_id, tenant, "data_source",
								 null_ds ? nullptr : DatumGetByteaPP(ds));
		bytea *fresh_sk = reseal(ring, key_id, tenant, "service_key",
								 null_sk ? nullptr : DatumGetByteaPP(sk));
		store_sealed(id, fresh_ds, fresh_sk, key_id);
	}
	SPI_finish();
	PG_RETURN_INT32((int32) count);
}
