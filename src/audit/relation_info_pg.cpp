/*
 * relation_info_pg.cpp: the per-backend cache of audited relations.
 *
 * Each entry owns a memory context under CacheMemoryContext; the relcache
 * callback only marks entries stale, and the next trigger call rebuilds the
 * entry (deleting the old context), so nothing is freed while in use.
 */
#include "audit/logged_columns.hpp" /* pure: before any server header */
#include "audit/settings.hpp"

#include "audit/relation_info_pg.hpp"
#include "core/compat.hpp"

extern "C" {
#include "catalog/pg_index.h"
#include "catalog/pg_type.h"
#include "nodes/makefuncs.h"
#include "utils/fmgroids.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/relcache.h"
#include "utils/syscache.h"
}

#include <string>
#include <vector>

namespace tenancy::audit {

namespace {

HTAB *info_by_relid = nullptr;

/* Relcache callback: marks entries stale (InvalidOid: all of them). */
void
mark_stale(Datum arg, Oid relid)
{
	if (info_by_relid == nullptr)
		return;
	if (relid == InvalidOid)
	{
		HASH_SEQ_STATUS status;
		hash_seq_init(&status, info_by_relid);
		while (AuditedRelationInfo *entry = (AuditedRelationInfo *) hash_seq_search(&status))
			entry->valid = false;
		return;
	}
	auto *entry = (AuditedRelationInfo *) hash_search(info_by_relid, &relid, HASH_FIND, nullptr);
	if (entry != nullptr)
		entry->valid = false;
}

/* The primary key's column numbers, in key order (palloc'd); *n = 0 when none. */
AttrNumber *
primary_key_attnums(Relation rel, int *n)
{
	*n = 0;
	Oid pk_index = compat::primary_key_index(rel);
	if (!OidIsValid(pk_index))
		return nullptr;
	HeapTuple tuple = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(pk_index));
	if (!HeapTupleIsValid(tuple))
		return nullptr;
	Form_pg_index index = (Form_pg_index) GETSTRUCT(tuple);
	auto *attnums = (AttrNumber *) palloc(sizeof(AttrNumber) * (index->indnkeyatts + 1));
	for (int k = 0; k < index->indnkeyatts; k++)
		if (index->indkey.values[k] > 0)
			attnums[(*n)++] = index->indkey.values[k];
	ReleaseSysCache(tuple);
	return attnums;
}

JsonKind
json_kind(Oid type)
{
	switch (type)
	{
		case INT2OID:
		case INT4OID:
		case INT8OID: return JsonKind::integer;
		case BOOLOID: return JsonKind::boolean;
		case TEXTOID:
		case VARCHAROID:
		case BPCHAROID: return JsonKind::stored_text;
		case NAMEOID:
		case CHAROID: return JsonKind::text;
		case UUIDOID: return JsonKind::uuid;
		default: return JsonKind::other;
	}
}

/* to_jsonb() for an argument of type: it reads the type from the call expression. */
void
to_jsonb_for(Oid type, FmgrInfo *fn)
{
	fmgr_info_cxt(F_TO_JSONB, fn, CurrentMemoryContext);
	Node *arg = (Node *) makeNullConst(type, -1, InvalidOid);
	fmgr_info_set_expr((Node *) makeFuncExpr(F_TO_JSONB, JSONBOID, list_make1(arg), InvalidOid,
											 InvalidOid, COERCE_EXPLICIT_CALL),
					   fn);
}

LoggedAttr
logged_attr(Relation rel, AttrNumber attnum, bool redacted)
{
	Form_pg_attribute attr = TupleDescAttr(RelationGetDescr(rel), attnum - 1);
	LoggedAttr col;
	col.attnum = attnum;
	col.name = pstrdup(NameStr(attr->attname));
	col.redacted = redacted;
	col.typlen = attr->attlen;
	col.typbyval = attr->attbyval;
	col.type = attr->atttypid;
	col.kind = json_kind(attr->atttypid);
	if (col.kind == JsonKind::text)
	{
		Oid output;
		bool varlena;
		getTypeOutputInfo(attr->atttypid, &output, &varlena);
		fmgr_info_cxt(output, &col.convert, CurrentMemoryContext);
	}
	else if (col.kind == JsonKind::other)
		to_jsonb_for(attr->atttypid, &col.convert);
	return col;
}

/* Whether name a sorts before name b among jsonb object keys. */
bool
json_key_before(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	return la != lb ? la < lb : memcmp(a, b, la) < 0;
}

/* Sorts indexes into image by their columns' names, as jsonb orders keys. */
void
sort_by_json_key(const LoggedAttr *image, int *indexes, int n)
{
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && json_key_before(image[indexes[j]].name, image[indexes[j - 1]].name); j--)
		{
			int t = indexes[j];
			indexes[j] = indexes[j - 1];
			indexes[j - 1] = t;
		}
}

/*
 * Fills info from rel and the settings in trigger's arguments. The relation
 * facts are gathered into palloc'd arrays first; the pure planning runs in a
 * scope that calls no PostgreSQL function, and writes into arrays
 * allocated before it.
 */
void
build_info(AuditedRelationInfo *info, Relation rel, Trigger *trigger)
{
	TupleDesc desc = RelationGetDescr(rel);
	int ncols = 0;
	auto *attnums = (AttrNumber *) palloc(sizeof(AttrNumber) * (desc->natts + 1));
	auto *names = (const char **) palloc(sizeof(char *) * (desc->natts + 1));
	auto *is_uuid = (bool *) palloc(sizeof(bool) * (desc->natts + 1));
	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute attr = TupleDescAttr(desc, i);
		if (attr->attisdropped)
			continue;
		attnums[ncols] = attr->attnum;
		names[ncols] = NameStr(attr->attname);
		is_uuid[ncols] = attr->atttypid == UUIDOID;
		ncols++;
	}
	int npk;
	AttrNumber *pk = primary_key_attnums(rel, &npk);

	/* plan: indexes into the live columns, -1 terminated; tenant or -1 */
	auto *image = (int *) palloc(sizeof(int) * (ncols + 1));
	auto *image_redacted = (bool *) palloc(sizeof(bool) * (ncols + 1));
	auto *key = (int *) palloc(sizeof(int) * (ncols + 1));
	auto *full = (int *) palloc(sizeof(int) * (ncols + 1));
	int nimage = 0, nkey = 0, nfull = 0, tenant = -1;
	{
		std::vector<TableColumn> columns;
		for (int i = 0; i < ncols; i++)
			columns.push_back(TableColumn{names[i], is_uuid[i]});
		std::vector<std::string> pk_names;
		for (int k = 0; k < npk; k++)
			pk_names.emplace_back(NameStr(TupleDescAttr(desc, pk[k] - 1)->attname));
		AuditSettings settings = parse_audit_settings(
			std::vector<std::string>(trigger->tgargs, trigger->tgargs + trigger->tgnargs));
		LoggedColumns logged = plan_logged_columns(columns, pk_names, settings);
		for (const LoggedColumn &col : logged.image)
		{
			image[nimage] = col.column;
			image_redacted[nimage++] = col.redacted;
		}
		for (const LoggedColumn &col : logged.key)
			for (int i = 0; i < nimage; i++)
				if (image[i] == col.column)
					key[nkey++] = i;
		for (const LoggedColumn &col : logged.full)
			for (int i = 0; i < nimage; i++)
				if (image[i] == col.column)
					full[nfull++] = i;
		if (logged.tenant)
			tenant = *logged.tenant;
	}

	MemoryContext old = MemoryContextSwitchTo(info->context);
	info->nimage = nimage;
	info->image = (LoggedAttr *) palloc(sizeof(LoggedAttr) * (nimage + 1));
	for (int i = 0; i < nimage; i++)
		info->image[i] = logged_attr(rel, attnums[image[i]], image_redacted[i]);
	info->json_order = (int *) palloc(sizeof(int) * (nimage + 1));
	for (int i = 0; i < nimage; i++)
		info->json_order[i] = i;
	sort_by_json_key(info->image, info->json_order, nimage);
	info->nkey = nkey;
	info->key = (int *) palloc(sizeof(int) * (nkey + 1));
	memcpy(info->key, key, sizeof(int) * nkey);
	sort_by_json_key(info->image, info->key, nkey);
	info->nfull = nfull;
	info->full = (int *) palloc(sizeof(int) * (nfull + 1));
	memcpy(info->full, full, sizeof(int) * nfull);
	sort_by_json_key(info->image, info->full, nfull);
	info->tenant = tenant >= 0 ? attnums[tenant] : InvalidAttrNumber;
	MemoryContextSwitchTo(old);
}

} // namespace

void
relation_info_init(void)
{
	CacheRegisterRelcacheCallback(mark_stale, (Datum) 0);
}

AuditedRelationInfo *
audited_relation_info(Relation rel, Trigger *trigger)
{
	if (info_by_relid == nullptr)
	{
		HASHCTL ctl;
		memset(&ctl, 0, sizeof(ctl));
		ctl.keysize = sizeof(Oid);
		ctl.entrysize = sizeof(AuditedRelationInfo);
		ctl.hcxt = CacheMemoryContext;
		info_by_relid = hash_create("tenancy audited relations", 64, &ctl,
									HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	}
	Oid relid = RelationGetRelid(rel);
	bool found;
	auto *info = (AuditedRelationInfo *) hash_search(info_by_relid, &relid, HASH_ENTER, &found);
	if (found && info->valid)
		return info;
	if (found && info->context != nullptr)
		MemoryContextDelete(info->context);
	info->valid = false;
	info->context = nullptr;
	info->context = AllocSetContextCreate(CacheMemoryContext, "tenancy audited relation",
										  ALLOCSET_SMALL_SIZES);
	build_info(info, rel, trigger);
	info->valid = true; /* an invalidation from here on marks it stale again */
	return info;
}

} // namespace tenancy::audit
