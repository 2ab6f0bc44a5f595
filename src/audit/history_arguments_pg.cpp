/*
 * history_arguments_pg.cpp: tenancy._audit_history_arguments(regclass,
 * jsonb), audit_history's check of its arguments (src/audit/reading.sql):
 * true, or an error. 22004 for a NULL; 22023 for a table without a primary
 * key, or a key that is not a jsonb object of some of the primary key's
 * columns, by name (a primary key column excluded from the log is not in
 * record_key, so a subset of them is a key too).
 *
 * In C, not PL/pgSQL: audit_history runs it once per call, and a PL/pgSQL
 * frame running its catalog query cost about a tenth of a history lookup.
 * The primary key is read from pg_index, as the catalog query read it: no
 * lock on the table, no privilege on it needed.
 *
 * Plain C style: PostgreSQL calls only, no C++ object alive, so its errors
 * need no guard.
 */
#include "core/boundary.hpp"

extern "C" {
#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/indexing.h"
#include "catalog/pg_index.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/regproc.h"
}

#include <cstring>

namespace {

/* The names of tbl's primary key columns in column order; NIL when it has none. */
List *
primary_key_columns(Oid tbl)
{
	List *attnums = NIL;
	Relation indexes = table_open(IndexRelationId, AccessShareLock);
	ScanKeyData key;
	ScanKeyInit(&key, Anum_pg_index_indrelid, BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(tbl));
	SysScanDesc scan = systable_beginscan(indexes, IndexIndrelidIndexId, true, nullptr, 1, &key);
	for (HeapTuple tuple = systable_getnext(scan); HeapTupleIsValid(tuple); tuple = systable_getnext(scan))
	{
		Form_pg_index index = (Form_pg_index) GETSTRUCT(tuple);
		if (!index->indisprimary)
			continue;
		for (int i = 0; i < index->indnatts; i++)
			if (index->indkey.values[i] > 0)
				attnums = list_append_unique_int(attnums, index->indkey.values[i]);
	}
	systable_endscan(scan);
	table_close(indexes, AccessShareLock);

	list_sort(attnums, list_int_cmp);
	List *names = NIL;
	ListCell *cell;
	foreach (cell, attnums)
		names = lappend(names, get_attname(tbl, (AttrNumber) lfirst_int(cell), false));
	return names;
}

bool
is_column(List *columns, const char *name, int length)
{
	ListCell *cell;
	foreach (cell, columns)
	{
		const char *column = (const char *) lfirst(cell);
		if ((int) strlen(column) == length && memcmp(column, name, length) == 0)
			return true;
	}
	return false;
}

/* key is a non-empty jsonb object whose every top-level name is one of columns. */
bool
key_fits(Jsonb *key, List *columns)
{
	if (!JB_ROOT_IS_OBJECT(key) || JB_ROOT_COUNT(key) == 0)
		return false;
	JsonbIterator *it = JsonbIteratorInit(&key->root);
	JsonbValue value;
	JsonbIteratorToken token;
	while ((token = JsonbIteratorNext(&it, &value, true)) != WJB_DONE)
		if (token == WJB_KEY && !is_column(columns, value.val.string.val, value.val.string.len))
			return false;
	return true;
}

/* {"column": "...", ...}, in jsonb's order of names: the hint's example key. */
char *
example_key(List *columns)
{
	JsonbParseState *state = nullptr;
	(void) pushJsonbValue(&state, WJB_BEGIN_OBJECT, nullptr);
	ListCell *cell;
	foreach (cell, columns)
	{
		JsonbValue name, placeholder;
		name.type = jbvString;
		name.val.string.val = (char *) lfirst(cell);
		name.val.string.len = (int) strlen(name.val.string.val);
		placeholder.type = jbvString;
		placeholder.val.string.val = (char *) "...";
		placeholder.val.string.len = 3;
		(void) pushJsonbValue(&state, WJB_KEY, &name);
		(void) pushJsonbValue(&state, WJB_VALUE, &placeholder);
	}
	Jsonb *example = JsonbValueToJsonb(pushJsonbValue(&state, WJB_END_OBJECT, nullptr));
	return JsonbToCString(nullptr, &example->root, VARSIZE(example));
}

char *
joined(List *columns)
{
	StringInfoData text;
	initStringInfo(&text);
	ListCell *cell;
	foreach (cell, columns)
		appendStringInfo(&text, "%s%s", text.len > 0 ? ", " : "", (const char *) lfirst(cell));
	return text.data;
}

/* tbl as regclass prints it: for the error messages only. */
char *
table_text(Oid tbl)
{
	return DatumGetCString(DirectFunctionCall1(regclassout, ObjectIdGetDatum(tbl)));
}

} // namespace

TENANCY_FUNCTION(audit_history_arguments)
{
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("table and key must not be NULL")));
	Oid tbl = PG_GETARG_OID(0);
	List *columns = primary_key_columns(tbl);
	if (columns == NIL)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("%s has no primary key, so its log rows have no record key", table_text(tbl)),
						errhint("Read the rows of such a table from tenancy.audit_log by their values.")));
	if (!key_fits(PG_GETARG_JSONB_P(1), columns))
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("the key of %s is a jsonb object of its primary key columns", table_text(tbl)),
						errdetail("Its primary key columns are %s.", joined(columns)),
						errhint("For example %s.", example_key(columns))));
	PG_RETURN_BOOL(true);
}
