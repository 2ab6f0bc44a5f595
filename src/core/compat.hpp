/*
 * compat.hpp: the server API calls whose signatures changed between the
 * PostgreSQL majors tenancy supports (15 to 18), each behind one function
 * with the 15 behaviour. This is the only file in src/ that tests
 * PG_VERSION_NUM; server glue calls these instead of the server functions.
 */
#pragma once

#include "core/pg.hpp"

extern "C" {
#include "access/genam.h"
#include "catalog/pg_proc.h"
#include "executor/executor.h"
#include "nodes/nodeFuncs.h"
#include "utils/acl.h"
#include "utils/rel.h"
#include "utils/relcache.h"
}

#if PG_VERSION_NUM < 150000 || PG_VERSION_NUM >= 190000
#error "tenancy supports PostgreSQL 15 to 18"
#endif

namespace tenancy::compat {

/* Whether role owns relation relid (superusers included), as the server checks it. */
inline bool
owns_relation(Oid relid, Oid role)
{
#if PG_VERSION_NUM >= 160000
	return object_ownercheck(RelationRelationId, relid, role);
#else
	return pg_class_ownercheck(relid, role);
#endif
}

/* Whether role may execute function function, as the server checks it when a call starts. */
inline bool
may_execute(Oid function, Oid role)
{
#if PG_VERSION_NUM >= 160000
	return object_aclcheck(ProcedureRelationId, function, role, ACL_EXECUTE) == ACLCHECK_OK;
#else
	return pg_proc_aclcheck(function, role, ACL_EXECUTE) == ACLCHECK_OK;
#endif
}

/*
 * Inserts the index entries of a freshly inserted row into every index of
 * the relation, as a plain INSERT does (16 added onlySummarizing, which is
 * for HOT updates only).
 */
inline List *
insert_index_tuples(ResultRelInfo *info, TupleTableSlot *slot, EState *estate)
{
#if PG_VERSION_NUM >= 160000
	return ExecInsertIndexTuples(info, slot, estate, false, false, nullptr, NIL, false);
#else
	return ExecInsertIndexTuples(info, slot, estate, false, false, nullptr, NIL);
#endif
}

/*
 * Closes the indexes ExecOpenIndices opened, as ExecCloseIndices does (17
 * added the index AM's post-insert clean-up), but keeps their locks to the
 * end of the transaction.
 */
inline void
close_indices_keeping_locks(ResultRelInfo *info)
{
	for (int i = 0; i < info->ri_NumIndices; i++)
	{
#if PG_VERSION_NUM >= 170000
		index_insert_cleanup(info->ri_IndexRelationDescs[i], info->ri_IndexRelationInfo[i]);
#endif
		index_close(info->ri_IndexRelationDescs[i], NoLock);
		info->ri_IndexRelationDescs[i] = nullptr;
	}
}

/*
 * The relation's primary key index, InvalidOid when it has none or when the
 * key is deferrable: 15 to 17 never report a deferrable key, and 18 does
 * only when asked (deferrable_ok).
 */
inline Oid
primary_key_index(Relation rel)
{
#if PG_VERSION_NUM >= 180000
	return RelationGetPrimaryKeyIndex(rel, false);
#else
	return RelationGetPrimaryKeyIndex(rel);
#endif
}

/*
 * Whether an Append or MergeAppend prunes its subplans at run time itself:
 * 18 keeps the pruning info in the plan's list and indexes it
 * (part_prune_index, -1 for none); before 18 the node holds it.
 */
template <typename AppendNode>
inline bool
prunes_at_run_time(const AppendNode *node)
{
#if PG_VERSION_NUM >= 180000
	return node->part_prune_index >= 0;
#else
	return node->part_prune_info != nullptr;
#endif
}

/*
 * expression_tree_walker and query_tree_walker with a typed walker: 16 made
 * them macros taking bool (*)(Node *, void *); 15 declares them with an
 * unprototyped bool (*)(), which C++ must be given through void (*)(void)
 * (the one cast between function types -Wcast-function-type allows).
 */
using TreeWalker = bool (*)(Node *node, void *context);

inline bool
walk_expression(Node *node, TreeWalker walker, void *context)
{
#if PG_VERSION_NUM >= 160000
	return expression_tree_walker(node, walker, context);
#else
	return expression_tree_walker(
		node, reinterpret_cast<bool (*)()>(reinterpret_cast<void (*)(void)>(walker)), context);
#endif
}

/* expression_tree_mutator with a typed mutator (as walk_expression). */
using TreeMutator = Node *(*)(Node *node, void *context);

inline Node *
mutate_expression(Node *node, TreeMutator mutator, void *context)
{
#if PG_VERSION_NUM >= 160000
	return expression_tree_mutator(node, mutator, context);
#else
	return expression_tree_mutator(
		node, reinterpret_cast<Node *(*)()>(reinterpret_cast<void (*)(void)>(mutator)), context);
#endif
}

inline bool
walk_query(Query *query, TreeWalker walker, void *context, int flags)
{
#if PG_VERSION_NUM >= 160000
	return query_tree_walker(query, walker, context, flags);
#else
	return query_tree_walker(
		query, reinterpret_cast<bool (*)()>(reinterpret_cast<void (*)(void)>(walker)), context, flags);
#endif
}

} // namespace tenancy::compat
