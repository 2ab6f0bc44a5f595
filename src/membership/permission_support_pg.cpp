/*
 * permission_support_pg.cpp: the planner support function of
 * tenancy.user_has_permission(column, permission [, scope]).
 *
 * As for user_has_workspace_access (planner_support_pg.cpp): when the
 * permission and the scope are constants, the per-row call is exactly
 * `column = ANY (tenancy.user_workspaces_with_permission(permission
 * [, scope]))`, which a btree index on the column answers as an index
 * condition (evaluated once per scan), and whose selectivity the planner
 * estimates. Anything else could depend on the row and stays a per-row
 * call.
 *
 * Planning-time glue: builds plan nodes, holds no C++ objects.
 */
#include "core/boundary.hpp"

extern "C" {
#include "access/stratnum.h"
#include "catalog/namespace.h"
#include "catalog/pg_am.h"
#include "catalog/pg_opfamily.h"
#include "catalog/pg_type.h"
#include "nodes/makefuncs.h"
#include "nodes/supportnodes.h"
#include "optimizer/optimizer.h"
#include "parser/parse_func.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"
}

namespace {

/* tenancy.user_workspaces_with_permission(text [, text]). */
Oid
tenants_function(int nargs)
{
	// list_make*() use C compound literals; lappend is the C++-safe spelling
	List *name = lappend(lappend(NIL, makeString(pstrdup("tenancy"))),
						 makeString(pstrdup("user_workspaces_with_permission")));
	Oid types[2] = {TEXTOID, TEXTOID};

	return LookupFuncName(name, nargs, types, true);
}

/* Whether args are (tenant, constant permission [, constant scope]), none NULL. */
bool
supported_arguments(List *args)
{
	if (list_length(args) != 2 && list_length(args) != 3)
		return false;
	for (int i = 1; i < list_length(args); i++)
	{
		Node *arg = static_cast<Node *>(list_nth(args, i));
		if (!IsA(arg, Const) || reinterpret_cast<Const *>(arg)->constisnull)
			return false;
	}
	return true;
}

/* `tenant = ANY (tenancy.user_workspaces_with_permission(...))` with the given = operator. */
Node *
equivalent_clause(List *args, Oid equality)
{
	Oid function = tenants_function(list_length(args) - 1);

	if (!OidIsValid(function) || !OidIsValid(equality))
		return nullptr;
	List *call_args = NIL;
	for (int i = 1; i < list_length(args); i++)
		call_args = lappend(call_args, copyObjectImpl(list_nth(args, i)));
	Oid collation = reinterpret_cast<Const *>(lsecond(args))->constcollid;
	ScalarArrayOpExpr *saop = makeNode(ScalarArrayOpExpr);
	saop->opno = equality;
	saop->opfuncid = get_opcode(equality);
	saop->hashfuncid = InvalidOid;
	saop->negfuncid = InvalidOid;
	saop->useOr = true;
	saop->inputcollid = InvalidOid;
	saop->args = lappend(lappend(NIL, copyObjectImpl(linitial(args))),
						 makeFuncExpr(function, UUIDARRAYOID, call_args, InvalidOid, collation,
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

Node *
index_condition(SupportRequestIndexCondition *request)
{
	if (request->node == nullptr || !IsA(request->node, FuncExpr))
		return nullptr;
	List *args = reinterpret_cast<FuncExpr *>(request->node)->args;
	if (!supported_arguments(args) || request->indexarg != 0 ||
		!is_btree_family(request->opfamily))
		return nullptr;
	Oid equality = get_opfamily_member(request->opfamily, UUIDOID, UUIDOID, BTEqualStrategyNumber);
	Node *clause = equivalent_clause(args, equality);
	if (clause == nullptr)
		return nullptr;
	// exact: NULL input, no user, no membership, no permission are all "not matched"
	request->lossy = false;
	return reinterpret_cast<Node *>(lappend(NIL, clause));
}

Node *
selectivity(SupportRequestSelectivity *request)
{
	if (!supported_arguments(request->args))
		return nullptr;
	List *equals = lappend(lappend(NIL, makeString(pstrdup("pg_catalog"))), makeString(pstrdup("=")));
	Node *clause = equivalent_clause(request->args, OpernameGetOprid(equals, UUIDOID, UUIDOID));

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

TENANCY_FUNCTION(user_has_permission_support)
{
	Node *request = reinterpret_cast<Node *>(PG_GETARG_POINTER(0));

	if (IsA(request, SupportRequestIndexCondition))
		PG_RETURN_POINTER(index_condition(reinterpret_cast<SupportRequestIndexCondition *>(request)));
	if (IsA(request, SupportRequestSelectivity))
		PG_RETURN_POINTER(selectivity(reinterpret_cast<SupportRequestSelectivity *>(request)));
	PG_RETURN_POINTER(nullptr);
}
