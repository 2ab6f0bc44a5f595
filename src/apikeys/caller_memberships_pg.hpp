/*
 * caller_memberships_pg.hpp: the memberships of an API key caller.
 */
#pragma once
#include "membership/membership_cache_pg.hpp"

namespace tenancy::apikeys {

/* While an API key is the caller: its tenant, no role; otherwise nullptr. */
const UserMemberships *key_caller_memberships(void);

} // namespace tenancy::apikeys
