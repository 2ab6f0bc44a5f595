/*
 * log_oids_pg.hpp: the OIDs of the log's objects (schema tenancy, the log,
 * its id sequence, tenancy.audit_install, tenancy.audit_relation), which
 * the audit trigger needs on every statement.
 *
 * Looked up by name once per backend and kept until an invalidation says
 * one of them may have changed: a relcache invalidation of one of these
 * relations (rename, drop, ALTER; InvalidOid: all), or any change to a
 * schema (pg_namespace's syscache: a rename or drop of tenancy, a schema
 * made under that name). Invalidations are processed when a lock is taken
 * and at each command of the transaction that made them, so a statement
 * sees what a lookup by name would: never a stale OID.
 */
#pragma once
#include "core/pg.hpp"

namespace tenancy::audit {

struct LogOids
{
	Oid schema;
	Oid log;
	Oid id_sequence;
	Oid install;
	Oid relations; /* tenancy.audit_relation */
};

/* Registers the invalidation callbacks; from _PG_init. */
void log_oids_init(void);

/* The OIDs, looked up when missing or invalidated; raises 42P01 when one is gone. */
const LogOids *log_oids(void);

} // namespace tenancy::audit
