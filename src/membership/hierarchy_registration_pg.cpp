/*
 * hierarchy_registration_pg.cpp: tenancy.register_scope_parent() and
 * tenancy.unregister_scope_parent() (hierarchy_pg.hpp, docs/access.md
 * "Hierarchy").
 *
 * A scope that register_membership never registered becomes a scope
 * derived only from its parent, typed by the mapping's tenant column.
 * Every argument is checked before anything changes; the row goes to
 * tenancy.scope_parent, whose trigger tells every backend's cache at
 * commit, and the mapping table gets the change triggers a membership
 * table has. Catalog work runs as the extension's owner after the checks
 * made as the caller, under the lock that serialises registrations.
 *
 * Plain C-style glue: PODs and palloc'd memory only; a user id switched
 * for the catalog work is restored by transaction abort.
 */
#include "core/boundary.hpp"
#include "core/compat.hpp"
#include "membership/hierarchy_pg.hpp"
#include "membership/id_types_pg.hpp"
#include "membership/registration_checks_pg.hpp"
#include "membership/registration_pg.hpp"
#include "membership/registration_writes_pg.hpp"
#include "membership/roles_pg.hpp"

extern "C" {
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "access/table.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"
}

#include <cstring>

namespace tenancy {

namespace {

/* register_scope_parent's arguments (hierarchy.sql). */
enum ParentArgument
{
	arg_scope,
	arg_parent_scope,
	arg_mapping,
	arg_tenant_column,
	arg_parent_column,
	arg_parent_roles
};

/* 22004 when the scope argument argno (named name) is NULL: it has no default here. */
void
require_scope_argument(FunctionCallInfo fcinfo, int argno, const char *name)
{
	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("%s must not be NULL", name),
				 errhint("Name a registered scope, e.g. 'workspace' or 'organization'.")));
}

/*
 * A registered scope as the registration tables say now: its membership
 * table's, or for a scope derived only from its parent, its mapping's
 * tenant column type and its parent's user ids.
 */
struct StoredScope
{
	Oid membership;	 /* InvalidOid for a scope derived only from its parent */
	Oid mapping;	 /* the mapping of a scope derived only from its parent */
	Oid tenant_type; /* InvalidOid when its tenant column is gone */
	Oid user_type;
	bool has_roles; /* a role column or owners (a derived-only scope: its parent's) */
};

StoredScope stored_scope_at(const char *scope, bool missing_ok, int depth);

/*
 * scope as a scope derived only from its parent, when tenancy.scope_parent
 * has its row (else false). Runs SQL: inside SPI_connect.
 */
bool
derived_only_scope(const char *scope, int depth, StoredScope *stored)
{
	bool isnull;

	if (select_for_scope("SELECT p.mapping::pg_catalog.oid, p.parent_scope, "
						 "(SELECT a.atttypid FROM pg_catalog.pg_attribute a WHERE a.attrelid "
						 "OPERATOR(pg_catalog.=) p.mapping AND a.attname OPERATOR(pg_catalog.=) "
						 "p.tenant_column AND NOT a.attisdropped) "
						 "FROM tenancy.scope_parent p WHERE p.scope OPERATOR(pg_catalog.=) $1",
						 CStringGetTextDatum(scope)) == 0)
		return false;
	HeapTuple tuple = SPI_tuptable->vals[0];
	TupleDesc desc = SPI_tuptable->tupdesc;
	stored->mapping = DatumGetObjectId(SPI_getbinval(tuple, desc, 1, &isnull));
	char *parent_scope = TextDatumGetCString(SPI_getbinval(tuple, desc, 2, &isnull));
	Datum tenant_type = SPI_getbinval(tuple, desc, 3, &isnull);
	stored->tenant_type = isnull ? InvalidOid : DatumGetObjectId(tenant_type);
	// a hand-edited cycle of derived-only scopes ends here
	if (depth >= max_scope_depth)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the parents of scope \"%s\" are more than %d levels deep or a cycle", scope,
						max_scope_depth),
				 errhint("Remove a parent with tenancy.unregister_scope_parent().")));
	StoredScope parent = stored_scope_at(parent_scope, true, depth + 1);
	stored->user_type = parent.user_type;
	stored->has_roles = parent.has_roles;
	return true;
}

/*
 * 55000 when scope has no registration and no parent (unless missing_ok:
 * then its membership and mapping are InvalidOid). Runs SQL: inside
 * SPI_connect.
 */
StoredScope
stored_scope_at(const char *scope, bool missing_ok, int depth)
{
	StoredScope stored;
	bool isnull;

	uint64 found = select_for_scope(
		"SELECT r.membership::pg_catalog.oid, "
		"(SELECT a.atttypid FROM pg_catalog.pg_attribute a WHERE a.attrelid "
		"OPERATOR(pg_catalog.=) r.membership AND a.attname OPERATOR(pg_catalog.=) "
		"r.tenant_column AND NOT a.attisdropped), "
		"(SELECT a.atttypid FROM pg_catalog.pg_attribute a WHERE a.attrelid "
		"OPERATOR(pg_catalog.=) r.membership AND a.attname OPERATOR(pg_catalog.=) "
		"r.user_column AND NOT a.attisdropped), "
		"r.role_column IS NOT NULL OR r.owner_table IS NOT NULL "
		"FROM tenancy.membership_registration r WHERE r.scope OPERATOR(pg_catalog.=) $1",
		CStringGetTextDatum(scope));
	memset(&stored, 0, sizeof(stored));
	if (found == 1)
	{
		HeapTuple tuple = SPI_tuptable->vals[0];
		TupleDesc desc = SPI_tuptable->tupdesc;
		stored.membership = DatumGetObjectId(SPI_getbinval(tuple, desc, 1, &isnull));
		Datum tenant_type = SPI_getbinval(tuple, desc, 2, &isnull);
		stored.tenant_type = isnull ? InvalidOid : DatumGetObjectId(tenant_type);
		Datum user_type = SPI_getbinval(tuple, desc, 3, &isnull);
		stored.user_type = isnull ? InvalidOid : DatumGetObjectId(user_type);
		stored.has_roles = DatumGetBool(SPI_getbinval(tuple, desc, 4, &isnull));
	}
	else if (!derived_only_scope(scope, depth, &stored))
	{
		if (missing_ok)
			return stored;
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("scope \"%s\" is not registered", scope),
				 errhint("Call tenancy.register_membership(..., scope => '%s') or "
						 "tenancy.register_scope_parent('%s', ...) first.",
						 scope, scope)));
	}
	if (!missing_ok && (!OidIsValid(stored.tenant_type) || !OidIsValid(stored.user_type)))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 OidIsValid(stored.membership)
					 ? errmsg("the registered membership table of scope \"%s\" lost a registered "
							  "column",
							  scope)
					 : errmsg("scope \"%s\" lost the column or the parent its ids come from",
							  scope),
				 errhint("Call tenancy.register_membership() or tenancy.register_scope_parent() "
						 "again for the current tables.")));
	return stored;
}

StoredScope
stored_scope(const char *scope, bool missing_ok)
{
	return stored_scope_at(scope, missing_ok, 0);
}

/*
 * Changing the parent of scope changes whom its helpers let in: only the
 * owner of its registered membership table (as the caller) may; of a
 * scope derived only from its parent, the owner of its mapping.
 */
void
require_scope_owner(const char *scope, const StoredScope &stored, Oid caller)
{
	Oid table = OidIsValid(stored.membership) ? stored.membership : stored.mapping;

	if (OidIsValid(table) && SearchSysCacheExists1(RELOID, ObjectIdGetDatum(table)) &&
		!compat::owns_relation(table, caller))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("must be owner of table %s, the %s table of scope \"%s\"",
						get_rel_name(table),
						OidIsValid(stored.membership) ? "membership" : "mapping", scope),
				 errhint("Ask its owner or a superuser to change the parent of scope \"%s\".",
						 scope)));
}

/* The column's type must be the scope's tenant type (42804). */
void
require_tenant_type(const char *column, Oid type, const char *scope, Oid expected)
{
	if (type != expected)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("mapping column \"%s\" is of type %s, the tenant ids of scope \"%s\" of "
						"type %s",
						column, format_type_be(type), scope, format_type_be(expected)),
				 errhint("Name the mapping column that holds the tenant ids of scope \"%s\".",
						 scope)));
}

/* The mapping's parent column needs an index: a fill probes it once per parent tenant. */
void
require_parent_index(Oid relid, AttrNumber attno, Oid type, const char *column)
{
	Relation rel = table_open(relid, AccessShareLock);
	Oid index = find_user_index(rel, attno, type);
	table_close(rel, AccessShareLock);
	if (!OidIsValid(index))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("mapping table \"%s\" has no index on \"%s\"", get_rel_name(relid),
						column),
				 errdetail("A membership cache fill looks up the children of each parent tenant "
						   "of the user through it."),
				 errhint("CREATE INDEX ON %s (%s);",
						 quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)),
													get_rel_name(relid)),
						 quote_identifier(column))));
}

/* parent_roles: NULL (any role) or a non-empty list without NULLs. */
void
check_parent_roles(FunctionCallInfo fcinfo)
{
	Datum *elements;
	bool *nulls;
	int count;

	if (PG_ARGISNULL(arg_parent_roles))
		return;
	deconstruct_array(PG_GETARG_ARRAYTYPE_P(arg_parent_roles), TEXTOID, -1, false, TYPALIGN_INT,
					  &elements, &nulls, &count);
	if (count == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("parent_roles must not be empty"),
				 errhint("Pass the parent roles that reach the children, or NULL for any role.")));
	for (int i = 0; i < count; i++)
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("parent_roles must not contain NULL")));
}

/*
 * 42P17 when scope is an ancestor of parent_scope (its parent, its parent's
 * parent, ...), naming the cycle. Runs SQL: inside SPI_connect.
 */
void
refuse_cycle(const char *scope, const char *parent_scope)
{
	Oid types[2] = {TEXTOID, TEXTOID};
	Datum values[2] = {CStringGetTextDatum(scope), CStringGetTextDatum(parent_scope)};
	bool isnull;

	// scope's own row is being replaced: the walk stops there
	if (select_rows("WITH RECURSIVE up(s, path) AS ("
					" SELECT $2, ARRAY[$1, $2]"
					" UNION ALL"
					" SELECT p.parent_scope, up.path OPERATOR(pg_catalog.||) p.parent_scope"
					" FROM tenancy.scope_parent p JOIN up ON p.scope OPERATOR(pg_catalog.=) up.s"
					" WHERE up.s OPERATOR(pg_catalog.<>) $1"
					" AND NOT p.parent_scope OPERATOR(pg_catalog.=) ANY (up.path[2:]))"
					" SELECT pg_catalog.array_to_string(up.path, ' -> ') FROM up"
					" WHERE up.s OPERATOR(pg_catalog.=) $1",
					2, types, values) == 0)
		return;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
			 errmsg("scope \"%s\" cannot derive from scope \"%s\": the hierarchy would be a cycle",
					scope, parent_scope),
			 errdetail("%s",
					   TextDatumGetCString(SPI_getbinval(SPI_tuptable->vals[0],
														 SPI_tuptable->tupdesc, 1, &isnull))),
			 errhint("Remove one of these parents first with tenancy.unregister_scope_parent().")));
}

/* The mapping table of scope's parent, or InvalidOid. Runs SQL: inside SPI_connect. */
Oid
previous_mapping(Datum scope)
{
	bool isnull;

	if (select_for_scope("SELECT p.mapping::pg_catalog.oid FROM tenancy.scope_parent p "
						 "WHERE p.scope OPERATOR(pg_catalog.=) $1",
						 scope) == 0)
		return InvalidOid;
	return DatumGetObjectId(
		SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
}

void
delete_parent(Datum scope)
{
	Oid types[1] = {TEXTOID};

	if (SPI_execute_with_args("DELETE FROM tenancy.scope_parent p "
							  "WHERE p.scope OPERATOR(pg_catalog.=) $1",
							  1, types, &scope, nullptr, false, 0) != SPI_OK_DELETE)
		elog(ERROR, "tenancy: could not remove the scope parent");
}

/* values and nulls: the 6 arguments of register_scope_parent. */
void
store_parent(Datum *values, const char *nulls)
{
	Oid types[6] = {TEXTOID, TEXTOID, REGCLASSOID, NAMEOID, NAMEOID, TEXTARRAYOID};

	delete_parent(values[arg_scope]);
	if (SPI_execute_with_args("INSERT INTO tenancy.scope_parent (scope, parent_scope, mapping, "
							  "tenant_column, parent_column, parent_roles) "
							  "VALUES ($1, $2, $3, $4, $5, $6)",
							  6, types, values, nulls, false, 0) != SPI_OK_INSERT)
		elog(ERROR, "tenancy: could not store the scope parent");
}

} // namespace

} // namespace tenancy

TENANCY_FUNCTION(register_scope_parent)
{
	Datum values[6];
	char nulls[6] = {' ', ' ', ' ', ' ', ' ', 'n'};
	Oid tenant_type, parent_type, caller;
	int context;

	tenancy::require_scope_argument(fcinfo, tenancy::arg_scope, "scope");
	tenancy::check_scope(fcinfo, tenancy::arg_scope);
	tenancy::require_scope_argument(fcinfo, tenancy::arg_parent_scope, "parent_scope");
	tenancy::check_scope(fcinfo, tenancy::arg_parent_scope);
	const char *scope = text_to_cstring(PG_GETARG_TEXT_PP(tenancy::arg_scope));
	const char *parent_scope = text_to_cstring(PG_GETARG_TEXT_PP(tenancy::arg_parent_scope));
	if (strcmp(scope, parent_scope) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
				 errmsg("scope \"%s\" cannot derive from itself", scope)));
	if (PG_ARGISNULL(tenancy::arg_mapping))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("mapping must not be NULL"),
				 errhint("Name the table that links each tenant to its parent, e.g. "
						 "'workspaces'.")));
	Oid relid = PG_GETARG_OID(tenancy::arg_mapping);
	tenancy::check_related_table(relid, "mapping");
	LockRelationOid(relid, ShareRowExclusiveLock);
	tenancy::check_related_table(relid, "mapping");
	AttrNumber tenant_attno =
		tenancy::related_column(fcinfo, tenancy::arg_tenant_column, "tenant_column", relid,
								&tenant_type);
	AttrNumber parent_attno =
		tenancy::related_column(fcinfo, tenancy::arg_parent_column, "parent_column", relid,
								&parent_type);
	const char *parent_column = NameStr(*PG_GETARG_NAME(tenancy::arg_parent_column));
	if (tenant_attno == parent_attno)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("tenant_column and parent_column must be different columns")));
	tenancy::check_parent_roles(fcinfo);

	tenancy::begin_catalog_work(&caller, &context);
	tenancy::StoredScope child = tenancy::stored_scope(scope, true);
	// a scope without a membership table is derived only from its parent
	bool derived_only = !OidIsValid(child.membership);
	if (!derived_only)
		child = tenancy::stored_scope(scope, false);
	tenancy::StoredScope parent = tenancy::stored_scope(parent_scope, false);
	tenancy::require_scope_owner(scope, child, caller);
	tenancy::IdKind child_user, parent_user;
	if (derived_only)
		// its tenant ids are typed by the mapping's column, its user ids are the parent's
		tenancy::require_id_column(relid, tenant_attno, "tenant",
								   NameStr(*PG_GETARG_NAME(tenancy::arg_tenant_column)),
								   &child_user);
	else
		tenancy::require_tenant_type(NameStr(*PG_GETARG_NAME(tenancy::arg_tenant_column)),
									 tenant_type, scope, child.tenant_type);
	tenancy::require_tenant_type(parent_column, parent_type, parent_scope, parent.tenant_type);
	if (!derived_only &&
		(!tenancy::id_kind_of_type(child.user_type, &child_user) ||
		 !tenancy::id_kind_of_type(parent.user_type, &parent_user) || child_user != parent_user))
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("scope \"%s\" has user ids of type %s, its parent \"%s\" of type %s",
						scope, format_type_be(child.user_type), parent_scope,
						format_type_be(parent.user_type)),
				 errdetail("A user reaches a tenant through the parent with the same id."),
				 errhint("Register both scopes with user columns of one kind (uuid, text or "
						 "integer).")));
	if (!PG_ARGISNULL(tenancy::arg_parent_roles) && !parent.has_roles)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("scope \"%s\" has no roles for parent_roles to name", parent_scope),
				 errhint("Register scope \"%s\" with a role column, or pass parent_roles => NULL.",
						 parent_scope)));
	tenancy::require_parent_index(relid, parent_attno, parent_type, parent_column);
	tenancy::refuse_cycle(scope, parent_scope);
	tenancy::check_mapping_not_isolated(relid);
	for (int i = 0; i < 6; i++)
		values[i] = PG_ARGISNULL(i) ? (Datum) 0 : PG_GETARG_DATUM(i);
	if (!PG_ARGISNULL(tenancy::arg_parent_roles))
		nulls[tenancy::arg_parent_roles] = ' ';
	Oid previous = tenancy::previous_mapping(values[tenancy::arg_scope]);
	tenancy::install_change_triggers(relid);
	tenancy::store_parent(values, nulls);
	if (previous != relid)
		tenancy::drop_change_triggers_if_unread(previous);
	tenancy::end_catalog_work(caller, context);
	PG_RETURN_VOID();
}

TENANCY_FUNCTION(unregister_scope_parent)
{
	Oid caller;
	int context;

	tenancy::require_scope_argument(fcinfo, 0, "scope");
	tenancy::check_scope(fcinfo, 0);
	const char *scope = text_to_cstring(PG_GETARG_TEXT_PP(0));
	tenancy::begin_catalog_work(&caller, &context);
	Oid previous = tenancy::previous_mapping(PG_GETARG_DATUM(0));
	if (!OidIsValid(previous))
	{
		tenancy::end_catalog_work(caller, context);
		PG_RETURN_BOOL(false);
	}
	tenancy::require_scope_owner(scope, tenancy::stored_scope(scope, true), caller);
	tenancy::delete_parent(PG_GETARG_DATUM(0));
	tenancy::drop_change_triggers_if_unread(previous);
	tenancy::end_catalog_work(caller, context);
	PG_RETURN_BOOL(true);
}
