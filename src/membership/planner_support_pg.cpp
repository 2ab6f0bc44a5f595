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
 * Per id type: a bigint argument becomes `= ANY (user_workspaces_bigint(...))`;
 * a text argument becomes `= ANY (user_workspaces_text(...))` only when the
 * scope's tenant ids are text when the query is planned (in a uuid or bigint
 * scope the text form converts its argument, which no array of text
 * matches exactly, so it stays a filter). Should the scope's type change
 * later, the array helper raises 42804 rather than answer wrongly.
 *
 * Planning-time glue: builds plan nodes, holds no C++ objects.
 */
#include "core/boundary.hpp"
#include "core/support_selectivity_pg.hpp"
#include "core/opfamily_pg.hpp"
#include "membership/registration_pg.hpp"

extern "C" {
#include "access/stratnum.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_type.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "utils/builtins.h"
#include "nodes/supportnodes.h"
#include "catalog/namespace.h"
#include "optimizer/optimizer.h"
#include "parser/parse_func.h"
#include "utils/lsyscache.h"
}

namespace {

using tenancy::default_scope;
using tenancy::is_btree_family;
using tenancy::IdKind;
using tenancy::registered_tenant_kind;

/* The array helper a tenant argument's type turns into. */
struct ArrayForm
{
	const char *function; /* tenancy.<function>([scope]) */
	Oid element;
	Oid array;
};

/*
 * The array form of a call with a tenant argument of type in scope
 * (nullptr: the default scope); false when there is none to use.
 */
bool
array_form(Oid type, Node *scope, ArrayForm *form)
{
	IdKind kind;

	switch (type)
	{
		case UUIDOID:
			*form = {"user_workspaces", UUIDOID, UUIDARRAYOID};
			return true;
		case INT8OID:
			*form = {"user_workspaces_bigint", INT8OID, INT8ARRAYOID};
			return true;
		case TEXTOID:
		{
			const char *name =
				scope != nullptr
					? TextDatumGetCString(reinterpret_cast<Const *>(scope)->constvalue)
					: default_scope;
			*form = {"user_workspaces_text", TEXTOID, TEXTARRAYOID};
			return registered_tenant_kind(name, &kind) && kind == IdKind::text;
		}
		default:
			return false;
	}
}

/* tenancy.<function>() or, with a scope, tenancy.<function>(text). */
Oid
array_function_oid(const char *function, bool scoped)
{
	// list_make*() use C compound literals; lappend is the C++-safe spelling
	List *name = lappend(lappend(NIL, makeString(pstrdup("tenancy"))),
						 makeString(pstrdup(function)));
	Oid text_type = TEXTOID;

	return LookupFuncName(name, scoped ? 1 : 0, &text_type, true);
}

/*
 * `argument = ANY (tenancy.user_workspaces[_type]([scope]))` with the
 * given = operator; scope is nullptr for the default scope.
 */
Node *
equivalent_clause(Node *argument, Node *scope, const ArrayForm &form, Oid equality)
{
	Oid workspaces = array_function_oid(form.function, scope != nullptr);
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
	// a text comparison in the argument's collation, which an index on it matches
	saop->inputcollid = exprCollation(argument);
	saop->args = lappend(lappend(NIL, copyObjectImpl(argument)),
						 makeFuncExpr(workspaces, form.array, scope_args,
									  form.element == TEXTOID ? DEFAULT_COLLATION_OID : InvalidOid,
									  scope_collation, COERCE_EXPLICIT_CALL));
	saop->location = -1;
	return reinterpret_cast<Node *>(saop);
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

	ArrayForm form;

	if (argument == nullptr || request->indexarg != 0 || !is_btree_family(request->opfamily) ||
		!array_form(exprType(argument), scope, &form))
		return nullptr;
	Oid equality =
		get_opfamily_member(request->opfamily, form.element, form.element, BTEqualStrategyNumber);
	Node *clause = equivalent_clause(argument, scope, form, equality);
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
	ArrayForm form;
	if (!array_form(exprType(argument), scope, &form))
		return nullptr;
	List *equals = lappend(lappend(NIL, makeString(pstrdup("pg_catalog"))), makeString(pstrdup("=")));
	Node *clause = equivalent_clause(argument, scope, form,
									 OpernameGetOprid(equals, form.element, form.element));

	if (clause == nullptr)
		return nullptr;
	tenancy::estimate_as_clause(request, clause);
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
