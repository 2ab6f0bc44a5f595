/*
 * key_descendants_pg.cpp: an API key's reach through its scope's children
 * (see key_descendants_pg.hpp).
 *
 * The descendants of the key's tenant are read through the mappings with
 * membership's descendant_keys, under a snapshot taken after the
 * membership generation was noted; the result is kept only when no
 * invalidation arrived meanwhile (the membership cache's discipline, which
 * a move of a tenant to another parent, a mapping's TRUNCATE or a parent
 * registered or removed all go through). Entries live in one memory
 * context, emptied when the generation moves or the few slots are full.
 */
#include "apikeys/key_descendants_pg.hpp"
#include "membership/hierarchy_pg.hpp"
#include "membership/registration_pg.hpp"

extern "C" {
#include "utils/inval.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
}

#include <cstring>

namespace tenancy::apikeys {

namespace {

constexpr int max_entries = 8;
constexpr int max_attempts = 4;

/* The descendants depend on the key's tenant and scope and the scope asked, not on the key. */
struct Entry
{
	pg_uuid_t tenant;
	char key_scope[NAMEDATALEN];
	char scope[NAMEDATALEN];
	UserMemberships data;
};

MemoryContext entries_context = nullptr;
Entry *entries = nullptr;
int entry_count = 0;
uint64 entries_generation = 0;

bool
same_entry(const Entry &entry, const KeyRecord *caller, const char *scope)
{
	return memcmp(entry.tenant.data, caller->tenant.data, UUID_LEN) == 0 &&
		   strcmp(entry.key_scope, caller->scope_name) == 0 && strcmp(entry.scope, scope) == 0;
}

/* Empties the entries made under an older generation (or all, when full). */
void
forget_entries(void)
{
	if (entries_context == nullptr)
		entries_context = AllocSetContextCreate(TopMemoryContext, "tenancy api key descendants",
												ALLOCSET_SMALL_SIZES);
	MemoryContextReset(entries_context);
	entries = static_cast<Entry *>(MemoryContextAllocZero(entries_context, max_entries * sizeof(Entry)));
	entry_count = 0;
}

/* One row per tenant key (sorted, distinct), no role: a key holds scopes, not roles. */
UserMemberships
rows_for(const pg_uuid_t *keys, int count, IdKind kind, MemoryContext context)
{
	UserMemberships data;

	memset(&data, 0, sizeof(data));
	data.rows = static_cast<MembershipRow *>(MemoryContextAllocZero(context, Max(count, 1) * sizeof(MembershipRow)));
	data.tenants = static_cast<pg_uuid_t *>(MemoryContextAlloc(context, Max(count, 1) * sizeof(pg_uuid_t)));
	for (int i = 0; i < count; i++)
	{
		memcpy(data.rows[i].tenant, keys[i].data, UUID_LEN);
		data.tenants[i] = keys[i];
	}
	data.nrows = data.ntenants = count;
	data.has_roles = true; /* role helpers answer NULL / false, as for the key's own tenant */
	data.tenant_kind = kind;
	return data;
}

} // namespace

const UserMemberships *
key_descendant_memberships(const KeyRecord *caller, const char *scope)
{
	int index;

	if (!scope_is_registered(scope))
		return nullptr;
	IdKind kind = current_registration(scope, &index)->tenant_kind;
	if (kind == IdKind::text)
		return nullptr; /* text keys are positions in a user's own texts: not served (docs) */
	for (int attempt = 1;; attempt++)
	{
		AcceptInvalidationMessages();
		if (entries == nullptr || entries_generation != membership_generation())
		{
			forget_entries();
			entries_generation = membership_generation();
		}
		for (int i = 0; i < entry_count; i++)
			if (same_entry(entries[i], caller, scope))
				return &entries[i].data;
		uint64 generation = membership_generation();
		Lineage lineage;
		if (!lineage_to(scope, caller->scope_name, &lineage))
			return nullptr;
		UserMemberships kind_only;
		memset(&kind_only, 0, sizeof(kind_only));
		kind_only.tenant_kind = kind;
		Snapshot snapshot = RegisterSnapshot(GetLatestSnapshot());
		int count = 0;
		pg_uuid_t *keys = descendant_keys(&lineage, UUIDPGetDatum(&caller->tenant), &kind_only,
										  snapshot, &count);
		UnregisterSnapshot(snapshot);
		AcceptInvalidationMessages();
		if (membership_generation() != generation && attempt < max_attempts)
			continue;
		if (membership_generation() != generation || generation != entries_generation)
		{
			// raced by an invalidation: answered, not kept
			UserMemberships *answer = static_cast<UserMemberships *>(palloc(sizeof(UserMemberships)));
			*answer = rows_for(keys, count, kind, CurrentMemoryContext);
			return answer;
		}
		if (entry_count == max_entries)
			forget_entries();
		Entry &entry = entries[entry_count++];
		entry.tenant = caller->tenant;
		// not strlcpy: PostgreSQL 17 packages built on a newer glibc leave it undeclared here
		snprintf(entry.key_scope, sizeof(entry.key_scope), "%s", caller->scope_name);
		snprintf(entry.scope, sizeof(entry.scope), "%s", scope);
		entry.data = rows_for(keys, count, kind, entries_context);
		return &entry.data;
	}
}

} // namespace tenancy::apikeys
