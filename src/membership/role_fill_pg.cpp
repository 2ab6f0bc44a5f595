/*
 * role_fill_pg.cpp: what a membership cache fill reads of the roles table
 * and the tenant owners, and how the cache keeps the permission lists
 * (roles_pg.hpp).
 *
 * The fill probes the roles table's primary key once per membership (with
 * the fill's snapshot, so it sees the roles as of the same instant as the
 * memberships) and parses each role's permissions once per fill: memberships
 * of one role share one list. Like the membership table, both tables are
 * read with direct scans: no SQL, no permission check, no row level
 * security.
 *
 * Plain C-style glue: PODs and palloc'd memory only.
 */
#include "core/boundary.hpp"
#include "membership/roles_pg.hpp"

extern "C" {
#include "access/genam.h"
#include "access/htup_details.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/fmgroids.h"
#include "utils/hsearch.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/typcache.h"
#include "utils/uuid.h"
}

#include <algorithm>
#include <cstring>
#include <functional>

namespace tenancy {

namespace {

/* A role read during this fill. */
struct SeenRole
{
	ItemPointerData tid; /* hash key, first */
	const char *name;
	const PermissionList *permissions;
};

[[noreturn]] void
report_changed(const char *table)
{
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("the registered %s changed", table),
			 errhint("Call tenancy.register_membership() again.")));
	pg_unreachable();
}

/* The columns must still have the registered types (the lock is held). */
void
check_column(TupleDesc desc, AttrNumber attno, Oid type, const char *table)
{
	if (attno == 0)
		return;
	if (attno > desc->natts || TupleDescAttr(desc, attno - 1)->attisdropped ||
		getBaseType(TupleDescAttr(desc, attno - 1)->atttypid) != getBaseType(type))
		report_changed(table);
}

void
add_name(const char ***names, int *count, int *capacity, char *name)
{
	if (*count == *capacity)
	{
		*capacity *= 2;
		*names = static_cast<const char **>(repalloc(*names, *capacity * sizeof(char *)));
	}
	(*names)[(*count)++] = name;
}

/*
 * The permissions of a jsonb value: an object's keys whose value is true
 * (or the string "true", as the seeds' `permissions->>'x' = 'true'` reads
 * them), or an array's strings. Anything else grants nothing.
 */
void
jsonb_permissions(Jsonb *jsonb, const char ***names, int *count, int *capacity)
{
	if (JB_ROOT_IS_SCALAR(jsonb))
		return;
	bool object = JB_ROOT_IS_OBJECT(jsonb);
	JsonbIterator *it = JsonbIteratorInit(&jsonb->root);
	JsonbValue value;
	JsonbIteratorToken token;
	char *key = nullptr;

	while ((token = JsonbIteratorNext(&it, &value, true)) != WJB_DONE)
	{
		if (token == WJB_KEY)
			key = pnstrdup(value.val.string.val, value.val.string.len);
		else if (token == WJB_VALUE && object && key != nullptr)
		{
			bool granted = (value.type == jbvBool && value.val.boolean) ||
						   (value.type == jbvString && value.val.string.len == 4 &&
							memcmp(value.val.string.val, "true", 4) == 0);
			if (granted)
				add_name(names, count, capacity, key);
		}
		else if (token == WJB_ELEM && !object && value.type == jbvString)
			add_name(names, count, capacity,
					 pnstrdup(value.val.string.val, value.val.string.len));
	}
}

/* The permissions of a role's permissions value, sorted. */
const PermissionList *
parse_permissions(Datum value, Oid type)
{
	int capacity = 8;
	int count = 0;
	const char **names = static_cast<const char **>(palloc(capacity * sizeof(char *)));

	if (type == JSONBOID)
		jsonb_permissions(DatumGetJsonbP(value), &names, &count, &capacity);
	else
	{
		Datum *elements;
		bool *nulls;
		int n;
		deconstruct_array(DatumGetArrayTypeP(value), TEXTOID, -1, false, TYPALIGN_INT, &elements,
						  &nulls, &n);
		for (int i = 0; i < n; i++)
			if (!nulls[i])
				add_name(&names, &count, &capacity, TextDatumGetCString(elements[i]));
	}
	PermissionList *list = static_cast<PermissionList *>(palloc(sizeof(PermissionList)));
	list->count = sort_permissions(names, count);
	list->names = names;
	return list;
}

/* The distinct permission lists of rows, sorted by address; their number through *count. */
const PermissionList **
distinct_lists(const MembershipRow *rows, int nrows, int *count)
{
	const PermissionList **lists =
		static_cast<const PermissionList **>(palloc(Max(nrows, 1) * sizeof(PermissionList *)));
	int n = 0;

	for (int i = 0; i < nrows; i++)
		if (rows[i].permissions != nullptr)
			lists[n++] = rows[i].permissions;
	std::sort(lists, lists + n, std::less<const PermissionList *>());
	*count = static_cast<int>(std::unique(lists, lists + n) - lists);
	return lists;
}

} // namespace

void
role_lookup_begin(RoleLookup *lookup, const RoleSource *source, Snapshot snapshot)
{
	HASHCTL info;

	lookup->source = source;
	lookup->snapshot = snapshot;
	lookup->rel = table_open(source->relid, AccessShareLock);
	TupleDesc desc = RelationGetDescr(lookup->rel);
	check_column(desc, source->key_attno, source->key_type, "roles table");
	check_column(desc, source->name_attno, source->name_type, "roles table");
	check_column(desc, source->permissions_attno, source->permissions_type, "roles table");
	lookup->equality = get_opcode(lookup_type_cache(source->key_type, TYPECACHE_EQ_OPR)->eq_opr);
	lookup->collation = TupleDescAttr(desc, source->key_attno - 1)->attcollation;
	memset(&info, 0, sizeof(info));
	info.keysize = sizeof(ItemPointerData);
	info.entrysize = sizeof(SeenRole);
	info.hcxt = CurrentMemoryContext;
	lookup->seen =
		hash_create("tenancy roles of a fill", 16, &info, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
}

void
role_lookup(RoleLookup *lookup, Datum key, const char **name, const PermissionList **permissions)
{
	const RoleSource *source = lookup->source;
	TupleDesc desc = RelationGetDescr(lookup->rel);
	ScanKeyData scankey;
	HeapTuple tuple;

	*name = nullptr;
	*permissions = nullptr;
	ScanKeyEntryInitialize(&scankey, 0, source->key_attno, BTEqualStrategyNumber, InvalidOid,
						   lookup->collation, lookup->equality, key);
	SysScanDesc scan =
		systable_beginscan(lookup->rel, source->key_index, true, lookup->snapshot, 1, &scankey);
	if (HeapTupleIsValid(tuple = systable_getnext(scan)))
	{
		bool found;
		SeenRole *seen =
			static_cast<SeenRole *>(hash_search(lookup->seen, &tuple->t_self, HASH_ENTER, &found));
		if (!found)
		{
			bool isnull;
			Datum value = heap_getattr(tuple, source->name_attno, desc, &isnull);
			seen->name = isnull ? nullptr
								: OutputFunctionCall(const_cast<FmgrInfo *>(&source->name_output),
													 value);
			seen->permissions = nullptr;
			if (source->permissions_attno != 0)
			{
				value = heap_getattr(tuple, source->permissions_attno, desc, &isnull);
				if (!isnull)
					seen->permissions = parse_permissions(value, source->permissions_type);
			}
		}
		*name = seen->name;
		*permissions = seen->permissions;
	}
	systable_endscan(scan);
}

void
role_lookup_end(RoleLookup *lookup)
{
	table_close(lookup->rel, AccessShareLock);
	hash_destroy(lookup->seen);
}

void
append_owned_tenants(const OwnerSource *owner, Snapshot snapshot, Datum user, OwnedRow append,
					 void *sink)
{
	ScanKeyData key;
	HeapTuple tuple;
	Relation rel = table_open(owner->relid, AccessShareLock);
	TupleDesc desc = RelationGetDescr(rel);

	check_column(desc, owner->key_attno, owner->key_type, "owner table");
	check_column(desc, owner->owner_attno, owner->owner_type, "owner table");
	// equality in the owner column's type, as the membership scan's in the user column's
	RegProcedure equal = get_opcode(lookup_type_cache(owner->owner_type, TYPECACHE_EQ_OPR)->eq_opr);
	ScanKeyEntryInitialize(&key, 0, owner->owner_attno, BTEqualStrategyNumber, InvalidOid,
						   TupleDescAttr(desc, owner->owner_attno - 1)->attcollation, equal, user);
	SysScanDesc scan =
		systable_beginscan(rel, owner->owner_index, OidIsValid(owner->owner_index), snapshot, 1, &key);
	while (HeapTupleIsValid(tuple = systable_getnext(scan)))
	{
		bool isnull;
		Datum tenant = heap_getattr(tuple, owner->key_attno, desc, &isnull);
		if (isnull)
			continue;
		MembershipRow *row = append(sink, tenant);
		row->role = owner->role;
		row->permissions = &owner->permissions;
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
}

Size
permission_lists_size(const MembershipRow *rows, int nrows)
{
	int count;
	const PermissionList **lists = distinct_lists(rows, nrows, &count);
	Size size = 0;

	for (int i = 0; i < count; i++)
	{
		size += sizeof(PermissionList) + lists[i]->count * sizeof(char *);
		for (size_t p = 0; p < lists[i]->count; p++)
			size += strlen(lists[i]->names[p]) + 1;
	}
	pfree(lists);
	return size;
}

char *
copy_permission_lists(MembershipRow *copied, int nrows, char *dest)
{
	int count;
	const PermissionList **lists = distinct_lists(copied, nrows, &count);
	PermissionList **copies =
		static_cast<PermissionList **>(palloc(Max(count, 1) * sizeof(PermissionList *)));
	char *strings = dest;

	// the lists and their name arrays first (pointer-aligned), then the names
	for (int i = 0; i < count; i++)
		strings += sizeof(PermissionList) + lists[i]->count * sizeof(char *);
	for (int i = 0; i < count; i++)
	{
		PermissionList *copy = reinterpret_cast<PermissionList *>(dest);
		const char **names = reinterpret_cast<const char **>(dest + sizeof(PermissionList));
		dest += sizeof(PermissionList) + lists[i]->count * sizeof(char *);
		for (size_t p = 0; p < lists[i]->count; p++)
		{
			size_t length = strlen(lists[i]->names[p]) + 1;
			memcpy(strings, lists[i]->names[p], length);
			names[p] = strings;
			strings += length;
		}
		copy->count = lists[i]->count;
		copy->names = names;
		copies[i] = copy;
	}
	for (int i = 0; i < nrows; i++)
	{
		if (copied[i].permissions == nullptr)
			continue;
		const PermissionList **at = std::lower_bound(lists, lists + count, copied[i].permissions,
													 std::less<const PermissionList *>());
		copied[i].permissions = copies[at - lists];
	}
	pfree(lists);
	pfree(copies);
	return strings;
}

} // namespace tenancy
