/*
 * tenant_pruning_plan_pg.cpp: plan-time pruning of tenant partitions.
 *
 * PostgreSQL prunes partitions while planning only with constants
 * (partprune.c, match_clause_to_partition_key: an `= ANY` array must be a
 * Const or an ARRAY[...]); tenancy's policy `key = ANY
 * (tenancy.user_workspaces())` is a STABLE call, so the planner would
 * plan, and a cached plan lock, every partition.
 *
 * So each top-level conjunct (of a row level security qual or a WHERE
 * clause) of the forms
 *
 *   key = ANY (tenancy.user_workspaces())        key = ANY (tenancy.user_workspaces('scope'))
 *   tenancy.user_has_workspace_access(key)       tenancy.user_has_workspace_access(key, 'scope')
 *
 * on the partition key of a partitioned table is replaced by `key = ANY
 * ('{the set now}')`, with which the planner prunes before it opens a
 * partition, exactly as for a query naming its tenants. The set is read
 * once for the execution, when it is planned: what a STABLE function
 * promises (one value for the whole statement), and what an index scan
 * does with the call (its keys are computed once, when the scan starts).
 * Per row, the check is then a constant array's, not a call.
 *
 * A plan with bound parameters (a custom plan; and EXPLAIN, DECLARE CURSOR
 * and CREATE TABLE AS with parameters) is made by plancache for one
 * execution and never reused (GetCachedPlan keeps only the generic plan,
 * which is built without parameters). Any other plan (the simple
 * protocol's, which is run once; a generic plan, which plancache keeps)
 * is made to run once too: tenant_pruning_fresh_pg.cpp invalidates it
 * before anything else runs in this backend, and on any membership change.
 *
 * The caller's set is read only when the caller may execute the function
 * the clause calls (and user_workspaces, which is called for it), as the
 * clause itself would be checked when it runs; otherwise the clause stays
 * (and fails when it runs).
 *
 * Plain C style: no C++ objects, nothing thrown; PostgreSQL errors unwind
 * nothing of ours.
 */
#include "partitions/tenant_pruning_plan_pg.hpp"
#include "partitions/tenant_pruning_fresh_pg.hpp"
#include "partitions/tenancy_functions_pg.hpp"

#include "core/compat.hpp"
#include "core/pg.hpp"

extern "C" {
#include "access/relation.h"
#include "access/stratnum.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/planner.h"
#include "parser/parsetree.h"
#include "utils/lsyscache.h"
#include "utils/partcache.h"
#include "utils/rel.h"
}

namespace {

const bool *prune_enabled = nullptr;
planner_hook_type previous_planner = nullptr;

/* A tenancy clause taken apart: the column, and the call that gives its set. */
struct TenantClause
{
	Var *key;
	const ScalarArrayOpExpr *saop; /* the `= ANY` form, or nullptr for the per-row form */
	Oid called;					   /* the function the clause calls */
	Oid set_function;			   /* user_workspaces() or user_workspaces(text) */
	Const *scope;				   /* the constant scope, or nullptr */
};

/* What baking a query tree reads and tells. */
struct BakeContext
{
	tenancy::TenancyFunctionOids functions;
	bool baked; /* a set was written into the tree */
};

/* args end with no argument (the default scope) or one non-NULL text constant. */
bool
scope_of(List *args, int before_scope, Const **scope)
{
	*scope = nullptr;
	if (list_length(args) == before_scope)
		return true;
	if (list_length(args) != before_scope + 1)
		return false;
	Node *last = static_cast<Node *>(llast(args));
	if (!IsA(last, Const) || reinterpret_cast<Const *>(last)->constisnull)
		return false;
	*scope = reinterpret_cast<Const *>(last);
	return true;
}

bool
as_tenant_clause(Node *clause, const tenancy::TenancyFunctionOids *functions, TenantClause *out)
{
	FuncExpr *call;
	Node *key;

	if (clause == nullptr)
		return false;
	if (IsA(clause, ScalarArrayOpExpr))
	{
		ScalarArrayOpExpr *saop = reinterpret_cast<ScalarArrayOpExpr *>(clause);
		if (!saop->useOr || list_length(saop->args) != 2 || !IsA(lsecond(saop->args), FuncExpr))
			return false;
		call = static_cast<FuncExpr *>(lsecond(saop->args));
		key = static_cast<Node *>(linitial(saop->args));
		if (!scope_of(call->args, 0, &out->scope))
			return false;
		out->set_function = out->scope != nullptr ? functions->scope_workspaces : functions->workspaces;
		if (call->funcid != out->set_function)
			return false;
		out->saop = saop;
	}
	else if (IsA(clause, FuncExpr))
	{
		call = reinterpret_cast<FuncExpr *>(clause);
		if (list_length(call->args) < 1)
			return false;
		key = static_cast<Node *>(linitial(call->args));
		if (!scope_of(call->args, 1, &out->scope))
			return false;
		Oid access = out->scope != nullptr ? functions->scope_access : functions->access;
		out->set_function = out->scope != nullptr ? functions->scope_workspaces : functions->workspaces;
		if (call->funcid != access)
			return false;
		out->saop = nullptr;
	}
	else
		return false;
	if (!OidIsValid(out->set_function) || !IsA(key, Var))
		return false;
	out->called = call->funcid;
	out->key = reinterpret_cast<Var *>(key);
	return out->key->varlevelsup == 0 && out->key->varattno > 0;
}

/*
 * The equality operator the partitioned table under rte prunes its one key
 * column with, when that column is attno of type type; InvalidOid when
 * the table is not partitioned that way.
 */
Oid
partition_key_equality(RangeTblEntry *rte, AttrNumber attno, Oid type)
{
	if (rte->rtekind != RTE_RELATION || rte->relkind != RELKIND_PARTITIONED_TABLE)
		return InvalidOid;
	// locked by the parser, or for a cached query by AcquirePlannerLocks
	Relation rel = relation_open(rte->relid, NoLock);
	PartitionKey key = RelationGetPartitionKey(rel);
	Oid equality = InvalidOid;

	if (key->partnatts == 1 && key->partattrs[0] == attno && key->parttypid[0] == type &&
		key->partopcintype[0] == type)
		equality = get_opfamily_member(key->partopfamily[0], type, type,
									   key->strategy == PARTITION_STRATEGY_HASH
										   ? HTEqualStrategyNumber
										   : BTEqualStrategyNumber);
	relation_close(rel, NoLock);
	return equality;
}

/*
 * `key = ANY ('{the caller's set now}')`, or nullptr when clause is not
 * tenancy's or the caller may not execute what it calls.
 */
Node *
with_set_now(Node *clause, Query *query, BakeContext *context)
{
	TenantClause tenant;

	if (!as_tenant_clause(clause, &context->functions, &tenant) || tenant.key->varno < 1 ||
		tenant.key->varno > list_length(query->rtable))
		return nullptr;
	Oid set_type = get_func_rettype(tenant.set_function);
	Oid element_type = get_element_type(set_type);
	Oid equality = partition_key_equality(rt_fetch(tenant.key->varno, query->rtable),
										  tenant.key->varattno, tenant.key->vartype);
	if (!OidIsValid(equality) || element_type != tenant.key->vartype ||
		(tenant.saop != nullptr && tenant.saop->opno != equality) ||
		!tenancy::compat::may_execute(tenant.called, GetUserId()) ||
		!tenancy::compat::may_execute(tenant.set_function, GetUserId()))
		return nullptr;
	Datum set = tenant.scope != nullptr
					? OidFunctionCall1Coll(tenant.set_function, tenant.scope->constcollid,
										   tenant.scope->constvalue)
					: OidFunctionCall0Coll(tenant.set_function, InvalidOid);
	ScalarArrayOpExpr *baked = makeNode(ScalarArrayOpExpr);
	baked->opno = equality;
	baked->opfuncid = get_opcode(equality);
	baked->useOr = true;
	baked->inputcollid = tenant.saop != nullptr ? tenant.saop->inputcollid : InvalidOid;
	baked->args = lappend(lappend(NIL, copyObjectImpl(tenant.key)),
						  makeConst(set_type, -1, InvalidOid, -1, set, false, false));
	baked->location = -1;
	context->baked = true;
	return reinterpret_cast<Node *>(baked);
}

/*
 * qual with each top-level (ANDed) tenancy clause given the set now; qual
 * itself when it has none. Only there: the per-row form is false for a
 * NULL key where `key = ANY (...)` is NULL, which a qual treats alike.
 */
Node *
with_sets_now(Node *qual, Query *query, BakeContext *context)
{
	if (qual == nullptr)
		return qual;
	if (!is_andclause(qual))
	{
		Node *baked = with_set_now(qual, query, context);
		return baked != nullptr ? baked : qual;
	}
	BoolExpr *conjunction = reinterpret_cast<BoolExpr *>(qual);
	List *args = NIL;
	bool changed = false;
	ListCell *cell;
	foreach (cell, conjunction->args)
	{
		Node *before = static_cast<Node *>(lfirst(cell));
		Node *after = with_sets_now(before, query, context);
		changed |= after != before;
		args = lappend(args, after);
	}
	if (!changed)
		return qual;
	return reinterpret_cast<Node *>(makeBoolExpr(AND_EXPR, args, conjunction->location));
}

/* Every query of the tree (subqueries, CTEs, sublinks) gets the sets now. */
bool
bake_walker(Node *node, void *context_pointer)
{
	auto context = static_cast<BakeContext *>(context_pointer);

	if (node == nullptr)
		return false;
	if (!IsA(node, Query))
		return tenancy::compat::walk_expression(node, bake_walker, context_pointer);
	Query *query = reinterpret_cast<Query *>(node);
	ListCell *cell;
	foreach (cell, query->rtable)
	{
		RangeTblEntry *rte = static_cast<RangeTblEntry *>(lfirst(cell));
		ListCell *level;
		// one expression per security level, each ANDed with the others
		foreach (level, rte->securityQuals)
			lfirst(level) = with_sets_now(static_cast<Node *>(lfirst(level)), query, context);
	}
	if (query->jointree != nullptr)
		query->jointree->quals = with_sets_now(query->jointree->quals, query, context);
	return tenancy::compat::walk_query(query, bake_walker, context_pointer, 0);
}

} // namespace

extern "C" {
static PlannedStmt *tenancy_planner(Query *parse, const char *query_string, int cursor_options,
									ParamListInfo bound_params);
}

/*
 * The hook. Plain C style (see the file comment). The query may be changed
 * in place: the planner scribbles on it anyway (plancache.c plans a copy).
 */
static PlannedStmt *
tenancy_planner(Query *parse, const char *query_string, int cursor_options,
				ParamListInfo bound_params)
{
	BakeContext context;

	context.baked = false;
	if (*prune_enabled)
	{
		// a copy: evaluating a set may look the functions up again
		context.functions = *tenancy::tenancy_function_oids();
		if (OidIsValid(context.functions.workspaces) &&
			OidIsValid(context.functions.membership_sentinel))
			bake_walker(reinterpret_cast<Node *>(parse), &context);
	}
	PlannedStmt *stmt = previous_planner != nullptr
							? previous_planner(parse, query_string, cursor_options, bound_params)
							: standard_planner(parse, query_string, cursor_options, bound_params);
	// bound parameters: a custom plan, never reused
	if (context.baked && bound_params == nullptr)
		tenancy::depend_on_caller(stmt, context.functions.membership_sentinel,
								  context.functions.workspaces);
	return stmt;
}

void
tenancy::tenant_pruning_plan_init(const bool *enabled)
{
	prune_enabled = enabled;
	previous_planner = planner_hook;
	planner_hook = tenancy_planner;
}
