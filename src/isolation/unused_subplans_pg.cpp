/*
 * unused_subplans_pg.cpp: after the through-check hook has replaced a check
 * by its EXISTS, or dropped it where an index answers it, the key list's
 * InitPlan (and a dropped check's EXISTS subplan) is never run, yet the
 * executor initialises every entry of PlannedStmt->subplans and every
 * InitPlan at each executor start. This finds what still runs and drops
 * the rest.
 *
 * What may run: the plan tree; the subplan of every SubPlan a live
 * expression holds; an InitPlan whose output parameter a live expression
 * reads, and then its subplan; and so on from those trees. The walk must
 * see every expression of the plan, or it would drop an InitPlan a missed
 * expression reads (the executor would then read an unset parameter). So
 * it knows a few node kinds exactly (their expression fields are those of
 * PostgreSQL 15 to 18's plannodes.h) and gives up, changing nothing, on a
 * plan holding any other kind, in its tree or in any subplan it would
 * drop: CTE scans, Gather (its initParam), hash or merge joins,
 * ModifyTable, Append, ... keep their InitPlans.
 *
 * Dropping is safe for the executor, EXPLAIN and parallel query as
 * setrefs.c's own dropping of unchosen alternative subplans is: a NULL
 * entry of stmt->subplans is initialised, explained and serialised as
 * nothing. Dropped InitPlans' parameters stay in the extParam and allParam
 * sets of the nodes above: nothing sets them any more, so they never mark
 * a node for rescan.
 */
#include "isolation/unused_subplans_pg.hpp"

#include "core/compat.hpp"

extern "C" {
#include "nodes/primnodes.h"
}

namespace {

struct Liveness
{
	PlannedStmt *stmt;
	Bitmapset *read_params; // PARAM_EXEC ids read by live expressions
	Bitmapset *live_plans;	// plan_id of each subplan that may run
	List *pending;			// live subplans not walked yet (plan_id)
	List *init_plans;		// every InitPlan met, paired in owners
	List *owners;			// the node whose initPlan list holds it
	bool known;				// false once a node of an unknown kind is met
};

void
mark_live(Liveness *live, int plan_id)
{
	if (bms_is_member(plan_id, live->live_plans))
		return;
	live->live_plans = bms_add_member(live->live_plans, plan_id);
	live->pending = lappend_int(live->pending, plan_id);
}

/* Records the parameters an expression reads and the subplans it runs. */
bool
read_by(Node *node, void *context)
{
	if (node == nullptr)
		return false;
	Liveness *live = static_cast<Liveness *>(context);
	if (IsA(node, Param) && reinterpret_cast<Param *>(node)->paramkind == PARAM_EXEC)
		live->read_params = bms_add_member(live->read_params, reinterpret_cast<Param *>(node)->paramid);
	else if (IsA(node, SubPlan))
		mark_live(live, reinterpret_cast<SubPlan *>(node)->plan_id);
	return tenancy::compat::walk_expression(node, read_by, context);
}

void
read_list(List *expressions, Liveness *live)
{
	read_by(reinterpret_cast<Node *>(expressions), live);
}

void walk_plan(Plan *plan, Liveness *live);

void
walk_plans(List *plans, Liveness *live)
{
	ListCell *cell;

	foreach (cell, plans)
		walk_plan(static_cast<Plan *>(lfirst(cell)), live);
}

/*
 * The expressions and child plans of plan's own kind; false for a kind
 * whose fields are not all known here.
 */
bool
walk_own_fields(Plan *plan, Liveness *live)
{
	switch (nodeTag(plan))
	{
		case T_SeqScan:
		case T_Sort:
		case T_Material:
			return true;
		case T_IndexScan:
		{
			IndexScan *scan = reinterpret_cast<IndexScan *>(plan);
			read_list(scan->indexqual, live);
			read_list(scan->indexqualorig, live);
			read_list(scan->indexorderby, live);
			read_list(scan->indexorderbyorig, live);
			return true;
		}
		case T_IndexOnlyScan:
		{
			IndexOnlyScan *scan = reinterpret_cast<IndexOnlyScan *>(plan);
			read_list(scan->indexqual, live);
			read_list(scan->recheckqual, live);
			read_list(scan->indexorderby, live);
			read_list(scan->indextlist, live);
			return true;
		}
		case T_BitmapIndexScan:
		{
			BitmapIndexScan *scan = reinterpret_cast<BitmapIndexScan *>(plan);
			read_list(scan->indexqual, live);
			read_list(scan->indexqualorig, live);
			return true;
		}
		case T_BitmapHeapScan:
			read_list(reinterpret_cast<BitmapHeapScan *>(plan)->bitmapqualorig, live);
			return true;
		case T_BitmapAnd:
			walk_plans(reinterpret_cast<BitmapAnd *>(plan)->bitmapplans, live);
			return true;
		case T_BitmapOr:
			walk_plans(reinterpret_cast<BitmapOr *>(plan)->bitmapplans, live);
			return true;
		case T_Result:
			read_by(reinterpret_cast<Result *>(plan)->resconstantqual, live);
			return true;
		case T_Limit:
			read_by(reinterpret_cast<Limit *>(plan)->limitOffset, live);
			read_by(reinterpret_cast<Limit *>(plan)->limitCount, live);
			return true;
		case T_NestLoop:
		{
			ListCell *cell;
			read_list(reinterpret_cast<Join *>(plan)->joinqual, live);
			foreach (cell, reinterpret_cast<NestLoop *>(plan)->nestParams)
				read_by(reinterpret_cast<Node *>(static_cast<NestLoopParam *>(lfirst(cell))->paramval),
						live);
			return true;
		}
		case T_Agg:
			// chained Agg and Sort nodes of grouping sets are not walked here
			return reinterpret_cast<Agg *>(plan)->chain == NIL;
		default:
			return false;
	}
}

void
walk_plan(Plan *plan, Liveness *live)
{
	if (plan == nullptr || !live->known)
		return;
	check_stack_depth();
	if (!walk_own_fields(plan, live))
	{
		live->known = false;
		return;
	}
	read_list(plan->targetlist, live);
	read_list(plan->qual, live);
	ListCell *cell;
	foreach (cell, plan->initPlan)
	{
		live->init_plans = lappend(live->init_plans, lfirst(cell));
		live->owners = lappend(live->owners, plan);
	}
	walk_plan(plan->lefttree, live);
	walk_plan(plan->righttree, live);
}

/* Whether an expression already known to run reads an output of init. */
bool
sets_a_read_param(SubPlan *init, Liveness *live)
{
	ListCell *cell;

	foreach (cell, init->setParam)
		if (bms_is_member(lfirst_int(cell), live->read_params))
			return true;
	return false;
}

/*
 * Walks the live subplans until none is left: each may read the output of
 * an InitPlan not yet live, which then runs too.
 */
void
walk_live_subplans(Liveness *live)
{
	bool grown = true;

	while (grown && live->known)
	{
		while (live->pending != NIL && live->known)
		{
			int plan_id = linitial_int(live->pending);
			live->pending = list_delete_first(live->pending);
			walk_plan(static_cast<Plan *>(list_nth(live->stmt->subplans, plan_id - 1)), live);
		}
		grown = false;
		ListCell *cell;
		foreach (cell, live->init_plans)
		{
			SubPlan *init = static_cast<SubPlan *>(lfirst(cell));
			if (!bms_is_member(init->plan_id, live->live_plans) &&
				sets_a_read_param(init, live))
			{
				read_by(reinterpret_cast<Node *>(init), live);
				grown = true;
			}
		}
	}
}

/*
 * Whether every subplan to drop holds only known node kinds. Initialising
 * a plan is not always free of effects: a data-modifying CTE nothing
 * reads is run by the executor because its ModifyTable was initialised.
 */
bool
dead_subplans_known(Liveness *live)
{
	ListCell *cell;

	foreach (cell, live->stmt->subplans)
	{
		if (lfirst(cell) == nullptr || bms_is_member(foreach_current_index(cell) + 1, live->live_plans))
			continue;
		Liveness dead = {live->stmt, nullptr, nullptr, NIL, NIL, NIL, true};
		walk_plan(static_cast<Plan *>(lfirst(cell)), &dead);
		if (!dead.known)
			return false;
	}
	return true;
}

} // namespace

void
tenancy::remove_unused_subplans(PlannedStmt *stmt)
{
	Liveness live = {stmt, nullptr, nullptr, NIL, NIL, NIL, true};

	if (stmt->hasModifyingCTE)
		return;
	walk_plan(stmt->planTree, &live);
	walk_live_subplans(&live);
	if (!live.known || !dead_subplans_known(&live))
		return;
	ListCell *init;
	ListCell *owner;
	forboth (init, live.init_plans, owner, live.owners)
	{
		SubPlan *subplan = static_cast<SubPlan *>(lfirst(init));
		Plan *plan = static_cast<Plan *>(lfirst(owner));
		if (!bms_is_member(subplan->plan_id, live.live_plans))
			plan->initPlan = list_delete_ptr(plan->initPlan, subplan);
	}
	ListCell *cell;
	foreach (cell, stmt->subplans)
		if (!bms_is_member(foreach_current_index(cell) + 1, live.live_plans))
			lfirst(cell) = nullptr;
}
