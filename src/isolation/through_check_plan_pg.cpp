/*
 * through_check_plan_pg.cpp: the planner hook that settles the checks of
 * tables isolated through a key (through_check_pg.cpp) after planning.
 *
 * `tenancy.through_keys_check(col, ARRAY(<keys>), EXISTS (...))` is worth
 * its third argument. The support function offers an index on col the
 * condition `col = ANY (<keys>)` (lossy: the check stays in the filter),
 * once per index, for every plan of that index. After planning, this
 * hook walks the plan and, in each scan:
 *  - an index scan whose conditions include the key list of a check in
 *    its filter, and no equality on the same column: every row it returns
 *    meets the check (both say the same, from one condition on the
 *    parent), so the check is dropped from the filter: nothing per row;
 *  - an index (or bitmap index) scan that also reads that column by an
 *    equality (a point lookup, a nested loop's probe per outer row): the
 *    key list finds nothing more and would be computed, and walked, for
 *    every probe, so the key list condition is removed from the index
 *    conditions and the check is left to its EXISTS: one parent probe;
 *  - everywhere else (filters, join and recheck conditions) each check is
 *    replaced by its third argument, the same value, so the key list's
 *    InitPlan is never executed (InitPlans run on first use); what no
 *    longer runs is then dropped from the plan (unused_subplans_pg.cpp).
 * A plan that calls no check (most queries) is left as it is, unwalked.
 * Only conditions derived from a check still in the same scan's filter are
 * removed, so no condition of the query is lost. A plan holds nothing of
 * its caller (the EXISTS and the key list are read when the plan runs):
 * it may be cached and reused. A check the walk does not reach (an
 * expression kind it does not visit) is evaluated as it is: slower, never
 * wrong.
 *
 * Plain C style: no C++ objects; PostgreSQL errors unwind nothing of ours.
 */
#include "isolation/through_check_plan_pg.hpp"
#include "isolation/unused_subplans_pg.hpp"

#include "core/compat.hpp"
#include "core/pg.hpp"

extern "C" {
#include "catalog/namespace.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "access/stratnum.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/planner.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"
}

namespace {

planner_hook_type previous_planner = nullptr;
Oid check_oid = InvalidOid;
bool check_oid_valid = false;

/* tenancy.through_keys_check("any", anyarray, boolean), or InvalidOid while it does not exist. */
Oid
through_keys_check_oid(void)
{
	if (check_oid_valid)
		return check_oid;
	// first: an invalidation accepted during the lookup clears it again
	check_oid_valid = true;
	Oid nsp = get_namespace_oid("tenancy", true);
	Oid argtypes[3] = {ANYOID, ANYARRAYOID, BOOLOID};
	check_oid = OidIsValid(nsp) ? GetSysCacheOid3(PROCNAMEARGSNSP, Anum_pg_proc_oid,
												  CStringGetDatum("through_keys_check"),
												  PointerGetDatum(buildoidvector(argtypes, 3)),
												  ObjectIdGetDatum(nsp))
								: InvalidOid;
	return check_oid;
}

/* The arguments of node when it is a call of the check, else NIL. */
List *
check_arguments(Node *node, Oid check)
{
	if (node == nullptr || !IsA(node, FuncExpr))
		return NIL;
	FuncExpr *call = reinterpret_cast<FuncExpr *>(node);
	return call->funcid == check && list_length(call->args) == 3 ? call->args : NIL;
}

/* An expression with every check replaced by its third argument. */
Node *
replace_checks(Node *node, void *context)
{
	if (node == nullptr)
		return nullptr;
	List *args = check_arguments(node, *static_cast<Oid *>(context));
	if (args != NIL)
		return replace_checks(static_cast<Node *>(lthird(args)), context);
	return tenancy::compat::mutate_expression(node, replace_checks, context);
}

List *
replaced(List *clauses, Oid check)
{
	return reinterpret_cast<List *>(replace_checks(reinterpret_cast<Node *>(clauses), &check));
}

struct CheckedKeyLists
{
	Oid check;
	List *key_lists;
};

/* Collects the key lists (second arguments, when parameters) of the checks in an expression. */
bool
collect_key_lists(Node *node, void *context)
{
	if (node == nullptr)
		return false;
	CheckedKeyLists *found = static_cast<CheckedKeyLists *>(context);
	List *args = check_arguments(node, found->check);
	if (args != NIL && IsA(lsecond(args), Param))
		found->key_lists = lappend(found->key_lists, lsecond(args));
	return tenancy::compat::walk_expression(node, collect_key_lists, context);
}

/* The key lists of the checks a plan node's filter evaluates. */
List *
checked_key_lists(Plan *plan, Oid check)
{
	CheckedKeyLists found = {check, NIL};
	collect_key_lists(reinterpret_cast<Node *>(plan->qual), &found);
	return found.key_lists;
}

/* The key list of a `col = ANY (<key list>)` index condition, or nullptr. */
Param *
key_list_of(Node *clause)
{
	if (!IsA(clause, ScalarArrayOpExpr) || !reinterpret_cast<ScalarArrayOpExpr *>(clause)->useOr)
		return nullptr;
	Node *keys = static_cast<Node *>(lsecond(reinterpret_cast<ScalarArrayOpExpr *>(clause)->args));
	return IsA(keys, Param) && reinterpret_cast<Param *>(keys)->paramkind == PARAM_EXEC
			   ? reinterpret_cast<Param *>(keys)
			   : nullptr;
}

/* The index column an index condition reads (its left operand), or 0. */
AttrNumber
index_column_of(Node *clause)
{
	List *args = IsA(clause, OpExpr)			   ? reinterpret_cast<OpExpr *>(clause)->args
				 : IsA(clause, ScalarArrayOpExpr) ? reinterpret_cast<ScalarArrayOpExpr *>(clause)->args
												   : NIL;
	Node *left = list_length(args) == 2 ? static_cast<Node *>(linitial(args)) : nullptr;
	while (left != nullptr && IsA(left, RelabelType))
		left = reinterpret_cast<Node *>(reinterpret_cast<RelabelType *>(left)->arg);
	return left != nullptr && IsA(left, Var) ? reinterpret_cast<Var *>(left)->varattno : 0;
}

/* Whether another index condition is an equality on column, which finds its rows alone. */
bool
pinned_by_equality(Oid index, List *indexqual, Node *key_list, AttrNumber column)
{
	Oid opfamily = get_opclass_family(get_index_column_opclass(index, column));
	ListCell *cell;

	foreach (cell, indexqual)
	{
		Node *clause = static_cast<Node *>(lfirst(cell));
		if (clause != key_list && IsA(clause, OpExpr) && index_column_of(clause) == column &&
			get_op_opfamily_strategy(reinterpret_cast<OpExpr *>(clause)->opno, opfamily) ==
				BTEqualStrategyNumber)
			return true;
	}
	return false;
}

/* The key lists of the `col = ANY (<key list>)` conditions every row of a scan meets. */
List *
key_lists_in(List *conditions)
{
	List *keys = NIL;
	ListCell *cell;

	foreach (cell, conditions)
	{
		Param *list = key_list_of(static_cast<Node *>(lfirst(cell)));
		if (list != nullptr)
			keys = lappend(keys, list);
	}
	return keys;
}

/*
 * The key lists an index scan's conditions answer. The key list condition
 * of a check the filter evaluates (checked), on a column the scan also
 * reads by an equality (a nested loop's probe, or a point lookup), finds
 * nothing more and costs the whole list on every rescan: it is removed
 * from indexqual and from its original form (the same position of
 * original, a list built in step with it), and the check, still in the
 * filter, is left to its EXISTS.
 */
List *
answered_by_index(Oid index, List **indexqual, List **original, List *checked)
{
	List *answered = NIL;
	List *kept = NIL;
	List *kept_original = NIL;
	ListCell *cell;
	ListCell *orig;

	if (list_length(*indexqual) != list_length(*original))
		return key_lists_in(*indexqual);
	forboth (cell, *indexqual, orig, *original)
	{
		Node *clause = static_cast<Node *>(lfirst(cell));
		Param *keys = key_list_of(clause);
		AttrNumber column = keys != nullptr ? index_column_of(clause) : 0;
		if (column > 0 && list_member(checked, keys) &&
			pinned_by_equality(index, *indexqual, clause, column))
			continue;
		if (keys != nullptr)
			answered = lappend(answered, keys);
		kept = lappend(kept, clause);
		kept_original = lappend(kept_original, lfirst(orig));
	}
	*indexqual = kept;
	*original = kept_original;
	return answered;
}

/* Removes the useless key lists from the index scans of a bitmap (answered_by_index). */
void
remove_from_bitmap(Plan *plan, List *checked)
{
	if (plan == nullptr)
		return;
	check_stack_depth();
	if (IsA(plan, BitmapIndexScan))
	{
		BitmapIndexScan *scan = reinterpret_cast<BitmapIndexScan *>(plan);
		answered_by_index(scan->indexid, &scan->indexqual, &scan->indexqualorig, checked);
	}
	else if (IsA(plan, BitmapAnd) || IsA(plan, BitmapOr))
	{
		ListCell *cell;
		foreach (cell, IsA(plan, BitmapAnd) ? reinterpret_cast<BitmapAnd *>(plan)->bitmapplans
											: reinterpret_cast<BitmapOr *>(plan)->bitmapplans)
			remove_from_bitmap(static_cast<Plan *>(lfirst(cell)), checked);
	}
}

/*
 * The key lists of checked a bitmap heap scan answers: those of the index
 * scans every row of the bitmap comes from (the bitmap's own, or one ANDed
 * at its top). Its lossy pages are rechecked by the original clauses alone
 * (bitmapqualorig, which lacks them), so each such key list condition is
 * added to them: then every row the scan returns meets it.
 */
List *
answered_by_bitmap(BitmapHeapScan *scan, List *checked)
{
	Plan *bitmap = scan->scan.plan.lefttree;
	List *arms = bitmap != nullptr && IsA(bitmap, BitmapAnd)
					 ? reinterpret_cast<BitmapAnd *>(bitmap)->bitmapplans
					 : list_make1(bitmap);
	List *answered = NIL;
	ListCell *arm;

	foreach (arm, arms)
	{
		if (lfirst(arm) == nullptr || !IsA(lfirst(arm), BitmapIndexScan))
			continue;
		ListCell *cell;
		foreach (cell, reinterpret_cast<BitmapIndexScan *>(lfirst(arm))->indexqualorig)
		{
			Node *condition = static_cast<Node *>(lfirst(cell));
			Param *keys = key_list_of(condition);
			if (keys == nullptr || !list_member(checked, keys))
				continue;
			scan->bitmapqualorig = lappend(scan->bitmapqualorig, copyObjectImpl(condition));
			answered = lappend(answered, keys);
		}
	}
	return answered;
}

/*
 * The key lists a scan's index conditions answer (its checks with those
 * lists need no evaluation), after removing the lists another equality
 * makes useless (answered_by_index).
 */
List *
answered_in_scan(Plan *plan, Oid check)
{
	List *checked = checked_key_lists(plan, check);

	if (checked == NIL)
		return NIL;
	switch (nodeTag(plan))
	{
		case T_IndexScan:
		{
			IndexScan *scan = reinterpret_cast<IndexScan *>(plan);
			return answered_by_index(scan->indexid, &scan->indexqual, &scan->indexqualorig, checked);
		}
		case T_IndexOnlyScan:
		{
			IndexOnlyScan *scan = reinterpret_cast<IndexOnlyScan *>(plan);
			return answered_by_index(scan->indexid, &scan->indexqual, &scan->recheckqual, checked);
		}
		case T_BitmapHeapScan:
			remove_from_bitmap(plan->lefttree, checked);
			return answered_by_bitmap(reinterpret_cast<BitmapHeapScan *>(plan), checked);
		default:
			return NIL;
	}
}

/* The clauses without the checks (top level) whose key list is among answered. */
List *
without_answered(List *clauses, List *answered, Oid check)
{
	List *kept = NIL;
	ListCell *cell;

	foreach (cell, clauses)
	{
		Node *clause = static_cast<Node *>(lfirst(cell));
		List *args = answered != NIL ? check_arguments(clause, check) : NIL;
		if (args != NIL && list_member(answered, lsecond(args)))
			continue;
		kept = lappend(kept, clause);
	}
	return kept;
}

void replace_in_plan(Plan *plan, Oid check);

void
replace_in_plans(List *plans, Oid check)
{
	ListCell *cell;

	foreach (cell, plans)
		replace_in_plan(static_cast<Plan *>(lfirst(cell)), check);
}

/*
 * The filters of plan and of the nodes below it. The planner made the tree
 * for this call alone: it is changed in place.
 */
void
replace_in_plan(Plan *plan, Oid check)
{
	if (plan == nullptr)
		return;
	check_stack_depth();
	plan->qual = replaced(without_answered(plan->qual, answered_in_scan(plan, check), check), check);
	switch (nodeTag(plan))
	{
		case T_NestLoop:
		case T_MergeJoin:
		case T_HashJoin:
			reinterpret_cast<Join *>(plan)->joinqual =
				replaced(reinterpret_cast<Join *>(plan)->joinqual, check);
			break;
		case T_BitmapHeapScan:
			// rechecked on lossy pages: the original clauses, the check among them
			reinterpret_cast<BitmapHeapScan *>(plan)->bitmapqualorig =
				replaced(reinterpret_cast<BitmapHeapScan *>(plan)->bitmapqualorig, check);
			break;
		case T_Append:
			replace_in_plans(reinterpret_cast<Append *>(plan)->appendplans, check);
			break;
		case T_MergeAppend:
			replace_in_plans(reinterpret_cast<MergeAppend *>(plan)->mergeplans, check);
			break;
		case T_SubqueryScan:
			replace_in_plan(reinterpret_cast<SubqueryScan *>(plan)->subplan, check);
			break;
		case T_CustomScan:
			replace_in_plans(reinterpret_cast<CustomScan *>(plan)->custom_plans, check);
			break;
		default:
			break;
	}
	replace_in_plan(plan->lefttree, check);
	replace_in_plan(plan->righttree, check);
}

/*
 * Whether the plan may call function: setrefs.c lists every function of
 * the final plan (user-defined ones: the check is) among its invalidation
 * items by the PROCOID hash of its OID, and a plan that calls no check has
 * nothing to settle. A hash shared with another function only costs the walk.
 */
bool
may_call(PlannedStmt *stmt, Oid function)
{
	uint32 hash = GetSysCacheHashValue1(PROCOID, ObjectIdGetDatum(function));
	ListCell *cell;

	foreach (cell, stmt->invalItems)
	{
		PlanInvalItem *item = static_cast<PlanInvalItem *>(lfirst(cell));
		if (item->cacheId == PROCOID && item->hashValue == hash)
			return true;
	}
	return false;
}

} // namespace

extern "C" {
static PlannedStmt *through_check_planner(Query *parse, const char *query_string,
										  int cursor_options, ParamListInfo bound_params);
static void forget_through_keys_check(Datum arg, int cacheid, uint32 hashvalue);
}

static PlannedStmt *
through_check_planner(Query *parse, const char *query_string, int cursor_options,
					  ParamListInfo bound_params)
{
	PlannedStmt *stmt = previous_planner != nullptr
							? previous_planner(parse, query_string, cursor_options, bound_params)
							: standard_planner(parse, query_string, cursor_options, bound_params);
	Oid check = through_keys_check_oid();

	if (OidIsValid(check) && may_call(stmt, check))
	{
		replace_in_plan(stmt->planTree, check);
		replace_in_plans(stmt->subplans, check);
		tenancy::remove_unused_subplans(stmt);
	}
	return stmt;
}

static void
forget_through_keys_check(Datum, int, uint32)
{
	check_oid_valid = false;
}

void
tenancy::through_check_plan_init(void)
{
	CacheRegisterSyscacheCallback(PROCOID, forget_through_keys_check, 0);
	CacheRegisterSyscacheCallback(NAMESPACEOID, forget_through_keys_check, 0);
	previous_planner = planner_hook;
	planner_hook = through_check_planner;
}
