/*
 * helper_arguments_pg.cpp: the helpers' arguments and results
 * (helpers_pg.hpp): a tenant argument of any id type read as a key of the
 * scope's kind (42804 when its type cannot name one), the scope argument,
 * and the tenant arrays of each id type.
 *
 * Plain C-style glue: PODs and palloc'd memory only.
 */
#include "core/boundary.hpp"
#include "membership/helpers_pg.hpp"
#include "membership/id_types_pg.hpp"

extern "C" {
#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/uuid.h"
}

#include <cstring>

namespace tenancy {

/* 42804 unless a tenant argument of type arg can name a tenant of caller's scope. */
void
require_argument_kind(const Caller &caller, Arg arg)
{
	if (!caller.known || arg == Arg::text || (arg == Arg::uuid && caller.kind == IdKind::uuid) ||
		(arg == Arg::bigint && caller.kind == IdKind::integer))
		return;
	char *hint = caller.kind == IdKind::text
					 ? pstrdup("Pass the tenant id as text.")
					 : psprintf("Pass the tenant id as %s, or as text.", id_kind_name(caller.kind));
	report_wrong_tenant_kind(caller.scope, caller.kind,
							 arg == Arg::uuid ? "a uuid tenant id" : "a bigint tenant id", hint);
}

/*
 * The key of the tenant argument argno (of type arg) names in caller's
 * scope; false when it names none of the caller's tenants for certain.
 */
bool
argument_key(const Caller &caller, FunctionCallInfo fcinfo, int argno, Arg arg,
			 unsigned char key[16])
{
	std::size_t index;

	switch (arg)
	{
		case Arg::uuid:
			memcpy(key, PG_GETARG_UUID_P(argno)->data, UUID_LEN);
			return true;
		case Arg::bigint:
			integer_key(PG_GETARG_INT64(argno), key);
			return true;
		case Arg::text:
			break;
	}
	if (!caller.known)
		return false; /* no registration and no user: nothing to reach */
	text *t = PG_GETARG_TEXT_PP(argno);
	switch (caller.kind)
	{
		case IdKind::uuid:
			memcpy(key,
				   DatumGetUUIDP(DirectFunctionCall1(uuid_in, CStringGetDatum(text_to_cstring(t))))
					   ->data,
				   UUID_LEN);
			return true;
		case IdKind::integer:
			integer_key(DatumGetInt64(DirectFunctionCall1(int8in,
														  CStringGetDatum(text_to_cstring(t)))),
						key);
			return true;
		case IdKind::text:
			if (caller.m == nullptr ||
				!find_text(caller.m->texts, caller.m->ntexts,
						   TextRef{VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t)}, &index))
				return false;
			text_key(index, key);
			return true;
	}
	pg_unreachable();
}

/* The scope argument of a helper's scoped form; NULL is an error, not "no access". */
const char *
scope_argument(FunctionCallInfo fcinfo, int argno)
{
	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("scope must not be NULL"),
				 errhint("Name a registered scope, or call the form without scope for "
						 "'workspace'.")));
	return text_to_cstring(PG_GETARG_TEXT_PP(argno));
}

Datum
tenant_array(const pg_uuid_t *keys, int count, const UserMemberships *m, IdKind kind)
{
	Datum *elements = static_cast<Datum *>(palloc(Max(count, 1) * sizeof(Datum)));

	for (int i = 0; i < count; i++)
	{
		const unsigned char *key = keys[i].data;
		if (kind == IdKind::uuid)
			elements[i] = UUIDPGetDatum(&keys[i]);
		else if (kind == IdKind::integer)
			elements[i] = Int64GetDatum(integer_of_key(key));
		else
		{
			const TextRef &t = m->texts[text_index_of_key(key)];
			elements[i] = PointerGetDatum(cstring_to_text_with_len(t.bytes, t.length));
		}
	}
	if (kind == IdKind::uuid)
		PG_RETURN_ARRAYTYPE_P(
			construct_array(elements, count, UUIDOID, UUID_LEN, false, TYPALIGN_CHAR));
	if (kind == IdKind::integer)
		PG_RETURN_ARRAYTYPE_P(construct_array(elements, count, INT8OID, sizeof(int64),
											  FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	PG_RETURN_ARRAYTYPE_P(construct_array(elements, count, TEXTOID, -1, false, TYPALIGN_INT));
}

} // namespace tenancy
