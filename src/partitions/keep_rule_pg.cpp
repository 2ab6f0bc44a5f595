/*
 * keep_rule_pg.cpp: validates a retention keep rule (set_retention's
 * keep_where) and returns its canonical text.
 *
 * A keep rule is SQL a DBA writes and tenancy splices into the statements
 * it runs as the table's owner. So it is parsed here, never spliced as
 * given: it must be exactly one expression (no second statement, no
 * trailing comment to swallow what follows it), over the columns of the
 * table only, without subqueries, aggregates, window or set-returning
 * functions (the rules of a CHECK constraint), with only IMMUTABLE
 * functions and operators (a rule whose meaning changed with the clock or
 * the role evaluating it would keep or drop rows unpredictably), and refer
 * to at least one column (a constant keeps all rows or none: a mistake).
 * What is stored and spliced is PostgreSQL's own deparse of the analysed
 * expression, with every name that the pinned search_path (pg_catalog,
 * pg_temp) does not find schema-qualified.
 *
 * No C++ objects: the body holds only PODs and palloc'd memory, and every
 * refusal is an ereport.
 */
#include "core/boundary.hpp"

extern "C" {
#include "access/table.h"
#include "optimizer/optimizer.h"
#include "parser/parse_coerce.h"
#include "parser/parse_collate.h"
#include "parser/parse_expr.h"
#include "parser/parse_node.h"
#include "parser/parse_relation.h"
#include "parser/parser.h"
#include "utils/builtins.h"
#include "utils/rel.h"
#include "utils/ruleutils.h"
}

namespace {

void
keep_where_context(void *arg)
{
	errcontext("keep_where of table %s", static_cast<const char *>(arg));
}

[[noreturn]] void
refuse(const char *message)
{
	ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("%s", message),
					errhint("Pass one boolean expression over the table's columns, "
							"e.g. 'status IN (''pending'', ''scheduled'')'.")));
}

/* raw_parser of sql; a syntax error loses its position, which would point
 * into the caller's statement as if sql were it. */
List *
parse_without_position(const char *sql)
{
	MemoryContext context = CurrentMemoryContext;
	List *volatile raw = NIL;

	PG_TRY();
	{
		raw = raw_parser(sql, RAW_PARSE_DEFAULT);
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(context);
		ErrorData *edata = CopyErrorData();
		FlushErrorState();
		edata->cursorpos = 0;
		ReThrowError(edata);
	}
	PG_END_TRY();
	return raw;
}

/* The one expression of "SELECT <rule>", or a refusal. */
Node *
single_expression(const char *rule)
{
	List *raw = parse_without_position(psprintf("SELECT %s", rule));
	if (list_length(raw) != 1)
		refuse("keep_where must be one expression");
	Node *stmt = linitial_node(RawStmt, raw)->stmt;
	if (!IsA(stmt, SelectStmt))
		refuse("keep_where must be one expression");
	SelectStmt *select = castNode(SelectStmt, stmt);
	if (select->op != SETOP_NONE || list_length(select->targetList) != 1 ||
		select->fromClause != NIL || select->whereClause != nullptr || select->groupClause != NIL ||
		select->havingClause != nullptr || select->windowClause != NIL || select->valuesLists != NIL ||
		select->sortClause != NIL || select->limitOffset != nullptr || select->limitCount != nullptr ||
		select->lockingClause != NIL || select->withClause != nullptr ||
		select->intoClause != nullptr || select->distinctClause != NIL)
		refuse("keep_where must be one expression");
	ResTarget *target = linitial_node(ResTarget, select->targetList);
	/* a bare * (SELECT *) is a target list entry, not an expression */
	if (target->name != nullptr ||
		(IsA(target->val, ColumnRef) && IsA(llast(castNode(ColumnRef, target->val)->fields), A_Star)))
		refuse("keep_where must be one expression");
	return target->val;
}

} // namespace

/* _partition_keep_rule(parent regclass, keep_where text) → text: the
 * canonical form of keep_where, or an error saying what is wrong. */
TENANCY_FUNCTION(partition_keep_rule)
{
	const Oid parent = PG_GETARG_OID(0);
	char *rule = text_to_cstring(PG_GETARG_TEXT_PP(1));

	Relation rel = table_open(parent, AccessShareLock);
	ErrorContextCallback context;
	context.callback = keep_where_context;
	context.arg = RelationGetRelationName(rel);
	context.previous = error_context_stack;
	error_context_stack = &context;

	Node *raw = single_expression(rule);
	ParseState *pstate = make_parsestate(nullptr);
	ParseNamespaceItem *item =
		addRangeTableEntryForRelation(pstate, rel, AccessShareLock, nullptr, false, true);
	addNSItemToQuery(pstate, item, true, true, true);
	/* the rules of a CHECK constraint: no subquery, aggregate, window or
	 * set-returning function, only this table's columns */
	Node *expr = transformExpr(pstate, raw, EXPR_KIND_CHECK_CONSTRAINT);
	expr = coerce_to_boolean(pstate, expr, "keep_where");
	assign_expr_collations(pstate, expr);
	if (contain_mutable_functions(expr))
		ereport(ERROR, (errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
						errmsg("functions in keep_where must be marked IMMUTABLE"),
						errhint("A keep rule must mean the same whenever and by whomever it is "
								"evaluated: compare columns with constants.")));
	if (!contain_vars_of_level(expr, 0))
		refuse("keep_where must refer to the table's columns");

	char *canonical = deparse_expression(
		expr, deparse_context_for(RelationGetRelationName(rel), parent), false, false);
	error_context_stack = context.previous;
	table_close(rel, NoLock);
	PG_RETURN_TEXT_P(cstring_to_text(canonical));
}
