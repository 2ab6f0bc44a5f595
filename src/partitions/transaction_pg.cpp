/*
 * transaction_pg.cpp: whether a committing procedure (run_maintenance,
 * purge) may commit where it was called.
 *
 * Inside a transaction block, or called from a function, a procedure runs
 * atomically and its first COMMIT fails with a bare "invalid transaction
 * termination" (2D000), after it has done part of its work. PL/pgSQL runs
 * a procedure's body on a non-atomic SPI connection exactly when it may
 * commit, so the procedure asks before doing anything.
 *
 * No C++ objects: the body holds only PODs and calls PostgreSQL directly.
 */
#include "core/boundary.hpp"

extern "C" {
#include "executor/spi.h"
}

/*
 * _partition_require_commit(procedure text) → void: 25001 unless the
 * calling procedure may COMMIT. Must be called from the procedure's own
 * body (a function in between runs on an atomic connection).
 */
TENANCY_FUNCTION(partition_require_commit)
{
	if (!SPI_inside_nonatomic_context())
		ereport(ERROR,
				(errcode(ERRCODE_ACTIVE_SQL_TRANSACTION),
				 errmsg("%s cannot run inside a transaction block", text_to_cstring(PG_GETARG_TEXT_PP(0))),
				 errdetail("It commits after each step, so that its locks are short."),
				 errhint("CALL it on its own, outside BEGIN ... COMMIT and outside a function, as pg_cron "
						 "does.")));
	PG_RETURN_VOID();
}
