/*
 * helpers_pg.hpp: what every access helper answers from (server glue;
 * helpers_pg.cpp). The permission helpers (permission_helpers_pg.cpp) use
 * it too.
 */
#pragma once
#include "membership/membership_cache_pg.hpp"

namespace tenancy {

/*
 * The current caller's memberships in scope (an API key's, or the user's,
 * narrowed to the active tenant), or nullptr when there is no user. Valid
 * until the next call.
 */
const UserMemberships *caller_memberships(const char *scope);

/* The scope argument of a helper's scoped form; NULL is an error, not "no access". */
const char *scope_argument(FunctionCallInfo fcinfo, int argno);

} // namespace tenancy
