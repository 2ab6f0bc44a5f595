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
 * A scope with a parent (hierarchy_pg.hpp) adds, to the user's own
 * memberships, those the parent scope's memberships reach through the
 * mapping table: the parent's are looked up first (from this cache, or a
 * fill of their own under the same generation), so one invalidation of any
 * table of the chain keeps a racing fill from being stored.
 *
 * What a fill reads is membership_scan_pg.cpp's; this file decides when
 * to fill, keeps the entries and evicts them.
 *
 * Plain C-style glue: PODs and palloc'd memory only, so an ereport unwinds
 * nothing; the pure sort runs on palloc'd arrays and cannot raise.
 */
#include "core/boundary.hpp"
#include "membership/hierarchy_pg.hpp"
#include "membership/membership_cache_pg.hpp"
#include "membership/membership_scan_pg.hpp"
#include "membership/registration_pg.hpp"

extern "C" {
#include "access/table.h"
#include "lib/ilist.h"
#include "storage/procarray.h"
#include "common/hashfn.h"
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

/*
 * A user in a scope, by its position among this generation's registrations.
 * user points at the id's bytes (UserId): the caller's while looking up,
 * the entry's block once stored.
 */
struct MembershipKey
{
	int32 scope;
	uint32 length;
	const char *user;
	uint32 tag_length; /* a selection's tag after the user's bytes (memberships_kept), or 0 */
};

uint32
key_hash(const void *key, Size keysize)
{
	const MembershipKey *k = static_cast<const MembershipKey *>(key);

	return hash_combine(hash_uint32(static_cast<uint32>(k->scope) ^ (k->tag_length << 8)),
						hash_bytes(reinterpret_cast<const unsigned char *>(k->user),
								   static_cast<int>(k->length)));
}

int
key_match(const void *a, const void *b, Size keysize)
{
	const MembershipKey *x = static_cast<const MembershipKey *>(a);
	const MembershipKey *y = static_cast<const MembershipKey *>(b);

	return x->scope == y->scope && x->length == y->length && x->tag_length == y->tag_length &&
				   memcmp(x->user, y->user, x->length) == 0
			   ? 0
			   : 1;
}

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
	info.hash = key_hash;
	info.match = key_match;
	cache.entries = hash_create("tenancy memberships", 256, &info,
								HASH_ELEM | HASH_FUNCTION | HASH_COMPARE | HASH_CONTEXT);
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
		void *block = oldest->block; /* holds the key's user bytes: freed after the removal */

		cache.bytes -= oldest->bytes;
		dlist_delete(&oldest->lru);
		hash_search(cache.entries, &key, HASH_REMOVE, nullptr);
		pfree(block);
	}
}

/*
 * Copies data into one block of the cache context and files it under user,
 * then drops the least recently used users until it fits the limit (after
 * the copy: a derived scope's rows point into its parent's entry). A user
 * whose memberships alone exceed the limit is answered, not kept.
 */
const UserMemberships *
store(const MembershipKey *key, const UserMemberships *data)
{
	Size lists = permission_lists_size(data->rows, data->nrows);
	Size size = data->nrows * sizeof(MembershipRow) + data->ntenants * sizeof(pg_uuid_t) +
				data->ntexts * sizeof(TextRef) + lists + key->length;
	char *block;
	char *strings;
	bool found;

	for (int i = 0; i < data->nrows; i++)
		if (data->rows[i].role != nullptr)
			size += strlen(data->rows[i].role) + 1;
	for (int i = 0; i < data->ntexts; i++)
		size += data->texts[i].length;
	Size needed = MAXALIGN(Max(size, 1)) + sizeof(MembershipEntry);
	if (needed > cache_limit_bytes())
		return data;
	ensure_table();
	block = static_cast<char *>(MemoryContextAlloc(cache.context, Max(size, 1)));
	UserMemberships copy = *data;
	copy.rows = reinterpret_cast<MembershipRow *>(block);
	copy.tenants = reinterpret_cast<pg_uuid_t *>(block + data->nrows * sizeof(MembershipRow));
	memcpy(copy.rows, data->rows, data->nrows * sizeof(MembershipRow));
	memcpy(copy.tenants, data->tenants, data->ntenants * sizeof(pg_uuid_t));
	// pointer-aligned parts first (the text refs, the permission lists), then bytes
	TextRef *texts = reinterpret_cast<TextRef *>(block + data->nrows * sizeof(MembershipRow) +
												 data->ntenants * sizeof(pg_uuid_t));
	copy.texts = texts;
	strings = copy_permission_lists(copy.rows, data->nrows,
									reinterpret_cast<char *>(texts + data->ntexts));
	char *user_bytes = strings;
	memcpy(strings, key->user, key->length);
	strings += key->length;
	for (int i = 0; i < data->ntexts; i++)
	{
		memcpy(strings, data->texts[i].bytes, data->texts[i].length);
		texts[i].bytes = strings;
		texts[i].length = data->texts[i].length;
		strings += data->texts[i].length;
	}
	for (int i = 0; i < data->nrows; i++)
	{
		if (data->rows[i].role == nullptr)
			continue;
		size_t length = strlen(data->rows[i].role) + 1;
		memcpy(strings, data->rows[i].role, length);
		copy.rows[i].role = strings;
		strings += length;
	}
	evict_to(cache_limit_bytes() - needed);
	MembershipEntry *entry =
		static_cast<MembershipEntry *>(hash_search(cache.entries, key, HASH_ENTER, &found));
	if (found)
	{
		cache.bytes -= entry->bytes;
		dlist_delete(&entry->lru);
		pfree(entry->block);
	}
	entry->key.user = user_bytes; /* the caller's bytes go away: the key keeps its own */
	entry->block = block;
	entry->bytes = GetMemoryChunkSpace(block) + sizeof(MembershipEntry);
	cache.bytes += entry->bytes;
	entry->data = copy;
	dlist_push_head(&cache.lru, &entry->lru);
	return &entry->data;
}

/* The entry of key while the cache is current (a hit, most recently used now), or nullptr. */
const UserMemberships *
cached(const MembershipKey *key)
{
	if (cache.entries == nullptr || membership_generation() != cache.generation)
		return nullptr;
	MembershipEntry *entry =
		static_cast<MembershipEntry *>(hash_search(cache.entries, key, HASH_FIND, nullptr));
	if (entry == nullptr)
		return nullptr;
	cache.hits++;
	dlist_move_head(&cache.lru, &entry->lru);
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

/* Closes what a fill opened: the membership table and the mapping, either may be nullptr. */
void
close_fill_tables(Relation rel, Relation mapping)
{
	if (mapping != nullptr)
		table_close(mapping, AccessShareLock);
	if (rel != nullptr)
		table_close(rel, AccessShareLock);
}

[[noreturn]] void
report_too_deep(const char *scope)
{
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("the parents of scope \"%s\" are more than %d levels deep or a cycle", scope,
					max_scope_depth),
			 errhint("Remove a parent with tenancy.unregister_scope_parent().")));
	pg_unreachable();
}

/*
 * A fill that sees the generation move before it has the table locked
 * starts again (the registration may have changed); after a few tries it
 * answers from a fresh snapshot without storing. depth: how many scopes
 * below this one asked for their parent's memberships.
 */
const UserMemberships *
memberships_at_depth(const char *scope, const UserId *user, int depth)
{
	const int max_attempts = 4;
	MembershipKey key;

	if (depth > max_scope_depth)
		report_too_deep(scope);
	memset(&key, 0, sizeof(key));
	key.user = user->bytes;
	key.length = static_cast<uint32>(user->length);
	for (int attempt = 1;; attempt++)
	{
		apply_invalidations();
		const Registration *reg = current_registration(scope, &key.scope);
		// the caller read the user id for the kind the scope had then
		if (reg->user_kind != user->kind)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("the registration of scope \"%s\" changed its user id type", scope),
					 errhint("Run the statement again.")));
		// loading the registration may have accepted an invalidation
		if (membership_generation() != cache.generation && attempt < max_attempts)
			continue;
		const UserMemberships *hit = cached(&key);
		if (hit != nullptr)
			return hit;
		uint64 generation = membership_generation();
		ParentTenants parents;
		bool derived = false;
		memset(&parents, 0, sizeof(parents));
		if (reg->parent != nullptr)
		{
			char *parent_scope = pstrdup(reg->parent->scope);
			const UserMemberships *parent = memberships_at_depth(parent_scope, user, depth + 1);
			// the parent's lookup may have loaded the registrations again
			reg = current_registration(scope, &key.scope);
			if (membership_generation() != generation && attempt < max_attempts)
				continue;
			// on the last attempt, a parent changed meanwhile reaches nothing (not stored)
			derived = reg->parent != nullptr && strcmp(reg->parent->scope, parent_scope) == 0;
			if (derived)
				parents = parent_tenants(scope, reg->parent, parent);
		}
		// registered, so that our xmin protects what it sees until the scan ends
		Snapshot snapshot = RegisterSnapshot(GetSnapshotData(&fill_snapshot_data));
		// a scope derived only from its parent has no membership table
		Relation rel = reg->derived_only ? nullptr : table_open(reg->relid, AccessShareLock);
		// the mapping too is locked before the generation is checked
		Relation mapping = derived ? table_open(reg->parent->link.relid, AccessShareLock) : nullptr;
		if (membership_generation() != generation && attempt < max_attempts)
		{
			close_fill_tables(rel, mapping);
			UnregisterSnapshot(snapshot);
			continue;
		}
		if (rel != nullptr)
			check_descriptor(reg, RelationGetDescr(rel));
		UserMemberships *data = static_cast<UserMemberships *>(palloc(sizeof(UserMemberships)));
		scan_memberships(scope, reg, rel, snapshot, user, mapping, &parents, data);
		close_fill_tables(rel, mapping);
		UnregisterSnapshot(snapshot);
		cache.misses++;
		AcceptInvalidationMessages();
		if (membership_generation() != generation || generation != cache.generation)
			return data; /* an invalidation raced the fill: answer, do not keep */
		return store(&key, data);
	}
}

} // namespace

const UserMemberships *
memberships_of(const char *scope, const UserId *user)
{
	return memberships_at_depth(scope, user, 0);
}

/*
 * Like a fill: the selection is made with a snapshot taken after the
 * generation was noted, made again when an invalidation arrived meanwhile
 * (a few times), and stored only when none did.
 */
const UserMemberships *
memberships_kept(const char *scope, const UserId *user, const char *tag, Size tag_length,
				 KeepTenants keep, void *arg)
{
	const int max_attempts = 4;
	MembershipKey key;
	char *bytes = static_cast<char *>(palloc(user->length + tag_length));

	memcpy(bytes, user->bytes, user->length);
	memcpy(bytes + user->length, tag, tag_length);
	memset(&key, 0, sizeof(key));
	key.user = bytes;
	key.length = static_cast<uint32>(user->length + tag_length);
	key.tag_length = static_cast<uint32>(tag_length);
	for (int attempt = 1;; attempt++)
	{
		apply_invalidations();
		current_registration(scope, &key.scope);
		const UserMemberships *hit = cached(&key);
		if (hit != nullptr)
			return hit;
		uint64 generation = membership_generation();
		const UserMemberships *all = memberships_at_depth(scope, user, 0);
		Snapshot snapshot = RegisterSnapshot(GetSnapshotData(&fill_snapshot_data));
		int nkeys = 0;
		pg_uuid_t *keys = keep(arg, all, snapshot, &nkeys);
		UnregisterSnapshot(snapshot);
		AcceptInvalidationMessages();
		if (membership_generation() != generation && attempt < max_attempts)
			continue;
		// scope's index may have moved with a registration loaded again
		current_registration(scope, &key.scope);
		UserMemberships *data = static_cast<UserMemberships *>(palloc(sizeof(UserMemberships)));
		*data = *all;
		data->rows = static_cast<MembershipRow *>(palloc(Max(all->nrows, 1) * sizeof(MembershipRow)));
		data->tenants = static_cast<pg_uuid_t *>(palloc(Max(all->ntenants, 1) * sizeof(pg_uuid_t)));
		data->nrows = data->ntenants = 0;
		// both sorted by tenant key: one merge walk
		for (int i = 0, k = 0; i < all->nrows; i++)
		{
			while (k < nkeys && memcmp(keys[k].data, all->rows[i].tenant, UUID_LEN) < 0)
				k++;
			if (k < nkeys && memcmp(keys[k].data, all->rows[i].tenant, UUID_LEN) == 0)
				data->rows[data->nrows++] = all->rows[i];
		}
		data->ntenants = static_cast<int>(distinct_tenants(
			data->rows, data->nrows, reinterpret_cast<unsigned char (*)[16]>(data->tenants)));
		cache.misses++;
		if (membership_generation() != generation || generation != cache.generation)
			return data;
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
