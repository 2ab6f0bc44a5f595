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
 * call. Per id type as there: a bigint tenant uses
 * user_workspaces_with_permission_bigint, a text one
 * user_workspaces_with_permission_text only when the scope's tenant ids are
 * text when the query is planned.
 *
 * Planning-time glue: builds plan nodes, holds no C++ objects.
 */
#include "core/boundary.hpp"
#include "core/support_selectivity_pg.hpp"
#include "membership/registration_pg.hpp"

extern "C" {
#include "access/stratnum.h"
#include "catalog/namespace.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_am.h"
#include "catalog/pg_opfamily.h"
#include "catalog/pg_type.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "nodes/supportnodes.h"
#include "optimizer/optimizer.h"
#include "parser/parse_func.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"
}

namespace {

using tenancy::IdKind;

/* The array helper a tenant argument's type turns into. */
struct ArrayForm
{
	const char *function; /* tenancy.<function>(permission [, scope]) */
	Oid element;
	Oid array;
};

/*
 * The array form of a call with a tenant argument of type, in the scope of
 * args; false when there is none to use.
 */
bool
array_form(Oid type, List *args, ArrayForm *form)
{
	IdKind kind;

	switch (type)
	{
		case UUIDOID:
			*form = {"user_workspaces_with_permission", UUIDOID, UUIDARRAYOID};
			return true;
		case INT8OID:
			*form = {"user_workspaces_with_permission_bigint", INT8OID, INT8ARRAYOID};
			return true;
		case TEXTOID:
		{
			const char *scope =
				list_length(args) == 3
					? TextDatumGetCString(reinterpret_cast<Const *>(lthird(args))->constvalue)
					: tenancy::default_scope;
			*form = {"user_workspaces_with_permission_text", TEXTOID, TEXTARRAYOID};
			return tenancy::registered_tenant_kind(scope, &kind) && kind == IdKind::text;
		}
		default:
			return false;
	}
}

/* tenancy.<function>(text [, text]). */
Oid
tenants_function(const char *function, int nargs)
{
	// list_make*() use C compound literals; lappend is the C++-safe spelling
	List *name = lappend(lappend(NIL, makeString(pstrdup("tenancy"))),
						 makeString(pstrdup(function)));
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

/* `tenant = ANY (tenancy.user_workspaces_with_permission[_type](...))` with the given = operator. */
Node *
equivalent_clause(List *args, const ArrayForm &form, Oid equality)
{
	Oid function = tenants_function(form.function, list_length(args) - 1);

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
	// a text comparison in the argument's collation, which an index on it matches
	saop->inputcollid = exprCollation(static_cast<Node *>(linitial(args)));
	saop->args = lappend(lappend(NIL, copyObjectImpl(linitial(args))),
						 makeFuncExpr(function, form.array, call_args,
									  form.element == TEXTOID ? DEFAULT_COLLATION_OID : InvalidOid,
									  collation, COERCE_EXPLICIT_CALL));
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
	ArrayForm form;
	if (!supported_arguments(args) || request->indexarg != 0 ||
		!is_btree_family(request->opfamily) ||
		!array_form(exprType(static_cast<Node *>(linitial(args))), args, &form))
		return nullptr;
	Oid equality =
		get_opfamily_member(request->opfamily, form.element, form.element, BTEqualStrategyNumber);
	Node *clause = equivalent_clause(args, form, equality);
	if (clause == nullptr)
		return nullptr;
	// exact: NULL input, no user, no membership, no permission are all "not matched"
	request->lossy = false;
	return reinterpret_cast<Node *>(lappend(NIL, clause));
}

Node *
selectivity(SupportRequestSelectivity *request)
{
	ArrayForm form;
	if (!supported_arguments(request->args) ||
		!array_form(exprType(static_cast<Node *>(linitial(request->args))), request->args, &form))
		return nullptr;
	List *equals = lappend(lappend(NIL, makeString(pstrdup("pg_catalog"))), makeString(pstrdup("=")));
	Node *clause = equivalent_clause(request->args, form,
									 OpernameGetOprid(equals, form.element, form.element));

	if (clause == nullptr)
		return nullptr;
	tenancy::estimate_as_clause(request, clause);
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
