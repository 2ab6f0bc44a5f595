/*
 * log_writer_pg.cpp: the audit trigger's insert path into tenancy.audit_log.
 *
 * Like COPY FROM, without a query: the partition that takes rows logged at
 * now() is found from the log's partition bounds, each row is formed with
 * the defaults the log's columns declare (id from its sequence, logged_at
 * now(), txid the top transaction's), rows are written with
 * table_multi_insert in batches, and each row's index entries added.
 */
#include "audit/log_writer_pg.hpp"

#include "audit/db_user_pg.hpp"
#include "audit/log_oids_pg.hpp"
#include "audit/record_key_hash_pg.hpp"
#include "audit/relation_dictionary_pg.hpp"
#include "audit/xid_offset_pg.hpp"
#include "core/compat.hpp"

extern "C" {
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/partition.h"
#include "catalog/pg_class.h"
#include "commands/sequence.h"
#include "executor/executor.h"
#include "partitioning/partbounds.h"
#include "partitioning/partdesc.h"
#include "utils/lsyscache.h"
#include "utils/partcache.h"
#include "utils/timestamp.h"
#include "utils/xid8.h"
}

namespace tenancy::audit {

namespace {

const char *const log_column_names[log_column_count] = {
	"id", "logged_at", "txid", "relation", "tenant_id", "actor_id", "op", "db_user",
	"record_key", "old_values", "new_values", "erased_digest"};

/* The partition of the log that takes a row logged at logged_at. */
Oid
partition_for(Relation log, Datum logged_at, bool *is_default)
{
	PartitionKey key = RelationGetPartitionKey(log);
	PartitionDesc desc = RelationGetPartitionDesc(log, true);
	PartitionBoundInfo bounds = desc->boundinfo;
	int index = -1;
	if (key->strategy != PARTITION_STRATEGY_RANGE || key->partnatts != 1)
		ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
						errmsg("tenancy.audit_log is not range-partitioned by logged_at"),
						errhint("Reinstall the tenancy extension.")));
	if (bounds != nullptr && bounds->ndatums > 0)
	{
		bool equal;
		int offset = partition_range_datum_bsearch(key->partsupfunc, key->partcollation, bounds,
												   1, &logged_at, &equal);
		index = bounds->indexes[offset + 1];
	}
	*is_default = false;
	if (index < 0 && bounds != nullptr && partition_bound_has_default(bounds))
	{
		index = bounds->default_index;
		*is_default = true;
	}
	if (index < 0)
		ereport(ERROR, (errcode(ERRCODE_CHECK_VIOLATION),
						errmsg("no partition of tenancy.audit_log takes rows logged now"),
						errhint("Run CALL tenancy.run_maintenance() to premake partitions.")));
	return desc->oids[index];
}

/*
 * Opens the partition for logged_at. A partition attached while this
 * backend waited for the default partition's lock takes the row instead.
 */
Relation
open_partition(Relation log, Datum logged_at)
{
	for (;;)
	{
		bool is_default;
		Oid partition = partition_for(log, logged_at, &is_default);
		Relation rel = table_open(partition, RowExclusiveLock);
		if (!is_default || partition_for(log, logged_at, &is_default) == partition)
		{
			if (rel->rd_rel->relkind != RELKIND_RELATION)
				ereport(ERROR, (errcode(ERRCODE_WRONG_OBJECT_TYPE),
								errmsg("partition %s of tenancy.audit_log is not a table",
									   RelationGetRelationName(rel))));
			return rel;
		}
		table_close(rel, NoLock);
	}
}

/*
 * Column numbers of the log's columns in the partition; refuses others.
 * Each name is compared with the column that follows the last one found
 * first: a partition made by the log's DDL has them in the log's order.
 */
void
map_columns(LogWriter *writer)
{
	TupleDesc desc = RelationGetDescr(writer->partition);
	for (int c = 0; c < log_column_count; c++)
		writer->attnums[c] = InvalidAttrNumber;
	int next = 0;
	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute attr = TupleDescAttr(desc, i);
		if (attr->attisdropped)
			continue;
		int c = next;
		if (c == log_column_count || strcmp(NameStr(attr->attname), log_column_names[c]) != 0)
			for (c = 0; c < log_column_count; c++)
				if (strcmp(NameStr(attr->attname), log_column_names[c]) == 0)
					break;
		next = c + 1;
		if (c == log_column_count)
			ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
							errmsg("tenancy.audit_log has a column the audit trigger does not write: %s",
								   quote_identifier(NameStr(attr->attname))),
							errhint("Columns added to the log are not supported.")));
		writer->attnums[c] = attr->attnum;
	}
	for (int c = 0; c < log_column_count; c++)
		if (writer->attnums[c] == InvalidAttrNumber)
			ereport(ERROR, (errcode(ERRCODE_UNDEFINED_COLUMN),
							errmsg("tenancy.audit_log has no column %s", log_column_names[c]),
							errhint("Reinstall the tenancy extension.")));
}

void
flush(LogWriter *writer)
{
	if (writer->nbuffered == 0)
		return;
	/*
	 * No BulkInsertState: its small ring of buffers would make this backend
	 * write out (and flush WAL for) the log's pages itself; like an INSERT,
	 * the pages stay in shared buffers for the background writers.
	 */
	if (writer->nbuffered == 1)
		table_tuple_insert(writer->partition, writer->slots[0], writer->cid, 0, nullptr);
	else
		table_multi_insert(writer->partition, writer->slots, writer->nbuffered, writer->cid, 0,
						   nullptr);
	for (int i = 0; i < writer->nbuffered; i++)
	{
		log_index_entries_add(&writer->indexes, writer->partition_info, writer->estate,
							  writer->slots[i], writer->has_key[i], writer->key_hashes[i]);
		if (writer->estate != nullptr)
			ResetPerTupleExprContext(writer->estate);
		ExecClearTuple(writer->slots[i]);
	}
	writer->nbuffered = 0;
	MemoryContextReset(writer->rows);
}

} // namespace

void
log_writer_begin(LogWriter *writer, Relation rel, const char *op, const pg_uuid_t *actor)
{
	uint64 xid_offset = log_xid_offset();
	int32 relation_id = audit_relation_id(rel);
	const LogOids *oids = log_oids();
	Oid log = oids->log;
	writer->id_sequence = oids->id_sequence;

	Datum logged_at = TimestampTzGetDatum(GetCurrentTransactionStartTimestamp());
	writer->log = table_open(log, RowExclusiveLock);
	writer->partition = open_partition(writer->log, logged_at);
	map_columns(writer);

	writer->partition_info = makeNode(ResultRelInfo);
	InitResultRelInfo(writer->partition_info, writer->partition, 1, nullptr, 0);
	log_indexes_open(writer->partition_info, writer->attnums[log_record_key],
					 writer->attnums[log_tenant_id], &writer->indexes);
	/* only the executor's index insertion needs one */
	writer->estate = writer->indexes.by_writer ? nullptr : CreateExecutorState();
	writer->cid = GetCurrentCommandId(true);
	writer->rows = AllocSetContextCreate(CurrentMemoryContext, "tenancy audit rows",
										 ALLOCSET_DEFAULT_SIZES);

	writer->nslots = 0; /* not the slot array: 8 kB to clear for nothing */
	writer->nbuffered = 0;
	for (int c = 0; c < log_column_count; c++)
	{
		writer->fixed[c] = (Datum) 0;
		writer->fixed_null[c] = true;
	}
	auto set = [&](LogColumn c, Datum value) {
		writer->fixed[c] = value;
		writer->fixed_null[c] = false;
	};
	set(log_logged_at, logged_at);
	set(log_txid, FullTransactionIdGetDatum(FullTransactionIdFromU64(
					  U64FromFullTransactionId(GetTopFullTransactionId()) + xid_offset)));
	set(log_relation, Int32GetDatum(relation_id));
	set(log_op, CStringGetTextDatum(op));
	if (actor != nullptr)
	{
		auto *copy = (pg_uuid_t *) palloc(sizeof(pg_uuid_t));
		*copy = *actor;
		set(log_actor_id, UUIDPGetDatum(copy));
	}
	/*
	 * The role that called, not the owner of a SECURITY DEFINER function
	 * (set_tenant_connection, rotate_keys) or of a table maintenance runs as:
	 * the outer user id is what SET ROLE (or the login) made current_user,
	 * and SECURITY DEFINER calls change only the current user id.
	 */
	set(log_db_user, db_user_text());
}

MemoryContext
log_writer_row_context(LogWriter *writer)
{
	return writer->rows;
}

void
log_writer_add(LogWriter *writer, const pg_uuid_t *tenant, Jsonb *record_key,
			   Jsonb *old_values, Jsonb *new_values)
{
	if (writer->nbuffered == writer->nslots)
		writer->slots[writer->nslots++] = table_slot_create(writer->partition, nullptr);
	writer->has_key[writer->nbuffered] = record_key != nullptr && writer->indexes.key_index >= 0;
	if (writer->has_key[writer->nbuffered])
	{
		/* its scratch memory goes with the batch's */
		MemoryContext old = MemoryContextSwitchTo(writer->rows);
		writer->key_hashes[writer->nbuffered] = record_key_hash(record_key);
		MemoryContextSwitchTo(old);
	}
	TupleTableSlot *slot = writer->slots[writer->nbuffered++];
	ExecClearTuple(slot);

	Datum values[log_column_count];
	bool nulls[log_column_count];
	memcpy(values, writer->fixed, sizeof(values));
	memcpy(nulls, writer->fixed_null, sizeof(nulls));
	auto set = [&](LogColumn c, Datum value) {
		values[c] = value;
		nulls[c] = false;
	};
	set(log_id, Int64GetDatum(nextval_internal(writer->id_sequence, false)));
	if (tenant != nullptr)
		set(log_tenant_id, UUIDPGetDatum(tenant));
	if (record_key != nullptr)
		set(log_record_key, JsonbPGetDatum(record_key));
	if (old_values != nullptr)
		set(log_old_values, JsonbPGetDatum(old_values));
	if (new_values != nullptr)
		set(log_new_values, JsonbPGetDatum(new_values));

	memset(slot->tts_isnull, true, sizeof(bool) * slot->tts_tupleDescriptor->natts);
	for (int c = 0; c < log_column_count; c++)
	{
		slot->tts_values[writer->attnums[c] - 1] = values[c];
		slot->tts_isnull[writer->attnums[c] - 1] = nulls[c];
	}
	ExecStoreVirtualTuple(slot);
	if (writer->nbuffered == log_batch_rows)
		flush(writer);
}

void
log_writer_finish(LogWriter *writer)
{
	flush(writer);
	for (int i = 0; i < writer->nslots; i++)
		ExecDropSingleTupleTableSlot(writer->slots[i]);
	/*
	 * The index locks are kept to the end of the transaction, like the
	 * partition's, so that the next audited statement of the transaction
	 * finds them taken (the table's lock already holds off anything that
	 * conflicts with them).
	 */
	compat::close_indices_keeping_locks(writer->partition_info);
	if (writer->estate != nullptr)
		FreeExecutorState(writer->estate);
	MemoryContextDelete(writer->rows);
	table_close(writer->partition, NoLock);
	table_close(writer->log, NoLock);
}

} // namespace tenancy::audit
