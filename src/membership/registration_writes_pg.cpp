/*
 * registration_writes_pg.cpp: what the functions that change registrations
 * write (registration_writes_pg.hpp): the change triggers on the tables a
 * registration reads, and tenancy.register_membership(), which stores one
 * per scope in tenancy.membership_registration. What the registrations
 * mean to the cache, and their invalidation, is registration_pg.cpp's.
 *
 * Plain C-style glue: PODs and palloc'd memory only; an ereport unwinds
 * nothing, and a user id switched for the catalog work is restored by
 * transaction abort.
 */
#include "core/boundary.hpp"
#include "core/compat.hpp"
#include "membership/id_types_pg.hpp"
#include "membership/registration_checks_pg.hpp"
#include "membership/registration_pg.hpp"
#include "membership/registration_writes_pg.hpp"
#include "membership/roles_pg.hpp"

extern "C" {
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"
}

#include <cstring>

namespace tenancy {

namespace {

const char *const row_trigger = "tenancy_membership_changed";
const char *const truncate_trigger = "tenancy_membership_truncated";

void
run(const char *sql, int expected)
{
	int result = SPI_execute(sql, false, 0);

	if (result != expected)
		elog(ERROR, "tenancy: SPI_execute returned %d for registration", result);
}

Oid
extension_owner(void)
{
	bool isnull;

	run("SELECT e.extowner FROM pg_catalog.pg_extension e "
		"WHERE e.extname OPERATOR(pg_catalog.=) 'tenancy'",
		SPI_OK_SELECT);
	if (SPI_processed != 1)
		elog(ERROR, "tenancy: extension not found");
	return DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
}

/* Drops tenancy's triggers from a previously registered table, if it exists. */
void
drop_triggers(Oid relid)
{
	if (!OidIsValid(relid) || !SearchSysCacheExists1(RELOID, ObjectIdGetDatum(relid)))
		return;
	char *table = quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)),
											 get_rel_name(relid));
	for (const char *trigger : {row_trigger, truncate_trigger})
		if (OidIsValid(get_trigger_oid(relid, trigger, true)))
			run(psprintf("DROP TRIGGER %s ON %s", trigger, table), SPI_OK_UTILITY);
}

} // namespace

void
begin_catalog_work(Oid *caller, int *context)
{
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "tenancy: SPI_connect failed");
	Oid owner = extension_owner();
	GetUserIdAndSecContext(caller, context);
	SetUserIdAndSecContext(owner, *context | SECURITY_LOCAL_USERID_CHANGE);
	// one registration at a time: what is read below stays until commit
	run("LOCK TABLE tenancy.membership_registration IN SHARE ROW EXCLUSIVE MODE", SPI_OK_UTILITY);
}

void
end_catalog_work(Oid caller, int context)
{
	SetUserIdAndSecContext(caller, context);
	SPI_finish();
}

uint64
select_rows(const char *sql, int nargs, Oid *types, Datum *values)
{
	if (SPI_execute_with_args(sql, nargs, types, values, nullptr, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "tenancy: could not read the registrations");
	return SPI_processed;
}

uint64
select_for_scope(const char *sql, Datum scope)
{
	Oid types[1] = {TEXTOID};

	return select_rows(sql, 1, types, &scope);
}

void
install_change_triggers(Oid relid)
{
	drop_triggers(relid);

	char *table = quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)),
											 get_rel_name(relid));

	run(psprintf("CREATE TRIGGER %s AFTER INSERT OR UPDATE OR DELETE ON %s FOR EACH ROW "
				 "EXECUTE FUNCTION tenancy.membership_changed()",
				 row_trigger, table),
		SPI_OK_UTILITY);
	run(psprintf("CREATE TRIGGER %s AFTER TRUNCATE ON %s FOR EACH STATEMENT "
				 "EXECUTE FUNCTION tenancy.membership_changed()",
				 truncate_trigger, table),
		SPI_OK_UTILITY);
	// ALWAYS: logical replication apply runs with session_replication_role = replica
	run(psprintf("ALTER TABLE %s ENABLE ALWAYS TRIGGER %s", table, row_trigger), SPI_OK_UTILITY);
	run(psprintf("ALTER TABLE %s ENABLE ALWAYS TRIGGER %s", table, truncate_trigger),
		SPI_OK_UTILITY);
}

void
drop_change_triggers_if_unread(Oid relid)
{
	Oid types[1] = {OIDOID};
	Datum values[1] = {ObjectIdGetDatum(relid)};

	if (!OidIsValid(relid))
		return;
	if (select_rows("SELECT 1 FROM tenancy.membership_registration r "
					"WHERE r.membership::pg_catalog.oid OPERATOR(pg_catalog.=) $1 "
					"OR r.role_table::pg_catalog.oid OPERATOR(pg_catalog.=) $1 "
					"OR r.owner_table::pg_catalog.oid OPERATOR(pg_catalog.=) $1 "
					"UNION ALL SELECT 1 FROM tenancy.scope_parent p "
					"WHERE p.mapping::pg_catalog.oid OPERATOR(pg_catalog.=) $1",
					1, types, values) == 0)
		drop_triggers(relid);
}

namespace {

/* The tables the scope's registration had (membership, roles, owner; 0 for none). */
void
previous_registration(Datum scope, Oid previous[3])
{
	bool isnull;

	previous[0] = previous[1] = previous[2] = InvalidOid;
	if (select_for_scope("SELECT r.membership::pg_catalog.oid, r.role_table::pg_catalog.oid, "
						 "r.owner_table::pg_catalog.oid "
						 "FROM tenancy.membership_registration r "
						 "WHERE r.scope OPERATOR(pg_catalog.=) $1",
						 scope) == 0)
		return;
	for (int i = 0; i < 3; i++)
	{
		Datum value = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, i + 1, &isnull);
		previous[i] = isnull ? InvalidOid : DatumGetObjectId(value);
	}
}

/*
 * A scope derived only from its parent (a row of tenancy.scope_parent and
 * no registration) lets its mapping decide who reaches its tenants: only
 * the mapping's owner may give it a membership table (42501).
 */
void
check_may_register_derived(Datum scope, Oid caller)
{
	bool isnull;

	if (select_for_scope("SELECT p.mapping::pg_catalog.oid FROM tenancy.scope_parent p "
						 "WHERE p.scope OPERATOR(pg_catalog.=) $1 AND NOT EXISTS (SELECT "
						 "FROM tenancy.membership_registration r "
						 "WHERE r.scope OPERATOR(pg_catalog.=) p.scope)",
						 scope) == 0)
		return;
	Oid mapping =
		DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	if (SearchSysCacheExists1(RELOID, ObjectIdGetDatum(mapping)) &&
		!compat::owns_relation(mapping, caller))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("must be owner of table %s, the mapping table of scope \"%s\", to register "
						"its membership table",
						get_rel_name(mapping), TextDatumGetCString(scope)),
				 errhint("Ask its owner or a superuser to call tenancy.register_membership().")));
}

/* values and nulls: the 15 arguments of register_membership. */
void
store_registration(Datum *values, const char *nulls)
{
	Oid types[15] = {REGCLASSOID, NAMEOID,	   NAMEOID,		 NAMEOID,	  NAMEOID,
					 TEXTARRAYOID, TEXTARRAYOID, TEXTOID,		 REGCLASSOID, NAMEOID,
					 NAMEOID,	   REGCLASSOID,	 NAMEOID,		 TEXTOID,	  TEXTARRAYOID};

	if (SPI_execute_with_args("DELETE FROM tenancy.membership_registration r "
							  "WHERE r.scope OPERATOR(pg_catalog.=) $1",
							  1, &types[7], &values[7], nullptr, false, 0) != SPI_OK_DELETE)
		elog(ERROR, "tenancy: could not replace the registration");
	int result = SPI_execute_with_args(
		"INSERT INTO tenancy.membership_registration (membership, tenant_column, user_column, "
		"role_column, status_column, active_statuses, manager_roles, scope, role_table, "
		"role_name_column, permissions_column, owner_table, owner_column, owner_role, "
		"owner_permissions) "
		"VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
		15, types, values, nulls, false, 0);
	if (result != SPI_OK_INSERT)
		elog(ERROR, "tenancy: could not store the registration");
}

} // namespace
} // namespace tenancy

TENANCY_FUNCTION(register_membership)
{
	Datum values[15];
	char nulls[15] = {' ', ' ', ' ', 'n', 'n', 'n', ' ', ' '};
	Oid tables[3];
	Oid previous[3];
	Oid tenant_type, user_type, role_type = InvalidOid, status_type = InvalidOid;
	Oid saved_user;
	int saved_context;

	tenancy::require_argument(fcinfo, 0, "membership");
	tenancy::require_argument(fcinfo, 1, "tenant_column");
	tenancy::require_argument(fcinfo, 2, "user_column");
	if (PG_ARGISNULL(6))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("manager_roles must not be NULL"),
				 errhint("Pass the roles whose members manage memberships, e.g. '{owner,admin}'.")));
	tenancy::check_scope(fcinfo, 7);
	Oid relid = PG_GETARG_OID(0);
	const char *tenant = NameStr(*PG_GETARG_NAME(1));
	const char *user = NameStr(*PG_GETARG_NAME(2));
	tenancy::check_table(relid);
	LockRelationOid(relid, ShareRowExclusiveLock);
	tenancy::check_table(relid);
	tenancy::IdKind kind;
	tenancy::require_id_column(relid, tenancy::check_column(relid, "tenant", tenant, &tenant_type),
							   "tenant", tenant, &kind);
	tenancy::require_id_column(relid, tenancy::check_column(relid, "user", user, &user_type),
							   "user", user, &kind);
	if (strcmp(tenant, user) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("tenant_column and user_column must be different columns")));
	values[0] = ObjectIdGetDatum(relid);
	values[1] = PG_GETARG_DATUM(1);
	values[2] = PG_GETARG_DATUM(2);
	if (!PG_ARGISNULL(3))
	{
		tenancy::check_column(relid, "role", NameStr(*PG_GETARG_NAME(3)), &role_type);
		// with a roles table, the column holds its keys (checked there)
		if (PG_ARGISNULL(8))
			tenancy::require_text_like("role", NameStr(*PG_GETARG_NAME(3)), role_type, false);
		values[3] = PG_GETARG_DATUM(3);
		nulls[3] = ' ';
	}
	if (!PG_ARGISNULL(4))
	{
		tenancy::check_column(relid, "status", NameStr(*PG_GETARG_NAME(4)), &status_type);
		tenancy::require_text_like("status", NameStr(*PG_GETARG_NAME(4)), status_type, true);
		if (PG_ARGISNULL(5))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("active_statuses must not be NULL when status_column is given")));
		values[4] = PG_GETARG_DATUM(4);
		values[5] = tenancy::normalize_statuses(PG_GETARG_ARRAYTYPE_P(5), status_type);
		nulls[4] = nulls[5] = ' ';
	}
	tenancy::check_manager_roles(PG_GETARG_ARRAYTYPE_P(6));
	values[6] = PG_GETARG_DATUM(6);
	values[7] = PG_GETARG_DATUM(7);
	tables[0] = relid;
	tenancy::check_role_arguments(fcinfo, tenant_type, user_type, role_type, values, nulls,
								  &tables[1], &tables[2]);

	tenancy::begin_catalog_work(&saved_user, &saved_context);
	tenancy::previous_registration(values[7], previous);
	tenancy::check_may_replace(previous[0], relid, saved_user);
	tenancy::check_may_register_derived(values[7], saved_user);
	tenancy::check_isolation_allows(relid, values[7], values[1], values[2]);
	tenancy::check_roles_table_isolation(tables[1], values[7]);
	tenancy::guard_isolated_owner_table(tables[2]);
	for (Oid table : tables)
		if (OidIsValid(table))
			tenancy::install_change_triggers(table);
	tenancy::store_registration(values, nulls);
	// a table no longer read loses its triggers; one another registration reads keeps them
	for (Oid old : previous)
		tenancy::drop_change_triggers_if_unread(old);
	tenancy::end_catalog_work(saved_user, saved_context);
	tenancy::invalidate_memberships();
	PG_RETURN_VOID();
}
