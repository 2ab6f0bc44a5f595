/*
 * planner_support_pg.cpp: the planner support function of
 * tenancy.user_has_workspace_access(column).
 *
 * A per-row policy `USING (tenancy.user_has_workspace_access(workspace_id))`
 * is opaque to the planner: it would call the function on every row of a
 * sequential scan. The support function tells the planner that the call is
 * exactly `workspace_id = ANY (tenancy.user_workspaces())`, which a btree
 * index on the column answers (an index condition, evaluated once per
 * scan), and estimates its selectivity the same way. So the per-row form
 * costs what the array form costs. The scoped form
 * user_has_workspace_access(column, 'project') becomes
 * `column = ANY (tenancy.user_workspaces('project'))` when the scope is a
 * constant (anything else could depend on the row).
 *
 * Planning-time glue: builds plan nodes, holds no C++ objects.
 */
#include "core/boundary.hpp"

extern "C" {
#include "access/stratnum.h"
#include "catalog/pg_am.h"
#include "catalog/pg_opfamily.h"
#include "catalog/pg_type.h"
#include "nodes/makefuncs.h"
#include "nodes/supportnodes.h"
#include "catalog/namespace.h"
#include "optimizer/optimizer.h"
#include "parser/parse_func.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"
}

namespace {

/* tenancy.user_workspaces() or, with a scope, tenancy.user_workspaces(text). */
Oid
user_workspaces_oid(bool scoped)
{
	// list_make*() use C compound literals; lappend is the C++-safe spelling
	List *name = lappend(lappend(NIL, makeString(pstrdup("tenancy"))),
						 makeString(pstrdup("user_workspaces")));
	Oid text_type = TEXTOID;

	return LookupFuncName(name, scoped ? 1 : 0, &text_type, true);
}

/*
 * `argument = ANY (tenancy.user_workspaces([scope]))` with the given =
 * operator; scope is nullptr for the default scope.
 */
Node *
equivalent_clause(Node *argument, Node *scope, Oid equality)
{
	Oid workspaces = user_workspaces_oid(scope != nullptr);
	List *scope_args = scope != nullptr ? lappend(NIL, copyObjectImpl(scope)) : NIL;
	Oid scope_collation =
		scope != nullptr ? reinterpret_cast<Const *>(scope)->constcollid : InvalidOid;

	if (!OidIsValid(workspaces) || !OidIsValid(equality))
		return nullptr;
	ScalarArrayOpExpr *saop = makeNode(ScalarArrayOpExpr);
	saop->opno = equality;
	saop->opfuncid = get_opcode(equality);
	saop->hashfuncid = InvalidOid;
	saop->negfuncid = InvalidOid;
	saop->useOr = true;
	saop->inputcollid = InvalidOid;
	saop->args = lappend(lappend(NIL, copyObjectImpl(argument)),
						 makeFuncExpr(workspaces, UUIDARRAYOID, scope_args, InvalidOid, scope_collation,
									  COERCE_EXPLICIT_CALL));
	saop->location = -1;
	return reinterpret_cast<Node *>(saop);
}

bool
is_btree_family(Oid opfamily)
{
	HeapTuple tuple = SearchSysCache1(OPFAMILYOID, ObjectIdGetDatum(opfamily));
	bool btree = false;

	if (HeapTupleIsValid(tuple))
	{
		btree = ((Form_pg_opfamily) GETSTRUCT(tuple))->opfmethod == BTREE_AM_OID;
		ReleaseSysCache(tuple);
	}
	return btree;
}

/*
 * Whether args are (tenant) or (tenant, constant non-NULL scope); the
 * scope, or nullptr, through *scope.
 */
bool
supported_arguments(List *args, Node **scope)
{
	*scope = nullptr;
	if (list_length(args) == 1)
		return true;
	if (list_length(args) != 2)
		return false;
	Node *second = static_cast<Node *>(lsecond(args));
	if (!IsA(second, Const) || reinterpret_cast<Const *>(second)->constisnull)
		return false;
	*scope = second;
	return true;
}

/* The tenant argument of our call (and its scope), or nullptr for anything else. */
Node *
call_argument(Node *node, Node **scope)
{
	if (node == nullptr || !IsA(node, FuncExpr))
		return nullptr;
	FuncExpr *call = reinterpret_cast<FuncExpr *>(node);
	if (!supported_arguments(call->args, scope))
		return nullptr;
	return static_cast<Node *>(linitial(call->args));
}

Node *
index_condition(SupportRequestIndexCondition *request)
{
	Node *scope;
	Node *argument = call_argument(request->node, &scope);

	if (argument == nullptr || request->indexarg != 0 || !is_btree_family(request->opfamily))
		return nullptr;
	Oid equality = get_opfamily_member(request->opfamily, UUIDOID, UUIDOID, BTEqualStrategyNumber);
	Node *clause = equivalent_clause(argument, scope, equality);
	if (clause == nullptr)
		return nullptr;
	// exact: NULL input, no user and no membership are all "not matched"
	request->lossy = false;
	return reinterpret_cast<Node *>(lappend(NIL, clause));
}

Node *
selectivity(SupportRequestSelectivity *request)
{
	Node *scope;

	if (!supported_arguments(request->args, &scope))
		return nullptr;
	Node *argument = static_cast<Node *>(linitial(request->args));
	List *equals = lappend(lappend(NIL, makeString(pstrdup("pg_catalog"))), makeString(pstrdup("=")));
	Node *clause = equivalent_clause(argument, scope, OpernameGetOprid(equals, UUIDOID, UUIDOID));

	if (clause == nullptr)
		return nullptr;
	if (request->is_join)
		request->selectivity = clause_selectivity(request->root, clause, 0, request->jointype,
												  request->sjinfo);
	else
		request->selectivity = clause_selectivity(request->root, clause, request->varRelid,
												  JOIN_INNER, nullptr);
	return reinterpret_cast<Node *>(request);
}

} // namespace

TENANCY_FUNCTION(user_has_workspace_access_support)
{
	Node *request = reinterpret_cast<Node *>(PG_GETARG_POINTER(0));

	if (IsA(request, SupportRequestIndexCondition))
		PG_RETURN_POINTER(index_condition(reinterpret_cast<SupportRequestIndexCondition *>(request)));
	if (IsA(request, SupportRequestSelectivity))
		PG_RETURN_POINTER(selectivity(reinterpret_cast<SupportRequestSelectivity *>(request)));
	PG_RETURN_POINTER(nullptr);
}
