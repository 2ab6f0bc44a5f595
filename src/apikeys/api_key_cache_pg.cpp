/*
 * api_key_cache_pg.cpp: the per-backend cache of API key records.
 *
 * The membership cache's discipline (src/membership/membership_cache_pg.cpp):
 * statement triggers on tenancy.api_key_records (ENABLE ALWAYS, so a
 * replica's apply fires them too; TRUNCATE included) queue a relcache
 * invalidation of the table; the relcache callback only bumps a
 * generation; each lookup accepts pending invalidations first and drops
 * everything cached under an older generation. A fill reads with a fresh
 * snapshot and is kept only when no invalidation arrived meanwhile. So a
 * revocation is seen by every backend at its next statement. Expiry is
 * checked against the clock at each call, not cached.
 *
 * Updates of last_used_at alone fire no trigger (UPDATE OF the other
 * columns), so recording use does not flush anyone's cache.
 */
#include "apikeys/api_key_cache_pg.hpp"
#include "apikeys/caller_memberships_pg.hpp"
#include "apikeys/caller_state_pg.hpp"
#include "apikeys/use_notes_pg.hpp"
#include "core/compat.hpp"
#include "identity/identity_pg.hpp"

extern "C" {
#include "access/genam.h"
#include "access/htup_details.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "utils/fmgroids.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "storage/procarray.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/builtins.h"
}

#include <cstring>

namespace tenancy::apikeys {

namespace {

constexpr long max_cached_keys = 10000;

uint64 generation = 1;
uint64 cached_generation = 0;
Oid cached_relid = InvalidOid;
MemoryContext cache_context = nullptr;
HTAB *records = nullptr;
SnapshotData fill_snapshot_data = {SNAPSHOT_MVCC};


/* Callbacks only set flags (no allocation, no error). */
void
relcache_changed(Datum, Oid relid)
{
	if (relid == InvalidOid || relid == cached_relid)
		generation++;
}

void
flush(void)
{
	if (cache_context != nullptr)
		MemoryContextReset(cache_context);
	records = nullptr;
}

void
ensure_table(void)
{
	HASHCTL info;

	if (records != nullptr)
		return;
	if (cache_context == nullptr)
		cache_context = AllocSetContextCreate(CacheMemoryContext, "tenancy api key cache",
											  ALLOCSET_SMALL_SIZES);
	memset(&info, 0, sizeof(info));
	info.keysize = sizeof(pg_uuid_t);
	info.entrysize = sizeof(KeyRecord);
	info.hcxt = cache_context;
	records = hash_create("tenancy api keys", 64, &info, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
}

/* Reads key id's row into *out (scopes in the current context). */
void
read_record(Relation rel, Snapshot snapshot, const pg_uuid_t *id, KeyRecord *out)
{
	TupleDesc desc = RelationGetDescr(rel);
	ScanKeyData key;
	Oid index = compat::primary_key_index(rel);
	HeapTuple tuple;

	memset(out, 0, sizeof(*out));
	out->id = *id;
	out->owner = rel->rd_rel->relowner;
	ScanKeyInit(&key, 1, BTEqualStrategyNumber, F_UUID_EQ, UUIDPGetDatum(id));
	SysScanDesc scan = systable_beginscan(rel, index, OidIsValid(index), snapshot, 1, &key);
	if (HeapTupleIsValid(tuple = systable_getnext(scan)))
	{
		bool isnull[11];
		Datum values[11];
		if (desc->natts != 11)
			ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
							errmsg("tenancy.api_key_records has been altered"),
							errhint("Reinstall the extension's table as tenancy defines it.")));
		heap_deform_tuple(tuple, desc, values, isnull);
		out->exists = true;
		out->tenant = *DatumGetUUIDP(values[1]);
		bytea *hash = DatumGetByteaPP(values[4]);
		if (VARSIZE_ANY_EXHDR(hash) == hash_bytes)
			memcpy(out->hash, VARDATA_ANY(hash), hash_bytes);
		else
			out->exists = false; /* a hash of another shape matches no key */
		out->scopes = DatumGetArrayTypePCopy(values[3]);
		out->hash_key_id = DatumGetInt32(values[5]);
		out->expires_at = isnull[7] ? DT_NOEND : DatumGetTimestampTz(values[7]);
		out->revoked = !isnull[8];
		out->last_used_at = isnull[9] ? 0 : DatumGetTimestampTz(values[9]);
		text_to_cstring_buffer(DatumGetTextPP(values[10]), out->scope_name, sizeof(out->scope_name));
	}
	systable_endscan(scan);
}

KeyRecord *
store(const KeyRecord *fresh)
{
	bool found;

	ensure_table();
	if (hash_get_num_entries(records) >= max_cached_keys)
	{
		flush();
		ensure_table();
	}
	KeyRecord *entry = static_cast<KeyRecord *>(hash_search(records, &fresh->id, HASH_ENTER, &found));
	*entry = *fresh;
	if (fresh->scopes != nullptr)
	{
		Size size = VARSIZE(fresh->scopes);
		entry->scopes = static_cast<ArrayType *>(MemoryContextAlloc(cache_context, size));
		memcpy(entry->scopes, fresh->scopes, size);
	}
	return entry;
}

} // namespace

void
api_keys_init(void)
{
	CacheRegisterRelcacheCallback(relcache_changed, (Datum) 0);
	caller_state_init();
	use_notes_init();
	set_caller_hook(key_caller_memberships);
	set_no_user_hook(key_is_caller);
}

Oid
records_relid(void)
{
	Oid relid = get_relname_relid("api_key_records", get_namespace_oid("tenancy", false));

	if (!OidIsValid(relid))
		ereport(ERROR, (errcode(ERRCODE_UNDEFINED_TABLE),
						errmsg("tenancy.api_key_records does not exist"),
						errhint("Run CREATE EXTENSION tenancy.")));
	return relid;
}

KeyRecord *
key_record(const pg_uuid_t *id)
{
	AcceptInvalidationMessages();
	if (cached_generation != generation)
	{
		flush();
		cached_generation = generation;
	}
	if (records != nullptr)
	{
		KeyRecord *entry = static_cast<KeyRecord *>(hash_search(records, id, HASH_FIND, nullptr));
		if (entry != nullptr)
			return entry;
	}
	Oid relid = records_relid();
	uint64 before = generation;
	Relation rel = table_open(relid, AccessShareLock);
	cached_relid = relid;
	Snapshot snapshot = RegisterSnapshot(GetSnapshotData(&fill_snapshot_data));
	KeyRecord *fresh = static_cast<KeyRecord *>(palloc(sizeof(KeyRecord)));
	read_record(rel, snapshot, id, fresh);
	UnregisterSnapshot(snapshot);
	table_close(rel, AccessShareLock);
	AcceptInvalidationMessages();
	if (generation != before || before != cached_generation)
		return fresh; /* an invalidation raced the fill: answer, do not keep */
	return store(fresh);
}

} // namespace tenancy::apikeys

/* Statement trigger on tenancy.api_key_records: every backend re-reads. */
extern "C" {
PG_FUNCTION_INFO_V1(api_keys_changed);
Datum api_keys_changed(PG_FUNCTION_ARGS);
}

Datum
api_keys_changed(PG_FUNCTION_ARGS)
{
	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
						errmsg("api_keys_changed() must be called as a trigger")));
	TriggerData *data = reinterpret_cast<TriggerData *>(fcinfo->context);
	CacheInvalidateRelcacheByRelid(RelationGetRelid(data->tg_relation));
	return PointerGetDatum(nullptr);
}
