/*
 * owner_work_pg.cpp: runs one statement on a table's data as the table's
 * owner, the way VACUUM, REINDEX and REFRESH MATERIALIZED VIEW do.
 *
 * Every statement tenancy runs on a user's rows (moving rows out of a
 * default partition, purge and retention batches, counting or looking for
 * rows) goes through here. The owner's code that such a statement runs
 * (row triggers, CHECK, default and index expressions, policies of other
 * tables) then runs with the owner's rights, never with those of the caller
 * (often pg_cron as a superuser), and inside a security-restricted
 * operation: it cannot SET ROLE, create temporary objects or leave GUC
 * changes behind. SECURITY_NOFORCE_RLS lets the owner see every row of its
 * own tables even under FORCE ROW LEVEL SECURITY, as referential integrity
 * checks do: tenancy's own data work must not be filtered.
 *
 * The body is plain C-style code holding only PODs and palloc'd memory: a
 * PostgreSQL error longjmps through it, and (sub)transaction abort restores
 * the user id, security context and GUC nest level saved here.
 */
#include "core/boundary.hpp"
#include "core/relation_owner_pg.hpp"

extern "C" {
#include "executor/spi.h"
#include "utils/acl.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
}

namespace {

/*
 * Runs query under SPI and returns its one value (NULL when it returns no
 * row), copied out of SPI's memory. The query must return one column of
 * result_type and at most one row.
 */
Datum
run_single_value(const char *query, Oid result_type, bool *isnull)
{
	Datum value = (Datum) 0;

	*isnull = true;
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "tenancy could not connect to SPI");
	int rc = SPI_execute(query, false, 0);
	if (rc < 0 || SPI_tuptable == nullptr)
		elog(ERROR, "tenancy's statement on table data returned no result (SPI code %d)", rc);
	TupleDesc desc = SPI_tuptable->tupdesc;
	if (desc->natts != 1 || SPI_gettypeid(desc, 1) != result_type || SPI_processed > 1)
		ereport(ERROR, (errcode(ERRCODE_DATATYPE_MISMATCH),
						errmsg("statement returned %d columns and %lu rows, not one value of type %s",
							   desc->natts, (unsigned long) SPI_processed, format_type_be(result_type)),
						errhint("Pass one statement that returns one column of the type of result, in at most one row.")));
	if (SPI_processed == 1)
	{
		value = SPI_getbinval(SPI_tuptable->vals[0], desc, 1, isnull);
		if (!*isnull)
		{
			int16 length;
			bool by_value;
			get_typlenbyval(result_type, &length, &by_value);
			value = SPI_datumTransfer(value, by_value, length);
		}
	}
	if (SPI_finish() != SPI_OK_FINISH)
		elog(ERROR, "tenancy could not disconnect from SPI");
	return value;
}

} // namespace

/*
 * _partition_as_owner(rel regclass, query text, result anyelement)
 *   → anyelement
 *
 * Runs query as the owner of rel (see above) with search_path =
 * pg_catalog, pg_temp and row_security on, and returns its single value,
 * of the type of result (pass NULL::bigint, NULL::boolean, ...). The caller
 * must have the privileges of that owner (be it, a member of it, or a
 * superuser): the switch never gives anyone rights they do not have.
 */
TENANCY_FUNCTION(partition_as_owner)
{
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						errmsg("rel and query must not be NULL"),
						errhint("Pass the table whose owner runs the statement, and the statement.")));
	Oid relid = PG_GETARG_OID(0);
	char *query = text_to_cstring(PG_GETARG_TEXT_PP(1));
	Oid result_type = get_fn_expr_argtype(fcinfo->flinfo, 2);
	Oid owner = tenancy::relation_owner(relid);

	if (!has_privs_of_role(GetUserId(), owner))
		ereport(ERROR, (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
						errmsg("must be owner of table %s", get_rel_name(relid)),
						errhint("Run it as the table's owner (or a member of the owning role) or a superuser.")));

	Oid saved_user;
	int saved_context;
	GetUserIdAndSecContext(&saved_user, &saved_context);
	SetUserIdAndSecContext(owner, saved_context | SECURITY_LOCAL_USERID_CHANGE |
									  SECURITY_RESTRICTED_OPERATION | SECURITY_NOFORCE_RLS);
	// Settings the owner's code changes are undone below; the ones set here
	// keep the caller's search_path and row_security out of the statement.
	int nest_level = NewGUCNestLevel();
	(void) set_config_option("search_path", "pg_catalog, pg_temp", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	(void) set_config_option("row_security", "on", PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE,
							 true, 0, false);

	bool isnull;
	Datum value = run_single_value(query, result_type, &isnull);

	AtEOXact_GUC(false, nest_level);
	SetUserIdAndSecContext(saved_user, saved_context);
	if (isnull)
		PG_RETURN_NULL();
	return value;
}
