/*
 * through_check_plan_pg.cpp: the planner hook that answers the checks of
 * tables isolated through a key (through_check_pg.cpp) that no index
 * answered, by their EXISTS alone.
 *
 * `tenancy.through_keys_check(col, ARRAY(<keys>), EXISTS (...))` is worth
 * its third argument. Where the planner read the table through an index
 * on the key list, it dropped the check (an exact index condition). Where
 * it did not (a point lookup, a join probe, a scan without such an index),
 * the check is left in a filter, and evaluating it there would compute its
 * first two arguments too: the key list, an InitPlan reading every visible
 * parent, for nothing. After planning, this hook replaces each such check,
 * in every plan node's filter and recheck conditions, by its third
 * argument: the same value, so the replacement is right for any caller and
 * any arguments, and a plan holds nothing of its caller (the EXISTS and the
 * key list are read when the plan runs), so it may be cached and reused.
 * A check the walk does not reach (an expression kind it does not visit)
 * is evaluated as it is: slower, never wrong. The key list's InitPlan is
 * then never executed (InitPlans run on first use).
 *
 * Plain C style: no C++ objects; PostgreSQL errors unwind nothing of ours.
 */
#include "isolation/through_check_plan_pg.hpp"

#include "core/compat.hpp"
#include "core/pg.hpp"

extern "C" {
#include "catalog/namespace.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/planner.h"
#include "utils/inval.h"
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

/* An expression with every check replaced by its third argument. */
Node *
replace_checks(Node *node, void *context)
{
	if (node == nullptr)
		return nullptr;
	if (IsA(node, FuncExpr))
	{
		FuncExpr *call = reinterpret_cast<FuncExpr *>(node);
		if (call->funcid == *static_cast<Oid *>(context) && list_length(call->args) == 3)
			return replace_checks(static_cast<Node *>(lthird(call->args)), context);
	}
	return tenancy::compat::mutate_expression(node, replace_checks, context);
}

List *
replaced(List *clauses, Oid check)
{
	return reinterpret_cast<List *>(replace_checks(reinterpret_cast<Node *>(clauses), &check));
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
	plan->qual = replaced(plan->qual, check);
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

	if (OidIsValid(check))
	{
		replace_in_plan(stmt->planTree, check);
		replace_in_plans(stmt->subplans, check);
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
