/*
 * catalog_pg.cpp: the catalog lookups every partition step makes several
 * times (a relation's qualified name, a parent's default partition, the
 * control column's type), from the syscache. As SQL functions they were
 * planned again in each transaction of a maintenance run (a SQL function
 * with a FROM clause is not inlined); here they are a hash lookup.
 *
 * No C++ objects: each body holds only PODs and calls PostgreSQL directly.
 */
#include "core/boundary.hpp"

extern "C" {
#include "catalog/partition.h"
#include "utils/lsyscache.h"
}

/* _partition_qualified(rel regclass) → text: "schema"."name", NULL if gone. */
TENANCY_FUNCTION(partition_qualified)
{
	const Oid rel = PG_GETARG_OID(0);
	char *name = get_rel_name(rel);
	if (name == nullptr)
		PG_RETURN_NULL();
	char *nsp = get_namespace_name(get_rel_namespace(rel));
	if (nsp == nullptr)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(quote_qualified_identifier(nsp, name)));
}

/* _partition_default_of(parent regclass) → regclass, NULL when none. */
TENANCY_FUNCTION(partition_default_of)
{
	const Oid def = get_default_partition_oid(PG_GETARG_OID(0));
	if (!OidIsValid(def))
		PG_RETURN_NULL();
	PG_RETURN_OID(def);
}

/* _partition_control_type(parent regclass, control name) → regtype, NULL
 * when the table has no such (user, not dropped) column. */
TENANCY_FUNCTION(partition_control_type)
{
	const Oid parent = PG_GETARG_OID(0);
	const AttrNumber attnum = get_attnum(parent, NameStr(*PG_GETARG_NAME(1)));
	if (attnum <= 0)
		PG_RETURN_NULL();
	const Oid type = get_atttype(parent, attnum);
	if (!OidIsValid(type))
		PG_RETURN_NULL();
	PG_RETURN_OID(type);
}
