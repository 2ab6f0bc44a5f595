/*
 * soft_delete_pg.cpp: tenancy.soft_delete_trigger(), the BEFORE DELETE row
 * trigger that turns a DELETE into setting the deleted column
 * (docs/soft-delete.md), GUC tenancy.show_deleted and
 * tenancy.showing_deleted().
 *
 * The DELETE has already passed the caller's row level security (its scan
 * found the row under the DELETE policies, and PostgreSQL locked it before
 * firing the trigger). The trigger then sets the column with an UPDATE run
 * as the table's owner, the way owner_work_pg.cpp runs tenancy's data work:
 * in a security-restricted operation, row level security not forced on the
 * owner (an UPDATE under the caller's policies would fail, since the new row
 * is hidden from the caller: the seeds' bug), search_path pinned. It returns
 * NULL, so the row stays. A row whose column is already set is let through
 * and removed: only roles that bypass the DELETE policies reach it (purge,
 * run as the owner).
 *
 * Plain C-style code holding only PODs and palloc'd memory: a PostgreSQL
 * error longjmps through it, and (sub)transaction abort restores the user
 * id, security context and GUC nest level saved here. The one piece of
 * backend state, the relation being soft-deleted, is reset by PG_FINALLY.
 */
#include "core/boundary.hpp"
#include "core/relation_owner_pg.hpp"
#include "isolation/soft_delete_pg.hpp"

extern "C" {
#include "access/htup_details.h"
#include "catalog/partition.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "nodes/pg_list.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"
}

static bool show_deleted_setting = false;
static Oid updating_relid = InvalidOid;

void
tenancy::soft_delete_init(void)
{
	DefineCustomBoolVariable(
		"tenancy.show_deleted",
		"Shows soft-deleted rows to the roles allowed to restore them.",
		"Other roles never see them, whatever the setting.", &show_deleted_setting, false,
		PGC_USERSET, 0, nullptr, nullptr, nullptr);
}

bool
tenancy::soft_delete_updating(Oid relid)
{
	return OidIsValid(updating_relid) && updating_relid == relid;
}

namespace {

/* The relation the trigger was created on: relid's partition root, or relid. */
Oid
soft_delete_root(Oid relid)
{
	if (!get_rel_relispartition(relid))
		return relid;
	List *ancestors = get_partition_ancestors(relid);
	return llast_oid(ancestors);
}

/*
 * Sets column to now() on the row at tid of partition part, through root
 * (so that root's statement triggers, the audit log among them, fire), as
 * root's owner.
 */
void
set_deleted_as_owner(Oid root, Oid part, const char *column, ItemPointer tid)
{
	char *query = psprintf("UPDATE %s SET %s = pg_catalog.now() "
						   "WHERE ctid OPERATOR(pg_catalog.=) $1 "
						   "AND tableoid OPERATOR(pg_catalog.=) $2",
						   quote_qualified_identifier(get_namespace_name(get_rel_namespace(root)),
													  get_rel_name(root)),
						   quote_identifier(column));
	Oid types[2] = {TIDOID, OIDOID};
	Datum values[2] = {PointerGetDatum(tid), ObjectIdGetDatum(part)};

	Oid saved_user;
	int saved_context;
	GetUserIdAndSecContext(&saved_user, &saved_context);
	SetUserIdAndSecContext(tenancy::relation_owner(root), saved_context | SECURITY_LOCAL_USERID_CHANGE |
													SECURITY_RESTRICTED_OPERATION |
													SECURITY_NOFORCE_RLS);
	int nest_level = NewGUCNestLevel();
	(void) set_config_option("search_path", "pg_catalog, pg_temp", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);

	updating_relid = root;
	PG_TRY();
	{
		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "tenancy could not connect to SPI");
		int rc = SPI_execute_with_args(query, 2, types, values, nullptr, false, 0);
		if (rc != SPI_OK_UPDATE || SPI_processed != 1)
			elog(ERROR, "tenancy's soft delete updated %lu rows, not one (SPI code %d)",
				 (unsigned long) SPI_processed, rc);
		if (SPI_finish() != SPI_OK_FINISH)
			elog(ERROR, "tenancy could not disconnect from SPI");
	}
	PG_FINALLY();
	{
		updating_relid = InvalidOid;
	}
	PG_END_TRY();

	AtEOXact_GUC(false, nest_level);
	SetUserIdAndSecContext(saved_user, saved_context);
}

} // namespace

/*
 * tenancy.soft_delete_trigger(): BEFORE DELETE FOR EACH ROW, created by
 * enable_soft_delete with one argument, the deleted column's name.
 */
TENANCY_FUNCTION(soft_delete_trigger)
{
	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
						errmsg("tenancy.soft_delete_trigger() must be called as a trigger")));
	TriggerData *td = (TriggerData *) fcinfo->context;
	if (!TRIGGER_FIRED_BEFORE(td->tg_event) || !TRIGGER_FIRED_FOR_ROW(td->tg_event) ||
		!TRIGGER_FIRED_BY_DELETE(td->tg_event) || td->tg_trigger->tgnargs != 1)
		ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
						errmsg("tenancy.soft_delete_trigger() must fire BEFORE DELETE FOR EACH ROW "
							   "with the deleted column as its argument"),
						errhint("Use tenancy.enable_soft_delete() to create it.")));

	Relation rel = td->tg_relation;
	const char *column = td->tg_trigger->tgargs[0];
	int attnum = SPI_fnumber(RelationGetDescr(rel), column);
	if (attnum <= 0)
		ereport(ERROR, (errcode(ERRCODE_UNDEFINED_COLUMN),
						errmsg("soft-deleted table %s has no column \"%s\"", RelationGetRelationName(rel),
							   column),
						errhint("Run tenancy.enable_soft_delete() again after renaming the column.")));
	bool isnull;
	(void) heap_getattr(td->tg_trigtuple, attnum, RelationGetDescr(rel), &isnull);
	if (!isnull)
		return PointerGetDatum(td->tg_trigtuple); /* already soft-deleted: removed for good */

	set_deleted_as_owner(soft_delete_root(RelationGetRelid(rel)), RelationGetRelid(rel), column,
						 &td->tg_trigtuple->t_self);
	return PointerGetDatum(nullptr);
}

/* tenancy.showing_deleted(): the value of tenancy.show_deleted. */
TENANCY_FUNCTION(showing_deleted)
{
	PG_RETURN_BOOL(show_deleted_setting);
}
