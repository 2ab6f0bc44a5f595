/*
 * log_oids_pg.cpp: the cached OIDs of the log's objects (see
 * log_oids_pg.hpp). The callbacks only clear a flag and count; the lookup
 * is plain C-style server code with no C++ object alive, so its errors
 * need no guard.
 */
#include "audit/log_oids_pg.hpp"

extern "C" {
#include "catalog/namespace.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"
}

namespace tenancy::audit {

namespace {

LogOids cached;
bool cached_valid = false;
/*
 * Invalidations seen so far: a lookup that saw one arrive while it ran
 * (catalog reads take locks, which process invalidations) starts again.
 */
uint64 invalidations = 0;

void
forget_on_relcache(Datum, Oid relid)
{
	invalidations++;
	if (relid == InvalidOid || relid == cached.log || relid == cached.id_sequence ||
		relid == cached.install || relid == cached.relations)
		cached_valid = false;
}

void
forget_on_namespace(Datum, int, uint32)
{
	invalidations++;
	cached_valid = false;
}

Oid
relation_in(Oid schema, const char *name)
{
	Oid relid = get_relname_relid(name, schema);
	if (!OidIsValid(relid))
		ereport(ERROR, (errcode(ERRCODE_UNDEFINED_TABLE), errmsg("tenancy.%s does not exist", name),
						errhint("Reinstall the tenancy extension.")));
	return relid;
}

} // namespace

void
log_oids_init(void)
{
	CacheRegisterRelcacheCallback(forget_on_relcache, (Datum) 0);
	CacheRegisterSyscacheCallback(NAMESPACEOID, forget_on_namespace, (Datum) 0);
}

const LogOids *
log_oids(void)
{
	while (!cached_valid)
	{
		uint64 seen = invalidations;
		LogOids found;
		found.schema = get_namespace_oid("tenancy", false);
		found.log = relation_in(found.schema, "audit_log");
		found.id_sequence = relation_in(found.schema, "audit_log_id_seq");
		found.install = relation_in(found.schema, "audit_install");
		found.relations = relation_in(found.schema, "audit_relation");
		if (seen == invalidations)
		{
			cached = found;
			cached_valid = true;
		}
	}
	return &cached;
}

} // namespace tenancy::audit
