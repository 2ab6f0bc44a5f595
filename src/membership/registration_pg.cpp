/*
 * registration_pg.cpp: tenancy.register_membership(), the trigger that
 * reports membership changes, and loading the registration for the cache.
 *
 * One registration per database, stored in the configuration table
 * tenancy.membership_registration (dumped by pg_dump). That table is also
 * the sentinel: the triggers on the membership table queue a relcache
 * invalidation of it, which the cache's callback turns into a new
 * generation (membership_cache_pg.cpp).
 *
 * Plain C-style glue: PODs and palloc'd memory only; an ereport unwinds
 * nothing, and a user id switched for the catalog work is restored by
 * transaction abort.
 */
#include "core/boundary.hpp"
#include "membership/access_pg.hpp"

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

/* Columns of tenancy.membership_registration (access.sql). */
enum RegistrationColumn
{
	col_singleton = 1,
	col_membership,
	col_tenant_column,
	col_user_column,
	col_role_column,
	col_status_column,
	col_active_statuses,
	registration_columns = col_active_statuses
};

Oid sentinel_relid = InvalidOid;
Oid registered_relid = InvalidOid; /* kept for the callback after a flush */

struct LoadedRegistration
{
	MemoryContext context;
	bool valid;
	uint64 generation;
	Registration reg;
};

LoadedRegistration loaded;

SnapshotData registration_snapshot_data = {SNAPSHOT_MVCC};

/* Callbacks only set flags (docs/architecture.md, rule 4). */
void
membership_relcache_callback(Datum arg, Oid relid)
{
	if (relid == InvalidOid || relid == sentinel_relid)
	{
		membership_generation++;
		sentinel_relid = InvalidOid; /* looked up again: the extension may be recreated */
	}
	else if (relid == registered_relid)
		membership_generation++;
}

[[noreturn]] void
report_changed_registration(const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("the registered membership table %s", what),
			 errhint("Call tenancy.register_membership() again for the current table.")));
	pg_unreachable();
}

AttrNumber
resolve_column(Oid relid, Datum name, bool isnull, Oid *type)
{
	if (isnull)
		return 0;
	AttrNumber attno = get_attnum(relid, NameStr(*DatumGetName(name)));
	if (attno <= 0)
		report_changed_registration("lost a registered column");
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

/* A valid btree index with the default uuid opclass leading with attno. */
Oid
find_user_index(Relation rel, AttrNumber attno)
{
	List *indexes = RelationGetIndexList(rel);
	ListCell *lc;
	Oid default_opclass = GetDefaultOpClass(UUIDOID, BTREE_AM_OID);

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

/* Resolves a stored registration row against the catalogs, in loaded.context. */
void
resolve(Datum *values, bool *nulls)
{
	Registration *reg = &loaded.reg;
	Oid output;
	bool varlena;

	memset(reg, 0, sizeof(*reg));
	reg->relid = DatumGetObjectId(values[col_membership - 1]);
	registered_relid = reg->relid;
	if (!SearchSysCacheExists1(RELOID, ObjectIdGetDatum(reg->relid)))
		report_changed_registration("no longer exists");
	Oid type = InvalidOid;
	reg->tenant_attno = resolve_column(reg->relid, values[col_tenant_column - 1], false, &type);
	if (type != UUIDOID)
		report_changed_registration("changed the type of its tenant column");
	reg->user_attno = resolve_column(reg->relid, values[col_user_column - 1], false, &type);
	if (type != UUIDOID)
		report_changed_registration("changed the type of its user column");
	reg->role_attno = resolve_column(reg->relid, values[col_role_column - 1],
									 nulls[col_role_column - 1], &reg->role_type);
	reg->status_attno = resolve_column(reg->relid, values[col_status_column - 1],
									   nulls[col_status_column - 1], &reg->status_type);
	if (reg->role_attno != 0)
	{
		getTypeOutputInfo(reg->role_type, &output, &varlena);
		fmgr_info_cxt(output, &reg->role_output, loaded.context);
	}
	if (reg->status_attno != 0)
	{
		getTypeOutputInfo(reg->status_type, &output, &varlena);
		fmgr_info_cxt(output, &reg->status_output, loaded.context);
	}
	resolve_statuses(reg, values[col_active_statuses - 1], nulls[col_active_statuses - 1]);
	Relation rel = table_open(reg->relid, AccessShareLock);
	reg->user_index = find_user_index(rel, reg->user_attno);
	table_close(rel, AccessShareLock);
}

void
load_registration(void)
{
	uint64 generation = membership_generation;

	if (loaded.context == nullptr)
		loaded.context = AllocSetContextCreate(CacheMemoryContext, "tenancy membership registration",
											   ALLOCSET_SMALL_SIZES);
	loaded.valid = false;
	MemoryContextReset(loaded.context);
	MemoryContext old = MemoryContextSwitchTo(loaded.context);
	Relation rel = table_open(membership_sentinel_relid(), AccessShareLock);
	TupleDesc desc = RelationGetDescr(rel);
	if (desc->natts < registration_columns)
		elog(ERROR, "tenancy.membership_registration has %d columns, expected %d", desc->natts,
			 registration_columns);
	Datum *values = static_cast<Datum *>(palloc(desc->natts * sizeof(Datum)));
	bool *nulls = static_cast<bool *>(palloc(desc->natts * sizeof(bool)));
	Snapshot snapshot = RegisterSnapshot(GetSnapshotData(&registration_snapshot_data));
	SysScanDesc scan = systable_beginscan(rel, InvalidOid, false, snapshot, 0, nullptr);
	HeapTuple tuple = systable_getnext(scan);
	bool found = HeapTupleIsValid(tuple);
	if (found)
	{
		heap_deform_tuple(tuple, desc, values, nulls);
		for (int i = 0; i < registration_columns; i++)
			if (!nulls[i] && !TupleDescAttr(desc, i)->attbyval)
				values[i] = datumCopy(values[i], false, TupleDescAttr(desc, i)->attlen);
	}
	systable_endscan(scan);
	UnregisterSnapshot(snapshot);
	table_close(rel, AccessShareLock);
	if (!found)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("no membership table is registered"),
				 errhint("Call tenancy.register_membership('<table>', '<tenant column>', "
						 "'<user column>') first.")));
	resolve(values, nulls);
	MemoryContextSwitchTo(old);
	loaded.generation = generation;
	loaded.valid = true;
}

} // namespace

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

const Registration *
current_registration(void)
{
	if (!loaded.valid || loaded.generation != membership_generation)
		load_registration();
	return &loaded.reg;
}

void
register_relcache_callback(void)
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
