/*
 * relation_dictionary_pg.hpp: the ids of tenancy.audit_relation, the
 * dictionary of the schema and table names the log's rows name.
 *
 * A log row holds the id of the names its relation had when it was
 * written. The id of a relation's current names is cached per backend and
 * kept until its relcache entry is invalidated (a rename, a drop, any
 * ALTER), a schema changes (pg_namespace's syscache: ALTER SCHEMA RENAME
 * invalidates no table) or the dictionary itself is (TRUNCATE): never
 * stale. On a miss the names are looked up, and added when missing (by
 * writers; readers add nothing), as the dictionary's owner, since writers
 * have no privilege on it. An id whose
 * row this transaction added is not kept (the transaction, or the
 * subtransaction that added it, may still abort and take the row away):
 * it is looked up again by the next statement, until a later transaction
 * finds the row committed.
 */
#pragma once
#include "core/pg.hpp"

extern "C" {
#include "utils/rel.h"
}

namespace tenancy::audit {

/* Registers the invalidation callbacks; from _PG_init. */
void relation_dictionary_init(void);

/* The dictionary id of rel's current schema and name, added when missing. */
int32 audit_relation_id(Relation rel);

/*
 * The dictionary id of relid's current schema and name, -1 when the
 * dictionary has none (nothing is added) or relid names no relation.
 */
int32 find_audit_relation_id(Oid relid);

} // namespace tenancy::audit
