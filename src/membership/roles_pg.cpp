/*
 * roles_pg.cpp: the roles table and tenant owners of a registration: the
 * checks of register_membership's role and owner arguments, and their
 * resolution against the catalogs for the cache (roles_pg.hpp).
 *
 * Plain C-style glue: PODs and palloc'd memory only.
 */
#include "core/boundary.hpp"
#include "core/compat.hpp"
#include "membership/id_types_pg.hpp"
#include "membership/registration_checks_pg.hpp"
#include "membership/registration_pg.hpp"
#include "membership/roles_pg.hpp"

extern "C" {
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/pg_class.h"
#include "catalog/pg_index.h"
#include "catalog/pg_type.h"
#include "storage/lmgr.h"
#include "utils/array.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"
}

namespace tenancy {

namespace {

/* register_membership's argument positions (membership.sql). */
enum RoleArgument
{
	arg_role_table = 8,
	arg_role_name_column,
	arg_permissions_column,
	arg_owner_table,
	arg_owner_column,
	arg_owner_role,
	arg_owner_permissions
};

/* The single-column primary key of relid: its index and column, or false. */
bool
primary_key(Oid relid, Oid *index, AttrNumber *attno)
{
	Relation rel = table_open(relid, AccessShareLock);
	List *indexes = RelationGetIndexList(rel);
	ListCell *lc;
	bool found = false;

	foreach (lc, indexes)
	{
		HeapTuple tuple = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(lfirst_oid(lc)));
		if (!HeapTupleIsValid(tuple))
			continue;
		Form_pg_index form = (Form_pg_index) GETSTRUCT(tuple);
		if (form->indisprimary && form->indisvalid && form->indnkeyatts == 1 &&
			form->indkey.values[0] > 0)
		{
			*index = form->indexrelid;
			*attno = form->indkey.values[0];
			found = true;
		}
		ReleaseSysCache(tuple);
	}
	table_close(rel, AccessShareLock);
	return found;
}

} // namespace

/* A roles, tenant or mapping table: an existing, permanent, ordinary table the caller owns. */
void
check_related_table(Oid relid, const char *argument)
{
	if (!SearchSysCacheExists1(RELOID, ObjectIdGetDatum(relid)))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("%s: relation with OID %u does not exist", argument, relid)));
	if (get_rel_relkind(relid) != RELKIND_RELATION ||
		get_rel_persistence(relid) != RELPERSISTENCE_PERMANENT)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("%s \"%s\" is not an ordinary permanent table", argument,
						get_rel_name(relid)),
				 errdetail("Every session reads it and tenancy installs change triggers on it."),
				 errhint("Name the ordinary table that stores the %s.",
						 strcmp(argument, "role_table") == 0 ? "roles" : "tenants")));
	if (!compat::owns_relation(relid, GetUserId()))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("must be owner of table %s", get_rel_name(relid)),
				 errhint("tenancy installs change triggers on the %s: register as its owner.",
						 argument)));
}

/* The column of relid named by argument argno; 22004 for NULL, 42703 for none. */
AttrNumber
related_column(FunctionCallInfo fcinfo, int argno, const char *argument, Oid relid, Oid *type)
{
	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("%s must not be NULL", argument),
				 errhint("Name a column of %s.", get_rel_name(relid))));
	const char *column = NameStr(*PG_GETARG_NAME(argno));
	AttrNumber attno = get_attnum(relid, column);
	if (attno <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("%s: column \"%s\" of relation \"%s\" does not exist", argument, column,
						get_rel_name(relid)),
				 errhint("Spell the column exactly (names are not case-folded).")));
	*type = get_atttype(relid, attno);
	return attno;
}

namespace {

bool
is_permissions_type(Oid type)
{
	Oid base = getBaseType(type);
	return base == JSONBOID || base == TEXTARRAYOID;
}

/* The key of a related table: its single-column primary key, of type expected. */
void
check_key(Oid relid, const char *argument, const char *holder, Oid expected)
{
	Oid index;
	AttrNumber attno;

	if (!primary_key(relid, &index, &attno))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
				 errmsg("%s \"%s\" has no single-column primary key", argument,
						get_rel_name(relid)),
				 errdetail("The %s holds its primary key.", holder),
				 errhint("Add a primary key on the column the %s references.", holder)));
	Oid type = get_atttype(relid, attno);
	if (type != expected)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("the primary key of %s \"%s\" is of type %s, the %s of type %s", argument,
						get_rel_name(relid), format_type_be(type), holder,
						format_type_be(expected)),
				 errhint("The %s must hold keys of %s.", holder, get_rel_name(relid))));
}

void
check_roles(FunctionCallInfo fcinfo, Oid role_type, Datum *values, char *nulls, Oid *role_table)
{
	Oid type;

	if (PG_ARGISNULL(arg_role_table))
	{
		if (!PG_ARGISNULL(arg_permissions_column))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("permissions_column needs role_table"),
					 errhint("Name the roles table that holds the permissions column.")));
		return;
	}
	if (!OidIsValid(role_type))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("role_table needs role_column"),
				 errhint("Name the membership column that references the roles table.")));
	Oid relid = PG_GETARG_OID(arg_role_table);
	check_related_table(relid, "role_table");
	LockRelationOid(relid, ShareRowExclusiveLock);
	check_related_table(relid, "role_table");
	check_key(relid, "role_table", "role column", role_type);
	related_column(fcinfo, arg_role_name_column, "role_name_column", relid, &type);
	require_text_like("role name", NameStr(*PG_GETARG_NAME(arg_role_name_column)), type, false);
	if (!PG_ARGISNULL(arg_permissions_column))
	{
		related_column(fcinfo, arg_permissions_column, "permissions_column", relid, &type);
		if (!is_permissions_type(type))
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("permissions column \"%s\" must be of type jsonb or text[]",
							NameStr(*PG_GETARG_NAME(arg_permissions_column))),
					 errdetail("It is of type %s.", format_type_be(type)),
					 errhint("Use a jsonb object {\"permission\": true}, a jsonb array of "
							 "strings, or text[].")));
		values[arg_permissions_column] = PG_GETARG_DATUM(arg_permissions_column);
		nulls[arg_permissions_column] = ' ';
	}
	values[arg_role_table] = ObjectIdGetDatum(relid);
	values[arg_role_name_column] = PG_GETARG_DATUM(arg_role_name_column);
	nulls[arg_role_table] = nulls[arg_role_name_column] = ' ';
	*role_table = relid;
}

void
check_owner_permissions(ArrayType *permissions)
{
	Datum *elements;
	bool *element_nulls;
	int count;

	deconstruct_array(permissions, TEXTOID, -1, false, TYPALIGN_INT, &elements, &element_nulls,
					  &count);
	for (int i = 0; i < count; i++)
		if (element_nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("owner_permissions must not contain NULL")));
}

void
check_owner(FunctionCallInfo fcinfo, Oid tenant_type, Oid user_type, Datum *values, char *nulls,
			Oid *owner_table)
{
	Oid type;

	if (PG_ARGISNULL(arg_owner_table) != PG_ARGISNULL(arg_owner_column))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("owner_table and owner_column go together"),
				 errhint("Name the tenant table and its column that holds the owner's user id, "
						 "or neither.")));
	if (PG_ARGISNULL(arg_owner_table))
		return;
	Oid relid = PG_GETARG_OID(arg_owner_table);
	check_related_table(relid, "owner_table");
	LockRelationOid(relid, ShareRowExclusiveLock);
	check_related_table(relid, "owner_table");
	check_key(relid, "owner_table", "tenant column", tenant_type);
	AttrNumber owner_attno =
		related_column(fcinfo, arg_owner_column, "owner_column", relid, &type);
	if (type != user_type)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("owner column \"%s\" must be of type %s, as the user column",
						NameStr(*PG_GETARG_NAME(arg_owner_column)), format_type_be(user_type)),
				 errdetail("It is of type %s.", format_type_be(type))));
	// the owner scan compares user ids as the membership scan does: byte for byte
	IdKind kind;
	require_id_column(relid, owner_attno, "owner", NameStr(*PG_GETARG_NAME(arg_owner_column)),
					  &kind);
	if (PG_ARGISNULL(arg_owner_role))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("owner_role must not be NULL"),
				 errhint("Name the role owners hold, e.g. 'owner'.")));
	if (PG_ARGISNULL(arg_owner_permissions))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("owner_permissions must not be NULL"),
				 errhint("Pass the permissions owners hold, '{}' for none.")));
	check_owner_permissions(PG_GETARG_ARRAYTYPE_P(arg_owner_permissions));
	for (int argno = arg_owner_table; argno <= arg_owner_permissions; argno++)
	{
		values[argno] = PG_GETARG_DATUM(argno);
		nulls[argno] = ' ';
	}
	*owner_table = relid;
}

[[noreturn]] void
report_changed(const char *scope, const char *table, const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("the registered %s of scope \"%s\" %s", table, scope, what),
			 errhint("Call tenancy.register_membership() again for the current tables.")));
	pg_unreachable();
}

AttrNumber
resolve_related_column(const char *scope, const char *table, Oid relid, Datum name, Oid *type)
{
	AttrNumber attno = get_attnum(relid, NameStr(*DatumGetName(name)));
	if (attno <= 0)
		report_changed(scope, table, "lost a registered column");
	*type = get_atttype(relid, attno);
	return attno;
}

/* The owners' permissions as a sorted list in the current memory context. */
PermissionList
owner_permission_list(Datum permissions)
{
	Datum *elements;
	bool *nulls;
	int count;

	deconstruct_array(DatumGetArrayTypeP(permissions), TEXTOID, -1, false, TYPALIGN_INT,
					  &elements, &nulls, &count);
	const char **names = static_cast<const char **>(palloc(Max(count, 1) * sizeof(char *)));
	int kept = 0;
	for (int i = 0; i < count; i++)
		if (!nulls[i])
			names[kept++] = TextDatumGetCString(elements[i]);
	PermissionList list;
	list.count = sort_permissions(names, kept);
	list.names = names;
	return list;
}

} // namespace

void
check_role_arguments(FunctionCallInfo fcinfo, Oid tenant_type, Oid user_type, Oid role_type,
					 Datum *values, char *nulls, Oid *role_table, Oid *owner_table)
{
	*role_table = *owner_table = InvalidOid;
	for (int argno = arg_role_table; argno <= arg_owner_permissions; argno++)
		nulls[argno] = 'n';
	check_roles(fcinfo, role_type, values, nulls, role_table);
	check_owner(fcinfo, tenant_type, user_type, values, nulls, owner_table);
}

const RoleSource *
resolve_role_source(const char *scope, const RoleColumns *columns, Oid role_type)
{
	const char *table = "roles table";
	Oid output;
	bool varlena;

	if (columns->role_table_null)
		return nullptr;
	RoleSource *source = static_cast<RoleSource *>(palloc0(sizeof(RoleSource)));
	source->relid = DatumGetObjectId(columns->role_table);
	if (!SearchSysCacheExists1(RELOID, ObjectIdGetDatum(source->relid)))
		report_changed(scope, table, "no longer exists");
	if (!primary_key(source->relid, &source->key_index, &source->key_attno))
		report_changed(scope, table, "lost its primary key");
	source->key_type = get_atttype(source->relid, source->key_attno);
	if (source->key_type != role_type)
		report_changed(scope, table, "changed the type of its primary key");
	source->name_attno =
		resolve_related_column(scope, table, source->relid, columns->role_name_column,
							   &source->name_type);
	getTypeOutputInfo(source->name_type, &output, &varlena);
	fmgr_info_cxt(output, &source->name_output, CurrentMemoryContext);
	if (!columns->permissions_column_null)
	{
		source->permissions_attno =
			resolve_related_column(scope, table, source->relid, columns->permissions_column,
								   &source->permissions_type);
		if (!is_permissions_type(source->permissions_type))
			report_changed(scope, table, "changed the type of its permissions column");
		source->permissions_type = getBaseType(source->permissions_type);
	}
	return source;
}

const OwnerSource *
resolve_owner_source(const char *scope, const RoleColumns *columns, Oid tenant_type,
					 Oid user_type)
{
	const char *table = "owner table";
	Oid index;
	Oid type;

	if (columns->owner_table_null)
		return nullptr;
	OwnerSource *owner = static_cast<OwnerSource *>(palloc0(sizeof(OwnerSource)));
	owner->relid = DatumGetObjectId(columns->owner_table);
	if (!SearchSysCacheExists1(RELOID, ObjectIdGetDatum(owner->relid)))
		report_changed(scope, table, "no longer exists");
	if (!primary_key(owner->relid, &index, &owner->key_attno))
		report_changed(scope, table, "lost its primary key");
	owner->key_type = get_atttype(owner->relid, owner->key_attno);
	if (owner->key_type != tenant_type)
		report_changed(scope, table, "changed the type of its primary key");
	owner->owner_attno =
		resolve_related_column(scope, table, owner->relid, columns->owner_column, &type);
	if (type != user_type)
		report_changed(scope, table, "changed the type of its owner column");
	owner->owner_type = type;
	Relation rel = table_open(owner->relid, AccessShareLock);
	owner->owner_index = find_user_index(rel, owner->owner_attno, type);
	table_close(rel, AccessShareLock);
	owner->role = TextDatumGetCString(columns->owner_role);
	owner->permissions = owner_permission_list(columns->owner_permissions);
	return owner;
}

bool
grants_permissions(const RoleSource *roles, const OwnerSource *owner)
{
	return (roles != nullptr && roles->permissions_attno != 0) ||
		   (owner != nullptr && owner->permissions.count > 0);
}

} // namespace tenancy
