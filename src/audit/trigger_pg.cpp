/*
 * trigger_pg.cpp: tenancy.audit_trigger(), the statement trigger of audited
 * tables, and tenancy.audit_settings().
 *
 * One INSERT INTO tenancy.audit_log ... SELECT ... FROM <transition table>
 * per statement: bulk statements log all their rows in one executor run.
 * The statement text for each (relation, operation) is generated once from
 * the relation's columns, primary key and trigger arguments (log_sql.hpp),
 * prepared, and kept until a relcache invalidation of the relation (DDL,
 * CREATE/DROP TRIGGER) marks it stale; nothing is looked up per row.
 *
 * The insert runs as the owner of tenancy.audit_log, so writers need no
 * privilege on the log and cannot write to it directly.
 */
#include "audit/audit_pg.hpp"

#include "audit/log_sql.hpp"
#include "audit/settings.hpp"
#include "core/boundary.hpp"
#include "core/scopes.hpp"
#include "identity/identity_pg.hpp"

extern "C" {
#include "access/htup_details.h"
#include "access/relation.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_index.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/relcache.h"
#include "utils/syscache.h"
#include "utils/tuplestore.h"
#include "utils/typcache.h"
#include "utils/xid8.h"
}

#include <string>
#include <vector>

namespace {

enum LogOp
{
	log_insert,
	log_update,
	log_delete,
	log_truncate,
	log_update_one_row, /* an UPDATE that changed exactly one row */
	log_op_count
};

/* The prepared log statements of one audited relation. */
struct AuditPlans
{
	Oid relid; /* hash key */
	bool valid;
	Oid log_owner;
	bool built[log_op_count];
	SPIPlanPtr plans[log_op_count]; /* null when nothing is logged for the op */
};

HTAB *audit_plans_by_relid = nullptr;

const Oid log_arg_types[6] = {XID8OID, OIDOID, NAMEOID, NAMEOID, UUIDOID, NAMEOID};

/* Relcache callback: only marks entries stale (InvalidOid: all of them). */
void
mark_audit_plans_stale(Datum arg, Oid relid)
{
	if (audit_plans_by_relid == nullptr)
		return;
	if (relid == InvalidOid)
	{
		HASH_SEQ_STATUS status;
		hash_seq_init(&status, audit_plans_by_relid);
		while (AuditPlans *entry = (AuditPlans *) hash_seq_search(&status))
			entry->valid = false;
		return;
	}
	AuditPlans *entry = (AuditPlans *) hash_search(audit_plans_by_relid, &relid, HASH_FIND, nullptr);
	if (entry != nullptr)
		entry->valid = false;
}

Oid
audit_log_owner(void)
{
	Oid log_relid = get_relname_relid("audit_log", get_namespace_oid("tenancy", false));
	HeapTuple tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(log_relid));
	if (!HeapTupleIsValid(tuple))
		ereport(ERROR, (errcode(ERRCODE_UNDEFINED_TABLE),
						errmsg("tenancy.audit_log does not exist"),
						errhint("Reinstall the tenancy extension.")));
	Oid owner = ((Form_pg_class) GETSTRUCT(tuple))->relowner;
	ReleaseSysCache(tuple);
	return owner;
}

/* The cache entry of relid, emptied and refilled when stale. Plain C. */
AuditPlans *
audit_plans_for(Oid relid)
{
	if (audit_plans_by_relid == nullptr)
	{
		HASHCTL ctl;
		memset(&ctl, 0, sizeof(ctl));
		ctl.keysize = sizeof(Oid);
		ctl.entrysize = sizeof(AuditPlans);
		ctl.hcxt = CacheMemoryContext;
		audit_plans_by_relid = hash_create("tenancy audit plans", 64, &ctl,
										   HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	}
	bool found;
	AuditPlans *entry = (AuditPlans *) hash_search(audit_plans_by_relid, &relid, HASH_ENTER, &found);
	if (!found)
	{
		entry->valid = false;
		for (int op = 0; op < log_op_count; op++)
			entry->plans[op] = nullptr;
	}
	if (!entry->valid)
	{
		for (int op = 0; op < log_op_count; op++)
		{
			if (entry->plans[op] != nullptr)
				SPI_freeplan(entry->plans[op]);
			entry->plans[op] = nullptr;
			entry->built[op] = false;
		}
		entry->log_owner = audit_log_owner();
		entry->valid = true; /* an invalidation from here on marks it stale again */
	}
	return entry;
}

/* What log_sql.hpp needs to know of a relation, gathered C-style. */
struct RelationFacts
{
	int ncolumns;
	const char **column_names;
	bool *column_comparable;
	Oid *column_types;
	int nkeys;
	const char **key_names;
	int nargs;
	char **args;
};

void
gather_facts(Relation rel, Trigger *trigger, RelationFacts *facts)
{
	TupleDesc desc = RelationGetDescr(rel);

	facts->ncolumns = 0;
	facts->column_names = (const char **) palloc(sizeof(char *) * (desc->natts + 1));
	facts->column_comparable = (bool *) palloc(sizeof(bool) * (desc->natts + 1));
	facts->column_types = (Oid *) palloc(sizeof(Oid) * (desc->natts + 1));
	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute attr = TupleDescAttr(desc, i);
		if (attr->attisdropped)
			continue;
		TypeCacheEntry *type = lookup_type_cache(attr->atttypid, TYPECACHE_EQ_OPR);
		facts->column_names[facts->ncolumns] = NameStr(attr->attname);
		facts->column_comparable[facts->ncolumns] = OidIsValid(type->eq_opr);
		facts->column_types[facts->ncolumns] = attr->atttypid;
		facts->ncolumns++;
	}

	facts->nkeys = 0;
	facts->key_names = nullptr;
	Oid pk_index = RelationGetPrimaryKeyIndex(rel);
	if (OidIsValid(pk_index))
	{
		HeapTuple tuple = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(pk_index));
		if (HeapTupleIsValid(tuple))
		{
			Form_pg_index index = (Form_pg_index) GETSTRUCT(tuple);
			facts->key_names = (const char **) palloc(sizeof(char *) * (index->indnkeyatts + 1));
			for (int k = 0; k < index->indnkeyatts; k++)
			{
				AttrNumber attnum = index->indkey.values[k];
				if (attnum > 0)
					facts->key_names[facts->nkeys++] =
						NameStr(TupleDescAttr(desc, attnum - 1)->attname);
			}
			ReleaseSysCache(tuple);
		}
	}
	facts->nargs = trigger->tgnargs;
	facts->args = trigger->tgargs;
}

bool
contains(const std::vector<std::string> &names, const std::string &name)
{
	for (const std::string &n : names)
		if (n == name)
			return true;
	return false;
}

/* The log statement for op, palloc'd, or null when op logs nothing. */
char *
generate_log_sql(const RelationFacts *facts, LogOp op)
{
	std::string sql;
	{
		std::vector<std::string> args(facts->args, facts->args + facts->nargs);
		tenancy::audit::AuditSettings settings = tenancy::audit::parse_audit_settings(args);
		tenancy::audit::AuditedRelation rel;
		for (int i = 0; i < facts->ncolumns; i++)
		{
			tenancy::audit::AuditedColumn col;
			col.name = facts->column_names[i];
			col.comparable = facts->column_comparable[i];
			col.excluded = contains(settings.exclude_columns, col.name);
			col.redacted = contains(settings.redact_columns, col.name);
			/* a tenant column dropped or retyped since enable_audit logs NULL */
			if (settings.tenant_column && *settings.tenant_column == col.name &&
				facts->column_types[i] == UUIDOID)
				rel.tenant_column = col.name;
			rel.columns.push_back(col);
		}
		for (int k = 0; k < facts->nkeys; k++)
			rel.key_columns.emplace_back(facts->key_names[k]);

		switch (op)
		{
			case log_insert: sql = tenancy::audit::insert_log_sql(rel); break;
			case log_update: sql = tenancy::audit::update_log_sql(rel); break;
			case log_update_one_row: sql = tenancy::audit::update_log_sql(rel, true); break;
			case log_delete: sql = tenancy::audit::delete_log_sql(rel); break;
			default: sql = tenancy::audit::truncate_log_sql(); break;
		}
	}
	if (sql.empty())
		return nullptr;
	return tenancy::pg_guarded([&]() { return pstrdup(sql.c_str()); });
}

LogOp
fired_op(TriggerData *td)
{
	if (TRIGGER_FIRED_BY_INSERT(td->tg_event))
		return log_insert;
	if (TRIGGER_FIRED_BY_UPDATE(td->tg_event))
		return tuplestore_tuple_count(td->tg_newtable) == 1 ? log_update_one_row : log_update;
	if (TRIGGER_FIRED_BY_DELETE(td->tg_event))
		return log_delete;
	return log_truncate;
}

} // namespace

void
tenancy::audit_init(void)
{
	CacheRegisterRelcacheCallback(mark_audit_plans_stale, (Datum) 0);
}

TENANCY_FUNCTION(audit_trigger)
{
	if (!CALLED_AS_TRIGGER(fcinfo))
		throw tenancy::Error("39P01", "tenancy.audit_trigger() can only be called as a trigger");
	TriggerData *td = (TriggerData *) fcinfo->context;
	if (!TRIGGER_FIRED_FOR_STATEMENT(td->tg_event) || !TRIGGER_FIRED_AFTER(td->tg_event))
		throw tenancy::Error("39P01", "tenancy.audit_trigger() must fire AFTER ... FOR EACH STATEMENT",
							 "", "Use tenancy.enable_audit() to create audit triggers.");

	/* rows moved out of a default partition by maintenance are not changes */
	const char *moving = GetConfigOption("tenancy.moving_rows", true, false);
	if (moving != nullptr && strcmp(moving, "on") == 0)
		return PointerGetDatum(nullptr);

	Relation rel = td->tg_relation;
	LogOp op = fired_op(td);
	AuditPlans *plans = audit_plans_for(RelationGetRelid(rel));

	char *sql = nullptr;
	if (!plans->built[op])
	{
		RelationFacts facts;
		gather_facts(rel, td->tg_trigger, &facts);
		sql = generate_log_sql(&facts, op);
	}

	pg_uuid_t actor;
	bool has_actor = tenancy::current_user_uuid_if_valid(&actor);
	NameData schema_name, table_name, db_user;
	namestrcpy(&schema_name, get_namespace_name(RelationGetNamespace(rel)));
	namestrcpy(&table_name, RelationGetRelationName(rel));
	namestrcpy(&db_user, GetUserNameFromId(GetUserId(), false));
	Datum values[6] = {FullTransactionIdGetDatum(GetTopFullTransactionId()),
					   ObjectIdGetDatum(RelationGetRelid(rel)), NameGetDatum(&schema_name),
					   NameGetDatum(&table_name), UUIDPGetDatum(&actor), NameGetDatum(&db_user)};
	char nulls[7] = "      ";
	if (!has_actor)
		nulls[4] = 'n';

	tenancy::UserIdScope as_log_owner(plans->log_owner,
									  SECURITY_LOCAL_USERID_CHANGE | SECURITY_RESTRICTED_OPERATION);
	tenancy::pg_guarded([&]() {
		SPI_connect();
		SPI_register_trigger_data(td);
		if (!plans->built[op])
		{
			if (sql != nullptr)
			{
				SPIPlanPtr plan = SPI_prepare(sql, 6, const_cast<Oid *>(log_arg_types));
				if (plan == nullptr)
					elog(ERROR, "tenancy could not prepare the audit statement: %s",
						 SPI_result_code_string(SPI_result));
				SPI_keepplan(plan);
				plans->plans[op] = plan;
			}
			plans->built[op] = true;
		}
		if (plans->plans[op] != nullptr)
		{
			int rc = SPI_execute_plan(plans->plans[op], values, nulls, false, 0);
			if (rc != SPI_OK_INSERT)
				elog(ERROR, "tenancy audit insert failed: %s", SPI_result_code_string(rc));
		}
		SPI_finish();
	});
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

/* tenancy._creating_extension(): whether a CREATE or ALTER EXTENSION script runs. */
TENANCY_FUNCTION(in_extension_script)
{
	PG_RETURN_BOOL(creating_extension);
}
