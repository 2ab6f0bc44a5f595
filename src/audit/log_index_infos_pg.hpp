/*
 * log_index_infos_pg.hpp: the IndexInfo of each index of the log's
 * partitions, kept across statements.
 *
 * The executor builds one per index and statement (BuildIndexInfo copies
 * the index's expressions and reads its options); the audit trigger writes
 * a row or two a statement in OLTP, where that was a tenth of its work
 * (docs/performance.md, "Issue 14: OLTP instructions"). An IndexInfo is
 * made from the index's own relcache entry only (its pg_index row,
 * attributes and options), and a change to any of those sends a relcache
 * invalidation of the index (inval.c sends one for every pg_index row
 * changed), so one is kept until an invalidation of that index, or of
 * every relation, arrives: it is never staler than the relcache itself.
 *
 * A kept IndexInfo is read-only: the executor stores the states of an
 * index's expressions and predicate in it when it evaluates them, so a
 * caller that lets the executor add entries builds its own.
 */
#pragma once
#include "core/pg.hpp"

extern "C" {
#include "nodes/execnodes.h"
#include "utils/relcache.h"
}

namespace tenancy::audit {

/* Registers the invalidation callback; from audit_init. */
void log_index_infos_init(void);

/* The IndexInfo of index (open), built when missing. */
IndexInfo *kept_index_info(Relation index);

} // namespace tenancy::audit
