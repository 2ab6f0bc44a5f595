/*
 * caller_actor_pg.hpp: the audit actor while an API key is the caller.
 */
#pragma once
#include "core/pg.hpp"

extern "C" {
#include "utils/uuid.h"
}

namespace tenancy::apikeys {

/* While an API key is the transaction's caller: true, its key id in *actor. */
bool key_caller_actor(pg_uuid_t *actor);

} // namespace tenancy::apikeys
