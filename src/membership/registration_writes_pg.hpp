/*
 * registration_writes_pg.hpp: the catalog work of the functions that
 * change registrations (register_membership, register_scope_parent;
 * server glue, plain C style, may ereport). registration_writes_pg.cpp.
 */
#pragma once
#include "core/pg.hpp"

namespace tenancy {

/*
 * Connects SPI, becomes the extension's owner (who does the catalog work;
 * the caller's id and context through *caller and *context) and takes the
 * lock that serialises registrations until commit. end_catalog_work gives
 * the caller's id back and disconnects; an error restores both through
 * transaction abort.
 */
void begin_catalog_work(Oid *caller, int *context);
void end_catalog_work(Oid caller, int context);

/*
 * Runs the SELECT sql with nargs arguments (no NULL) inside
 * begin_catalog_work; raises when it fails. The rows in SPI_tuptable;
 * their number returned. select_for_scope: $1 = scope (text).
 */
uint64 select_rows(const char *sql, int nargs, Oid *types, Datum *values);
uint64 select_for_scope(const char *sql, Datum scope);

/*
 * The change triggers (row level and TRUNCATE, ENABLE ALWAYS, calling
 * tenancy.membership_changed()) on a table a registration reads: installed
 * again, and dropped once no registration (membership, roles, owner or
 * mapping table) reads it. Inside begin_catalog_work.
 */
void install_change_triggers(Oid relid);
void drop_change_triggers_if_unread(Oid relid);

} // namespace tenancy
