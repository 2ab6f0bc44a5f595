/*
 * registration_pg.cpp: the membership registration and its invalidation.
 *
 * Owns the registrations of this database: tenancy.register_membership()
 * stores one per scope in the configuration table
 * tenancy.membership_registration (dumped by pg_dump) and installs the
 * triggers on the membership table; tenancy.register_scope_parent()
 * (hierarchy_registration_pg.cpp) stores a scope's parent in
 * tenancy.scope_parent; the loader reads both and resolves them against
 * the catalogs for the cache. The registration table is also the
 * sentinel: the triggers queue a relcache invalidation of it, and
 * this file's relcache callback turns that into a new generation, which the
 * membership cache (membership_cache_pg.cpp) compares before every use.
 *
 * Plain C-style glue: PODs and palloc'd memory only; an ereport unwinds
 * nothing, and a user id switched for the catalog work is restored by
 * transaction abort.
 */
#include "core/boundary.hpp"
#include "membership/hierarchy_pg.hpp"
#include "membership/id_types_pg.hpp"
#include "membership/registration_checks_pg.hpp"
#include "membership/registration_pg.hpp"
#include "membership/roles_pg.hpp"

extern "C" {
#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/namespace.h"
#include "catalog/pg_am.h"
#include "catalog/pg_class.h"
#include "catalog/pg_index.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "storage/lmgr.h"
#include "storage/procarray.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
}

#include <cstring>

namespace tenancy {

namespace {

/* Columns of tenancy.membership_registration (membership.sql). */
enum RegistrationColumn
{
	col_scope = 1,
	col_membership,
	col_tenant_column,
	col_user_column,
	col_role_column,
	col_status_column,
	col_active_statuses,
	col_manager_roles,
	col_registered_at,
	col_role_table,
	col_role_name_column,
	col_permissions_column,
	col_owner_table,
	col_owner_column,
	col_owner_role,
	col_owner_permissions,
	registration_columns = col_owner_permissions
};

uint64 generation = 1;
Oid sentinel_relid = InvalidOid;

/* One stored registration; resolved against the catalogs on first use. */
struct LoadedScope
{
	char *scope;
	Oid relid; /* read by the relcache callback */
	Oid related[3]; /* its roles, owner and mapping tables, or 0: read by the callback too */
	Datum values[registration_columns];
	bool nulls[registration_columns];
	bool has_parent; /* a row of tenancy.scope_parent, in parent */
	ParentColumns parent;
	MemoryContext context; /* what resolving allocated */
	bool resolved;
	Registration reg;
};

struct LoadedRegistrations
{
	MemoryContext context;
	bool valid;
	uint64 generation;
	int nscopes;
	LoadedScope *scopes;
};

LoadedRegistrations loaded;

SnapshotData registration_snapshot_data = {SNAPSHOT_MVCC};

/* The sentinel relation (tenancy.membership_registration). */
Oid
membership_sentinel_relid(void)
{
	if (!OidIsValid(sentinel_relid))
	{
		Oid schema = get_namespace_oid("tenancy", false);
		Oid relid = get_relname_relid("membership_registration", schema);
		if (!OidIsValid(relid))
			elog(ERROR, "tenancy.membership_registration is missing");
		sentinel_relid = relid;
	}
	return sentinel_relid;
}

/* Callbacks only set flags (docs/architecture.md, rule 4). */
void
membership_relcache_callback(Datum arg, Oid relid)
{
	if (relid == InvalidOid || relid == sentinel_relid)
	{
		generation++;
		sentinel_relid = InvalidOid; /* looked up again: the extension may be recreated */
	}
	else
		for (int i = 0; i < loaded.nscopes; i++)
			if (relid == loaded.scopes[i].relid || relid == loaded.scopes[i].related[0] ||
				relid == loaded.scopes[i].related[1] || relid == loaded.scopes[i].related[2])
			{
				generation++;
				break;
			}
}

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

/*
 * The kind of an id column as it is now (and its collation), false when
 * ids can no longer be of its type or collation.
 */
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

/*
 * Resolves a stored registration against the catalogs, in its own context
 * (emptied first: a failed attempt leaves nothing behind).
 */
void
resolve(LoadedScope *loaded_scope)
{
	Registration *reg = &loaded_scope->reg;
	Datum *values = loaded_scope->values;
	bool *nulls = loaded_scope->nulls;
	const char *scope = loaded_scope->scope;
	Oid output;
	bool varlena;

	MemoryContextReset(loaded_scope->context);
	MemoryContext old = MemoryContextSwitchTo(loaded_scope->context);
	memset(reg, 0, sizeof(*reg));
	reg->relid = loaded_scope->relid;
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
		fmgr_info_cxt(output, &reg->role_output, loaded_scope->context);
	}
	if (reg->status_attno != 0)
	{
		getTypeOutputInfo(reg->status_type, &output, &varlena);
		fmgr_info_cxt(output, &reg->status_output, loaded_scope->context);
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
	reg->parent = loaded_scope->has_parent
					  ? resolve_parent_source(scope, &loaded_scope->parent, reg->tenant_type)
					  : nullptr;
	Relation rel = table_open(reg->relid, AccessShareLock);
	reg->user_index = find_user_index(rel, reg->user_attno, reg->user_type);
	table_close(rel, AccessShareLock);
	MemoryContextSwitchTo(old);
	loaded_scope->resolved = true;
}

/* Columns of tenancy.scope_parent (hierarchy.sql). */
enum ParentColumn
{
	parent_col_scope = 1,
	parent_col_parent_scope,
	parent_col_mapping,
	parent_col_tenant_column,
	parent_col_parent_column,
	parent_col_parent_roles,
	parent_columns = parent_col_parent_roles
};

Datum
copy_datum(TupleDesc desc, Datum *values, int column)
{
	Form_pg_attribute attr = TupleDescAttr(desc, column - 1);

	return attr->attbyval ? values[column - 1] : datumCopy(values[column - 1], false, attr->attlen);
}

/*
 * Attaches each row of tenancy.scope_parent to its scope's registration,
 * read with the registrations' snapshot (a row whose scope has none
 * answers nothing).
 */
void
load_parents(LoadedScope *scopes, int count, Snapshot snapshot)
{
	Oid relid = get_relname_relid("scope_parent", get_namespace_oid("tenancy", false));
	if (!OidIsValid(relid))
		elog(ERROR, "tenancy.scope_parent is missing");
	Relation rel = table_open(relid, AccessShareLock);
	TupleDesc desc = RelationGetDescr(rel);
	if (desc->natts < parent_columns)
		elog(ERROR, "tenancy.scope_parent has %d columns, expected %d", desc->natts,
			 parent_columns);
	Datum *values = static_cast<Datum *>(palloc(desc->natts * sizeof(Datum)));
	bool *nulls = static_cast<bool *>(palloc(desc->natts * sizeof(bool)));
	SysScanDesc scan = systable_beginscan(rel, InvalidOid, false, snapshot, 0, nullptr);
	HeapTuple tuple;
	while (HeapTupleIsValid(tuple = systable_getnext(scan)))
	{
		heap_deform_tuple(tuple, desc, values, nulls);
		char *scope = TextDatumGetCString(values[parent_col_scope - 1]);
		for (int i = 0; i < count; i++)
		{
			if (strcmp(scopes[i].scope, scope) != 0)
				continue;
			ParentColumns *parent = &scopes[i].parent;
			scopes[i].has_parent = true;
			parent->parent_scope = copy_datum(desc, values, parent_col_parent_scope);
			parent->mapping = values[parent_col_mapping - 1];
			parent->tenant_column = copy_datum(desc, values, parent_col_tenant_column);
			parent->parent_column = copy_datum(desc, values, parent_col_parent_column);
			parent->parent_roles_null = nulls[parent_col_parent_roles - 1];
			parent->parent_roles = parent->parent_roles_null
									   ? (Datum) 0
									   : copy_datum(desc, values, parent_col_parent_roles);
			scopes[i].related[2] = DatumGetObjectId(parent->mapping);
		}
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
}

/* Reads every stored registration (resolving waits for first use). */
void
load_registrations(void)
{
	uint64 seen = generation;

	if (loaded.context == nullptr)
		loaded.context = AllocSetContextCreate(CacheMemoryContext, "tenancy membership registration",
											   ALLOCSET_SMALL_SIZES);
	loaded.valid = false;
	loaded.nscopes = 0; /* before the reset: the callback reads the array */
	MemoryContextReset(loaded.context);
	MemoryContext old = MemoryContextSwitchTo(loaded.context);
	Relation rel = table_open(membership_sentinel_relid(), AccessShareLock);
	TupleDesc desc = RelationGetDescr(rel);
	if (desc->natts < registration_columns)
		elog(ERROR, "tenancy.membership_registration has %d columns, expected %d", desc->natts,
			 registration_columns);
	Datum *values = static_cast<Datum *>(palloc(desc->natts * sizeof(Datum)));
	bool *nulls = static_cast<bool *>(palloc(desc->natts * sizeof(bool)));
	int capacity = 4;
	LoadedScope *scopes = static_cast<LoadedScope *>(palloc0(capacity * sizeof(LoadedScope)));
	int count = 0;
	Snapshot snapshot = RegisterSnapshot(GetSnapshotData(&registration_snapshot_data));
	SysScanDesc scan = systable_beginscan(rel, InvalidOid, false, snapshot, 0, nullptr);
	HeapTuple tuple;
	while (HeapTupleIsValid(tuple = systable_getnext(scan)))
	{
		if (count == capacity)
		{
			capacity *= 2;
			scopes = static_cast<LoadedScope *>(repalloc(scopes, capacity * sizeof(LoadedScope)));
		}
		LoadedScope *scope = &scopes[count++];
		memset(scope, 0, sizeof(*scope));
		heap_deform_tuple(tuple, desc, values, nulls);
		for (int i = 0; i < registration_columns; i++)
		{
			scope->nulls[i] = nulls[i];
			scope->values[i] = nulls[i] || TupleDescAttr(desc, i)->attbyval
								   ? values[i]
								   : datumCopy(values[i], false, TupleDescAttr(desc, i)->attlen);
		}
		scope->scope = TextDatumGetCString(scope->values[col_scope - 1]);
		scope->relid = DatumGetObjectId(scope->values[col_membership - 1]);
		for (int i = 0; i < 2; i++)
		{
			int column = i == 0 ? col_role_table : col_owner_table;
			scope->related[i] =
				scope->nulls[column - 1] ? InvalidOid : DatumGetObjectId(scope->values[column - 1]);
		}
		scope->context = AllocSetContextCreate(loaded.context, "tenancy membership scope",
											   ALLOCSET_SMALL_SIZES);
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	load_parents(scopes, count, snapshot);
	UnregisterSnapshot(snapshot);
	MemoryContextSwitchTo(old);
	loaded.scopes = scopes;
	loaded.nscopes = count;
	loaded.generation = seen;
	loaded.valid = true;
}

const char *const row_trigger = "tenancy_membership_changed";
const char *const truncate_trigger = "tenancy_membership_truncated";

void
run(const char *sql, int expected)
{
	int result = SPI_execute(sql, false, 0);

	if (result != expected)
		elog(ERROR, "tenancy: SPI_execute returned %d for registration", result);
}

} // namespace

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

namespace {

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
lock_registrations(void)
{
	run("LOCK TABLE tenancy.membership_registration IN SHARE ROW EXCLUSIVE MODE", SPI_OK_UTILITY);
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
	if (SPI_execute_with_args("SELECT 1 FROM tenancy.membership_registration r "
							  "WHERE r.membership::pg_catalog.oid OPERATOR(pg_catalog.=) $1 "
							  "OR r.role_table::pg_catalog.oid OPERATOR(pg_catalog.=) $1 "
							  "OR r.owner_table::pg_catalog.oid OPERATOR(pg_catalog.=) $1 "
							  "UNION ALL SELECT 1 FROM tenancy.scope_parent p "
							  "WHERE p.mapping::pg_catalog.oid OPERATOR(pg_catalog.=) $1",
							  1, types, values, nullptr, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "tenancy: could not read the registrations");
	if (SPI_processed == 0)
		drop_triggers(relid);
}

namespace {

/* The tables the scope's registration had (membership, roles, owner; 0 for none). */
void
previous_registration(Datum scope, Oid previous[3])
{
	Oid types[1] = {TEXTOID};
	Datum values[1] = {scope};
	bool isnull;

	previous[0] = previous[1] = previous[2] = InvalidOid;
	if (SPI_execute_with_args("SELECT r.membership::pg_catalog.oid, r.role_table::pg_catalog.oid, "
							  "r.owner_table::pg_catalog.oid "
							  "FROM tenancy.membership_registration r "
							  "WHERE r.scope OPERATOR(pg_catalog.=) $1",
							  1, types, values, nullptr, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "tenancy: could not read the registrations");
	if (SPI_processed == 0)
		return;
	for (int i = 0; i < 3; i++)
	{
		Datum value = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, i + 1, &isnull);
		previous[i] = isnull ? InvalidOid : DatumGetObjectId(value);
	}
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

const Registration *
current_registration(const char *scope, int *index)
{
	if (!loaded.valid || loaded.generation != generation)
		load_registrations();
	for (int i = 0; i < loaded.nscopes; i++)
	{
		LoadedScope *loaded_scope = &loaded.scopes[i];
		if (strcmp(loaded_scope->scope, scope) != 0)
			continue;
		if (!loaded_scope->resolved)
			resolve(loaded_scope);
		*index = i;
		return &loaded_scope->reg;
	}
	if (loaded.nscopes == 0 && strcmp(scope, default_scope) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("no membership table is registered"),
				 errhint("Call tenancy.register_membership('<table>', '<tenant column>', "
						 "'<user column>') first.")));
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("no membership table is registered for scope \"%s\"", scope),
			 errhint("Call tenancy.register_membership('<table>', '<tenant column>', "
					 "'<user column>', scope => '%s') first.",
					 scope)));
	pg_unreachable();
}

ScopeIdKinds
scope_id_kinds(const char *scope)
{
	int index;
	const Registration *reg = current_registration(scope, &index);
	ScopeIdKinds kinds;

	kinds.tenant = reg->tenant_kind;
	kinds.user = reg->user_kind;
	return kinds;
}

bool
scope_is_registered(const char *scope)
{
	if (!loaded.valid || loaded.generation != generation)
		load_registrations();
	for (int i = 0; i < loaded.nscopes; i++)
		if (strcmp(loaded.scopes[i].scope, scope) == 0)
			return true;
	return false;
}

bool
registered_tenant_kind(const char *scope, IdKind *kind)
{
	if (!loaded.valid || loaded.generation != generation)
		load_registrations();
	for (int i = 0; i < loaded.nscopes; i++)
	{
		LoadedScope *loaded_scope = &loaded.scopes[i];
		if (strcmp(loaded_scope->scope, scope) != 0)
			continue;
		const char *column = NameStr(*DatumGetName(loaded_scope->values[col_tenant_column - 1]));
		AttrNumber attno = get_attnum(loaded_scope->relid, column);
		return attno > 0 && resolve_kind(loaded_scope->relid, attno,
										 get_atttype(loaded_scope->relid, attno), kind, nullptr);
	}
	return false;
}

uint64
membership_generation(void)
{
	return generation;
}

void
registration_init(void)
{
	CacheRegisterRelcacheCallback(membership_relcache_callback, (Datum) 0);
}

} // namespace tenancy

/*
 * The membership table's trigger (row level for INSERT, UPDATE, DELETE;
 * statement level for TRUNCATE; ENABLE ALWAYS): queue an invalidation of
 * the sentinel, delivered to every backend when this transaction commits.
 */
TENANCY_FUNCTION(membership_changed)
{
	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("tenancy.membership_changed() must be called as a trigger")));
	CacheInvalidateRelcacheByRelid(tenancy::membership_sentinel_relid());
	return PointerGetDatum(nullptr);
}

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

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "tenancy: SPI_connect failed");
	Oid owner = tenancy::extension_owner();
	GetUserIdAndSecContext(&saved_user, &saved_context);
	SetUserIdAndSecContext(owner, saved_context | SECURITY_LOCAL_USERID_CHANGE);
	// One registration at a time: the one read below stays until commit.
	tenancy::lock_registrations();
	tenancy::previous_registration(values[7], previous);
	tenancy::check_may_replace(previous[0], relid, saved_user);
	tenancy::check_not_isolated_as_tenant_table(relid);
	for (Oid table : tables)
		if (OidIsValid(table))
			tenancy::install_change_triggers(table);
	tenancy::store_registration(values, nulls);
	// a table no longer read loses its triggers; one another registration reads keeps them
	for (Oid old : previous)
		tenancy::drop_change_triggers_if_unread(old);
	SetUserIdAndSecContext(saved_user, saved_context);
	SPI_finish();
	CacheInvalidateRelcacheByRelid(tenancy::membership_sentinel_relid());
	PG_RETURN_VOID();
}
