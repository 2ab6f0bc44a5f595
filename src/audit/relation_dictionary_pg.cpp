/*
 * relation_dictionary_pg.cpp: the cached dictionary ids of audited
 * relations (see relation_dictionary_pg.hpp). Plain C-style server code
 * with no C++ object alive: its errors need no guard.
 */
#include "audit/relation_dictionary_pg.hpp"

#include "audit/log_oids_pg.hpp"
#include "core/relation_owner_pg.hpp"

extern "C" {
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
}

namespace tenancy::audit {

namespace {

struct CachedRelation
{
	Oid relid; /* hash key */
	bool valid;
	int32 id;
};

HTAB *cache = nullptr;
Oid dictionary = InvalidOid; /* tenancy.audit_relation when the cache was filled */
/*
 * Invalidations seen so far: an id looked up while one arrived (the lookup
 * takes locks, which process invalidations) serves the statement that
 * asked but is not kept.
 */
uint64 invalidations = 0;

void
forget_all(void)
{
	if (cache == nullptr)
		return;
	HASH_SEQ_STATUS scan;
	hash_seq_init(&scan, cache);
	for (auto *entry = (CachedRelation *) hash_seq_search(&scan); entry != nullptr;
		 entry = (CachedRelation *) hash_seq_search(&scan))
		entry->valid = false;
}

void
forget_on_relcache(Datum, Oid relid)
{
	invalidations++;
	if (cache == nullptr)
		return;
	if (relid == InvalidOid)
	{
		forget_all();
		return;
	}
	/* the dictionary truncated or replaced: every cached id may be gone */
	if (relid == dictionary)
	{
		forget_all();
		return;
	}
	auto *entry = (CachedRelation *) hash_search(cache, &relid, HASH_FIND, nullptr);
	if (entry != nullptr)
		entry->valid = false;
}

void
forget_on_namespace(Datum, int, uint32)
{
	invalidations++;
	forget_all();
}

SPIPlanPtr
prepared(const char *sql, Oid *types)
{
	SPIPlanPtr plan = SPI_prepare(sql, 2, types);
	if (plan == nullptr)
		elog(ERROR, "tenancy could not prepare the audit relation lookup");
	return plan;
}

/*
 * Runs one statement of the lookup under the latest snapshot: a row another
 * transaction added and committed while this one waited for it (ON
 * CONFLICT waits) is seen, under REPEATABLE READ too.
 */
int
run_latest(SPIPlanPtr plan, Datum *values)
{
	PushActiveSnapshot(GetLatestSnapshot());
	int rc = SPI_execute_snapshot(plan, values, nullptr, GetActiveSnapshot(), InvalidSnapshot, false,
								  false, 1);
	PopActiveSnapshot();
	return rc;
}

/*
 * The id the statement returned; *committed is whether its row was added
 * by a committed transaction rather than this one, which may still abort
 * (then the row is gone and the id must not be kept).
 */
int32
returned_id(bool *committed)
{
	bool isnull;
	Datum id = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	Datum xmin = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull);
	*committed = !TransactionIdIsCurrentTransactionId(DatumGetTransactionId(xmin));
	return DatumGetInt32(id);
}

/*
 * The id of (schema, name), added when missing if add, else -1 when
 * missing; as the dictionary's owner.
 */
int32
look_up(const char *schema, const char *name, bool add, bool *committed)
{
	Oid types[2] = {TEXTOID, TEXTOID};
	Datum values[2] = {CStringGetTextDatum(schema), CStringGetTextDatum(name)};

	Oid saved_user;
	int saved_context;
	GetUserIdAndSecContext(&saved_user, &saved_context);
	dictionary = log_oids()->relations;
	SetUserIdAndSecContext(relation_owner(dictionary),
						   saved_context | SECURITY_LOCAL_USERID_CHANGE | SECURITY_RESTRICTED_OPERATION);
	int nest_level = NewGUCNestLevel();
	(void) set_config_option("search_path", "pg_catalog, pg_temp", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "tenancy could not connect to SPI");
	/* found without a lock in the common case: enable_audit added the names */
	SPIPlanPtr select = prepared("SELECT d.id, d.xmin FROM tenancy.audit_relation d "
								 "WHERE d.schema_name OPERATOR(pg_catalog.=) $1 "
								 "AND d.table_name OPERATOR(pg_catalog.=) $2",
								 types);
	int rc = run_latest(select, values);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "tenancy could not read tenancy.audit_relation (SPI code %d)", rc);
	if (SPI_processed == 0 && add)
	{
		SPIPlanPtr insert = prepared("INSERT INTO tenancy.audit_relation AS d (schema_name, table_name) "
									 "VALUES ($1, $2) ON CONFLICT ON CONSTRAINT audit_relation_names "
									 "DO NOTHING RETURNING d.id, d.xmin",
									 types);
		rc = run_latest(insert, values);
		if (rc != SPI_OK_INSERT_RETURNING)
			elog(ERROR, "tenancy could not add to tenancy.audit_relation (SPI code %d)", rc);
		/* added by a transaction ON CONFLICT waited for: there now */
		if (SPI_processed == 0)
			rc = run_latest(select, values);
		if (SPI_processed != 1)
			elog(ERROR, "tenancy could not find %s.%s in tenancy.audit_relation (SPI code %d)",
				 quote_identifier(schema), quote_identifier(name), rc);
	}
	int32 id = SPI_processed == 1 ? returned_id(committed) : -1;
	if (SPI_finish() != SPI_OK_FINISH)
		elog(ERROR, "tenancy could not disconnect from SPI");

	AtEOXact_GUC(false, nest_level);
	SetUserIdAndSecContext(saved_user, saved_context);
	return id;
}

} // namespace

void
relation_dictionary_init(void)
{
	CacheRegisterRelcacheCallback(forget_on_relcache, (Datum) 0);
	CacheRegisterSyscacheCallback(NAMESPACEOID, forget_on_namespace, (Datum) 0);
}

namespace {

/*
 * The id of relid's current names (schema, name), added when missing if
 * add; -1 when missing, or when relid names no relation. The names are
 * read only on a miss: a hit, every audited statement's case, costs one
 * hash lookup.
 */
int32
cached_id(Oid relid, bool add)
{
	if (cache == nullptr)
	{
		HASHCTL ctl = {};
		ctl.keysize = sizeof(Oid);
		ctl.entrysize = sizeof(CachedRelation);
		cache = hash_create("tenancy audit relation ids", 64, &ctl, HASH_ELEM | HASH_BLOBS);
	}
	auto *entry = (CachedRelation *) hash_search(cache, &relid, HASH_FIND, nullptr);
	if (entry != nullptr && entry->valid)
		return entry->id;

	uint64 seen = invalidations;
	char *name = get_rel_name(relid);
	char *schema = name != nullptr ? get_namespace_name(get_rel_namespace(relid)) : nullptr;
	if (schema == nullptr)
		return -1;
	bool committed = false;
	int32 id = look_up(schema, name, add, &committed);
	/* a row this transaction added is kept only once it committed: looked up again until then */
	if (id >= 0 && seen == invalidations && committed)
	{
		entry = (CachedRelation *) hash_search(cache, &relid, HASH_ENTER, nullptr);
		entry->id = id;
		entry->valid = true;
	}
	return id;
}

} // namespace

int32
audit_relation_id(Relation rel)
{
	return cached_id(RelationGetRelid(rel), true);
}

int32
find_audit_relation_id(Oid relid)
{
	return cached_id(relid, false);
}

} // namespace tenancy::audit
