/*
 * key_descendants_pg.hpp: what an API key reaches through its scope's
 * children (server glue, plain C style, may ereport).
 *
 * A key made for organization o (scope_name 'organization') reaches, in a
 * scope derived from 'organization' (tenancy.register_scope_parent, at any
 * depth), every tenant the mappings link to o, as a member without a role,
 * like its own tenant (docs/api-keys.md). Never stale: cached per backend
 * under the membership generation, with the membership cache's fill
 * discipline.
 */
#pragma once
#include "apikeys/api_key_cache_pg.hpp"
#include "membership/membership_cache_pg.hpp"

namespace tenancy::apikeys {

/*
 * The key's memberships in scope when scope derives from the key's scope;
 * nullptr (nothing) otherwise, or when scope's tenant ids are text.
 * Valid until the next call.
 */
const UserMemberships *key_descendant_memberships(const KeyRecord *caller, const char *scope);

} // namespace tenancy::apikeys
