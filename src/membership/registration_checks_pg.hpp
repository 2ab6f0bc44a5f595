/*
 * registration_checks_pg.hpp: what tenancy.register_membership() checks of
 * its arguments before it changes anything (server glue; each check raises
 * a clear error or returns).
 */
#pragma once
#include "core/pg.hpp"

extern "C" {
#include "access/attnum.h"
#include "utils/array.h"
}

namespace tenancy {

/* 22004 naming the argument when argument argno is NULL. */
void require_argument(FunctionCallInfo fcinfo, int argno, const char *name);

/*
 * The scope argument: not NULL, a lower-case identifier of at most 63
 * bytes (policies spell it as a literal), 22004 / 22023 otherwise.
 */
void check_scope(FunctionCallInfo fcinfo, int argno);

/* An existing, permanent, ordinary table the caller owns. */
void check_table(Oid relid);

/* Only the owner of a still existing previous registration may replace it. */
void check_may_replace(Oid previous, Oid relid, Oid caller);

/* The column's attribute number; its type through *type. */
AttrNumber check_column(Oid relid, const char *role, const char *column, Oid *type);

/* Text-like (string or enum) types, and boolean where allowed. */
void require_text_like(const char *role, const char *column, Oid type, bool boolean_ok);

/*
 * The active statuses as the status column's type prints them (so 'true'
 * matches a boolean's 't' and an enum label is checked), as a text[].
 */
Datum normalize_statuses(ArrayType *statuses, Oid type);

/* Manager roles: a non-empty list without NULLs. */
void check_manager_roles(ArrayType *roles);

/*
 * Refuses a table that enable_isolation isolated, unless as the membership
 * table of this scope on these tenant and user columns (text scope, name
 * columns). Runs SQL: call inside begin_catalog_work.
 */
void check_isolation_allows(Oid relid, Datum scope, Datum tenant_column, Datum user_column);

/*
 * Refuses a roles table isolated with other than the roles table policies of
 * scope (InvalidOid: none). Inside begin_catalog_work.
 */
void check_roles_table_isolation(Oid role_table, Datum scope);

/*
 * Puts the owner guard trigger on an owner table tenancy isolated (none for
 * InvalidOid or a table not isolated). Inside begin_catalog_work.
 */
void guard_isolated_owner_table(Oid owner_table);

/* Refuses a mapping table that enable_isolation isolated. Inside begin_catalog_work. */
void check_mapping_not_isolated(Oid relid);

} // namespace tenancy
