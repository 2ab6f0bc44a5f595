/*
 * caller_memberships_pg.hpp: the memberships of an API key caller, the
 * membership helpers' caller hook (membership/membership_cache_pg.hpp).
 */
#pragma once
#include "membership/membership_cache_pg.hpp"

namespace tenancy::apikeys {

/*
 * While an API key is the caller: true, with its tenant of the default
 * scope and no role (nothing in any other scope); otherwise false.
 */
bool key_caller_memberships(const char *scope, const UserMemberships **memberships);

} // namespace tenancy::apikeys
