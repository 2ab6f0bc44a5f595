/*
 * log_index_entries_pg.hpp: the index entries of the rows the audit
 * trigger writes into a partition of the log.
 *
 * audit_history's index is on an expression, tenancy.audit_key_hash(
 * record_key): through the executor, each statement would prepare it and
 * each row evaluate it. The writer has each row's key at hand and computes
 * the code with the same C function, then adds the entries of every index
 * itself, when every index of the partition is one it knows: that one,
 * and plain column btree indexes that are neither unique nor partial. Any
 * other index (added by hand) sends every entry through the executor.
 */
#pragma once
#include "core/pg.hpp"

extern "C" {
#include "nodes/execnodes.h"
}

namespace tenancy::audit {

struct LogIndexes
{
	bool by_writer;	   /* false: ExecInsertIndexTuples adds every entry */
	int key_index;	   /* which index is audit_history's, when by_writer; -1: none */
	AttrNumber tenant; /* the partition's tenant_id column */
};

/* Registers the invalidation callback; from audit_init. */
void log_index_entries_init(void);

/*
 * Opens the indexes of info's partition into info, as ExecOpenIndices does,
 * with kept IndexInfos (log_index_infos_pg.hpp) where the writer adds the
 * entries, and plans how they are added; record_key and tenant are the
 * partition's column numbers.
 */
void log_indexes_open(ResultRelInfo *info, AttrNumber record_key, AttrNumber tenant,
					  LogIndexes *plan);

/*
 * Adds the entries of a row just inserted from slot; key_hash is the code
 * of its record_key (has_key false: NULL). estate is needed (and only
 * used) when plan is not by_writer.
 */
void log_index_entries_add(const LogIndexes *plan, ResultRelInfo *info, EState *estate,
						   TupleTableSlot *slot, bool has_key, int64 key_hash);

} // namespace tenancy::audit
