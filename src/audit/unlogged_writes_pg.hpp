/*
 * unlogged_writes_pg.hpp: the two kinds of write to an audited table that
 * are not changes and so are not logged. Both are recognised from state no
 * SQL setting can imitate (docs/audit.md, "What is not logged"):
 *
 * - rows tenancy itself moves out of a default partition: the partition
 *   code marks the relation it moves rows out of with
 *   audit_suppress_moved_rows(), for at most the rest of the
 *   (sub)transaction;
 * - a restore loading one of tenancy's own tables: the statement running is
 *   COPY FROM into that very table, by its owner, with row_security off.
 */
#pragma once
#include "core/pg.hpp"

extern "C" {
#include "utils/rel.h"
}

namespace tenancy::audit {

/* Registers the transaction callbacks that end a suppression; from _PG_init. */
void unlogged_writes_init(void);

/*
 * Starts (suppress) or ends the suppression of logging for writes to the
 * relation relid, by tenancy's partition code moving rows. One relation at
 * a time; a second call replaces the first. Ends by itself when the
 * (sub)transaction that started it ends. Raises 42501 unless the current
 * user owns the relation: only who could drop its audit triggers may stop
 * them logging.
 */
void audit_suppress_moved_rows(Oid relid, bool suppress);

/* Whether the trigger's statement on rel is one of the writes above. */
bool audit_write_is_unlogged(Relation rel);

} // namespace tenancy::audit
