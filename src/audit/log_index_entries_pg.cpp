/*
 * log_index_entries_pg.cpp: the index entries of the log's rows (see
 * log_index_entries_pg.hpp). Plain C-style server code: no C++ object with
 * a destructor is alive, so its errors need no guard.
 */
#include "audit/log_index_entries_pg.hpp"

#include "audit/log_index_infos_pg.hpp"
#include "audit/record_key_hash_pg.hpp"
#include "core/compat.hpp"

extern "C" {
#include "access/genam.h"
#include "catalog/index.h"
#include "catalog/pg_am.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "nodes/primnodes.h"
#include "utils/inval.h"
#include "utils/syscache.h"
}

namespace tenancy::audit {

namespace {

/*
 * Whether function key_hash_function is tenancy.audit_key_hash, i.e. runs
 * this module's C function: known until any function changes (a CREATE OR
 * REPLACE keeps the OID). A check that saw an invalidation arrive while it
 * ran (catalog reads process them) is not kept.
 */
Oid checked_function = InvalidOid;
bool checked_is_key_hash = false;
uint64 invalidations = 0;

void
forget_on_function_change(Datum, int, uint32)
{
	invalidations++;
	checked_function = InvalidOid;
}

bool
is_key_hash_function(Oid function)
{
	if (function != checked_function)
	{
		uint64 seen = invalidations;
		FmgrInfo call;
		fmgr_info(function, &call);
		bool is_key_hash = call.fn_addr == audit_key_hash;
		if (seen != invalidations)
			return is_key_hash;
		checked_function = function;
		checked_is_key_hash = is_key_hash;
	}
	return checked_is_key_hash;
}

/* An index whose entries are its columns' values: FormIndexDatum needs no executor. */
bool
is_plain(const IndexInfo *index)
{
	return index->ii_Expressions == NIL && index->ii_Predicate == NIL && !index->ii_Unique &&
		   index->ii_ExclusionOps == nullptr;
}

/* (tenancy.audit_key_hash(record_key), tenant_id), neither unique nor partial. */
bool
is_key_index(const IndexInfo *index, AttrNumber record_key, AttrNumber tenant)
{
	if (index->ii_NumIndexAttrs != 2 || index->ii_IndexAttrNumbers[0] != 0 ||
		index->ii_IndexAttrNumbers[1] != tenant || index->ii_Predicate != NIL || index->ii_Unique ||
		index->ii_ExclusionOps != nullptr || list_length(index->ii_Expressions) != 1)
		return false;
	Node *expression = (Node *) linitial(index->ii_Expressions);
	if (!IsA(expression, FuncExpr))
		return false;
	FuncExpr *call = (FuncExpr *) expression;
	if (list_length(call->args) != 1 || !IsA(linitial(call->args), Var))
		return false;
	Var *argument = (Var *) linitial(call->args);
	return argument->varattno == record_key && argument->vartype == JSONBOID &&
		   call->funcresulttype == INT8OID && is_key_hash_function(call->funcid);
}

} // namespace

void
log_index_entries_init(void)
{
	CacheRegisterSyscacheCallback(PROCOID, forget_on_function_change, (Datum) 0);
}

void
log_indexes_open(ResultRelInfo *info, AttrNumber record_key, AttrNumber tenant, LogIndexes *plan)
{
	Relation partition = info->ri_RelationDesc;
	plan->by_writer = true;
	plan->key_index = -1;
	plan->tenant = tenant;
	info->ri_NumIndices = 0;
	List *oids = RelationGetForm(partition)->relhasindex ? RelationGetIndexList(partition) : NIL;
	int n = list_length(oids);
	if (n == 0)
		return;
	info->ri_IndexRelationDescs = (RelationPtr) palloc(n * sizeof(Relation));
	info->ri_IndexRelationInfo = (IndexInfo **) palloc(n * sizeof(IndexInfo *));
	ListCell *cell;
	foreach (cell, oids)
	{
		int i = info->ri_NumIndices++;
		Relation index = index_open(lfirst_oid(cell), RowExclusiveLock);
		IndexInfo *kept = kept_index_info(index);
		info->ri_IndexRelationDescs[i] = index;
		info->ri_IndexRelationInfo[i] = kept;
		/* other index AMs keep insert state in the IndexInfo */
		if (index->rd_rel->relam != BTREE_AM_OID)
			plan->by_writer = false;
		else if (plan->key_index < 0 && is_key_index(kept, record_key, tenant))
			plan->key_index = i;
		else if (!is_plain(kept))
			plan->by_writer = false;
	}
	list_free(oids);
	if (plan->by_writer)
		return;
	/* the executor adds the entries, and fills in IndexInfos: each its own */
	plan->key_index = -1;
	for (int i = 0; i < n; i++)
		info->ri_IndexRelationInfo[i] = BuildIndexInfo(info->ri_IndexRelationDescs[i]);
}

void
log_index_entries_add(const LogIndexes *plan, ResultRelInfo *info, EState *estate,
					  TupleTableSlot *slot, bool has_key, int64 key_hash)
{
	if (!plan->by_writer)
	{
		list_free(compat::insert_index_tuples(info, slot, estate));
		return;
	}
	for (int i = 0; i < info->ri_NumIndices; i++)
	{
		IndexInfo *index = info->ri_IndexRelationInfo[i];
		if (!index->ii_ReadyForInserts)
			continue; /* CREATE INDEX CONCURRENTLY has not reached it yet */
		Datum values[INDEX_MAX_KEYS];
		bool nulls[INDEX_MAX_KEYS];
		if (i == plan->key_index)
		{
			values[0] = Int64GetDatum(key_hash);
			nulls[0] = !has_key;
			values[1] = slot_getattr(slot, plan->tenant, &nulls[1]);
		}
		else
			FormIndexDatum(index, slot, estate, values, nulls);
		index_insert(info->ri_IndexRelationDescs[i], values, nulls, &slot->tts_tid,
					 info->ri_RelationDesc, UNIQUE_CHECK_NO, false, index);
	}
}

} // namespace tenancy::audit
