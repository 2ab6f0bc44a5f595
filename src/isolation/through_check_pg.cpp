/*
 * through_check_pg.cpp: tenancy.through_keys_check(key, parent_keys,
 * parent_visible) and its planner support function, which make the
 * policies of a table isolated through a key (docs/isolation.md) fast for
 * point lookups and for scans.
 *
 * The policy is
 *   through_keys_check(col, ARRAY(<the visible parents' keys>),
 *                      EXISTS (<the parent row of col, visible>))
 * Its value is its third argument, the EXISTS: per row, one probe of the
 * parent's key index (few rows) or the visible keys hashed once (many
 * rows). Its first two arguments say the same thing another way, `col =
 * ANY (parent_keys)`, which an index can answer: the support function hands
 * the planner that condition on an index of col, as a lossy condition, so
 * the check stays in the scan's filter too. After planning, the planner
 * hook (through_check_plan_pg.cpp) settles each scan: where the key list
 * is the index condition, it drops the check, EXISTS included (a scan, a
 * count, a list, reads the visible parents' rows through the index and
 * checks nothing more); where the scan also pins col with an equality (a
 * point lookup, or a nested loop probing the table per outer row), it
 * drops the key list condition instead and leaves the check to its
 * EXISTS, so one row costs one parent probe and the key list is never
 * computed. Exact only because tenancy writes both forms from one condition on the
 * parent (src/isolation/through.sql): the key list holds the parent keys
 * whose row meets it, the EXISTS asks whether col's parent row meets it,
 * with the same equality (a btree family's, which only a superuser can
 * define, is the type's own; a non-deterministic collation's is refused,
 * see index_condition). Called elsewhere with arguments that disagree,
 * the check may answer either way: only for the expression it stands in,
 * never for any other condition of the query or the table's policies.
 *
 * Planning-time glue: builds plan nodes, holds no C++ objects.
 */
#include "core/boundary.hpp"
#include "core/support_selectivity_pg.hpp"
#include "core/opfamily_pg.hpp"

extern "C" {
#include "access/stratnum.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "nodes/pathnodes.h"
#include "nodes/supportnodes.h"
#include "optimizer/optimizer.h"
#include "utils/lsyscache.h"
#include "utils/typcache.h"
}

namespace {

using tenancy::is_btree_family;

Node *
strip_relabel(Node *node)
{
	while (node != nullptr && IsA(node, RelabelType))
		node = reinterpret_cast<Node *>(reinterpret_cast<RelabelType *>(node)->arg);
	return node;
}

/* `key = ANY (keys)` with the index's equality, or nullptr when it has none. */
Node *
key_list_condition(SupportRequestIndexCondition *request, Node *key, Node *keys)
{
	Oid element_type = get_element_type(getBaseType(exprType(keys)));
	Oid equality = OidIsValid(element_type)
					   ? get_opfamily_member(request->opfamily, getBaseType(exprType(key)),
											 getBaseType(element_type), BTEqualStrategyNumber)
					   : InvalidOid;

	if (!OidIsValid(equality))
		return nullptr;
	ScalarArrayOpExpr *saop = makeNode(ScalarArrayOpExpr);
	saop->opno = equality;
	saop->opfuncid = get_opcode(equality);
	saop->hashfuncid = InvalidOid;
	saop->negfuncid = InvalidOid;
	saop->useOr = true;
	saop->inputcollid = request->indexcollation;
	saop->args = lappend(lappend(NIL, copyObjectImpl(key)), copyObjectImpl(keys));
	saop->location = -1;
	return reinterpret_cast<Node *>(saop);
}

Node *
index_condition(SupportRequestIndexCondition *request)
{
	if (!IsA(request->node, FuncExpr) || request->indexarg != 0 || !is_btree_family(request->opfamily))
		return nullptr;
	List *args = reinterpret_cast<FuncExpr *>(request->node)->args;
	if (list_length(args) != 3)
		return nullptr;
	// a case-insensitive collation's equality is not the EXISTS's equality
	if (OidIsValid(request->indexcollation) && !get_collation_isdeterministic(request->indexcollation))
		return nullptr;
	Node *key = strip_relabel(static_cast<Node *>(linitial(args)));
	Node *condition = key_list_condition(request, key, static_cast<Node *>(lsecond(args)));
	if (condition == nullptr)
		return nullptr;
	// lossy (the default): the check stays in the scan's filter, where the
	// planner hook drops it or, where the scan also pins the key with an
	// equality, drops this condition instead
	return reinterpret_cast<Node *>(lappend(NIL, condition));
}

/*
 * The rows the check keeps: the selectivity of `key = ANY (parent_keys)`,
 * or 1 for keys of two types.
 */
Node *
selectivity(SupportRequestSelectivity *request)
{
	request->selectivity = 1.0;
	if (list_length(request->args) != 3)
		return reinterpret_cast<Node *>(request);
	Node *key = static_cast<Node *>(linitial(request->args));
	Node *keys = static_cast<Node *>(lsecond(request->args));
	if (get_element_type(exprType(keys)) != exprType(key))
		return reinterpret_cast<Node *>(request);
	TypeCacheEntry *type = lookup_type_cache(exprType(key), TYPECACHE_EQ_OPR);
	if (!OidIsValid(type->eq_opr))
		return reinterpret_cast<Node *>(request);
	ScalarArrayOpExpr *saop = makeNode(ScalarArrayOpExpr);
	saop->opno = type->eq_opr;
	saop->opfuncid = get_opcode(type->eq_opr);
	saop->useOr = true;
	saop->inputcollid = exprCollation(key);
	saop->args = lappend(lappend(NIL, key), keys);
	saop->location = -1;
	Node *clause = reinterpret_cast<Node *>(saop);
	tenancy::estimate_as_clause(request, clause);
	return reinterpret_cast<Node *>(request);
}

} // namespace

/* The check's value: its third argument, parent_visible (the EXISTS). */
TENANCY_FUNCTION(through_keys_check)
{
	if (PG_ARGISNULL(2))
		PG_RETURN_NULL();
	PG_RETURN_BOOL(PG_GETARG_BOOL(2));
}

TENANCY_FUNCTION(through_keys_check_support)
{
	Node *request = reinterpret_cast<Node *>(PG_GETARG_POINTER(0));

	if (IsA(request, SupportRequestIndexCondition))
		PG_RETURN_POINTER(index_condition(reinterpret_cast<SupportRequestIndexCondition *>(request)));
	if (IsA(request, SupportRequestSelectivity))
		PG_RETURN_POINTER(selectivity(reinterpret_cast<SupportRequestSelectivity *>(request)));
	PG_RETURN_POINTER(nullptr);
}
