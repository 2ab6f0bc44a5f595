/*
 * key_use_pg.cpp: recording the last use of an API key, and
 * tenancy.flush_api_key_use().
 *
 * Where the caller's transaction can write, the use is written at once: a
 * conditional UPDATE that skips a row another transaction holds, run as
 * the records table's owner inside the caller's transaction (lost if it
 * rolls back), which also flushes the uses noted in shared memory. Where
 * it cannot or must not write (a read-only transaction, a standby, a
 * repeatable read snapshot a concurrent update would fail), the use is
 * noted in shared memory instead.
 */
#include "apikeys/key_use_pg.hpp"
#include "apikeys/use_notes_pg.hpp"
#include "core/boundary.hpp"

extern "C" {
#include "access/table.h"
#include "access/xact.h"
#include "access/xlog.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "tcop/utility.h"
#include "utils/rel.h"
#include "utils/timestamp.h"
}

namespace tenancy::apikeys {

namespace {

constexpr int64 use_record_interval_us = 60 * USECS_PER_SEC;

/* Runs as the table's owner; SPI connected. */
void
write_use(const KeyRecord *record, TimestampTz now, bool *written)
{
	static SPIPlanPtr plan = nullptr;

	if (plan == nullptr)
	{
		Oid types[2] = {UUIDOID, TIMESTAMPTZOID};
		plan = SPI_prepare(
			"UPDATE tenancy.api_key_records SET last_used_at = $2 "
			"WHERE id OPERATOR(pg_catalog.=) (SELECT r.id FROM tenancy.api_key_records r "
			"WHERE r.id OPERATOR(pg_catalog.=) $1 AND (r.last_used_at IS NULL OR "
			"r.last_used_at OPERATOR(pg_catalog.<) ($2 OPERATOR(pg_catalog.-) "
			"'1 minute'::pg_catalog.interval)) FOR UPDATE SKIP LOCKED)",
			2, types);
		if (plan == nullptr)
			elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
		SPI_keepplan(plan);
	}
	Datum values[2] = {UUIDPGetDatum(&record->id), TimestampTzGetDatum(now)};
	if (SPI_execute_plan(plan, values, nullptr, false, 0) != SPI_OK_UPDATE)
		elog(ERROR, "could not record the use of an API key");
	*written = SPI_processed > 0;
}

Oid
records_owner(void)
{
	Relation rel = table_open(records_relid(), AccessShareLock);
	Oid owner = rel->rd_rel->relowner;
	table_close(rel, AccessShareLock);
	return owner;
}

} // namespace

void
note_use(KeyRecord *record, TimestampTz now)
{
	if (record->last_used_at > now - use_record_interval_us ||
		record->last_use_noted_at > now - use_record_interval_us)
		return;
	record->last_use_noted_at = now;
	if (XactReadOnly || RecoveryInProgress() || IsolationUsesXactSnapshot() ||
		!IsTransactionState())
	{
		(void) note_key_use(&record->id, now);
		return;
	}
	Oid saved_user;
	int saved_context;
	bool written = false;
	GetUserIdAndSecContext(&saved_user, &saved_context);
	SetUserIdAndSecContext(record->owner, saved_context | SECURITY_LOCAL_USERID_CHANGE |
											  SECURITY_RESTRICTED_OPERATION);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	write_use(record, now, &written);
	if (key_uses_pending())
		(void) flush_key_uses();
	SPI_finish();
	SetUserIdAndSecContext(saved_user, saved_context);
	if (written)
		record->last_used_at = now;
}

} // namespace tenancy::apikeys

/*
 * flush_api_key_use(): writes the uses noted in shared memory for this
 * database to last_used_at; the number of keys written. run_maintenance
 * calls it. On a standby it writes nothing and keeps the notes.
 */
TENANCY_FUNCTION(flush_api_key_use)
{
	if (RecoveryInProgress())
		PG_RETURN_INT64(0);
	PreventCommandIfReadOnly("flush_api_key_use()");
	Oid saved_user;
	int saved_context;
	GetUserIdAndSecContext(&saved_user, &saved_context);
	SetUserIdAndSecContext(tenancy::apikeys::records_owner(),
						   saved_context | SECURITY_LOCAL_USERID_CHANGE |
							   SECURITY_RESTRICTED_OPERATION);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	uint64 written = tenancy::apikeys::flush_key_uses();
	SPI_finish();
	SetUserIdAndSecContext(saved_user, saved_context);
	PG_RETURN_INT64(static_cast<int64>(written));
}
