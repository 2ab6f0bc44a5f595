/*
 * erase_pg.cpp: tenancy._audit_images_digest(record_key, old_values,
 * new_values), the digest erase_audit keeps in a row whose images it
 * replaces (chain.hpp: images_digest), computed from the jsonb text output
 * exactly as verification computes it from an unerased row.
 */
#include "audit/chain.hpp"
#include "core/boundary.hpp"

extern "C" {
#include "utils/jsonb.h"
}

#include <cstring>
#include <optional>
#include <string>

namespace {

std::optional<std::string>
jsonb_text(FunctionCallInfo fcinfo, int arg)
{
	if (PG_ARGISNULL(arg))
		return std::nullopt;
	Datum value = PG_GETARG_DATUM(arg);
	const char *text = tenancy::pg_guarded([&]() { return DatumGetCString(DirectFunctionCall1(jsonb_out, value)); });
	return std::string(text);
}

} // namespace

TENANCY_FUNCTION(audit_images_digest)
{
	tenancy::audit::RowImages images{jsonb_text(fcinfo, 0), jsonb_text(fcinfo, 1), jsonb_text(fcinfo, 2)};
	tenancy::audit::Hash digest = tenancy::audit::images_digest(images);
	bytea *out = tenancy::pg_guarded([&]() { return (bytea *) palloc(VARHDRSZ + digest.size()); });
	SET_VARSIZE(out, VARHDRSZ + digest.size());
	memcpy(VARDATA(out), digest.data(), digest.size());
	PG_RETURN_BYTEA_P(out);
}
