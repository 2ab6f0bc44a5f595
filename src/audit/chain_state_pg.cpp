/*
 * chain_state_pg.cpp: reads the chains' starts (tenancy.audit_chain) and
 * the seals' anchors (tenancy.audit_anchor) with direct scans rather than
 * SPI: in a new backend, parsing and planning these two small reads cost
 * verify_audit() more than reading them. One chain's rows are found through
 * the table's unique index, whose first column is tenant_id; all chains'
 * rows by a sequential scan.
 */
#include "audit/chain_store_pg.hpp"

#include "audit/log_oids_pg.hpp"
#include "core/boundary.hpp"

extern "C" {
#include "access/genam.h"
#include "access/htup_details.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/pg_index.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "utils/xid8.h"
}

#include <algorithm>
#include <cstring>

namespace tenancy::audit {

namespace {

/* tenant_id: the first column of both tables and of their unique indexes. */
constexpr AttrNumber tenant_column = 1;

/* The unique index that leads with tenant_id. */
Oid
tenant_index(Relation table)
{
	Oid found = InvalidOid;
	ListCell *cell;
	foreach (cell, RelationGetIndexList(table))
	{
		HeapTuple tuple = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(lfirst_oid(cell)));
		if (!HeapTupleIsValid(tuple))
			continue;
		Form_pg_index index = (Form_pg_index) GETSTRUCT(tuple);
		if (index->indisunique && index->indnkeyatts >= 1 && index->indkey.values[0] == tenant_column)
			found = index->indexrelid;
		ReleaseSysCache(tuple);
	}
	if (!OidIsValid(found))
		elog(ERROR, "tenancy found no index on tenant_id of %s", RelationGetRelationName(table));
	return found;
}

/*
 * Calls each(row, table) on the rows of tenancy.<name>, only tenant's with
 * one_chain. Under the caller's snapshot, or with latest under a new one
 * after the commands before it (what SPI gives a statement that may write).
 * Call inside pg_guarded.
 */
template <typename Each>
void
scan_chain_table(const char *name, bool latest, bool one_chain, const ChainKey &tenant, Each each)
{
	Oid relid = get_relname_relid(name, log_oids()->schema);
	if (!OidIsValid(relid))
		ereport(ERROR, (errcode(ERRCODE_UNDEFINED_TABLE), errmsg("tenancy.%s does not exist", name),
						errhint("Reinstall the tenancy extension.")));
	/* what SPI checked: the caller reads the table */
	AclResult access = pg_class_aclcheck(relid, GetUserId(), ACL_SELECT);
	if (access != ACLCHECK_OK)
		aclcheck_error(access, OBJECT_TABLE, name);
	Relation table = table_open(relid, AccessShareLock);
	pg_uuid_t uuid{};
	if (tenant)
		memcpy(uuid.data, tenant->data(), 16);
	ScanKeyData key;
	if (tenant)
		ScanKeyInit(&key, tenant_column, BTEqualStrategyNumber, F_UUID_EQ, UUIDPGetDatum(&uuid));
	else
		ScanKeyEntryInitialize(&key, SK_ISNULL | SK_SEARCHNULL, tenant_column, InvalidStrategy, InvalidOid,
							   InvalidOid, InvalidOid, (Datum) 0);
	if (latest)
	{
		CommandCounterIncrement();
		PushActiveSnapshot(GetTransactionSnapshot());
	}
	SysScanDesc scan = systable_beginscan(table, one_chain ? tenant_index(table) : InvalidOid, one_chain,
										  GetActiveSnapshot(), one_chain ? 1 : 0, &key);
	for (HeapTuple row; (row = systable_getnext(scan)) != nullptr;)
		each(row, table);
	systable_endscan(scan);
	if (latest)
		PopActiveSnapshot();
	table_close(table, AccessShareLock);
}

/* Room for one more element in a palloc'd array of count elements. Call inside pg_guarded. */
template <typename T>
T *
grown(T *array, int count, int &capacity)
{
	if (array == nullptr || count == capacity)
	{
		capacity = array == nullptr ? 64 : capacity * 2;
		array = array == nullptr ? (T *) palloc(sizeof(T) * capacity)
								 : (T *) repalloc(array, sizeof(T) * capacity);
	}
	return array;
}

/* A column's number in table, by name. Call inside pg_guarded. */
AttrNumber
column(Relation table, const char *name)
{
	AttrNumber attnum = get_attnum(RelationGetRelid(table), name);
	if (attnum == InvalidAttrNumber)
		elog(ERROR, "tenancy found no column %s in %s", name, RelationGetRelationName(table));
	return attnum;
}

/* The chain tables' rows have few columns: one row's, deformed at once. */
constexpr int max_columns = 16;

class Row
{
  public:
	Row(HeapTuple tuple, Relation table)
	{
		if (RelationGetDescr(table)->natts > max_columns)
			elog(ERROR, "tenancy expected at most %d columns in %s", max_columns, RelationGetRelationName(table));
		heap_deform_tuple(tuple, RelationGetDescr(table), values_, nulls_);
	}
	bool null(AttrNumber column) const { return nulls_[column - 1]; }
	Datum value(AttrNumber column) const { return values_[column - 1]; }

  private:
	Datum values_[max_columns];
	bool nulls_[max_columns];
};

struct RawChain
{
	bool tenant_null;
	pg_uuid_t tenant;
	bytea *start_hash, *last_hash;
	uint64 start_txid;
	int64 start_id, start_range_rows, sealed_rows;
};

struct RawAnchor
{
	bool tenant_null;
	pg_uuid_t tenant;
	uint64 end_txid;
	int64 end_id, rows;
	bytea *link;
};

} // namespace

std::map<ChainKey, ChainRecord>
load_chains(bool latest, bool one_chain, const ChainKey &tenant)
{
	int n = 0;
	RawChain *raw = pg_guarded([&]() {
		RawChain *chains = nullptr;
		int capacity = 0;
		AttrNumber start_hash = 0, start_txid = 0, start_id = 0, start_range_rows = 0, last_hash = 0,
				   sealed_rows = 0;
		scan_chain_table("audit_chain", latest, one_chain, tenant, [&](HeapTuple t, Relation table) {
			if (start_hash == 0)
			{
				start_hash = column(table, "start_hash");
				start_txid = column(table, "start_txid");
				start_id = column(table, "start_id");
				start_range_rows = column(table, "start_range_rows");
				last_hash = column(table, "last_hash");
				sealed_rows = column(table, "sealed_rows");
			}
			Row row(t, table);
			chains = grown(chains, n, capacity);
			RawChain &chain = chains[n++];
			chain.tenant_null = row.null(tenant_column);
			if (!chain.tenant_null)
				chain.tenant = *DatumGetUUIDP(row.value(tenant_column));
			chain.start_hash = DatumGetByteaPCopy(row.value(start_hash));
			chain.start_txid = xid8_value(row.value(start_txid));
			chain.start_id = DatumGetInt64(row.value(start_id));
			chain.start_range_rows = DatumGetInt64(row.value(start_range_rows));
			chain.last_hash = row.null(last_hash) ? nullptr : DatumGetByteaPCopy(row.value(last_hash));
			chain.sealed_rows = DatumGetInt64(row.value(sealed_rows));
		});
		return chains;
	});

	std::map<ChainKey, ChainRecord> chains;
	for (int r = 0; r < n; r++)
	{
		ChainRecord &chain = chains[chain_key(raw[r].tenant_null, raw[r].tenant)];
		/* a start hash of another length cannot match any link: the chain fails */
		chain.start.link = hash_of(raw[r].start_hash).value_or(Hash{1});
		chain.start.after = Position{raw[r].start_txid, raw[r].start_id};
		chain.start.range_rows = raw[r].start_range_rows;
		chain.last = hash_of(raw[r].last_hash);
		chain.sealed_rows = raw[r].sealed_rows;
	}
	return chains;
}

std::map<ChainKey, std::vector<Anchor>>
load_anchors(bool latest, bool one_chain, const ChainKey &tenant)
{
	int n = 0;
	RawAnchor *raw = pg_guarded([&]() {
		RawAnchor *anchors = nullptr;
		int capacity = 0;
		AttrNumber end_txid = 0, end_id = 0, rows = 0, link = 0;
		scan_chain_table("audit_anchor", latest, one_chain, tenant, [&](HeapTuple t, Relation table) {
			if (end_txid == 0)
			{
				end_txid = column(table, "end_txid");
				end_id = column(table, "end_id");
				rows = column(table, "rows");
				link = column(table, "link");
			}
			Row row(t, table);
			anchors = grown(anchors, n, capacity);
			RawAnchor &anchor = anchors[n++];
			anchor.tenant_null = row.null(tenant_column);
			if (!anchor.tenant_null)
				anchor.tenant = *DatumGetUUIDP(row.value(tenant_column));
			anchor.end_txid = xid8_value(row.value(end_txid));
			anchor.end_id = DatumGetInt64(row.value(end_id));
			anchor.rows = DatumGetInt64(row.value(rows));
			anchor.link = DatumGetByteaPCopy(row.value(link));
		});
		return anchors;
	});

	std::map<ChainKey, std::vector<Anchor>> anchors;
	for (int r = 0; r < n; r++)
		anchors[chain_key(raw[r].tenant_null, raw[r].tenant)].push_back(
			Anchor{Position{raw[r].end_txid, raw[r].end_id}, raw[r].rows,
				   hash_of(raw[r].link).value_or(Hash{1})});
	/* in chain order: the scans return them in storage order */
	for (auto &[key, list] : anchors)
		std::sort(list.begin(), list.end(), [](const Anchor &a, const Anchor &b) { return a.end < b.end; });
	return anchors;
}

} // namespace tenancy::audit
