/*
 * hierarchy_pg.cpp: what a membership cache fill reads of a scope's parent
 * (hierarchy_pg.hpp): the parent memberships that reach the children, and
 * the children the mapping table links to them, one index probe on the
 * mapping's parent column per parent tenant, with the fill's snapshot. Read
 * with direct scans, like the membership table: no SQL, no permission
 * check, no row level security.
 *
 * Plain C-style glue: PODs and palloc'd memory only.
 */
#include "core/boundary.hpp"
#include "membership/hierarchy_pg.hpp"
#include "membership/id_types_pg.hpp"
#include "membership/registration_pg.hpp"

extern "C" {
#include "access/genam.h"
#include "access/htup_details.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"
#include "utils/typcache.h"
#include "utils/uuid.h"
}

#include <cstring>

namespace tenancy {

namespace {

[[noreturn]] void
report_changed(const char *scope, const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("the mapping table of scope \"%s\" %s", scope, what),
			 errhint("Call tenancy.register_scope_parent() again for the current table, or "
					 "tenancy.unregister_scope_parent('%s').",
					 scope)));
	pg_unreachable();
}

AttrNumber
resolve_mapping_column(const char *scope, Oid relid, Datum name, Oid *type)
{
	AttrNumber attno = get_attnum(relid, NameStr(*DatumGetName(name)));

	if (attno <= 0)
		report_changed(scope, "lost a registered column");
	*type = get_atttype(relid, attno);
	return attno;
}

bool
has_column(TupleDesc desc, AttrNumber attno, Oid type)
{
	return attno <= desc->natts && !TupleDescAttr(desc, attno - 1)->attisdropped &&
		   TupleDescAttr(desc, attno - 1)->atttypid == type;
}

/* The columns must still have the registered types (the lock is held). */
void
check_mapping_descriptor(const char *scope, TupleDesc desc, AttrNumber attno, Oid type)
{
	if (!has_column(desc, attno, type))
		report_changed(scope, "changed");
}

bool
has_parent_role(const ParentSource *source, const MembershipRow *row)
{
	if (source->nroles < 0)
		return true;
	for (int i = 0; i < source->nroles; i++)
		if (row->role != nullptr && strcmp(row->role, source->roles[i]) == 0)
			return true;
	return false;
}

/*
 * The parent tenant of key as a value of the mapping's parent column type;
 * false when no row of that column can hold it (an integer beyond int).
 */
bool
parent_value(const ParentSource *source, const UserMemberships *parent, const unsigned char *key,
			 Datum *value)
{
	switch (parent->tenant_kind)
	{
		case IdKind::uuid:
		{
			pg_uuid_t *uuid = static_cast<pg_uuid_t *>(palloc(sizeof(pg_uuid_t)));
			memcpy(uuid->data, key, UUID_LEN);
			*value = UUIDPGetDatum(uuid);
			return true;
		}
		case IdKind::integer:
		{
			int64 integer = integer_of_key(key);
			if (source->link.parent_type == INT8OID)
			{
				*value = Int64GetDatum(integer);
				return true;
			}
			if (integer < PG_INT32_MIN || integer > PG_INT32_MAX)
				return false;
			*value = Int32GetDatum(static_cast<int32>(integer));
			return true;
		}
		case IdKind::text:
		{
			const TextRef &t = parent->texts[text_index_of_key(key)];
			*value = PointerGetDatum(cstring_to_text_with_len(t.bytes, t.length));
			return true;
		}
	}
	pg_unreachable();
}

/* The mapping rows of one parent tenant: an index probe (or a scan) on the parent column. */
struct ChildScan
{
	SysScanDesc scan;
	TupleDesc desc;
	AttrNumber tenant_attno;
	ScanKeyData key;
};

void
begin_children(ChildScan *children, Relation rel, const ParentLink *link, RegProcedure equal,
			   Datum parent, Snapshot snapshot)
{
	children->desc = RelationGetDescr(rel);
	children->tenant_attno = link->tenant_attno;
	ScanKeyEntryInitialize(&children->key, 0, link->parent_attno, BTEqualStrategyNumber,
						   InvalidOid, link->parent_collation, equal, parent);
	children->scan = systable_beginscan(rel, link->parent_index, OidIsValid(link->parent_index),
										snapshot, 1, &children->key);
}

/* The next child tenant (not NULL) through *child; false at the end. */
bool
next_child(ChildScan *children, Datum *child)
{
	HeapTuple tuple;

	while (HeapTupleIsValid(tuple = systable_getnext(children->scan)))
	{
		bool isnull;
		*child = heap_getattr(tuple, children->tenant_attno, children->desc, &isnull);
		if (!isnull)
			return true;
	}
	return false;
}

} // namespace

void
mapping_tenant_column(const char *scope, const ParentColumns *columns, Oid *type, IdKind *kind)
{
	Oid relid = DatumGetObjectId(columns->mapping);

	if (!SearchSysCacheExists1(RELOID, ObjectIdGetDatum(relid)))
		report_changed(scope, "no longer exists");
	AttrNumber attno = resolve_mapping_column(scope, relid, columns->tenant_column, type);
	Oid column_type, collation;
	int32 typmod;
	get_atttypetypmodcoll(relid, attno, &column_type, &typmod, &collation);
	// compared byte for byte, as a registered text id column is
	if (!id_kind_of_type(*type, kind) ||
		(*kind == IdKind::text && OidIsValid(collation) && !get_collation_isdeterministic(collation)))
		report_changed(scope, "changed the type of its tenant column");
}

const ParentSource *
resolve_parent_source(const char *scope, const ParentColumns *columns, Oid tenant_type)
{
	ParentSource *source = static_cast<ParentSource *>(palloc0(sizeof(ParentSource)));

	source->scope = TextDatumGetCString(columns->parent_scope);
	source->link.relid = DatumGetObjectId(columns->mapping);
	if (!SearchSysCacheExists1(RELOID, ObjectIdGetDatum(source->link.relid)))
		report_changed(scope, "no longer exists");
	source->link.tenant_attno = resolve_mapping_column(scope, source->link.relid, columns->tenant_column,
												  &source->link.tenant_type);
	if (source->link.tenant_type != tenant_type)
		report_changed(scope, "changed the type of its tenant column");
	source->link.parent_attno = resolve_mapping_column(scope, source->link.relid, columns->parent_column,
												  &source->link.parent_type);
	IdKind kind;
	if (!id_kind_of_type(source->link.parent_type, &kind))
		report_changed(scope, "changed the type of its parent column");
	Oid type;
	int32 typmod;
	get_atttypetypmodcoll(source->link.relid, source->link.parent_attno, &type, &typmod,
						  &source->link.parent_collation);
	Relation rel = table_open(source->link.relid, AccessShareLock);
	source->link.parent_index = find_user_index(rel, source->link.parent_attno, source->link.parent_type);
	table_close(rel, AccessShareLock);
	source->nroles = -1;
	if (!columns->parent_roles_null)
	{
		Datum *elements;
		bool *nulls;
		int count;
		deconstruct_array(DatumGetArrayTypeP(columns->parent_roles), TEXTOID, -1, false,
						  TYPALIGN_INT, &elements, &nulls, &count);
		source->roles = static_cast<char **>(palloc(Max(count, 1) * sizeof(char *)));
		source->nroles = 0;
		for (int i = 0; i < count; i++)
			if (!nulls[i])
				source->roles[source->nroles++] = TextDatumGetCString(elements[i]);
	}
	return source;
}

ParentTenants
parent_tenants(const char *scope, const ParentSource *source, const UserMemberships *parent)
{
	ParentTenants out;
	int capacity = Max(parent->ntenants, 1);
	IdKind kind;

	if (!id_kind_of_type(source->link.parent_type, &kind) || kind != parent->tenant_kind)
		report_changed(scope, "has a parent column of another type than the parent scope's "
							  "tenant ids");
	out.has_roles = parent->has_roles;
	out.count = 0;
	out.tenants = static_cast<Datum *>(palloc(capacity * sizeof(Datum)));
	out.first = static_cast<const MembershipRow **>(palloc(capacity * sizeof(MembershipRow *)));
	out.nrows = static_cast<int *>(palloc(capacity * sizeof(int)));
	// the rows are sorted by tenant: each tenant's rows are one run
	for (int i = 0; i < parent->nrows;)
	{
		const MembershipRow *run = &parent->rows[i];
		int n = 0;
		while (i + n < parent->nrows && memcmp(parent->rows[i + n].tenant, run->tenant, 16) == 0)
			n++;
		i += n;
		// keep the run's rows with a parent role, in place of the run
		const MembershipRow **kept = &out.first[out.count];
		int nkept = 0;
		for (int r = 0; r < n; r++)
			if (has_parent_role(source, &run[r]))
				nkept++;
		if (nkept == 0 || !parent_value(source, parent, run->tenant, &out.tenants[out.count]))
			continue;
		// rows of one run with a parent role are contiguous only without a filter
		if (nkept == n)
			*kept = run;
		else
		{
			MembershipRow *copy = static_cast<MembershipRow *>(palloc(nkept * sizeof(MembershipRow)));
			int c = 0;
			for (int r = 0; r < n; r++)
				if (has_parent_role(source, &run[r]))
					copy[c++] = run[r];
			*kept = copy;
		}
		out.nrows[out.count++] = nkept;
	}
	return out;
}

void
append_derived_tenants(const char *scope, const ParentSource *source, Relation rel,
					   Snapshot snapshot, const ParentTenants *parents, OwnedRow append,
					   void *sink)
{
	TupleDesc desc = RelationGetDescr(rel);
	RegProcedure equal =
		get_opcode(lookup_type_cache(source->link.parent_type, TYPECACHE_EQ_OPR)->eq_opr);

	check_mapping_descriptor(scope, desc, source->link.parent_attno, source->link.parent_type);
	check_mapping_descriptor(scope, desc, source->link.tenant_attno, source->link.tenant_type);
	for (int p = 0; p < parents->count; p++)
	{
		ChildScan children;
		begin_children(&children, rel, &source->link, equal, parents->tenants[p], snapshot);
		Datum tenant;
		while (next_child(&children, &tenant))
			for (int r = 0; r < parents->nrows[p]; r++)
			{
				MembershipRow *row = append(sink, tenant);
				row->role = parents->first[p][r].role;
				row->permissions = parents->first[p][r].permissions;
			}
		systable_endscan(children.scan);
	}
}

bool
lineage_to(const char *scope, const char *ancestor, Lineage *lineage)
{
	const char *at = scope;
	int index;

	lineage->count = 0;
	while (lineage->count < max_scope_depth)
	{
		const Registration *reg = current_registration(at, &index);
		const ParentSource *source = reg->parent;
		if (source == nullptr)
			return false;
		lineage->links[lineage->count++] = source->link;
		if (strcmp(source->scope, ancestor) == 0)
			return true;
		at = pstrdup(source->scope); /* the next lookup may load reg again */
	}
	return false;
}

namespace {

/* The tenant column values the mapping of link links to values (n of them). */
Datum *
children_of(const ParentLink *link, const Datum *values, int n, Snapshot snapshot, int *count)
{
	Relation rel = table_open(link->relid, AccessShareLock);
	TupleDesc desc = RelationGetDescr(rel);
	RegProcedure equal = get_opcode(lookup_type_cache(link->parent_type, TYPECACHE_EQ_OPR)->eq_opr);
	int16 length;
	bool byval;
	int capacity = 16;
	Datum *children = static_cast<Datum *>(palloc(capacity * sizeof(Datum)));

	// resolved before the lock was taken: a change since is an error, not a misread
	if (!has_column(desc, link->parent_attno, link->parent_type) ||
		!has_column(desc, link->tenant_attno, link->tenant_type))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the mapping table \"%s\" changed", get_rel_name(link->relid)),
				 errhint("Run the statement again.")));
	get_typlenbyval(link->tenant_type, &length, &byval);
	*count = 0;
	for (int i = 0; i < n; i++)
	{
		ChildScan scan;
		begin_children(&scan, rel, link, equal, values[i], snapshot);
		Datum child;
		while (next_child(&scan, &child))
		{
			if (*count == capacity)
			{
				capacity *= 2;
				children = static_cast<Datum *>(repalloc(children, capacity * sizeof(Datum)));
			}
			children[(*count)++] = datumCopy(child, byval, length);
		}
		systable_endscan(scan.scan);
	}
	table_close(rel, AccessShareLock);
	return children;
}

int
compare_keys(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(pg_uuid_t));
}

} // namespace

pg_uuid_t *
descendant_keys(const Lineage *lineage, Datum top, const UserMemberships *all, Snapshot snapshot,
				int *count)
{
	int n = 1;
	Datum *values = &top;

	for (int level = lineage->count - 1; level >= 0; level--)
		values = children_of(&lineage->links[level], values, n, snapshot, &n);
	pg_uuid_t *keys = static_cast<pg_uuid_t *>(palloc(Max(n, 1) * sizeof(pg_uuid_t)));
	Oid type = lineage->links[0].tenant_type;
	int kept = 0;
	for (int i = 0; i < n; i++)
	{
		unsigned char *key = keys[kept].data;
		std::size_t index;
		switch (all->tenant_kind)
		{
			case IdKind::uuid:
				memcpy(key, DatumGetUUIDP(values[i])->data, UUID_LEN);
				break;
			case IdKind::integer:
				integer_key(type == INT8OID ? DatumGetInt64(values[i]) : DatumGetInt32(values[i]),
							key);
				break;
			case IdKind::text:
			{
				text *t = DatumGetTextPP(values[i]);
				if (!find_text(all->texts, all->ntexts,
							   TextRef{VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t)}, &index))
					continue;
				text_key(index, key);
				break;
			}
		}
		kept++;
	}
	qsort(keys, kept, sizeof(pg_uuid_t), compare_keys);
	int distinct = 0;
	for (int i = 0; i < kept; i++)
		if (distinct == 0 || memcmp(keys[distinct - 1].data, keys[i].data, UUID_LEN) != 0)
			keys[distinct++] = keys[i];
	*count = distinct;
	return keys;
}

} // namespace tenancy
