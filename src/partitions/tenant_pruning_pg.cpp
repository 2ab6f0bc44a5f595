/*
 * tenant_pruning_pg.cpp: a query on a table partitioned per tenant (LIST on
 * one uuid column) under tenancy's policy `tenant = ANY
 * (tenancy.user_workspaces())` scans only the caller's partitions.
 *
 * PostgreSQL prunes a ScalarArrayOpExpr only when its array is a constant
 * (partprune.c, match_clause_to_partition_key): a function's result prunes
 * nothing. The planner hook (tenant_pruning_plan_pg.cpp) writes the
 * caller's set into the query before it is planned; a plan it could not
 * see (a set-returning SQL function the planner inlines afterwards, a plan
 * made with pruning off) keeps the call, and this ExecutorStart hook
 * drops, from a copy of such a plan, the scans that cannot return a row at
 * this execution:
 *
 *   a scan of a partition of a LIST-partitioned parent, whose qual has, at
 *   its top level (ANDed with everything else), `key = ANY
 *   (tenancy.user_workspaces())` with the key's own btree equality, or the
 *   per-row `tenancy.user_has_workspace_access(key)` (the same test), where
 *   none of the partition's listed values is in user_workspaces() now, and
 *   the partition is not the parent's default.
 *
 * Such a scan returns no row whatever other policies or clauses say (they
 * are ANDed; an OR'd permissive policy makes the clause not top-level, and
 * nothing is pruned). A role that bypasses row level security has no such
 * qual, so nothing is pruned for it. The set is read when the execution
 * starts, as an index scan reads its keys: a membership change is seen by
 * the next execution of the same cached plan, never baked into it.
 *
 * Only SELECT without row marks, outside parallel workers (a worker must
 * run the leader's plan as it is), and only Append/MergeAppend nodes
 * without run-time pruning of their own (its subplan map indexes the
 * list) are touched. The cached plan is read-only: the nodes on the way to
 * a changed Append are copied (flat), the rest is shared.
 *
 * Plain C style: no C++ objects, nothing thrown; PostgreSQL errors unwind
 * nothing of ours.
 */
#include "partitions/tenant_pruning_pg.hpp"
#include "partitions/tenant_pruning_fresh_pg.hpp"
#include "partitions/tenant_pruning_plan_pg.hpp"
#include "partitions/tenancy_functions_pg.hpp"

#include "core/compat.hpp"
#include "core/pg.hpp"

extern "C" {
#include "access/parallel.h"
#include "access/relation.h"
#include "access/stratnum.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "executor/executor.h"
#include "nodes/plannodes.h"
#include "parser/parse_func.h"
#include "parser/parsetree.h"
#include "partitioning/partbounds.h"
#include "partitioning/partdesc.h"
#include "utils/array.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/partcache.h"
#include "utils/rel.h"
#include "utils/uuid.h"
}

#include <cstring>

namespace {

bool prune_tenant_partitions = true;
ExecutorStart_hook_type previous_executor_start = nullptr;

/* What one execution's pruning reads once. */
struct PruningRun
{
	PlannedStmt *stmt;
	Oid user_workspaces; /* tenancy.user_workspaces(), or InvalidOid */
	Oid has_access;		 /* tenancy.user_has_workspace_access(uuid), or InvalidOid */
	bool tenants_read;
	int ntenants;
	Datum *tenants; /* the caller's tenants now (uuid datums) */
};

/* The caller's tenant set, through the SQL-level tenancy.user_workspaces(). */
void
read_tenants(PruningRun *run)
{
	if (run->tenants_read)
		return;
	run->tenants_read = true;
	run->ntenants = 0;
	Datum result = OidFunctionCall0(run->user_workspaces);
	bool *nulls;

	deconstruct_array(DatumGetArrayTypeP(result), UUIDOID, UUID_LEN, false, TYPALIGN_CHAR,
					  &run->tenants, &nulls, &run->ntenants);
}

/*
 * The column a tenancy clause tests: `Var = ANY (tenancy.user_workspaces())`
 * with operator eq (any operator for InvalidOid), or the per-row `tenancy.user_has_workspace_access(Var)`
 * (the same test: false for NULL, true for a member's tenant); nullptr for
 * anything else.
 */
Var *
tenancy_clause_column(const PruningRun *run, Node *clause, Oid eq)
{
	if (clause != nullptr && IsA(clause, FuncExpr))
	{
		FuncExpr *call = reinterpret_cast<FuncExpr *>(clause);
		if (call->funcid != run->has_access || list_length(call->args) != 1 ||
			!IsA(linitial(call->args), Var))
			return nullptr;
		return static_cast<Var *>(linitial(call->args));
	}
	if (clause == nullptr || !IsA(clause, ScalarArrayOpExpr))
		return nullptr;
	ScalarArrayOpExpr *saop = reinterpret_cast<ScalarArrayOpExpr *>(clause);
	if (!saop->useOr || (OidIsValid(eq) && saop->opno != eq) || list_length(saop->args) != 2)
		return nullptr;
	Node *left = static_cast<Node *>(linitial(saop->args));
	Node *right = static_cast<Node *>(lsecond(saop->args));
	if (!IsA(left, Var) || !IsA(right, FuncExpr))
		return nullptr;
	FuncExpr *call = reinterpret_cast<FuncExpr *>(right);
	if (call->funcid != run->user_workspaces || call->args != NIL)
		return nullptr;
	return reinterpret_cast<Var *>(left);
}

/* A tenancy clause (see tenancy_clause_column) on relid's column key_name. */
bool
is_tenancy_clause(const PruningRun *run, Node *clause, Index scanrelid, List *index_tlist, Oid eq,
				  Oid relid, const char *key_name)
{
	Var *var = tenancy_clause_column(run, clause, eq);
	if (var == nullptr)
		return false;
	// an index-only scan's clauses name the index's columns: its tlist
	// says which column of the table each one is
	if (var->varno == INDEX_VAR && index_tlist != NIL && var->varattno > 0 &&
		var->varattno <= list_length(index_tlist))
	{
		Node *column = reinterpret_cast<Node *>(
			static_cast<TargetEntry *>(list_nth(index_tlist, var->varattno - 1))->expr);
		if (column == nullptr || !IsA(column, Var))
			return false;
		var = reinterpret_cast<Var *>(column);
	}
	if (var->varno != static_cast<int>(scanrelid) || var->varlevelsup != 0 || var->varattno <= 0)
		return false;
	char *name = get_attname(relid, var->varattno, true);
	bool same = name != nullptr && strcmp(name, key_name) == 0;

	if (name != nullptr)
		pfree(name);
	return same;
}

/* A scan's top-level clauses (each list ANDed), as the executor sees them. */
struct ScanClauses
{
	Index scanrelid; /* 0: not a scan of a table */
	List *quals;
	List *more_quals;
	List *index_tlist; /* an index-only scan's columns, else NIL */
};

ScanClauses
scan_of(Plan *plan)
{
	ScanClauses scan = {0, plan->qual, NIL, NIL};

	switch (nodeTag(plan))
	{
		case T_SeqScan:
			break;
		case T_IndexScan:
			scan.more_quals = reinterpret_cast<IndexScan *>(plan)->indexqualorig;
			break;
		case T_IndexOnlyScan:
			scan.more_quals = reinterpret_cast<IndexOnlyScan *>(plan)->indexqual;
			scan.index_tlist = reinterpret_cast<IndexOnlyScan *>(plan)->indextlist;
			break;
		case T_BitmapHeapScan:
			scan.more_quals = reinterpret_cast<BitmapHeapScan *>(plan)->bitmapqualorig;
			break;
		default:
			return scan;
	}
	scan.scanrelid = reinterpret_cast<Scan *>(plan)->scanrelid;
	return scan;
}

bool
has_tenancy_clause(const PruningRun *run, const ScanClauses &scan, Oid eq, Oid relid,
				   const char *key_name)
{
	List *lists[] = {scan.quals, scan.more_quals};

	for (List *clauses : lists)
	{
		ListCell *cell;
		foreach (cell, clauses)
			if (is_tenancy_clause(run, static_cast<Node *>(lfirst(cell)), scan.scanrelid,
								  scan.index_tlist, eq, relid, key_name))
				return true;
	}
	return false;
}

int
compare_oids(const void *a, const void *b)
{
	Oid x = *static_cast<const Oid *>(a), y = *static_cast<const Oid *>(b);
	return x < y ? -1 : x > y ? 1 : 0;
}

bool
oid_in(Oid oid, const Oid *sorted, int n)
{
	return bsearch(&oid, sorted, n, sizeof(Oid), compare_oids) != nullptr;
}

/*
 * Whether a subplan is a scan with a tenancy clause on some column (any
 * operator): a cheap test before the parent's partitions are looked at. A
 * plan that was pruned while planning has none.
 */
bool
any_tenancy_scan(const PruningRun *run, List *subplans)
{
	ListCell *cell;

	foreach (cell, subplans)
	{
		ScanClauses scan = scan_of(static_cast<Plan *>(lfirst(cell)));
		List *lists[] = {scan.quals, scan.more_quals};
		if (scan.scanrelid == 0)
			continue;
		for (List *clauses : lists)
		{
			ListCell *clause;
			foreach (clause, clauses)
				if (tenancy_clause_column(run, static_cast<Node *>(lfirst(clause)), InvalidOid) !=
					nullptr)
					return true;
		}
	}
	return false;
}

/* The one partitioned table an Append/MergeAppend scans, or InvalidOid. */
Oid
partitioned_parent(const PruningRun *run, Bitmapset *apprelids)
{
	Oid parent = InvalidOid;
	int rti = -1;

	while ((rti = bms_next_member(apprelids, rti)) >= 0)
	{
		RangeTblEntry *rte = rt_fetch(rti, run->stmt->rtable);
		if (rte->rtekind != RTE_RELATION || rte->relkind != RELKIND_PARTITIONED_TABLE)
			continue;
		if (OidIsValid(parent))
			return InvalidOid; /* sub-partitioned: left alone */
		parent = rte->relid;
	}
	return parent;
}

/* The OIDs of the partitions holding one of the caller's tenants, and the default's, sorted. */
Oid *
wanted_partitions(PruningRun *run, PartitionKey key, PartitionDesc desc, int *nwanted)
{
	PartitionBoundInfo bounds = desc->boundinfo;

	read_tenants(run);
	Oid *wanted = static_cast<Oid *>(palloc((run->ntenants + 1) * sizeof(Oid)));
	*nwanted = 0;
	for (int i = 0; bounds != nullptr && i < run->ntenants; i++)
	{
		bool equal = false;
		int at = partition_list_bsearch(key->partsupfunc, key->partcollation, bounds,
										run->tenants[i], &equal);
		if (at >= 0 && equal && bounds->indexes[at] >= 0)
			wanted[(*nwanted)++] = desc->oids[bounds->indexes[at]];
	}
	if (bounds != nullptr && bounds->default_index >= 0)
		wanted[(*nwanted)++] = desc->oids[bounds->default_index];
	qsort(wanted, *nwanted, sizeof(Oid), compare_oids);
	return wanted;
}

/*
 * Which subplans of an Append/MergeAppend over parent's partitions are
 * scans carrying tenancy's clause (nullptr when none is): only those may be
 * dropped, and only they make the caller's tenants worth reading.
 */
bool *
clause_carriers(PruningRun *run, PartitionDesc desc, Oid eq, const char *key_name, List *subplans)
{
	int nsubplans = list_length(subplans);
	Oid *scanned = static_cast<Oid *>(palloc(Max(nsubplans, 1) * sizeof(Oid)));
	Oid *partitions = static_cast<Oid *>(palloc(Max(nsubplans, 1) * sizeof(Oid)));
	bool *carriers = static_cast<bool *>(palloc0(Max(nsubplans, 1) * sizeof(bool)));
	int npartitions = 0;
	bool any = false;
	int i = 0;
	ListCell *cell;

	foreach (cell, subplans)
	{
		ScanClauses scan = scan_of(static_cast<Plan *>(lfirst(cell)));
		scanned[i++] = scan.scanrelid > 0 ? rt_fetch(scan.scanrelid, run->stmt->rtable)->relid : InvalidOid;
	}
	// which scanned tables are the parent's partitions: the subplans'
	// tables sorted (few after planning pruned), the partitions walked once
	memcpy(partitions, scanned, nsubplans * sizeof(Oid));
	qsort(partitions, nsubplans, sizeof(Oid), compare_oids);
	Oid *found = static_cast<Oid *>(palloc(Max(nsubplans, 1) * sizeof(Oid)));
	for (int p = 0; p < desc->nparts; p++)
		if (oid_in(desc->oids[p], partitions, nsubplans))
			found[npartitions++] = desc->oids[p];
	qsort(found, npartitions, sizeof(Oid), compare_oids);
	i = 0;
	foreach (cell, subplans)
	{
		ScanClauses scan = scan_of(static_cast<Plan *>(lfirst(cell)));
		carriers[i] = OidIsValid(scanned[i]) && oid_in(scanned[i], found, npartitions) &&
					  has_tenancy_clause(run, scan, eq, scanned[i], key_name);
		any |= carriers[i];
		i++;
	}
	pfree(scanned);
	pfree(partitions);
	pfree(found);
	if (any)
		return carriers;
	pfree(carriers);
	return nullptr;
}

/*
 * The subplans of an Append/MergeAppend over parent's partitions that may
 * return rows now; subplans itself when none is dropped. first_partial
 * (an Append's first_partial_plan, or nullptr) is moved to match.
 */
List *
kept_subplans(PruningRun *run, Oid parent_relid, List *subplans, int *first_partial)
{
	// locked: by the planner, or for a cached plan by AcquireExecutorLocks
	Relation parent = relation_open(parent_relid, NoLock);
	PartitionKey key = RelationGetPartitionKey(parent);
	List *kept = subplans;

	if (key->strategy == PARTITION_STRATEGY_LIST && key->partnatts == 1 && key->partattrs[0] != 0 &&
		key->parttypid[0] == UUIDOID)
	{
		PartitionDesc desc = RelationGetPartitionDesc(parent, true);
		Oid eq = get_opfamily_member(key->partopfamily[0], key->partopcintype[0],
									 key->partopcintype[0], BTEqualStrategyNumber);
		char *key_name = get_attname(parent_relid, key->partattrs[0], false);
		bool *carriers = OidIsValid(eq) ? clause_carriers(run, desc, eq, key_name, subplans) : nullptr;

		if (carriers != nullptr)
		{
			int nwanted;
			Oid *wanted = wanted_partitions(run, key, desc, &nwanted);
			List *result = NIL;
			int partial = 0, i = 0;
			ListCell *cell;

			foreach (cell, subplans)
			{
				Plan *plan = static_cast<Plan *>(lfirst(cell));
				bool drop = carriers[i] &&
							!oid_in(rt_fetch(reinterpret_cast<Scan *>(plan)->scanrelid,
											 run->stmt->rtable)->relid,
									wanted, nwanted);
				// an Append keeps one subplan (a scan that returns nothing)
				// when every one is dropped: the executor expects one
				if (drop && result == NIL && lnext(subplans, cell) == nullptr)
					drop = false;
				if (!drop)
				{
					result = lappend(result, plan);
					partial += first_partial != nullptr && i < *first_partial;
				}
				i++;
			}
			if (list_length(result) != list_length(subplans))
			{
				kept = result;
				if (first_partial != nullptr)
					*first_partial = partial;
			}
			pfree(wanted);
			pfree(carriers);
		}
		pfree(key_name);
	}
	relation_close(parent, NoLock);
	return kept;
}

Plan *prune_plan(PruningRun *run, Plan *plan);

/* The Append/MergeAppend prunes at run time itself (its subplan map indexes the list). */
bool
has_runtime_pruning(Plan *plan)
{
	return IsA(plan, Append) ? tenancy::compat::prunes_at_run_time(reinterpret_cast<Append *>(plan))
							 : tenancy::compat::prunes_at_run_time(reinterpret_cast<MergeAppend *>(plan));
}

/* Each subplan pruned in turn; the list itself when none changed. */
List *
prune_each(PruningRun *run, List *plans)
{
	List *result = NIL;
	bool changed = false;
	ListCell *cell;

	foreach (cell, plans)
	{
		Plan *before = static_cast<Plan *>(lfirst(cell));
		Plan *after = prune_plan(run, before);
		changed |= after != before;
		result = lappend(result, after);
	}
	return changed ? result : plans;
}

/* A shallow copy of a plan node of the kinds walked through, or nullptr. */
Plan *
flat_copy(Plan *plan)
{
	size_t size;

	switch (nodeTag(plan))
	{
#define TENANCY_PLAN_SIZE(type)                                                                     \
	case T_##type:                                                                                  \
		size = sizeof(type);                                                                        \
		break;
		TENANCY_PLAN_SIZE(Agg)
		TENANCY_PLAN_SIZE(Sort)
		TENANCY_PLAN_SIZE(IncrementalSort)
		TENANCY_PLAN_SIZE(Limit)
		TENANCY_PLAN_SIZE(Gather)
		TENANCY_PLAN_SIZE(GatherMerge)
		TENANCY_PLAN_SIZE(Result)
		TENANCY_PLAN_SIZE(ProjectSet)
		TENANCY_PLAN_SIZE(Material)
		TENANCY_PLAN_SIZE(Memoize)
		TENANCY_PLAN_SIZE(Unique)
		TENANCY_PLAN_SIZE(WindowAgg)
		TENANCY_PLAN_SIZE(Hash)
		TENANCY_PLAN_SIZE(HashJoin)
		TENANCY_PLAN_SIZE(NestLoop)
		TENANCY_PLAN_SIZE(MergeJoin)
		TENANCY_PLAN_SIZE(SubqueryScan)
		TENANCY_PLAN_SIZE(Append)
		TENANCY_PLAN_SIZE(MergeAppend)
#undef TENANCY_PLAN_SIZE
		default:
			return nullptr;
	}
	Plan *copy = static_cast<Plan *>(palloc(size));
	memcpy(copy, plan, size);
	return copy;
}

/* plan, or a copy of it with the partitions that return nothing dropped. */
Plan *
prune_plan(PruningRun *run, Plan *plan)
{
	if (plan == nullptr)
		return nullptr;
	check_stack_depth();
	if (IsA(plan, Append) || IsA(plan, MergeAppend))
	{
		bool append = IsA(plan, Append);
		List *before = append ? reinterpret_cast<Append *>(plan)->appendplans
							  : reinterpret_cast<MergeAppend *>(plan)->mergeplans;
		List *after = prune_each(run, before);
		bool runtime_pruning = has_runtime_pruning(plan);
		Bitmapset *apprelids = append ? reinterpret_cast<Append *>(plan)->apprelids
									  : reinterpret_cast<MergeAppend *>(plan)->apprelids;
		Oid parent = runtime_pruning || !any_tenancy_scan(run, after)
						 ? InvalidOid
						 : partitioned_parent(run, apprelids);
		int first_partial = append ? reinterpret_cast<Append *>(plan)->first_partial_plan : 0;

		if (OidIsValid(parent))
			after = kept_subplans(run, parent, after, append ? &first_partial : nullptr);
		if (after == before)
			return plan;
		Plan *copy = flat_copy(plan);
		if (append)
		{
			Append *node = reinterpret_cast<Append *>(copy);
			node->first_partial_plan = first_partial;
			node->appendplans = after;
		}
		else
			reinterpret_cast<MergeAppend *>(copy)->mergeplans = after;
		return copy;
	}
	Plan *left = plan->lefttree, *right = plan->righttree, *sub = nullptr;
	if (IsA(plan, SubqueryScan))
		sub = reinterpret_cast<SubqueryScan *>(plan)->subplan;
	Plan *new_left = prune_plan(run, left), *new_right = prune_plan(run, right);
	Plan *new_sub = prune_plan(run, sub);
	if (new_left == left && new_right == right && new_sub == sub)
		return plan;
	Plan *copy = flat_copy(plan);
	if (copy == nullptr)
		return plan; /* a kind not walked through: kept whole */
	copy->lefttree = new_left;
	copy->righttree = new_right;
	if (IsA(copy, SubqueryScan))
		reinterpret_cast<SubqueryScan *>(copy)->subplan = new_sub;
	return copy;
}

/* The statement to run: stmt, or a copy with partitions dropped. */
PlannedStmt *
pruned_statement(PlannedStmt *stmt)
{
	PruningRun run = {stmt, InvalidOid, InvalidOid, false, 0, nullptr};

	if (stmt->commandType != CMD_SELECT || stmt->rowMarks != NIL || IsParallelWorker())
		return stmt;
	const tenancy::TenancyFunctionOids *functions = tenancy::tenancy_function_oids();
	run.user_workspaces = functions->workspaces;
	run.has_access = functions->access;
	if (!OidIsValid(run.user_workspaces))
		return stmt;
	Plan *tree = prune_plan(&run, stmt->planTree);
	List *subplans = prune_each(&run, stmt->subplans);
	if (tree == stmt->planTree && subplans == stmt->subplans)
		return stmt;
	PlannedStmt *copy = makeNode(PlannedStmt);
	memcpy(copy, stmt, sizeof(PlannedStmt));
	copy->planTree = tree;
	copy->subplans = subplans;
	return copy;
}

} // namespace

extern "C" {
static void tenancy_executor_start(QueryDesc *query, int eflags);
}

/*
 * The hook. Plain C style (see the file comment): the copy is made in the
 * caller's memory context, where the QueryDesc itself lives.
 */
static void
tenancy_executor_start(QueryDesc *query, int eflags)
{
	tenancy::forget_plans_holding_sets();
	if (prune_tenant_partitions)
		query->plannedstmt = pruned_statement(query->plannedstmt);
	if (previous_executor_start != nullptr)
		previous_executor_start(query, eflags);
	else
		standard_ExecutorStart(query, eflags);
}

void
tenancy::tenant_pruning_init(void)
{
	DefineCustomBoolVariable(
		"tenancy.prune_tenant_partitions",
		"Scan only the caller's partitions of tables partitioned per tenant.",
		"Drops the scans of tenant partitions that tenancy's policy (tenant = ANY "
		"(tenancy.user_workspaces())) leaves empty: while planning, or when a query "
		"starts for a plan the planner could not prune.",
		&prune_tenant_partitions, true, PGC_USERSET, 0, nullptr, nullptr, nullptr);
	previous_executor_start = ExecutorStart_hook;
	ExecutorStart_hook = tenancy_executor_start;
	tenancy_function_oids_init();
	tenant_pruning_plan_init(&prune_tenant_partitions);
	tenant_pruning_fresh_init();
}
