/*
 * register_pg.cpp: tenancy.register_membership().
 *
 * Validates as the caller (who must own the membership table), then does
 * the catalog work as the extension's owner: the configuration row and the
 * two triggers on the membership table. One registration per database;
 * registering again replaces it and moves the triggers, which only the
 * owner of the registered table (or a superuser) may do. The table must be
 * permanent: every session reads it.
 *
 * Plain C-style glue: PODs and palloc'd memory only. The user id switch is
 * restored explicitly on success and by transaction abort on error.
 */
#include "core/boundary.hpp"
#include "core/compat.hpp"
#include "membership/access_pg.hpp"

extern "C" {
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "storage/lmgr.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"
}

namespace {

const char *const row_trigger = "tenancy_membership_changed";
const char *const truncate_trigger = "tenancy_membership_truncated";

void
require_argument(FunctionCallInfo fcinfo, int argno, const char *name)
{
	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be NULL", name),
				 errhint("Name the membership table and its tenant and user columns.")));
}

void
check_table(Oid relid)
{
	char relkind;

	if (!SearchSysCacheExists1(RELOID, ObjectIdGetDatum(relid)))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation with OID %u does not exist", relid)));
	relkind = get_rel_relkind(relid);
	if (relkind != RELKIND_RELATION)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is not an ordinary table", get_rel_name(relid)),
				 errdetail("The membership table must be an ordinary table: views, "
						   "materialized views, foreign and partitioned tables are not "
						   "supported."),
				 errhint("Register the table that stores the memberships.")));
	if (!tenancy::compat::owns_relation(relid, GetUserId()))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("must be owner of table %s", get_rel_name(relid)),
				 errhint("Register the membership table as its owner.")));
	// The registration serves every session: a temporary table vanishes with
	// its session (and no other session can read it), an unlogged one is
	// emptied by a crash and cannot be read on a standby.
	if (get_rel_persistence(relid) != RELPERSISTENCE_PERMANENT)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("membership table \"%s\" is %s", get_rel_name(relid),
						get_rel_persistence(relid) == RELPERSISTENCE_TEMP ? "temporary"
																		  : "unlogged"),
				 errdetail("Every session reads the membership table: it must be a "
						   "permanent, logged table."),
				 errhint("Register an ordinary permanent table.")));
}

/*
 * Replacing a registration takes it away from every policy that reads it:
 * only the owner of the registered table (or a member of the owning role,
 * or a superuser) may. A registered table that no longer exists protects
 * nothing.
 */
void
check_may_replace(Oid previous, Oid relid, Oid caller)
{
	if (!OidIsValid(previous) || previous == relid ||
		!SearchSysCacheExists1(RELOID, ObjectIdGetDatum(previous)))
		return;
	if (!tenancy::compat::owns_relation(previous, caller))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("must be owner of the registered membership table %s to replace its "
						"registration",
						get_rel_name(previous)),
				 errhint("Ask its owner or a superuser to call tenancy.register_membership().")));
}

/* The column's attribute number; its type through *type. */
AttrNumber
check_column(Oid relid, const char *role, const char *column, Oid *type)
{
	AttrNumber attno = get_attnum(relid, column);

	if (attno <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("column \"%s\" of relation \"%s\" does not exist", column,
						get_rel_name(relid)),
				 errhint("The %s column names a column of the membership table, spelled "
						 "exactly (names are not case-folded).",
						 role)));
	*type = get_atttype(relid, attno);
	return attno;
}

void
require_uuid(Oid relid, const char *role, const char *column, Oid type)
{
	if (type != UUIDOID)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("%s column \"%s\" must be of type uuid", role, column),
				 errdetail("It is of type %s.", format_type_be(type))));
}

/* Text-like (string or enum) types, and boolean where allowed. */
void
require_text_like(const char *role, const char *column, Oid type, bool boolean_ok)
{
	char category;
	bool preferred;

	get_type_category_preferred(getBaseType(type), &category, &preferred);
	if (category == TYPCATEGORY_STRING || category == TYPCATEGORY_ENUM ||
		(boolean_ok && category == TYPCATEGORY_BOOLEAN))
		return;
	ereport(ERROR,
			(errcode(ERRCODE_DATATYPE_MISMATCH),
			 errmsg("%s column \"%s\" must be of a text or enum type%s", role, column,
					boolean_ok ? " or boolean" : ""),
			 errdetail("It is of type %s.", format_type_be(type))));
}

/*
 * The active statuses as the status column's type prints them (so 'true'
 * matches a boolean's 't' and an enum label is checked), as a text[].
 */
Datum
normalize_statuses(ArrayType *statuses, Oid type)
{
	Datum *elements;
	bool *nulls;
	int count;
	Oid input, ioparam, output;
	bool varlena;

	deconstruct_array(statuses, TEXTOID, -1, false, TYPALIGN_INT, &elements, &nulls, &count);
	if (count == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("active_statuses must name at least one status"),
				 errhint("Pass the statuses that grant access, e.g. '{active}', or no "
						 "status column.")));
	getTypeInputInfo(type, &input, &ioparam);
	getTypeOutputInfo(type, &output, &varlena);
	for (int i = 0; i < count; i++)
	{
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("active_statuses must not contain NULL")));
		Datum value = OidInputFunctionCall(input, TextDatumGetCString(elements[i]), ioparam, -1);
		elements[i] = CStringGetTextDatum(OidOutputFunctionCall(output, value));
	}
	return PointerGetDatum(construct_array(elements, count, TEXTOID, -1, false, TYPALIGN_INT));
}

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

void
create_triggers(Oid relid)
{
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

Oid
previous_registration(void)
{
	bool isnull;

	run("SELECT membership::oid FROM tenancy.membership_registration", SPI_OK_SELECT);
	if (SPI_processed == 0)
		return InvalidOid;
	return DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
}

/*
 * A table enable_isolation gave the tenant-table policies lets every member
 * update its own membership row (its role included): as the membership
 * table it needs the membership table's policies, made by enable_isolation
 * once the table is registered.
 */
void
check_not_isolated_as_tenant_table(Oid relid)
{
	Oid types[1] = {OIDOID};
	Datum values[1] = {ObjectIdGetDatum(relid)};
	int result = SPI_execute_with_args(
		"SELECT 1 FROM tenancy.isolated_tables i WHERE i.relid::pg_catalog.oid "
		"OPERATOR(pg_catalog.=) $1 AND i.policy_kind OPERATOR(pg_catalog.=) 'tenant'",
		1, types, values, nullptr, true, 0);

	if (result != SPI_OK_SELECT)
		elog(ERROR, "tenancy: SPI_execute returned %d for registration", result);
	if (SPI_processed > 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("table %s is isolated with the policies of a tenant table", get_rel_name(relid)),
				 errdetail("They let every member update its own membership, its role included."),
				 errhint("Run tenancy.disable_isolation() on it, register it, then "
						 "tenancy.enable_isolation() gives it the membership table's policies.")));
}

/* Manager roles: a non-empty list without NULLs. */
void
check_manager_roles(ArrayType *roles)
{
	Datum *elements;
	bool *nulls;
	int count;

	deconstruct_array(roles, TEXTOID, -1, false, TYPALIGN_INT, &elements, &nulls, &count);
	for (int i = 0; i < count; i++)
		if (nulls[i])
			count = 0;
	if (count == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("manager_roles must name at least one role and no NULL"),
				 errhint("Pass the roles whose members manage memberships, e.g. '{owner,admin}'.")));
}

void
store_registration(Datum *values, const char *nulls)
{
	Oid types[7] = {REGCLASSOID, NAMEOID, NAMEOID, NAMEOID, NAMEOID, TEXTARRAYOID, TEXTARRAYOID};

	run("DELETE FROM tenancy.membership_registration", SPI_OK_DELETE);
	int result = SPI_execute_with_args(
		"INSERT INTO tenancy.membership_registration (membership, tenant_column, user_column, "
		"role_column, status_column, active_statuses, manager_roles) "
		"VALUES ($1, $2, $3, $4, $5, $6, $7)",
		7, types, values, nulls, false, 0);
	if (result != SPI_OK_INSERT)
		elog(ERROR, "tenancy: could not store the registration");
}

} // namespace

TENANCY_FUNCTION(register_membership)
{
	Datum values[7];
	char nulls[7] = {' ', ' ', ' ', 'n', 'n', 'n', ' '};
	Oid tenant_type, user_type, role_type = InvalidOid, status_type = InvalidOid;
	Oid saved_user;
	int saved_context;

	require_argument(fcinfo, 0, "membership");
	require_argument(fcinfo, 1, "tenant_column");
	require_argument(fcinfo, 2, "user_column");
	if (PG_ARGISNULL(6))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("manager_roles must not be NULL"),
				 errhint("Pass the roles whose members manage memberships, e.g. '{owner,admin}'.")));
	Oid relid = PG_GETARG_OID(0);
	const char *tenant = NameStr(*PG_GETARG_NAME(1));
	const char *user = NameStr(*PG_GETARG_NAME(2));
	check_table(relid);
	LockRelationOid(relid, ShareRowExclusiveLock);
	check_table(relid);
	check_column(relid, "tenant", tenant, &tenant_type);
	check_column(relid, "user", user, &user_type);
	require_uuid(relid, "tenant", tenant, tenant_type);
	require_uuid(relid, "user", user, user_type);
	if (strcmp(tenant, user) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("tenant_column and user_column must be different columns")));
	values[0] = ObjectIdGetDatum(relid);
	values[1] = PG_GETARG_DATUM(1);
	values[2] = PG_GETARG_DATUM(2);
	if (!PG_ARGISNULL(3))
	{
		check_column(relid, "role", NameStr(*PG_GETARG_NAME(3)), &role_type);
		require_text_like("role", NameStr(*PG_GETARG_NAME(3)), role_type, false);
		values[3] = PG_GETARG_DATUM(3);
		nulls[3] = ' ';
	}
	if (!PG_ARGISNULL(4))
	{
		check_column(relid, "status", NameStr(*PG_GETARG_NAME(4)), &status_type);
		require_text_like("status", NameStr(*PG_GETARG_NAME(4)), status_type, true);
		if (PG_ARGISNULL(5))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("active_statuses must not be NULL when status_column is given")));
		values[4] = PG_GETARG_DATUM(4);
		values[5] = normalize_statuses(PG_GETARG_ARRAYTYPE_P(5), status_type);
		nulls[4] = nulls[5] = ' ';
	}
	check_manager_roles(PG_GETARG_ARRAYTYPE_P(6));
	values[6] = PG_GETARG_DATUM(6);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "tenancy: SPI_connect failed");
	Oid owner = extension_owner();
	GetUserIdAndSecContext(&saved_user, &saved_context);
	SetUserIdAndSecContext(owner, saved_context | SECURITY_LOCAL_USERID_CHANGE);
	// One registration at a time: the one read below stays until commit.
	run("LOCK TABLE tenancy.membership_registration IN SHARE ROW EXCLUSIVE MODE", SPI_OK_UTILITY);
	Oid previous = previous_registration();
	check_may_replace(previous, relid, saved_user);
	check_not_isolated_as_tenant_table(relid);
	if (previous != relid)
		drop_triggers(previous);
	drop_triggers(relid);
	create_triggers(relid);
	store_registration(values, nulls);
	SetUserIdAndSecContext(saved_user, saved_context);
	SPI_finish();
	CacheInvalidateRelcacheByRelid(tenancy::membership_sentinel_relid());
	PG_RETURN_VOID();
}
