/*
 * membership_cache_pg.cpp: the per-backend membership cache.
 *
 * Citus's metadata cache model. The membership table carries triggers
 * (ENABLE ALWAYS, so logical replication apply fires them too) that queue a
 * relcache invalidation of a sentinel relation. PostgreSQL delivers it to
 * every backend when the changing transaction commits, to the changing
 * backend itself at its next command, and replays it locally when the
 * transaction or savepoint rolls back. The relcache callback only bumps a
 * generation number; each lookup first accepts pending invalidations and
 * drops everything cached under an older generation.
 *
 * A fill reads the membership table with a fresh MVCC snapshot taken after
 * the generation was noted, and stores its result only when no invalidation
 * arrived in between; so a revocation that commits while a fill runs is
 * never stored (the freshness contract, docs/access.md).
 *
 * The table is read with a direct index (or heap) scan: no SQL, no
 * permission check on the caller, no row level security, so a policy on the
 * membership table itself may call the helpers.
 *
 * Plain C-style glue: PODs and palloc'd memory only, so an ereport unwinds
 * nothing; the pure sort runs on palloc'd arrays and cannot raise.
 */
#include "core/boundary.hpp"
#include "membership/membership_cache_pg.hpp"
#include "membership/registration_pg.hpp"
#include "membership/roles_pg.hpp"

extern "C" {
#include "access/genam.h"
#include "access/htup_details.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "lib/ilist.h"
#include "storage/procarray.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/snapshot.h"
}

#include <cstring>

namespace tenancy {

namespace {

/* GUC tenancy.membership_cache_size, in kB: the memory the entries may hold. */
int membership_cache_size = 16 * 1024;

/* A user in a scope, by its position among this generation's registrations. */
struct MembershipKey
{
	int32 scope;
	pg_uuid_t user;
};

struct MembershipEntry
{
	MembershipKey key; /* hash key, first */
	dlist_node lru; /* most recently used at the head */
	UserMemberships data;
	void *block; /* one allocation holding data's arrays and role strings */
	Size bytes;	 /* what this entry costs: its block as allocated, and itself */
};

struct MembershipCache
{
	MemoryContext context;
	HTAB *entries;
	dlist_head lru;
	Size bytes; /* the sum of the entries' bytes */
	uint64 generation;
	int64 hits;
	int64 misses;
	int64 invalidations;
};

MembershipCache cache;

/* The snapshot fills read with; GetSnapshotData allocates its arrays once. */
SnapshotData fill_snapshot_data = {SNAPSHOT_MVCC};

/* Drops every entry (the hash table lives in the cache context). */
void
flush_entries(void)
{
	if (cache.context != nullptr)
		MemoryContextReset(cache.context);
	cache.entries = nullptr;
	cache.bytes = 0;
	dlist_init(&cache.lru);
}

void
ensure_table(void)
{
	HASHCTL info;

	if (cache.entries != nullptr)
		return;
	if (cache.context == nullptr)
		cache.context = AllocSetContextCreate(CacheMemoryContext, "tenancy membership cache",
											  ALLOCSET_DEFAULT_SIZES);
	memset(&info, 0, sizeof(info));
	info.keysize = sizeof(MembershipKey);
	info.entrysize = sizeof(MembershipEntry);
	info.hcxt = cache.context;
	cache.entries = hash_create("tenancy memberships", 256, &info,
								HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	dlist_init(&cache.lru);
}

Size
cache_limit_bytes(void)
{
	return static_cast<Size>(membership_cache_size) * 1024;
}

/* Drops least recently used entries until at most target bytes remain. */
void
evict_to(Size target)
{
	while (cache.bytes > target && !dlist_is_empty(&cache.lru))
	{
		// dlist_tail_element's type check is C-only; this is its arithmetic
		dlist_node *node = dlist_tail_node(&cache.lru);
		MembershipEntry *oldest = reinterpret_cast<MembershipEntry *>(
			reinterpret_cast<char *>(node) - offsetof(MembershipEntry, lru));
		MembershipKey key = oldest->key;

		cache.bytes -= oldest->bytes;
		dlist_delete(&oldest->lru);
		pfree(oldest->block);
		hash_search(cache.entries, &key, HASH_REMOVE, nullptr);
	}
}

/* Text of a datum through the column type's output function. */
char *
column_text(HeapTuple tuple, AttrNumber attno, TupleDesc desc, FmgrInfo *output, bool *isnull)
{
	Datum value = heap_getattr(tuple, attno, desc, isnull);

	return *isnull ? nullptr : OutputFunctionCall(output, value);
}

bool
is_active(const Registration *reg, HeapTuple tuple, TupleDesc desc)
{
	bool isnull;
	char *status;

	if (reg->status_attno == 0)
		return true;
	status = column_text(tuple, reg->status_attno, desc,
						 const_cast<FmgrInfo *>(&reg->status_output), &isnull);
	if (isnull)
		return false;
	for (int i = 0; i < reg->nstatuses; i++)
		if (strcmp(status, reg->statuses[i]) == 0)
			return true;
	return false;
}

/* The columns must still have the registered types (the lock is held). */
void
check_descriptor(const Registration *reg, TupleDesc desc)
{
	AttrNumber attnos[4] = {reg->tenant_attno, reg->user_attno, reg->role_attno, reg->status_attno};
	Oid types[4] = {UUIDOID, UUIDOID, reg->role_type, reg->status_type};

	for (int i = 0; i < 4; i++)
	{
		if (attnos[i] == 0)
			continue;
		if (attnos[i] > desc->natts || TupleDescAttr(desc, attnos[i] - 1)->attisdropped ||
			TupleDescAttr(desc, attnos[i] - 1)->atttypid != types[i])
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("the registered membership table changed"),
					 errhint("Call tenancy.register_membership() again.")));
	}
}

/* Reads the user's active memberships into palloc'd, sorted arrays. */
void
scan_memberships(const Registration *reg, Relation rel, Snapshot snapshot,
				 const pg_uuid_t *user, UserMemberships *out)
{
	TupleDesc desc = RelationGetDescr(rel);
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple tuple;
	int capacity = 16;

	out->nrows = 0;
	out->rows = static_cast<MembershipRow *>(palloc(capacity * sizeof(MembershipRow)));
	out->has_roles = reg->role_attno != 0;
	RoleLookup roles;
	if (reg->roles != nullptr)
		role_lookup_begin(&roles, reg->roles, snapshot);
	ScanKeyInit(&key, reg->user_attno, BTEqualStrategyNumber, F_UUID_EQ, UUIDPGetDatum(user));
	scan = systable_beginscan(rel, reg->user_index, OidIsValid(reg->user_index), snapshot, 1, &key);
	while (HeapTupleIsValid(tuple = systable_getnext(scan)))
	{
		bool isnull;
		Datum tenant = heap_getattr(tuple, reg->tenant_attno, desc, &isnull);

		if (isnull || !is_active(reg, tuple, desc))
			continue;
		if (out->nrows == capacity)
		{
			capacity *= 2;
			out->rows = static_cast<MembershipRow *>(
				repalloc(out->rows, capacity * sizeof(MembershipRow)));
		}
		MembershipRow *row = &out->rows[out->nrows++];
		memcpy(row->tenant, DatumGetUUIDP(tenant)->data, UUID_LEN);
		row->role = nullptr;
		row->permissions = nullptr;
		if (reg->roles != nullptr)
		{
			Datum role_key = heap_getattr(tuple, reg->role_attno, desc, &isnull);
			if (!isnull)
				role_lookup(&roles, role_key, &row->role, &row->permissions);
		}
		else if (reg->role_attno != 0)
			row->role = column_text(tuple, reg->role_attno, desc,
									const_cast<FmgrInfo *>(&reg->role_output), &isnull);
	}
	systable_endscan(scan);
	if (reg->roles != nullptr)
		role_lookup_end(&roles);
	if (reg->owner != nullptr)
		append_owned_tenants(reg->owner, snapshot, UUIDPGetDatum(user), &out->rows, &out->nrows,
							 &capacity);
	sort_memberships(out->rows, out->nrows);
	out->tenants = static_cast<pg_uuid_t *>(palloc(Max(out->nrows, 1) * sizeof(pg_uuid_t)));
	out->ntenants = static_cast<int>(distinct_tenants(
		out->rows, out->nrows, reinterpret_cast<unsigned char (*)[16]>(out->tenants)));
}

/*
 * Copies data into one block of the cache context and files it under user,
 * first dropping the least recently used users until it fits the limit. A
 * user whose memberships alone exceed the limit is answered, not kept.
 */
const UserMemberships *
store(const MembershipKey *key, const UserMemberships *data)
{
	Size lists = permission_lists_size(data->rows, data->nrows);
	Size size = data->nrows * sizeof(MembershipRow) + data->ntenants * sizeof(pg_uuid_t) + lists;
	char *block;
	char *strings;
	bool found;

	for (int i = 0; i < data->nrows; i++)
		if (data->rows[i].role != nullptr)
			size += strlen(data->rows[i].role) + 1;
	Size needed = MAXALIGN(Max(size, 1)) + sizeof(MembershipEntry);
	if (needed > cache_limit_bytes())
		return data;
	ensure_table();
	evict_to(cache_limit_bytes() - needed);
	block = static_cast<char *>(MemoryContextAlloc(cache.context, Max(size, 1)));
	MembershipEntry *entry =
		static_cast<MembershipEntry *>(hash_search(cache.entries, key, HASH_ENTER, &found));
	if (found)
	{
		cache.bytes -= entry->bytes;
		dlist_delete(&entry->lru);
		pfree(entry->block);
	}
	entry->block = block;
	entry->bytes = GetMemoryChunkSpace(block) + sizeof(MembershipEntry);
	cache.bytes += entry->bytes;
	entry->data = *data;
	entry->data.rows = reinterpret_cast<MembershipRow *>(block);
	entry->data.tenants =
		reinterpret_cast<pg_uuid_t *>(block + data->nrows * sizeof(MembershipRow));
	memcpy(entry->data.rows, data->rows, data->nrows * sizeof(MembershipRow));
	memcpy(entry->data.tenants, data->tenants, data->ntenants * sizeof(pg_uuid_t));
	strings = copy_permission_lists(
		entry->data.rows, data->nrows,
		block + data->nrows * sizeof(MembershipRow) + data->ntenants * sizeof(pg_uuid_t));
	for (int i = 0; i < data->nrows; i++)
	{
		if (data->rows[i].role == nullptr)
			continue;
		size_t length = strlen(data->rows[i].role) + 1;
		memcpy(strings, data->rows[i].role, length);
		entry->data.rows[i].role = strings;
		strings += length;
	}
	dlist_push_head(&cache.lru, &entry->lru);
	return &entry->data;
}

/* Drops what an older generation cached. */
void
apply_invalidations(void)
{
	AcceptInvalidationMessages();
	if (cache.generation == membership_generation())
		return;
	if (cache.entries != nullptr && hash_get_num_entries(cache.entries) > 0)
		cache.invalidations++;
	flush_entries();
	cache.generation = membership_generation();
}

} // namespace

/*
 * A fill that sees the generation move before it has the table locked
 * starts again (the registration may have changed); after a few tries it
 * answers from a fresh snapshot without storing.
 */
const UserMemberships *
memberships_of(const char *scope, const pg_uuid_t *user)
{
	const int max_attempts = 4;
	MembershipKey key;

	memset(&key, 0, sizeof(key));
	key.user = *user;
	for (int attempt = 1;; attempt++)
	{
		apply_invalidations();
		const Registration *reg = current_registration(scope, &key.scope);
		// loading the registration may have accepted an invalidation
		if (membership_generation() != cache.generation && attempt < max_attempts)
			continue;
		if (cache.entries != nullptr && membership_generation() == cache.generation)
		{
			MembershipEntry *entry = static_cast<MembershipEntry *>(
				hash_search(cache.entries, &key, HASH_FIND, nullptr));
			if (entry != nullptr)
			{
				cache.hits++;
				dlist_move_head(&cache.lru, &entry->lru);
				return &entry->data;
			}
		}
		uint64 generation = membership_generation();
		// registered, so that our xmin protects what it sees until the scan ends
		Snapshot snapshot = RegisterSnapshot(GetSnapshotData(&fill_snapshot_data));
		Relation rel = table_open(reg->relid, AccessShareLock);
		if (membership_generation() != generation && attempt < max_attempts)
		{
			table_close(rel, AccessShareLock);
			UnregisterSnapshot(snapshot);
			continue;
		}
		check_descriptor(reg, RelationGetDescr(rel));
		UserMemberships *data = static_cast<UserMemberships *>(palloc(sizeof(UserMemberships)));
		scan_memberships(reg, rel, snapshot, user, data);
		table_close(rel, AccessShareLock);
		UnregisterSnapshot(snapshot);
		cache.misses++;
		AcceptInvalidationMessages();
		if (membership_generation() != generation || generation != cache.generation)
			return data; /* an invalidation raced the fill: answer, do not keep */
		return store(&key, data);
	}
}

MembershipCacheStats
membership_cache_stats(void)
{
	MembershipCacheStats stats;

	stats.hits = cache.hits;
	stats.misses = cache.misses;
	stats.invalidations = cache.invalidations;
	stats.entries = cache.entries ? hash_get_num_entries(cache.entries) : 0;
	return stats;
}

void
membership_cache_reset(void)
{
	flush_entries();
	cache.hits = cache.misses = cache.invalidations = 0;
}

void
membership_cache_init(void)
{
	DefineCustomIntVariable("tenancy.membership_cache_size",
							"Memory each backend's membership cache may hold.",
							"The least recently used users are dropped to make room; a user "
							"whose memberships alone exceed it is answered without caching.",
							&membership_cache_size, 16 * 1024, 64, MAX_KILOBYTES, PGC_USERSET,
							GUC_UNIT_KB, nullptr, nullptr, nullptr);
}

} // namespace tenancy
