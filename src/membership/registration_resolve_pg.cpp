/*
 * registration_resolve_pg.cpp: a stored registration resolved against the
 * catalogs (registration_row_pg.hpp): its columns' numbers, types and
 * output functions, its roles, owners and parent, the index a fill scans.
 * Raises 55000 naming what changed since it was registered.
 *
 * Plain C-style glue: PODs and palloc'd memory only.
 */
#include "core/boundary.hpp"
#include "membership/id_types_pg.hpp"
#include "membership/registration_row_pg.hpp"
#include "membership/roles_pg.hpp"

extern "C" {
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/pg_am.h"
#include "catalog/pg_class.h"
#include "catalog/pg_index.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"
}

#include <cstring>

namespace tenancy {

namespace {

Oid
get_attcollation_of(Oid relid, AttrNumber attno)
{
	Oid type, collation;
	int32 typmod;

	get_atttypetypmodcoll(relid, attno, &type, &typmod, &collation);
	return collation;
}

[[noreturn]] void
report_changed_registration(const char *scope, const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("the registered membership table of scope \"%s\" %s", scope, what),
			 errhint("Call tenancy.register_membership() again for the current table.")));
	pg_unreachable();
}

AttrNumber
resolve_column(const char *scope, Oid relid, Datum name, bool isnull, Oid *type)
{
	if (isnull)
		return 0;
	AttrNumber attno = get_attnum(relid, NameStr(*DatumGetName(name)));
	if (attno <= 0)
		report_changed_registration(scope, "lost a registered column");
	*type = get_atttype(relid, attno);
	return attno;
}

Oid
relation_am(Oid relid)
{
	HeapTuple tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	Oid am = InvalidOid;

	if (HeapTupleIsValid(tuple))
	{
		am = ((Form_pg_class) GETSTRUCT(tuple))->relam;
		ReleaseSysCache(tuple);
	}
	return am;
}

void
resolve_statuses(Registration *reg, Datum statuses, bool isnull)
{
	Datum *elements;
	bool *nulls;
	int count = 0;

	reg->nstatuses = 0;
	reg->statuses = nullptr;
	if (isnull)
		return;
	deconstruct_array(DatumGetArrayTypeP(statuses), TEXTOID, -1, false, TYPALIGN_INT, &elements,
					  &nulls, &count);
	reg->statuses = static_cast<char **>(palloc(Max(count, 1) * sizeof(char *)));
	for (int i = 0; i < count; i++)
		if (!nulls[i])
			reg->statuses[reg->nstatuses++] = TextDatumGetCString(elements[i]);
}

} // namespace

bool
resolve_kind(Oid relid, AttrNumber attno, Oid type, IdKind *kind, Oid *collation)
{
	Oid collid = get_attcollation_of(relid, attno);

	if (!id_kind_of_type(type, kind))
		return false;
	if (collation != nullptr)
		*collation = collid;
	return *kind != IdKind::text || !OidIsValid(collid) || get_collation_isdeterministic(collid);
}

void
resolve_registration(const StoredRegistration *stored, Registration *reg)
{
	const Datum *values = stored->values;
	const bool *nulls = stored->nulls;
	const char *scope = stored->scope;
	Oid output;
	bool varlena;

	memset(reg, 0, sizeof(*reg));
	reg->relid = stored->relid;
	if (!SearchSysCacheExists1(RELOID, ObjectIdGetDatum(reg->relid)))
		report_changed_registration(scope, "no longer exists");
	reg->tenant_attno = resolve_column(scope, reg->relid, values[col_tenant_column - 1], false,
									   &reg->tenant_type);
	if (!resolve_kind(reg->relid, reg->tenant_attno, reg->tenant_type, &reg->tenant_kind, nullptr))
		report_changed_registration(scope, "changed the type of its tenant column");
	reg->user_attno =
		resolve_column(scope, reg->relid, values[col_user_column - 1], false, &reg->user_type);
	if (!resolve_kind(reg->relid, reg->user_attno, reg->user_type, &reg->user_kind,
					  &reg->user_collation))
		report_changed_registration(scope, "changed the type of its user column");
	reg->role_attno = resolve_column(scope, reg->relid, values[col_role_column - 1],
									 nulls[col_role_column - 1], &reg->role_type);
	reg->status_attno = resolve_column(scope, reg->relid, values[col_status_column - 1],
									   nulls[col_status_column - 1], &reg->status_type);
	if (reg->role_attno != 0)
	{
		getTypeOutputInfo(reg->role_type, &output, &varlena);
		fmgr_info_cxt(output, &reg->role_output, CurrentMemoryContext);
	}
	if (reg->status_attno != 0)
	{
		getTypeOutputInfo(reg->status_type, &output, &varlena);
		fmgr_info_cxt(output, &reg->status_output, CurrentMemoryContext);
	}
	resolve_statuses(reg, values[col_active_statuses - 1], nulls[col_active_statuses - 1]);
	RoleColumns role_columns;
	role_columns.role_table = values[col_role_table - 1];
	role_columns.role_name_column = values[col_role_name_column - 1];
	role_columns.permissions_column = values[col_permissions_column - 1];
	role_columns.owner_table = values[col_owner_table - 1];
	role_columns.owner_column = values[col_owner_column - 1];
	role_columns.owner_role = values[col_owner_role - 1];
	role_columns.owner_permissions = values[col_owner_permissions - 1];
	role_columns.role_table_null = nulls[col_role_table - 1];
	role_columns.permissions_column_null = nulls[col_permissions_column - 1];
	role_columns.owner_table_null = nulls[col_owner_table - 1];
	reg->roles = resolve_role_source(scope, &role_columns, reg->role_type);
	reg->owner = resolve_owner_source(scope, &role_columns, reg->tenant_type, reg->user_type);
	reg->parent = stored->has_parent
					  ? resolve_parent_source(scope, &stored->parent, reg->tenant_type)
					  : nullptr;
	Relation rel = table_open(reg->relid, AccessShareLock);
	reg->user_index = find_user_index(rel, reg->user_attno, reg->user_type);
	table_close(rel, AccessShareLock);
}

void
resolve_derived_registration(const StoredRegistration *stored, const Registration *parent,
							 Registration *reg)
{
	memset(reg, 0, sizeof(*reg));
	reg->derived_only = true;
	reg->relid = InvalidOid;
	mapping_tenant_column(stored->scope, &stored->parent, &reg->tenant_type, &reg->tenant_kind);
	reg->user_type = parent->user_type;
	reg->user_kind = parent->user_kind;
	reg->user_collation = parent->user_collation;
	reg->parent = resolve_parent_source(stored->scope, &stored->parent, reg->tenant_type);
}

Oid
find_user_index(Relation rel, AttrNumber attno, Oid type)
{
	List *indexes = RelationGetIndexList(rel);
	ListCell *lc;
	Oid default_opclass = GetDefaultOpClass(type, BTREE_AM_OID);

	foreach (lc, indexes)
	{
		Oid index_oid = lfirst_oid(lc);
		HeapTuple tuple = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(index_oid));
		if (!HeapTupleIsValid(tuple))
			continue;
		Form_pg_index index = (Form_pg_index) GETSTRUCT(tuple);
		bool isnull;
		Datum classes = SysCacheGetAttr(INDEXRELID, tuple, Anum_pg_index_indclass, &isnull);
		oidvector *opclasses = (oidvector *) DatumGetPointer(classes);
		bool usable = index->indisvalid && index->indisready && index->indkey.values[0] == attno &&
					  heap_attisnull(tuple, Anum_pg_index_indpred, nullptr) &&
					  heap_attisnull(tuple, Anum_pg_index_indexprs, nullptr) && !isnull &&
					  opclasses->values[0] == default_opclass &&
					  relation_am(index_oid) == BTREE_AM_OID;
		ReleaseSysCache(tuple);
		if (usable)
			return index_oid;
	}
	return InvalidOid;
}

} // namespace tenancy
