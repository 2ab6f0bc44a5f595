/*
 * registration_pg.cpp: the membership registrations as the cache reads
 * them, and their invalidation.
 *
 * Owns the registrations of this database as loaded:
 * tenancy.register_membership() (registration_writes_pg.cpp) stores one
 * per scope in the configuration table tenancy.membership_registration
 * (dumped by pg_dump) and installs the triggers on the membership table;
 * tenancy.register_scope_parent() (hierarchy_registration_pg.cpp) stores a
 * scope's parent in tenancy.scope_parent; the loader here reads both, and
 * resolves them against the catalogs on first use
 * (registration_resolve_pg.cpp). The registration table is also the
 * sentinel: the triggers queue a relcache invalidation of it, and
 * this file's relcache callback turns that into a new generation, which the
 * membership cache (membership_cache_pg.cpp) compares before every use.
 *
 * Plain C-style glue: PODs and palloc'd memory only; an ereport unwinds
 * nothing.
 */
#include "core/boundary.hpp"
#include "membership/registration_row_pg.hpp"

extern "C" {
#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/namespace.h"
#include "executor/spi.h"
#include "storage/procarray.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/snapmgr.h"
}

#include <cstring>

namespace tenancy {

namespace {

uint64 generation = 1;
Oid sentinel_relid = InvalidOid;

/*
 * One stored registration (its relid read by the relcache callback);
 * resolved against the catalogs on first use.
 */
struct LoadedScope : StoredRegistration
{
	Oid related[3]; /* its roles, owner and mapping tables, or 0: read by the callback too */
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

[[noreturn]] void
report_unresolvable_parent(const char *scope, const char *parent_scope, bool too_deep)
{
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 too_deep ? errmsg("the parents of scope \"%s\" are more than %d levels deep or a cycle",
							   scope, max_scope_depth)
					  : errmsg("scope \"%s\" derives from scope \"%s\", which is not registered",
							   scope, parent_scope),
			 errhint("Remove a parent with tenancy.unregister_scope_parent().")));
	pg_unreachable();
}

/*
 * Resolves a stored registration in its own context (emptied first: a
 * failed attempt leaves nothing behind). A scope derived only from its
 * parent resolves its parent first (depth: how many scopes below asked).
 */
void
resolve(LoadedScope *loaded_scope, int depth)
{
	const Registration *parent = nullptr;

	if (loaded_scope->derived_only)
	{
		const char *parent_scope = TextDatumGetCString(loaded_scope->parent.parent_scope);
		LoadedScope *found = nullptr;
		for (int i = 0; i < loaded.nscopes && found == nullptr; i++)
			if (strcmp(loaded.scopes[i].scope, parent_scope) == 0)
				found = &loaded.scopes[i];
		if (found == nullptr || depth >= max_scope_depth)
			report_unresolvable_parent(loaded_scope->scope, parent_scope, found != nullptr);
		if (!found->resolved)
			resolve(found, depth + 1);
		parent = &found->reg;
	}
	MemoryContextReset(loaded_scope->context);
	MemoryContext old = MemoryContextSwitchTo(loaded_scope->context);
	if (parent != nullptr)
		resolve_derived_registration(loaded_scope, parent, &loaded_scope->reg);
	else
		resolve_registration(loaded_scope, &loaded_scope->reg);
	MemoryContextSwitchTo(old);
	loaded_scope->resolved = true;
}

/* The registrations being loaded: an array that grows. */
struct ScopeList
{
	LoadedScope *scopes;
	int count;
	int capacity;
};

/* A new, zeroed scope at the end of list, with its own resolving context. */
LoadedScope *
add_scope(ScopeList *list)
{
	if (list->count == list->capacity)
	{
		list->capacity *= 2;
		list->scopes = static_cast<LoadedScope *>(
			repalloc(list->scopes, list->capacity * sizeof(LoadedScope)));
	}
	LoadedScope *scope = &list->scopes[list->count++];
	memset(scope, 0, sizeof(*scope));
	scope->context =
		AllocSetContextCreate(loaded.context, "tenancy membership scope", ALLOCSET_SMALL_SIZES);
	return scope;
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
 * read with the registrations' snapshot; a row whose scope has none is a
 * scope derived only from its parent, added to list.
 */
void
load_parents(ScopeList *list, Snapshot snapshot)
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
		LoadedScope *found = nullptr;
		for (int i = 0; i < list->count && found == nullptr; i++)
			if (strcmp(list->scopes[i].scope, scope) == 0)
				found = &list->scopes[i];
		if (found == nullptr)
		{
			found = add_scope(list);
			found->scope = scope;
			found->derived_only = true;
			for (int i = 0; i < registration_columns; i++)
				found->nulls[i] = true;
		}
		{
			ParentColumns *parent = &found->parent;
			found->has_parent = true;
			parent->parent_scope = copy_datum(desc, values, parent_col_parent_scope);
			parent->mapping = values[parent_col_mapping - 1];
			parent->tenant_column = copy_datum(desc, values, parent_col_tenant_column);
			parent->parent_column = copy_datum(desc, values, parent_col_parent_column);
			parent->parent_roles_null = nulls[parent_col_parent_roles - 1];
			parent->parent_roles = parent->parent_roles_null
									   ? (Datum) 0
									   : copy_datum(desc, values, parent_col_parent_roles);
			found->related[2] = DatumGetObjectId(parent->mapping);
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
	ScopeList list;
	list.capacity = 4;
	list.count = 0;
	list.scopes = static_cast<LoadedScope *>(palloc(list.capacity * sizeof(LoadedScope)));
	Snapshot snapshot = RegisterSnapshot(GetSnapshotData(&registration_snapshot_data));
	SysScanDesc scan = systable_beginscan(rel, InvalidOid, false, snapshot, 0, nullptr);
	HeapTuple tuple;
	while (HeapTupleIsValid(tuple = systable_getnext(scan)))
	{
		LoadedScope *scope = add_scope(&list);
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
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	load_parents(&list, snapshot);
	UnregisterSnapshot(snapshot);
	MemoryContextSwitchTo(old);
	loaded.scopes = list.scopes;
	loaded.nscopes = list.count;
	loaded.generation = seen;
	loaded.valid = true;
}

} // namespace

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
			resolve(loaded_scope, 0);
		*index = i;
		return &loaded_scope->reg;
	}
	if (loaded.nscopes == 0 && strcmp(scope, default_scope) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("no membership table is registered"),
				 errhint("Call tenancy.register_membership('<table>', '<tenant column>', "
						 "'<user column>') first, or "
						 "tenancy.register_scope_parent('%s', '<parent scope>', '<mapping>', "
						 "'<tenant column>', '<parent column>') for a default scope derived from "
						 "a registered parent.",
						 scope)));
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("no membership table is registered for scope \"%s\"", scope),
			 errhint("Call tenancy.register_membership('<table>', '<tenant column>', "
					 "'<user column>', scope => '%s') first, or "
					 "tenancy.register_scope_parent('%s', '<parent scope>', '<mapping>', "
					 "'<tenant column>', '<parent column>') for a scope derived from a parent.",
					 scope, scope)));
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
		// a scope derived only from its parent: its mapping's tenant column
		Oid relid = loaded_scope->derived_only ? DatumGetObjectId(loaded_scope->parent.mapping)
											   : loaded_scope->relid;
		Datum name = loaded_scope->derived_only ? loaded_scope->parent.tenant_column
												: loaded_scope->values[col_tenant_column - 1];
		AttrNumber attno = get_attnum(relid, NameStr(*DatumGetName(name)));
		return attno > 0 && resolve_kind(relid, attno, get_atttype(relid, attno), kind, nullptr);
	}
	return false;
}

uint64
membership_generation(void)
{
	return generation;
}

void
invalidate_memberships(void)
{
	CacheInvalidateRelcacheByRelid(membership_sentinel_relid());
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
	tenancy::invalidate_memberships();
	return PointerGetDatum(nullptr);
}
