/*
 * id_types_pg.cpp: see id_types_pg.hpp.
 *
 * Plain C-style glue: PODs only.
 */
#include "core/boundary.hpp"
#include "membership/id_types_pg.hpp"

extern "C" {
#include "catalog/pg_type.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
}

namespace tenancy {

bool
id_kind_of_type(Oid type, IdKind *kind)
{
	switch (type)
	{
		case UUIDOID:
			*kind = IdKind::uuid;
			return true;
		case TEXTOID:
		case VARCHAROID:
			*kind = IdKind::text;
			return true;
		case INT8OID:
		case INT4OID:
			*kind = IdKind::integer;
			return true;
		default:
			return false;
	}
}

const char *
id_kind_name(IdKind kind)
{
	switch (kind)
	{
		case IdKind::text:
			return "text";
		case IdKind::integer:
			return "bigint";
		case IdKind::uuid:
			break;
	}
	return "uuid";
}

void
require_id_column(Oid relid, AttrNumber attno, const char *role, const char *column,
				  IdKind *kind)
{
	Oid type, collation;
	int32 typmod;

	get_atttypetypmodcoll(relid, attno, &type, &typmod, &collation);
	if (!id_kind_of_type(type, kind))
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("%s column \"%s\" must be of type uuid, text, varchar, bigint or integer",
						role, column),
				 errdetail("It is of type %s.", format_type_be(type))));
	if (*kind == IdKind::text && OidIsValid(collation) && !get_collation_isdeterministic(collation))
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("%s column \"%s\" has a nondeterministic collation", role, column),
				 errdetail("Text ids are compared byte for byte."),
				 errhint("Give the column a deterministic collation, such as \"C\" or the "
						 "database default.")));
}

void
report_wrong_tenant_kind(const char *scope, IdKind kind, const char *what, const char *hint)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATATYPE_MISMATCH),
			 errmsg("scope \"%s\" has %s tenant ids, not %s", scope, id_kind_name(kind), what),
			 errhint("%s", hint)));
	pg_unreachable();
}

} // namespace tenancy
