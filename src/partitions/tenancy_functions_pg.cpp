/*
 * tenancy_functions_pg.cpp: the OIDs of tenancy's membership functions
 * (and of the membership sentinel relation), kept per backend. Both pruning hooks need them on every plan and every
 * execution; a name lookup each time (schema, then overloads) would cost
 * more than the pruning saves on a small query. Any change to pg_proc or
 * pg_namespace (CREATE/DROP EXTENSION, a schema renamed) drops them, and
 * the next use looks them up again (the sentinel goes and comes with the
 * extension's functions).
 *
 * Plain C style: the callbacks only clear a flag.
 */
#include "partitions/tenancy_functions_pg.hpp"

extern "C" {
#include "catalog/namespace.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"
}

namespace {

tenancy::TenancyFunctionOids oids;
bool oids_valid = false;

/* tenancy.name(argtypes) in schema nsp: no search path, no privilege check (an OID is only compared). */
Oid
tenancy_function(Oid nsp, const char *name, int nargs, const Oid *argtypes)
{
	if (!OidIsValid(nsp))
		return InvalidOid;
	return GetSysCacheOid3(PROCNAMEARGSNSP, Anum_pg_proc_oid, CStringGetDatum(name),
						   PointerGetDatum(buildoidvector(argtypes, nargs)),
						   ObjectIdGetDatum(nsp));
}

} // namespace

extern "C" {
static void forget_tenancy_functions(Datum arg, int cacheid, uint32 hashvalue);
}

static void
forget_tenancy_functions(Datum, int, uint32)
{
	oids_valid = false;
}

void
tenancy::tenancy_function_oids_init(void)
{
	CacheRegisterSyscacheCallback(PROCOID, forget_tenancy_functions, 0);
	CacheRegisterSyscacheCallback(NAMESPACEOID, forget_tenancy_functions, 0);
}

const tenancy::TenancyFunctionOids *
tenancy::tenancy_function_oids(void)
{
	if (oids_valid)
		return &oids;
	// first: an invalidation accepted during the lookups clears it again
	oids_valid = true;
	Oid nsp = get_namespace_oid("tenancy", true);
	Oid text_type = TEXTOID;
	Oid uuid_text[2] = {UUIDOID, TEXTOID};
	oids.workspaces = tenancy_function(nsp, "user_workspaces", 0, &text_type);
	oids.scope_workspaces = tenancy_function(nsp, "user_workspaces", 1, &text_type);
	oids.access = tenancy_function(nsp, "user_has_workspace_access", 1, uuid_text);
	oids.scope_access = tenancy_function(nsp, "user_has_workspace_access", 2, uuid_text);
	oids.membership_sentinel =
		OidIsValid(nsp) ? get_relname_relid("membership_registration", nsp) : InvalidOid;
	return &oids;
}
