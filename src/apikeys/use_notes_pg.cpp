/*
 * use_notes_pg.cpp: uses of API keys noted in shared memory (see
 * use_notes_pg.hpp).
 *
 * A PostgREST GET runs in a read-only transaction, where last_used_at
 * cannot be written. Such a use is noted instead: one slot per key (the
 * latest use wins), in a small table in shared memory under one LWLock,
 * taken at most once a minute per key and backend (the caller throttles).
 * No WAL, no table write on the request path. The notes of a database are
 * taken out and written by tenancy.flush_api_key_use() (run_maintenance
 * calls it) or by the next read-write use of any key in that database.
 * Bounded: when every slot holds another key's note, a new note is dropped
 * (the key is noted again at its next use). A note taken out but not
 * written (its row held by another transaction, or the flushing
 * transaction rolled back) is lost the same way. Without the preload there
 * is no table and nothing is noted.
 */
#include "apikeys/use_notes_pg.hpp"

extern "C" {
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "utils/array.h"
#include "utils/timestamp.h"
}

#include <cstring>

namespace tenancy::apikeys {

namespace {

constexpr const char *tranche_name = "tenancy api key use";

struct Note
{
	Oid database; /* InvalidOid: a free slot */
	pg_uuid_t id;
	TimestampTz used_at;
};

struct SharedNotes
{
	int pending; /* slots in use, read without the lock as a hint */
	Note notes[use_note_slots];
};

SharedNotes *shared = nullptr;
LWLock *lock = nullptr;
shmem_request_hook_type previous_request_hook = nullptr;
shmem_startup_hook_type previous_startup_hook = nullptr;

/* Hooks run in the postmaster: plain C, nothing to unwind. */
void
request_shared_memory(void)
{
	if (previous_request_hook != nullptr)
		previous_request_hook();
	RequestAddinShmemSpace(sizeof(SharedNotes));
	RequestNamedLWLockTranche(tranche_name, 1);
}

void
attach_shared_memory(void)
{
	bool found;

	if (previous_startup_hook != nullptr)
		previous_startup_hook();
	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	shared = static_cast<SharedNotes *>(ShmemInitStruct("tenancy api key uses",
														sizeof(SharedNotes), &found));
	if (!found)
		memset(shared, 0, sizeof(SharedNotes));
	lock = &GetNamedLWLockTranche(tranche_name)->lock;
	LWLockRelease(AddinShmemInitLock);
}

} // namespace

void
use_notes_init(void)
{
	if (!process_shared_preload_libraries_in_progress)
		return;
	previous_request_hook = shmem_request_hook;
	shmem_request_hook = request_shared_memory;
	previous_startup_hook = shmem_startup_hook;
	shmem_startup_hook = attach_shared_memory;
}

bool
note_key_use(const pg_uuid_t *id, TimestampTz used_at)
{
	if (shared == nullptr)
		return false;
	Note *free_slot = nullptr;
	bool kept = false;
	LWLockAcquire(lock, LW_EXCLUSIVE);
	for (Note &note : shared->notes)
	{
		if (note.database == MyDatabaseId && memcmp(&note.id, id, sizeof(*id)) == 0)
		{
			if (note.used_at < used_at)
				note.used_at = used_at;
			kept = true;
			break;
		}
		if (note.database == InvalidOid && free_slot == nullptr)
			free_slot = &note;
	}
	if (!kept && free_slot != nullptr)
	{
		free_slot->database = MyDatabaseId;
		free_slot->id = *id;
		free_slot->used_at = used_at;
		shared->pending++;
		kept = true;
	}
	LWLockRelease(lock);
	return kept;
}

bool
key_uses_pending(void)
{
	return shared != nullptr && shared->pending > 0;
}

uint64
flush_key_uses(void)
{
	static SPIPlanPtr plan = nullptr;

	if (shared == nullptr)
		return 0;
	Datum *ids = static_cast<Datum *>(palloc(use_note_slots * sizeof(Datum)));
	Datum *times = static_cast<Datum *>(palloc(use_note_slots * sizeof(Datum)));
	pg_uuid_t *id_values = static_cast<pg_uuid_t *>(palloc(use_note_slots * sizeof(pg_uuid_t)));
	int count = 0;
	LWLockAcquire(lock, LW_EXCLUSIVE);
	for (Note &note : shared->notes)
		if (note.database == MyDatabaseId)
		{
			id_values[count] = note.id;
			ids[count] = UUIDPGetDatum(&id_values[count]);
			times[count] = TimestampTzGetDatum(note.used_at);
			count++;
			note.database = InvalidOid;
			shared->pending--;
		}
	LWLockRelease(lock);
	if (count == 0)
		return 0;
	if (plan == nullptr)
	{
		Oid types[2] = {UUIDARRAYOID, TIMESTAMPTZARRAYOID};
		plan = SPI_prepare(
			"UPDATE tenancy.api_key_records r SET last_used_at = u.used_at "
			"FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2)) AS u(id, used_at) "
			"WHERE r.id OPERATOR(pg_catalog.=) u.id AND r.id OPERATOR(pg_catalog.=) ANY ("
			"SELECT l.id FROM tenancy.api_key_records l WHERE l.id OPERATOR(pg_catalog.=) ANY ($1) "
			"FOR UPDATE SKIP LOCKED) AND (r.last_used_at IS NULL OR r.last_used_at "
			"OPERATOR(pg_catalog.<) (u.used_at OPERATOR(pg_catalog.-) '1 minute'::pg_catalog.interval))",
			2, types);
		if (plan == nullptr)
			elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
		SPI_keepplan(plan);
	}
	Datum values[2] = {
		PointerGetDatum(construct_array(ids, count, UUIDOID, UUID_LEN, false, TYPALIGN_CHAR)),
		PointerGetDatum(construct_array(times, count, TIMESTAMPTZOID, sizeof(TimestampTz),
										FLOAT8PASSBYVAL, TYPALIGN_DOUBLE))};
	if (SPI_execute_plan(plan, values, nullptr, false, 0) != SPI_OK_UPDATE)
		elog(ERROR, "could not record the use of API keys");
	return SPI_processed;
}

} // namespace tenancy::apikeys
