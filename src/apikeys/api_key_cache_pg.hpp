/*
 * api_key_cache_pg.hpp: the per-backend cache of API key records (server
 * glue, plain C style).
 */
#pragma once
#include "apikeys/key_format.hpp" /* pure headers before server headers */
#include "core/pg.hpp"

extern "C" {
#include "datatype/timestamp.h"
#include "utils/array.h"
#include "utils/uuid.h"
}

namespace tenancy::apikeys {

/* One stored key as the cache holds it (arrays in the cache's context). */
struct KeyRecord
{
	pg_uuid_t id;
	bool exists;
	pg_uuid_t tenant;
	uint8 hash[hash_bytes];
	int32 hash_key_id;
	TimestampTz expires_at; /* DT_NOEND when it never expires */
	bool revoked;
	TimestampTz last_used_at;	   /* 0 when never used */
	TimestampTz last_use_noted_at; /* this backend's last attempt to record use */
	bool memo_set; /* memo proves a key text this backend verified */
	uint8 memo[memo_bytes];
	ArrayType *scopes;
	char scope_name[NAMEDATALEN]; /* the membership scope of tenant */
	Oid owner; /* the records table's owner, who records last use */
};

/* Registers the relcache callback, the caller's callbacks and hooks. */
void api_keys_init(void);

/* The record of key id, from the cache or the table; never stale. */
KeyRecord *key_record(const pg_uuid_t *id);

/* The records table, tenancy.api_key_records. */
Oid records_relid(void);


} // namespace tenancy::apikeys
