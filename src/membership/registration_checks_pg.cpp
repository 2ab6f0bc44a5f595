/*
 * registration_checks_pg.cpp: the argument checks of
 * tenancy.register_membership() (registration_checks_pg.hpp).
 *
 * Plain C-style glue: PODs and palloc'd memory only.
 */
#include "core/boundary.hpp"
#include "core/compat.hpp"
#include "membership/registration_checks_pg.hpp"
#include "membership/registration_writes_pg.hpp"
#include "membership/scope_name.hpp"

extern "C" {
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"
}

#include <cstring>


namespace tenancy {

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
check_scope(FunctionCallInfo fcinfo, int argno)
{
	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("scope must not be NULL"),
				 errhint("Leave scope out for the default scope 'workspace'.")));
	text *scope = PG_GETARG_TEXT_PP(argno);
	if (!scope_name_is_valid(VARDATA_ANY(scope), VARSIZE_ANY_EXHDR(scope)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("scope must be a lower-case identifier"),
				 errdetail("A scope starts with a letter a-z, continues with a-z, 0-9 or _, "
						   "and has at most 63 bytes."),
				 errhint("Name the kind of tenant, e.g. 'project'.")));
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
	if (!compat::owns_relation(relid, GetUserId()))
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
	if (!compat::owns_relation(previous, caller))
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

/*
 * A table enable_isolation isolated guards its rows with policies made for
 * what it was then. Tenant-table (or through-key) policies let every member
 * update its own membership, its role included; the membership table's
 * policies answer to the managers of one scope, by one tenant column and
 * user column. So only the same scope may register it again, with those
 * columns; anything else starts with disable_isolation.
 */
void
check_isolation_allows(Oid relid, Datum scope, Datum tenant_column, Datum user_column)
{
	Oid types[4] = {OIDOID, TEXTOID, NAMEOID, NAMEOID};
	Datum values[4] = {ObjectIdGetDatum(relid), scope, tenant_column, user_column};
	bool isnull;

	if (select_rows(
			"SELECT i.policy_kind, i.scope, i.tenant_column::pg_catalog.text "
			"FROM tenancy.isolated_tables i "
			"WHERE i.relid::pg_catalog.oid OPERATOR(pg_catalog.=) $1 AND NOT ("
			" i.policy_kind OPERATOR(pg_catalog.=) 'membership'"
			" AND i.scope OPERATOR(pg_catalog.=) $2"
			" AND i.tenant_column OPERATOR(pg_catalog.=) $3"
			" AND EXISTS (SELECT FROM tenancy.membership_registration r"
			"  WHERE r.scope OPERATOR(pg_catalog.=) $2 AND r.membership OPERATOR(pg_catalog.=) i.relid"
			"  AND r.tenant_column OPERATOR(pg_catalog.=) $3"
			"  AND r.user_column OPERATOR(pg_catalog.=) $4))",
			4, types, values) == 0)
		return;
	HeapTuple row = SPI_tuptable->vals[0];
	TupleDesc desc = SPI_tuptable->tupdesc;
	const char *kind = TextDatumGetCString(SPI_getbinval(row, desc, 1, &isnull));
	if (strcmp(kind, "membership") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("table %s is isolated with the policies of a %s table",
						get_rel_name(relid), kind),
				 strcmp(kind, "roles") == 0
					 ? errdetail("They let its managers write every row, their own membership "
								 "included; the membership table's policies keep a manager off "
								 "its own.")
					 : errdetail("They let every member update its own membership, its role "
								 "included."),
				 errhint("Run tenancy.disable_isolation() on it, register it, then "
						 "tenancy.enable_isolation() gives it the membership table's policies.")));
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("table %s is isolated as the membership table of scope \"%s\" on column %s",
					get_rel_name(relid), TextDatumGetCString(SPI_getbinval(row, desc, 2, &isnull)),
					quote_identifier(TextDatumGetCString(SPI_getbinval(row, desc, 3, &isnull)))),
			 errdetail("Its policies let that scope's managers write memberships by that column "
					   "and the registered user column."),
			 errhint("Run tenancy.disable_isolation() on it, register it, then "
					 "tenancy.enable_isolation() gives it the policies of the new registration.")));
}

/*
 * A scope's mapping decides who reaches the scope's tenants: a table
 * enable_isolation isolated lets its members write it (a tenant linked to
 * a parent of theirs), so it is refused until disable_isolation.
 */
void
check_mapping_not_isolated(Oid relid)
{
	Oid types[1] = {OIDOID};
	Datum values[1] = {ObjectIdGetDatum(relid)};

	if (select_rows("SELECT 1 FROM tenancy.isolated_tables i "
					"WHERE i.relid::pg_catalog.oid OPERATOR(pg_catalog.=) $1",
					1, types, values) > 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("table %s is isolated by tenancy", get_rel_name(relid)),
				 errdetail("A mapping decides who reaches the scope's tenants, and its policies "
						   "would let members link tenants to parents of theirs."),
				 errhint("Run tenancy.disable_isolation() on it first.")));
}

/*
 * The roles table decides what members may do: an isolated one is writable
 * by members unless enable_isolation gave it the roles table's
 * managers-only policies, in this scope.
 */
void
check_roles_table_isolation(Oid role_table, Datum scope)
{
	Oid types[2] = {OIDOID, TEXTOID};
	Datum values[2] = {ObjectIdGetDatum(role_table), scope};
	bool isnull;

	if (select_rows("SELECT i.relid::pg_catalog.oid FROM tenancy.isolated_tables i "
					"WHERE i.relid::pg_catalog.oid OPERATOR(pg_catalog.=) $1 AND NOT ("
					"  i.policy_kind OPERATOR(pg_catalog.=) 'roles'"
					"  AND i.scope OPERATOR(pg_catalog.=) $2)",
					2, types, values) == 0)
		return;
	Oid relid =
		DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("roles table %s is isolated without the roles table policies of this scope",
					get_rel_name(relid)),
			 errdetail("Its policies let members or the managers of another scope rewrite the "
					   "permissions its roles grant."),
			 errhint("Run tenancy.disable_isolation() on it, register it, then "
					 "tenancy.enable_isolation() gives it the roles table's policies.")));
}

/*
 * An isolated owner table's policies let members write it: the guard
 * trigger (owner_guard.sql) keeps them from making themselves a tenant's
 * owner, whatever scope or owner column the registration names.
 */
void
guard_isolated_owner_table(Oid owner_table)
{
	Oid types[1] = {OIDOID};
	Datum values[1] = {ObjectIdGetDatum(owner_table)};

	if (!OidIsValid(owner_table))
		return;
	select_rows("SELECT tenancy.guard_owner_table($1::pg_catalog.regclass) "
				"WHERE (tenancy.isolation_record_of($1::pg_catalog.regclass)).relid IS NOT NULL",
				1, types, values);
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

} // namespace tenancy
