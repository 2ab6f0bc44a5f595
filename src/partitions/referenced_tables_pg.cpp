/*
 * referenced_tables_pg.cpp: loading, before a partition is attached, what
 * ATTACH will read about the tables the parent's foreign keys reference.
 *
 * Attaching a partition to a table with a foreign key clones the key onto
 * the partition: PostgreSQL takes SHARE ROW EXCLUSIVE on the referenced
 * table and every one of its partitions, then plans and runs the key's
 * validation query over them (RI_Initial_Check), all under that lock, which
 * inserts into the referenced table (ROW EXCLUSIVE) queue behind. In a
 * session that has not used those tables yet (every pg_cron run is a new
 * one) most of that time is building their relation cache entries: one per
 * partition and per index, each several catalog scans. Built first, under
 * ACCESS SHARE (which no insert waits for), they make the locked part of
 * ATTACH the few milliseconds of a warm session instead of a cold one.
 *
 * No C++ objects: the body holds only PODs and calls PostgreSQL directly.
 */
#include "core/boundary.hpp"
#include "core/compat.hpp"

extern "C" {
#include "access/genam.h"
#include "access/relation.h"
#include "catalog/pg_class.h"
#include "catalog/pg_inherits.h"
#include "miscadmin.h"
#include "partitioning/partdesc.h"
#include "storage/bufmgr.h"
#include "storage/lmgr.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/relcache.h"
}

namespace
{

/* Opens rel (locked by the caller) and each of its indexes, so that their
 * relation cache entries are built now. */
void
load_relation_and_indexes(Oid relid)
{
	Relation rel = relation_open(relid, NoLock);
	if (rel->rd_rel->relkind == RELKIND_PARTITIONED_TABLE)
		(void) RelationGetPartitionDesc(rel, true);
	// the planner of the validation query sizes each one: opens its files
	if (RELKIND_HAS_STORAGE(rel->rd_rel->relkind))
		(void) RelationGetNumberOfBlocks(rel);
	List *indexes = RelationGetIndexList(rel);
	ListCell *lc;
	foreach (lc, indexes)
	{
		Relation index = index_open(lfirst_oid(lc), AccessShareLock);
		if (RELKIND_HAS_STORAGE(index->rd_rel->relkind))
			(void) RelationGetNumberOfBlocks(index);
		index_close(index, NoLock);
	}
	list_free(indexes);
	relation_close(rel, NoLock);
}

} // namespace

/*
 * _partition_load_referenced(parent regclass) → void
 *
 * Takes ACCESS SHARE (to the end of the transaction, as a query would) on
 * every partitioned table a foreign key of parent references, its
 * partitions and their indexes, and builds their relation cache entries.
 * Nothing for a parent without foreign keys, or one that no longer
 * exists. The caller must own parent (42501).
 */
TENANCY_FUNCTION(partition_load_referenced)
{
	const Oid parent = PG_GETARG_OID(0);
	Relation rel = try_relation_open(parent, AccessShareLock);
	if (rel == nullptr)
		PG_RETURN_VOID();
	if (!tenancy::compat::owns_relation(parent, GetUserId()))
		ereport(ERROR, (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
						errmsg("must be owner of table %s", RelationGetRelationName(rel))));
	List *referenced = NIL;
	ListCell *lc;
	foreach (lc, RelationGetFKeyList(rel))
	{
		const Oid confrelid = static_cast<ForeignKeyCacheInfo *>(lfirst(lc))->confrelid;
		if (get_rel_relkind(confrelid) == RELKIND_PARTITIONED_TABLE)
			referenced = list_append_unique_oid(referenced, confrelid);
	}
	relation_close(rel, NoLock);
	foreach (lc, referenced)
	{
		// find_all_inheritors locks the partitions, not the table itself
		LockRelationOid(lfirst_oid(lc), AccessShareLock);
		List *tree = find_all_inheritors(lfirst_oid(lc), AccessShareLock, nullptr);
		ListCell *member;
		foreach (member, tree)
		{
			CHECK_FOR_INTERRUPTS();
			load_relation_and_indexes(lfirst_oid(member));
		}
		list_free(tree);
	}
	list_free(referenced);
	PG_RETURN_VOID();
}
