/*
 * record_key_hash_pg.cpp: tenancy.audit_key_hash(jsonb), the 64-bit hash of
 * a log row's record_key that audit_history's index holds
 * (src/audit/reading.sql).
 *
 * Why not the jsonb itself: under row level security PostgreSQL uses a
 * reader's condition as an index condition only when every function in it
 * is LEAKPROOF, and jsonb's = is not; bigint's = is, and so is this
 * function (jsonb's hash raises no error that depends on the value). It is
 * the hash jsonb's hash index uses, so keys equal as jsonb ({"id": 1} and
 * {"id": 1.0}) hash alike; audit_history compares the jsonb too, for the
 * rare collision. Eight bytes and an integer comparison per index entry
 * also cost a writer less than the jsonb would.
 */
#include "core/boundary.hpp" /* its error.hpp is pure: before any server header */

extern "C" {
#include "utils/fmgrprotos.h"
}

/* Plain C style: only PostgreSQL calls, no C++ object alive. */
TENANCY_FUNCTION(audit_key_hash)
{
	return DirectFunctionCall2(jsonb_hash_extended, PG_GETARG_DATUM(0), Int64GetDatum(0));
}
