/*
 * caller_state_pg.hpp: the API key that is the caller of the current
 * transaction (server glue, plain C style).
 */
#pragma once
#include "apikeys/api_key_cache_pg.hpp"

namespace tenancy::apikeys {

/* Registers the transaction and subtransaction callbacks; once, at load. */
void caller_state_init(void);

/* The caller an API key made for the current transaction, or nullptr. */
const KeyRecord *key_caller(void);

/*
 * Makes record the caller until the transaction ends, or until the
 * subtransaction (savepoint) current now rolls back: then the caller is
 * again the one before (a key, or none).
 */
void become_key_caller(const KeyRecord *record);

/* True while a key is the caller: the identity functions' no-user hook. */
bool key_is_caller(void);

} // namespace tenancy::apikeys
