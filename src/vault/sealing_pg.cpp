/*
 * sealing_pg.cpp: the vault's settings, this backend's key ring, key
 * fingerprints, and sealing/opening of column values (see sealing_pg.hpp).
 */
#include "vault/envelope.hpp" /* pure headers first */
#include "vault/settings.hpp"
#include "vault/sealing_pg.hpp"
#include "core/boundary.hpp"

extern "C" {
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/guc.h"
}

#include <climits>
#include <sodium.h>
#include <unistd.h>

namespace tenancy::vault {

namespace {

char *key_file_setting = nullptr;
int active_key_setting = 0;

/* Keys stay in sodium_malloc'd memory for the backend's life. */
KeyCache key_cache;

SPIPlanPtr
prepare_kept(SPIPlanPtr *slot, const char *sql, int nargs, Oid *types)
{
	if (*slot == nullptr)
	{
		SPIPlanPtr plan = SPI_prepare(sql, nargs, types);
		if (plan == nullptr)
			elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
		SPI_keepplan(plan);
		*slot = plan;
	}
	return *slot;
}

bytea *
fingerprint_bytea(const uint8 *key)
{
	bytea *fp = (bytea *) palloc(VARHDRSZ + fingerprint_bytes);
	SET_VARSIZE(fp, VARHDRSZ + fingerprint_bytes);
	key_fingerprint(key, reinterpret_cast<uint8 *>(VARDATA(fp)));
	return fp;
}

/* The recorded fingerprint of key_id, or nullptr. SPI is connected. */
bytea *
recorded_fingerprint(int32 key_id)
{
	static SPIPlanPtr plan = nullptr;
	Oid types[1] = {INT4OID};
	Datum values[1] = {Int32GetDatum(key_id)};
	prepare_kept(&plan,
				 "SELECT fingerprint FROM tenancy.key_fingerprints "
				 "WHERE key_id OPERATOR(pg_catalog.=) $1",
				 1, types);
	if (SPI_execute_plan(plan, values, nullptr, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read tenancy.key_fingerprints");
	if (SPI_processed == 0)
		return nullptr;
	bool isnull;
	Datum fp = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	return isnull ? nullptr : DatumGetByteaPP(fp);
}

bool
same_fingerprint(const bytea *recorded, const bytea *computed)
{
	return VARSIZE_ANY_EXHDR(recorded) == fingerprint_bytes &&
		   memcmp(VARDATA_ANY(recorded), VARDATA_ANY(computed), fingerprint_bytes) == 0;
}

[[noreturn]] void
report_key_mismatch(int32 key_id)
{
	ereport(ERROR,
			(errcode(ERRCODE_CONFIG_FILE_ERROR),
			 errmsg("key %d does not match the key that sealed existing values", key_id),
			 errdetail("The key file holds a key %d whose fingerprint differs from the one "
					   "recorded in tenancy.key_fingerprints when key %d first sealed.",
					   key_id, key_id),
			 errhint("Restore the original key file named by tenancy.key_file; never "
					 "generate a new key under an id already in use.")));
	pg_unreachable();
}

/* After a failed open: true when key_id has a different recorded fingerprint. */
bool
fingerprint_differs(int32 key_id, const uint8 *key)
{
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	bytea *recorded = recorded_fingerprint(key_id);
	bool differs = recorded != nullptr && !same_fingerprint(recorded, fingerprint_bytea(key));
	SPI_finish();
	return differs;
}

char *
uuid_text(Datum tenant)
{
	return DatumGetCString(DirectFunctionCall1(uuid_out, tenant));
}

} // namespace

void
define_settings()
{
	DefineCustomStringVariable(
		"tenancy.key_file", "File holding the master keys that seal tenant connections.",
		"Lines <key_id>:<64 hex digits>; owned by the server's user, mode 0600.",
		&key_file_setting, "", PGC_SIGHUP, GUC_SUPERUSER_ONLY, nullptr, nullptr, nullptr);
	DefineCustomIntVariable(
		"tenancy.active_key_id", "Key id that seals new and re-sealed values.",
		"0 means the highest key id in the key file.", &active_key_setting, 0, 0, INT_MAX,
		PGC_SUSET, 0, nullptr, nullptr, nullptr);
}

const KeyRing &
current_key_ring()
{
	return key_cache.get(key_file_setting, geteuid());
}

int32
active_key_id(const KeyRing &ring)
{
	int32 id = active_key_setting > 0 ? active_key_setting : ring.highest_id();
	if (ring.key(id) == nullptr)
		ereport(ERROR,
				(errcode(ERRCODE_CONFIG_FILE_ERROR),
				 errmsg("tenancy.active_key_id %d is not in the key file", id),
				 errhint("Add key %d to the key file, or set tenancy.active_key_id to one of "
						 "its ids (0 picks the highest).",
						 id)));
	return id;
}

void
check_sealing_key(int32 key_id, const uint8 *key)
{
	static SPIPlanPtr insert_plan = nullptr;
	Oid types[2] = {INT4OID, BYTEAOID};
	bytea *computed = fingerprint_bytea(key);
	Datum values[2] = {Int32GetDatum(key_id), PointerGetDatum(computed)};

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	prepare_kept(&insert_plan,
				 "INSERT INTO tenancy.key_fingerprints (key_id, fingerprint) VALUES ($1, $2) "
				 "ON CONFLICT (key_id) DO NOTHING",
				 2, types);
	if (SPI_execute_plan(insert_plan, values, nullptr, false, 0) != SPI_OK_INSERT)
		elog(ERROR, "could not record a key fingerprint");
	bytea *recorded = recorded_fingerprint(key_id);
	if (recorded == nullptr)
		ereport(ERROR,
				(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
				 errmsg("could not record the fingerprint of key %d", key_id),
				 errhint("Another transaction is recording it; retry.")));
	if (!same_fingerprint(recorded, computed))
		report_key_mismatch(key_id);
	SPI_finish();
}

bytea *
seal_value(const KeyRing &ring, int32 key_id, const pg_uuid_t *tenant, const char *column,
		   const char *data, size_t len)
{
	size_t size = sealed_size(len);
	if (size > MaxAllocSize - VARHDRSZ)
		ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
						errmsg("value too long to seal")));
	const uint8 *key = ring.key(key_id);
	if (key == nullptr)
		elog(ERROR, "key %d is not in the key file", key_id);
	bytea *out = (bytea *) palloc(VARHDRSZ + size);
	SET_VARSIZE(out, VARHDRSZ + size);
	Binding binding{tenant->data, column};
	if (!seal(key, key_id, binding, reinterpret_cast<const uint8 *>(data), len,
			  reinterpret_cast<uint8 *>(VARDATA(out))))
		elog(ERROR, "could not seal a value");
	return out;
}

text *
open_value(const KeyRing &ring, const bytea *sealed, const pg_uuid_t *tenant,
		   const char *column)
{
	Envelope envelope;
	DecodeStatus status = decode_envelope(reinterpret_cast<const uint8 *>(VARDATA_ANY(sealed)),
										  VARSIZE_ANY_EXHDR(sealed), &envelope);
	const uint8 *key = status == DecodeStatus::ok ? ring.key(envelope.key_id) : nullptr;
	if (status == DecodeStatus::ok && key == nullptr)
		ereport(ERROR,
				(errcode(ERRCODE_CONFIG_FILE_ERROR),
				 errmsg("key %d is not in the key file", envelope.key_id),
				 errdetail("The %s of tenant %s was sealed under key %d.", column,
						   uuid_text(UUIDPGetDatum(tenant)), envelope.key_id),
				 errhint("Add key %d back to the file named by tenancy.key_file; keep retired "
						 "keys until tenancy.rotate_keys() has re-sealed every value.",
						 envelope.key_id)));

	text *out = nullptr;
	if (status == DecodeStatus::ok)
	{
		size_t len = opened_size(envelope);
		out = (text *) palloc(VARHDRSZ + len);
		SET_VARSIZE(out, VARHDRSZ + len);
		Binding binding{tenant->data, column};
		if (open(key, envelope, binding, reinterpret_cast<uint8 *>(VARDATA(out))))
			return out;
		wipe_varlena(out);
		if (fingerprint_differs(envelope.key_id, key))
			report_key_mismatch(envelope.key_id);
	}
	ereport(ERROR,
			(errcode(ERRCODE_DATA_CORRUPTED), errmsg("decryption failed"),
			 errdetail("The sealed %s of tenant %s does not authenticate: it was altered, or "
					   "copied from another row or column.",
					   column, uuid_text(UUIDPGetDatum(tenant))),
			 errhint("Set it again with tenancy.set_tenant_connection(), or restore the row "
					 "from a backup.")));
	pg_unreachable();
}

bytea *
fetch_sealed(Datum tenant, const char *column)
{
	static SPIPlanPtr plans[2] = {nullptr, nullptr};
	bool service = strcmp(column, "service_key") == 0;
	Oid types[1] = {UUIDOID};
	Datum values[1] = {tenant};
	MemoryContext caller = CurrentMemoryContext;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	SPIPlanPtr plan = prepare_kept(
		&plans[service],
		service ? "SELECT service_key FROM tenancy.tenants WHERE id OPERATOR(pg_catalog.=) $1"
				: "SELECT data_source FROM tenancy.tenants WHERE id OPERATOR(pg_catalog.=) $1",
		1, types);
	if (SPI_execute_plan(plan, values, nullptr, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read tenancy.tenants");
	if (SPI_processed == 0)
		report_unknown_tenant(tenant);
	bool isnull;
	Datum value = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	bytea *copy = nullptr;
	if (!isnull)
	{
		MemoryContext spi = MemoryContextSwitchTo(caller);
		copy = DatumGetByteaPCopy(value);
		MemoryContextSwitchTo(spi);
	}
	SPI_finish();
	return copy;
}

void
wipe_varlena(struct varlena *value)
{
	if (value == nullptr)
		return;
	sodium_memzero(VARDATA_ANY(value), VARSIZE_ANY_EXHDR(value));
	pfree(value);
}

void
report_unknown_tenant(Datum tenant)
{
	ereport(ERROR,
			(errcode(ERRCODE_UNDEFINED_OBJECT),
			 errmsg("tenant %s does not exist", uuid_text(tenant)),
			 errhint("Tenants are rows of tenancy.tenants.")));
	pg_unreachable();
}

} // namespace tenancy::vault
