/*
 * log_writer_pg.hpp: writes one audited statement's rows into
 * tenancy.audit_log.
 *
 * The rows go straight into the log's partition for now() (found from the
 * partition bounds once per statement), in batches through
 * table_multi_insert, with the partition's indexes maintained, and without
 * the planner or executor start-up an INSERT statement would cost per
 * audited statement. Writers need no privilege on the log.
 */
#pragma once
#include "audit/log_index_entries_pg.hpp"
#include "core/pg.hpp"

extern "C" {
#include "executor/tuptable.h"
#include "nodes/execnodes.h"
#include "utils/jsonb.h"
#include "utils/rel.h"
#include "utils/uuid.h"
}

namespace tenancy::audit {

constexpr int log_batch_rows = 1000;

/* The columns of tenancy.audit_log, in its order. */
enum LogColumn
{
	log_id,
	log_logged_at,
	log_txid,
	log_relation,
	log_tenant_id,
	log_actor_id,
	log_op,
	log_db_user,
	log_record_key,
	log_old_values,
	log_new_values,
	log_erased_digest, /* set by erase_audit only */
	log_column_count
};

struct LogWriter
{
	Relation log;
	Relation partition;
	EState *estate; /* null when the writer adds the index entries */
	ResultRelInfo *partition_info;
	CommandId cid;
	Oid id_sequence;
	AttrNumber attnums[log_column_count]; /* in the partition */
	Datum fixed[log_column_count];		  /* the values every row of the statement shares */
	bool fixed_null[log_column_count];
	LogIndexes indexes;
	MemoryContext rows; /* the buffered rows' values; reset after each batch */
	TupleTableSlot *slots[log_batch_rows];
	int64 key_hashes[log_batch_rows]; /* audit_key_hash(record_key) of each, when the writer adds its index entry */
	bool has_key[log_batch_rows];
	int nslots;
	int nbuffered;
};

/* Opens the log for a statement on rel doing op; the actor may be null. */
void log_writer_begin(LogWriter *writer, Relation rel, const char *op, const pg_uuid_t *actor);

/* Where the values of the next row must be allocated. */
MemoryContext log_writer_row_context(LogWriter *writer);

/* Buffers one row; a null pointer is a NULL column. */
void log_writer_add(LogWriter *writer, const pg_uuid_t *tenant, Jsonb *record_key,
					Jsonb *old_values, Jsonb *new_values);

/* Writes what is buffered and closes the log. */
void log_writer_finish(LogWriter *writer);

} // namespace tenancy::audit
