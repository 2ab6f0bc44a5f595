/*
 * record_key_hash_pg.cpp: tenancy.audit_key_hash(jsonb), the 64-bit code of
 * a log row's record_key that audit_history's index holds
 * (src/audit/reading.sql).
 *
 * Why not the jsonb itself: under row level security PostgreSQL uses a
 * reader's condition as an index condition only when every function in it
 * is LEAKPROOF, and jsonb's = is not; bigint's = is, and so is this
 * function (it raises no error that depends on the value). Keys equal as
 * jsonb ({"id": 1} and {"id": 1.0}) get the same code; audit_history
 * compares the jsonb too, for keys that share a code.
 *
 * A key of one column whose value rounds to a 32-bit integer gets a code
 * that grows with the value (key_code.hpp), so that a bulk statement's
 * entries land side by side in the index; any other key, jsonb's own hash
 * (the one its hash index uses).
 */
#include "audit/key_code.hpp"
#include "core/boundary.hpp" /* its error.hpp is pure: before any server header */

#include "audit/record_key_hash_pg.hpp"

extern "C" {
#include "common/hashfn.h"
#include "utils/fmgrprotos.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"
}

namespace tenancy::audit {

/* Plain C style: only PostgreSQL calls, none of which raises here. */
int64
record_key_hash(Jsonb *key)
{
	if (JB_ROOT_IS_OBJECT(key) && JB_ROOT_COUNT(key) == 1)
	{
		JsonbIterator *it = JsonbIteratorInit(&key->root);
		JsonbValue name, value;
		if (JsonbIteratorNext(&it, &name, false) == WJB_BEGIN_OBJECT &&
			JsonbIteratorNext(&it, &name, false) == WJB_KEY &&
			JsonbIteratorNext(&it, &value, true) == WJB_VALUE && value.type == jbvNumeric)
		{
			/* rounds, as an int cast does: a deterministic function of the value */
			bool out_of_range = false;
			int32 number = numeric_int4_opt_error(value.val.numeric, &out_of_range);
			if (!out_of_range)
				return ordered_key_code(
					hash_bytes((const unsigned char *) name.val.string.val, name.val.string.len), number);
		}
	}
	return DatumGetInt64(
		DirectFunctionCall2(jsonb_hash_extended, PointerGetDatum(key), Int64GetDatum(0)));
}

} // namespace tenancy::audit

TENANCY_FUNCTION(audit_key_hash)
{
	PG_RETURN_INT64(tenancy::audit::record_key_hash(PG_GETARG_JSONB_P(0)));
}
