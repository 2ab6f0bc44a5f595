/*
 * trigger_pg.cpp: tenancy.audit_trigger(), the statement trigger of audited
 * tables, and tenancy.audit_settings().
 *
 * Statement triggers with transition tables: a bulk statement logs all its
 * rows in one trigger call. The call reads the transition rows, makes each
 * log row's jsonb values (row_images_pg.hpp) from what is cached about the
 * relation (relation_info_pg.hpp), and writes them (log_writer_pg.hpp).
 */
#include "audit/audit_pg.hpp"
#include "audit/settings.hpp" /* pure: before any server header */

#include "audit/db_user_pg.hpp"
#include "audit/log_index_infos_pg.hpp"
#include "audit/log_oids_pg.hpp"
#include "audit/log_writer_pg.hpp"
#include "audit/relation_dictionary_pg.hpp"
#include "audit/relation_info_pg.hpp"
#include "audit/row_images_pg.hpp"
#include "audit/unlogged_writes_pg.hpp"
#include "core/boundary.hpp"
#include "core/compat.hpp"
#include "identity/identity_pg.hpp"
#include "apikeys/caller_actor_pg.hpp"
#include "isolation/soft_delete_pg.hpp"

extern "C" {
#include "access/relation.h"
#include "commands/extension.h"
#include "commands/trigger.h"
#include "executor/executor.h"
#include "funcapi.h"
#include "utils/tuplestore.h"
}

#include <string>
#include <vector>

using namespace tenancy::audit;

namespace {

const char *
fired_op(TriggerData *td)
{
	if (TRIGGER_FIRED_BY_INSERT(td->tg_event))
		return "INSERT";
	if (TRIGGER_FIRED_BY_UPDATE(td->tg_event))
		return "UPDATE";
	if (TRIGGER_FIRED_BY_DELETE(td->tg_event))
		return "DELETE";
	return "TRUNCATE";
}

/*
 * Raises 39P01 unless the trigger has the transition tables its event needs
 * (a trigger made by hand without REFERENCING would read none).
 */
void
require_transition_tables(TriggerData *td)
{
	bool needs_old = TRIGGER_FIRED_BY_UPDATE(td->tg_event) || TRIGGER_FIRED_BY_DELETE(td->tg_event);
	bool needs_new = TRIGGER_FIRED_BY_UPDATE(td->tg_event) || TRIGGER_FIRED_BY_INSERT(td->tg_event);
	if ((needs_old && td->tg_oldtable == nullptr) || (needs_new && td->tg_newtable == nullptr))
		throw tenancy::Error("39P01", "tenancy.audit_trigger() lacks a transition table of its event",
							 "An audit trigger on INSERT needs REFERENCING NEW TABLE, on UPDATE "
							 "OLD TABLE and NEW TABLE, on DELETE OLD TABLE.",
							 "Use tenancy.enable_audit() to create audit triggers.");
}

/* A reader of a transition table, from its start (the table may be shared). */
struct TransitionReader
{
	Tuplestorestate *rows;
	int pointer;
	TupleTableSlot *slot;
};

void
reader_open(TransitionReader *reader, Tuplestorestate *rows, Relation rel)
{
	reader->rows = rows;
	reader->pointer = tuplestore_alloc_read_pointer(rows, EXEC_FLAG_REWIND);
	tuplestore_select_read_pointer(rows, reader->pointer);
	tuplestore_rescan(rows);
	reader->slot = MakeSingleTupleTableSlot(RelationGetDescr(rel), &TTSOpsMinimalTuple);
}

/* The next row, all attributes deformed; false at the end. */
bool
reader_next(TransitionReader *reader)
{
	tuplestore_select_read_pointer(reader->rows, reader->pointer);
	if (!tuplestore_gettupleslot(reader->rows, true, false, reader->slot))
		return false;
	slot_getallattrs(reader->slot);
	return true;
}

const pg_uuid_t *
tenant_of(const AuditedRelationInfo *info, TupleTableSlot *slot)
{
	if (info->tenant == InvalidAttrNumber || slot->tts_isnull[info->tenant - 1])
		return nullptr;
	auto *copy = (pg_uuid_t *) palloc(sizeof(pg_uuid_t));
	*copy = *DatumGetUUIDP(slot->tts_values[info->tenant - 1]);
	return copy;
}

/* Logs every row of one image (INSERT: new rows, DELETE: old rows). */
void
log_images(LogWriter *writer, AuditedRelationInfo *info, TransitionReader *reader, bool is_old,
		   ImageScratch *scratch)
{
	while (reader_next(reader))
	{
		MemoryContext old = MemoryContextSwitchTo(log_writer_row_context(writer));
		Jsonb *key;
		Jsonb *image = row_image(info, reader->slot, scratch, &key);
		const pg_uuid_t *tenant = tenant_of(info, reader->slot);
		MemoryContextSwitchTo(old);
		log_writer_add(writer, tenant, key, is_old ? image : nullptr, is_old ? nullptr : image);
	}
}

/*
 * Logs the changed columns of each updated row. PostgreSQL appends both
 * images of a row to the transition tables together, so the i-th old row
 * and the i-th new row are the same row.
 */
void
log_updates(LogWriter *writer, AuditedRelationInfo *info, TransitionReader *old_rows, TransitionReader *new_rows, ImageScratch *scratch)
{
	while (reader_next(old_rows) && reader_next(new_rows))
	{
		MemoryContext old = MemoryContextSwitchTo(log_writer_row_context(writer));
		Jsonb *old_values, *new_values;
		bool changed =
			changed_images(info, old_rows->slot, new_rows->slot, scratch, &old_values, &new_values);
		const pg_uuid_t *tenant = changed ? tenant_of(info, new_rows->slot) : nullptr;
		Jsonb *key = changed ? key_image(info, new_rows->slot, scratch) : nullptr;
		MemoryContextSwitchTo(old);
		if (changed)
			log_writer_add(writer, tenant, key, old_values, new_values);
	}
}

} // namespace

void
tenancy::audit_init(void)
{
	relation_info_init();
	log_oids_init();
	log_index_entries_init();
	log_index_infos_init();
	db_user_init();
	relation_dictionary_init();
	unlogged_writes_init();
}

TENANCY_FUNCTION(audit_trigger)
{
	if (!CALLED_AS_TRIGGER(fcinfo))
		throw tenancy::Error("39P01", "tenancy.audit_trigger() can only be called as a trigger");
	TriggerData *td = (TriggerData *) fcinfo->context;
	if (!TRIGGER_FIRED_FOR_STATEMENT(td->tg_event) || !TRIGGER_FIRED_AFTER(td->tg_event))
		throw tenancy::Error("39P01", "tenancy.audit_trigger() must fire AFTER ... FOR EACH STATEMENT",
							 "", "Use tenancy.enable_audit() to create audit triggers.");

	require_transition_tables(td);

	/* Below: PostgreSQL calls only, and no C++ object with a destructor. */
	Relation rel = td->tg_relation;
	if (audit_write_is_unlogged(rel))
		return PointerGetDatum(nullptr);
	AuditedRelationInfo *info = audited_relation_info(rel, td->tg_trigger);
	bool is_update = TRIGGER_FIRED_BY_UPDATE(td->tg_event);
	/* Soft delete (src/isolation/soft_delete_pg.cpp): its UPDATE is logged
	 * as the DELETE it replaces, with the rows as they were. */
	bool soft_delete = is_update && tenancy::soft_delete_updating(RelationGetRelid(rel));
	if (is_update && !soft_delete && info->nimage == 0)
		return PointerGetDatum(nullptr); /* every column excluded: no change is logged */

	pg_uuid_t actor;
	// an API key caller (src/apikeys) is the actor by its key id
	bool has_actor = tenancy::apikeys::key_caller_actor(&actor) ||
					 tenancy::current_user_uuid_if_valid(&actor);
	LogWriter writer;
	log_writer_begin(&writer, rel, soft_delete ? "DELETE" : fired_op(td), has_actor ? &actor : nullptr);
	ImageScratch scratch;
	image_scratch_init(&scratch, info);

	TransitionReader old_rows, new_rows;
	if (td->tg_oldtable != nullptr)
		reader_open(&old_rows, td->tg_oldtable, rel);
	if (td->tg_newtable != nullptr)
		reader_open(&new_rows, td->tg_newtable, rel);

	if (TRIGGER_FIRED_BY_INSERT(td->tg_event))
		log_images(&writer, info, &new_rows, false, &scratch);
	else if (soft_delete)
		log_images(&writer, info, &old_rows, true, &scratch);
	else if (is_update)
		log_updates(&writer, info, &old_rows, &new_rows, &scratch);
	else if (TRIGGER_FIRED_BY_DELETE(td->tg_event))
		log_images(&writer, info, &old_rows, true, &scratch);
	else
		log_writer_add(&writer, nullptr, nullptr, nullptr, nullptr);
	log_writer_finish(&writer);

	if (td->tg_oldtable != nullptr)
		ExecDropSingleTupleTableSlot(old_rows.slot);
	if (td->tg_newtable != nullptr)
		ExecDropSingleTupleTableSlot(new_rows.slot);
	return PointerGetDatum(nullptr);
}

/*
 * tenancy.audit_settings(tbl) -> (tenant_column, exclude_columns,
 * redact_columns): the settings carried by tbl's audit triggers; no row
 * when tbl is not audited.
 */
TENANCY_FUNCTION(audit_settings)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Oid relid = PG_GETARG_OID(0);

	InitMaterializedSRF(fcinfo, 0);
	Relation rel = try_relation_open(relid, AccessShareLock);
	if (rel == nullptr)
		PG_RETURN_NULL();
	Trigger *found = nullptr;
	if (rel->trigdesc != nullptr)
		for (int i = 0; i < rel->trigdesc->numtriggers; i++)
			if (strcmp(rel->trigdesc->triggers[i].tgname, "tenancy_audit_insert") == 0)
				found = &rel->trigdesc->triggers[i];
	if (found == nullptr)
	{
		relation_close(rel, AccessShareLock);
		PG_RETURN_NULL();
	}

	int nargs = found->tgnargs;
	char **args = found->tgargs;
	Datum values[3];
	bool nulls[3] = {true, false, false};
	{
		tenancy::audit::AuditSettings settings =
			tenancy::audit::parse_audit_settings(std::vector<std::string>(args, args + nargs));
		tenancy::pg_guarded([&]() {
			if (settings.tenant_column)
			{
				values[0] = DirectFunctionCall1(namein, CStringGetDatum(settings.tenant_column->c_str()));
				nulls[0] = false;
			}
			const std::vector<std::string> *lists[2] = {&settings.exclude_columns,
														&settings.redact_columns};
			for (int l = 0; l < 2; l++)
			{
				int n = (int) lists[l]->size();
				Datum *names = (Datum *) palloc(sizeof(Datum) * (n + 1));
				for (int i = 0; i < n; i++)
					names[i] = DirectFunctionCall1(namein, CStringGetDatum((*lists[l])[i].c_str()));
				values[1 + l] = PointerGetDatum(
					construct_array(names, n, NAMEOID, NAMEDATALEN, false, TYPALIGN_CHAR));
			}
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		});
	}
	relation_close(rel, AccessShareLock);
	PG_RETURN_NULL();
}

/*
 * tenancy._audit_relation_id(tbl): the dictionary id of tbl's current
 * names, added when missing. Only tbl's owner may add its names
 * (enable_audit runs with the caller's rights).
 */
TENANCY_FUNCTION(audit_relation_id)
{
	Oid relid = PG_GETARG_OID(0);
	if (!tenancy::compat::owns_relation(relid, GetUserId()))
		throw tenancy::Error("42501", "only the owner of a table can add it to the audit log's relations",
							 "", "Call tenancy.enable_audit() as the table's owner.");
	Relation rel = relation_open(relid, AccessShareLock);
	int32 id = audit_relation_id(rel);
	relation_close(rel, AccessShareLock);
	PG_RETURN_INT32(id);
}

/* tenancy._creating_extension(): whether a CREATE or ALTER EXTENSION script runs. */
TENANCY_FUNCTION(in_extension_script)
{
	PG_RETURN_BOOL(creating_extension);
}
