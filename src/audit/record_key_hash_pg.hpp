/*
 * record_key_hash_pg.hpp: the 64-bit code of a log row's record_key that
 * audit_history's index holds (tenancy.audit_key_hash, src/audit/reading.sql).
 */
#pragma once
#include "core/pg.hpp"

extern "C" {
#include "utils/jsonb.h"

/* tenancy.audit_key_hash(jsonb)'s C function */
extern PGDLLEXPORT Datum audit_key_hash(PG_FUNCTION_ARGS);
}

namespace tenancy::audit {

/* What tenancy.audit_key_hash(key) returns; raises no error. */
int64 record_key_hash(Jsonb *key);

} // namespace tenancy::audit
