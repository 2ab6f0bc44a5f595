/*
 * key_caller_pg.cpp: what the rest of tenancy sees while an API key
 * is the transaction's caller. The membership helpers: one membership, in
 * the key's tenant of the key's scope, with no role, and in scopes derived
 * from the key's scope one per descendant of that tenant
 * (key_caller_memberships(), registered with the membership helpers as
 * their caller hook at load). The audit
 * trigger: the key id as actor (src/audit/trigger_pg.cpp).
 */
#include "apikeys/caller_memberships_pg.hpp"
#include "apikeys/caller_actor_pg.hpp"
#include "apikeys/caller_state_pg.hpp"
#include "apikeys/key_descendants_pg.hpp"
#include "membership/registration_pg.hpp"

#include <cstring>

namespace tenancy::apikeys {

namespace {
MembershipRow key_row;
pg_uuid_t key_tenant;
UserMemberships key_memberships;
} // namespace

bool
key_caller_memberships(const char *scope, const UserMemberships **memberships)
{
	const KeyRecord *caller = key_caller();

	if (caller == nullptr)
		return false;
	if (strcmp(scope, default_scope) != 0)
	{
		int index;
		(void) current_registration(scope, &index); /* an unknown scope is still an error */
	}
	// a key belongs to a tenant of its scope: in a scope derived from it, the
	// tenant's descendants; in any other scope it holds nothing
	if (strcmp(scope, caller->scope_name) != 0)
	{
		*memberships = key_descendant_memberships(caller, scope);
		return true;
	}
	memcpy(key_row.tenant, caller->tenant.data, UUID_LEN);
	key_row.role = nullptr;
	key_tenant = caller->tenant;
	key_memberships.nrows = 1;
	key_memberships.rows = &key_row;
	key_memberships.ntenants = 1;
	key_memberships.tenants = &key_tenant;
	key_memberships.has_roles = true; /* a key holds no role: role helpers answer NULL / false */
	*memberships = &key_memberships;
	return true;
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
