/*
 * through_hint_pg.cpp: tenancy.through_keys_hint(key, parent_keys) and its
 * planner support function, which let the policies of a table isolated
 * through a key (docs/isolation.md) be fast for point lookups and for scans.
 *
 * The policy is
 *   through_keys_hint(col, ARRAY(<the visible parents' keys>))
 *   AND EXISTS (<the parent row of col, visible>)
 * The EXISTS is the check: per row, the planner probes the parent's key
 * index (few rows) or hashes the visible keys once (many rows). It is never
 * an index condition, so on its own a count would read the whole table.
 * The hint returns true and adds nothing to the check; its support function
 * hands the planner an index condition on the key column that the EXISTS
 * implies:
 *   - `col = ANY (parent_keys)` (the key list, an InitPlan run once per
 *     statement): a scan reads only the rows of the visible parents;
 *   - when the query already pins col with an equality (a point lookup),
 *     a copy of that equality instead: the key list is then never computed,
 *     and the row costs one probe of the parent's key.
 * Either way the condition is exact given the EXISTS beside it, so the
 * planner drops the hint from the row filter. Called elsewhere, the hint
 * may narrow the caller's own query to keys in parent_keys: it never shows
 * a row the query's other conditions hide.
 *
 * Planning-time glue: builds plan nodes, holds no C++ objects.
 */
#include "core/boundary.hpp"
#include "core/opfamily_pg.hpp"

extern "C" {
#include "access/stratnum.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "nodes/pathnodes.h"
#include "nodes/supportnodes.h"
#include "optimizer/optimizer.h"
#include "optimizer/restrictinfo.h"
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

/*
 * A restriction of the scanned relation `key = value` (either way round)
 * with an equality of the index's operator family and a value that stays
 * the same during the scan (a constant or a parameter): the clause, or
 * nullptr when the query has none.
 */
Expr *
pinning_equality(SupportRequestIndexCondition *request, Node *key)
{
	ListCell *cell;

	foreach (cell, request->index->rel->baserestrictinfo)
	{
		RestrictInfo *rinfo = static_cast<RestrictInfo *>(lfirst(cell));
		// the planner's own rule for index conditions under row level security
		if (!IsA(rinfo->clause, OpExpr) || !restriction_is_securely_promotable(rinfo, request->index->rel))
			continue;
		OpExpr *op = reinterpret_cast<OpExpr *>(rinfo->clause);
		if (list_length(op->args) != 2 ||
			get_op_opfamily_strategy(op->opno, request->opfamily) != BTEqualStrategyNumber)
			continue;
		Node *left = static_cast<Node *>(linitial(op->args));
		Node *right = static_cast<Node *>(lsecond(op->args));
		Node *value = equal(strip_relabel(left), key)    ? right
					  : equal(strip_relabel(right), key) ? left
														 : nullptr;
		// compared in the index's collation, or the descent could miss the row
		bool same_collation = !OidIsValid(request->indexcollation) ||
							  request->indexcollation == op->inputcollid;
		if (value != nullptr && same_collation && !contain_var_clause(value) &&
			!contain_volatile_functions(value))
			return rinfo->clause;
	}
	return nullptr;
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
	if (list_length(args) != 2)
		return nullptr;
	// a case-insensitive collation's equality is not the EXISTS's equality
	if (OidIsValid(request->indexcollation) && !get_collation_isdeterministic(request->indexcollation))
		return nullptr;
	Node *key = strip_relabel(static_cast<Node *>(linitial(args)));
	Node *condition = reinterpret_cast<Node *>(pinning_equality(request, key));
	if (condition != nullptr)
		condition = static_cast<Node *>(copyObjectImpl(condition));
	else
		condition = key_list_condition(request, key, static_cast<Node *>(lsecond(args)));
	if (condition == nullptr)
		return nullptr;
	request->lossy = false;
	return reinterpret_cast<Node *>(lappend(NIL, condition));
}

/*
 * The rows the hint stands for: the selectivity of `key = ANY (parent_keys)`
 * (as the key-list policy was estimated), or 1 for keys of two types.
 */
Node *
selectivity(SupportRequestSelectivity *request)
{
	request->selectivity = 1.0;
	if (list_length(request->args) != 2)
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
	if (request->is_join)
		request->selectivity = clause_selectivity(request->root, clause, 0, request->jointype,
												  request->sjinfo);
	else
		request->selectivity = clause_selectivity(request->root, clause, request->varRelid,
												  JOIN_INNER, nullptr);
	return reinterpret_cast<Node *>(request);
}

} // namespace

TENANCY_FUNCTION(through_keys_hint)
{
	PG_RETURN_BOOL(true);
}

TENANCY_FUNCTION(through_keys_hint_support)
{
	Node *request = reinterpret_cast<Node *>(PG_GETARG_POINTER(0));

	if (IsA(request, SupportRequestIndexCondition))
		PG_RETURN_POINTER(index_condition(reinterpret_cast<SupportRequestIndexCondition *>(request)));
	if (IsA(request, SupportRequestSelectivity))
		PG_RETURN_POINTER(selectivity(reinterpret_cast<SupportRequestSelectivity *>(request)));
	PG_RETURN_POINTER(nullptr);
}
