/*
 * key_caller_pg.cpp: what the rest of tenancy sees while an API key
 * is the transaction's caller. The membership helpers: one membership, in
 * the key's tenant, with no role (asked through key_caller_memberships()
 * before the user is looked up, src/membership/helpers_pg.cpp). The audit
 * trigger: the key id as actor (src/audit/trigger_pg.cpp).
 */
#include "apikeys/caller_memberships_pg.hpp"
#include "apikeys/caller_actor_pg.hpp"
#include "apikeys/api_key_cache_pg.hpp"

#include <cstring>

namespace tenancy::apikeys {

namespace {
MembershipRow key_row;
pg_uuid_t key_tenant;
UserMemberships key_memberships;
} // namespace

const UserMemberships *
key_caller_memberships(void)
{
	const KeyRecord *caller = key_caller();

	if (caller == nullptr)
		return nullptr;
	memcpy(key_row.tenant, caller->tenant.data, UUID_LEN);
	key_row.role = nullptr;
	key_tenant = caller->tenant;
	key_memberships.nrows = 1;
	key_memberships.rows = &key_row;
	key_memberships.ntenants = 1;
	key_memberships.tenants = &key_tenant;
	key_memberships.has_roles = true; /* a key holds no role: role helpers answer NULL / false */
	return &key_memberships;
}

bool
key_caller_actor(pg_uuid_t *actor)
{
	const KeyRecord *caller = key_caller();

	if (caller == nullptr)
		return false;
	*actor = caller->id;
	return true;
}

} // namespace tenancy::apikeys
