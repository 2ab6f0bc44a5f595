/*
 * erase_pg.cpp: tenancy._audit_images_digest(record_key, old_values,
 * new_values), the digest erase_audit keeps in a row whose images it
 * replaces (chain.hpp: images_digest), computed from the jsonb's binary
 * form exactly as verification computes it from an unerased row.
 */
#include "audit/chain.hpp"
#include "core/boundary.hpp"

extern "C" {
#include "utils/jsonb.h" /* the images' type; brings the varlena macros on every server version */
}

#include <cstring>
#include <optional>
#include <string_view>

namespace {

std::optional<std::string_view>
jsonb_bytes(FunctionCallInfo fcinfo, int arg)
{
	if (PG_ARGISNULL(arg))
		return std::nullopt;
	Datum value = PG_GETARG_DATUM(arg);
	struct varlena *bytes =
		tenancy::pg_guarded([&]() { return pg_detoast_datum_packed((struct varlena *) DatumGetPointer(value)); });
	return std::string_view(VARDATA_ANY(bytes), VARSIZE_ANY_EXHDR(bytes));
}

} // namespace

TENANCY_FUNCTION(audit_images_digest)
{
	tenancy::audit::RowImages images{jsonb_bytes(fcinfo, 0), jsonb_bytes(fcinfo, 1), jsonb_bytes(fcinfo, 2)};
	tenancy::audit::Hash digest = tenancy::audit::images_digest(images);
	bytea *out = tenancy::pg_guarded([&]() { return (bytea *) palloc(VARHDRSZ + digest.size()); });
	SET_VARSIZE(out, VARHDRSZ + digest.size());
	memcpy(VARDATA(out), digest.data(), digest.size());
	PG_RETURN_BYTEA_P(out);
}
