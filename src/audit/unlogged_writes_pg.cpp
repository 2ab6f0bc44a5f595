/*
 * unlogged_writes_pg.cpp: recognising the writes the audit trigger does not
 * log (see unlogged_writes_pg.hpp), and tenancy._audit_suppress().
 *
 * The suppression is two variables of this backend: a relation and the
 * subtransaction that marked it. SQL can reach them only through
 * tenancy._audit_suppress(), which PUBLIC cannot execute and which checks
 * ownership. The transaction callbacks only clear them.
 */
#include "core/boundary.hpp" /* its error.hpp is pure: before any server header */

#include "audit/unlogged_writes_pg.hpp"
#include "core/compat.hpp"

extern "C" {
#include "access/xact.h"
#include "catalog/dependency.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "commands/extension.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "nodes/plannodes.h"
#include "tcop/pquery.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rls.h"
}

namespace tenancy::audit {

namespace {

Oid suppressed_relid = InvalidOid;
SubTransactionId suppressed_in = InvalidSubTransactionId;

void
clear_suppression(void)
{
	suppressed_relid = InvalidOid;
	suppressed_in = InvalidSubTransactionId;
}

/* Any end of the transaction ends the suppression. */
void
on_transaction_end(XactEvent, void *)
{
	clear_suppression();
}

/*
 * A subtransaction that marked the relation and aborts (an error caught by
 * an exception block) ends it; one that commits hands it to its parent.
 */
void
on_subtransaction_end(SubXactEvent event, SubTransactionId mine, SubTransactionId parent, void *)
{
	if (suppressed_in != mine)
		return;
	if (event == SUBXACT_EVENT_ABORT_SUB)
		clear_suppression();
	else if (event == SUBXACT_EVENT_COMMIT_SUB)
		suppressed_in = parent;
}

/*
 * Whether rel is one of tenancy's own tables (the tenant registry) being
 * loaded by a restore: restoring a dump runs CREATE EXTENSION, which makes
 * the registry's audit triggers, before it loads the registry with COPY,
 * and pg_dump's scripts and pg_restore do so with row_security off. The
 * rows restored are the state the dump holds, not changes; logging them
 * would also take log ids before the dump's sequence value is restored.
 *
 * Strictly: the statement the client sent is COPY FROM into rel itself,
 * named as pg_dump names it (schema-qualified, so the caller's search_path
 * plays no part), run by rel's owner. Any other statement
 * (COPY (SELECT ...) TO, a COPY into another table whose triggers write
 * rel, a COPY run by a role merely granted INSERT) is logged.
 */
bool
restoring_extension_table(Relation rel)
{
	if (row_security || ActivePortal == nullptr || ActivePortal->commandTag != CMDTAG_COPY ||
		list_length(ActivePortal->stmts) != 1)
		return false;
	PlannedStmt *stmt = linitial_node(PlannedStmt, ActivePortal->stmts);
	if (stmt->commandType != CMD_UTILITY || !IsA(stmt->utilityStmt, CopyStmt))
		return false;
	CopyStmt *copy = (CopyStmt *) stmt->utilityStmt;
	if (!copy->is_from || copy->relation == nullptr || copy->relation->schemaname == nullptr ||
		copy->query != nullptr)
		return false;
	Oid relid = RelationGetRelid(rel);
	return RangeVarGetRelid(copy->relation, NoLock, true) == relid &&
		   compat::owns_relation(relid, GetUserId()) &&
		   OidIsValid(getExtensionOfObject(RelationRelationId, relid));
}

} // namespace

void
unlogged_writes_init(void)
{
	RegisterXactCallback(on_transaction_end, nullptr);
	RegisterSubXactCallback(on_subtransaction_end, nullptr);
}

void
audit_suppress_moved_rows(Oid relid, bool suppress)
{
	if (!suppress)
	{
		if (suppressed_relid == relid)
			clear_suppression();
		return;
	}
	if (!compat::owns_relation(relid, GetUserId()))
		ereport(ERROR, (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
						errmsg("only the owner of %s can suppress its audit logging",
							   quote_identifier(get_rel_name(relid))),
						errhint("Only tenancy's partition code, moving rows out of a default "
								"partition, calls this.")));
	suppressed_relid = relid;
	suppressed_in = GetCurrentSubTransactionId();
}

bool
audit_write_is_unlogged(Relation rel)
{
	return (OidIsValid(suppressed_relid) && RelationGetRelid(rel) == suppressed_relid) ||
		   restoring_extension_table(rel);
}

} // namespace tenancy::audit

/*
 * tenancy._audit_suppress(rel regclass, suppress boolean): the partition
 * code's way to audit_suppress_moved_rows(). Plain C style: no C++ object
 * is live when it raises.
 */
TENANCY_FUNCTION(audit_suppress)
{
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						errmsg("relation and flag must not be NULL")));
	tenancy::audit::audit_suppress_moved_rows(PG_GETARG_OID(0), PG_GETARG_BOOL(1));
	PG_RETURN_VOID();
}
