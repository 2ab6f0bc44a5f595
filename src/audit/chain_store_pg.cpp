/*
 * chain_store_pg.cpp: SPI reads and writes of the audit chains' state.
 *
 * Rows are read through an SPI cursor in batches. Each batch's rows are
 * deformed into plain structs inside one pg_guarded block, pointing at the
 * column values' bytes in the fetched tuples (detoasted where needed: the
 * images are hashed in their binary form, no text output); the digests
 * (pure C++) are computed outside it, before the next batch frees them.
 */
#include "audit/chain_store_pg.hpp"

#include "audit/log_oids_pg.hpp"
#include "audit/xid_offset_pg.hpp"
#include "core/boundary.hpp"

extern "C" {
#include "access/table.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "storage/bufmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/timestamp.h"
#include "utils/xid8.h"
}

#include <cstring>
#include <string_view>

namespace tenancy::audit {

/*
 * Rows a fetch copies: each batch's copies are freed before the next, so a
 * small batch reuses the same memory (a new backend faults in every page it
 * first touches; 1000 rows a batch cost 130 more faults at 10k rows).
 */
constexpr int batch_rows = 200;

/* The variable-length columns a digest reads: op, db_user, record_key, old, new. */
constexpr int varlena_columns = 5;

/* One log row as read from SPI: its values' bytes, valid until the next batch. */
struct RawLogRow
{
	int64 id;
	int64 logged_at;
	uint64 txid;
	int32 relation;
	const char *bytes[varlena_columns]; /* null = NULL */
	size_t lengths[varlena_columns];
	bool has_tenant, has_actor;
	pg_uuid_t tenant, actor;
	const struct varlena *erased_digest; /* null = NULL */
};

namespace {

/*
 * Every column of the log in its table order: the scan then hands its
 * tuples on as they are stored, with no projection.
 */
const char *const log_columns = "id, logged_at, txid, relation, tenant_id, actor_id, op, db_user, "
								"record_key, old_values, new_values, erased_digest";
constexpr int log_column_count = 12;
constexpr int first_varlena_column = 6;

Datum
xid8_datum(uint64 value)
{
	return FullTransactionIdGetDatum(FullTransactionIdFromU64(value));
}

/*
 * Runs a SELECT; call inside pg_guarded. With latest, under a fresh snapshot
 * (what committed while a seal waited for its lock); otherwise under the
 * caller's, so that everything verification reads is one consistent state.
 */
void
select_or_fail(bool latest, const char *sql, int nargs, Oid *types, Datum *values, const char *nulls)
{
	if (SPI_execute_with_args(sql, nargs, types, values, nulls, !latest, 0) != SPI_OK_SELECT)
		elog(ERROR, "tenancy could not read the audit chains");
}

/*
 * Deforms the rows of table into out, each column's bytes detoasted into
 * the current memory context. Call inside pg_guarded.
 */
int
copy_rows(SPITupleTable *table, int n, RawLogRow *out)
{
	TupleDesc desc = table->tupdesc;
	Datum values[log_column_count];
	bool nulls[log_column_count];
	for (int r = 0; r < n; r++)
	{
		heap_deform_tuple(table->vals[r], desc, values, nulls);
		RawLogRow *row = &out[r];
		row->id = DatumGetInt64(values[0]);
		row->logged_at = DatumGetTimestampTz(values[1]);
		row->txid = xid8_value(values[2]);
		row->relation = DatumGetInt32(values[3]);
		row->has_tenant = !nulls[4];
		if (!nulls[4])
			row->tenant = *DatumGetUUIDP(values[4]);
		row->has_actor = !nulls[5];
		if (!nulls[5])
			row->actor = *DatumGetUUIDP(values[5]);
		for (int c = 0; c < varlena_columns; c++)
		{
			if (nulls[first_varlena_column + c])
			{
				row->bytes[c] = nullptr;
				row->lengths[c] = 0;
				continue;
			}
			struct varlena *value =
				pg_detoast_datum_packed((struct varlena *) DatumGetPointer(values[first_varlena_column + c]));
			row->bytes[c] = VARDATA_ANY(value);
			row->lengths[c] = VARSIZE_ANY_EXHDR(value);
		}
		row->erased_digest =
			nulls[11] ? nullptr : pg_detoast_datum_packed((struct varlena *) DatumGetPointer(values[11]));
	}
	return n;
}

std::string_view
column_bytes(const RawLogRow &raw, int column)
{
	return std::string_view(raw.bytes[column], raw.lengths[column]);
}

std::optional<std::string_view>
optional_bytes(const RawLogRow &raw, int column)
{
	return raw.bytes[column] ? std::optional<std::string_view>(column_bytes(raw, column)) : std::nullopt;
}

bytea *
bytea_of(const Hash &hash)
{
	bytea *out = (bytea *) palloc(VARHDRSZ + hash.size());
	SET_VARSIZE(out, VARHDRSZ + hash.size());
	memcpy(VARDATA(out), hash.data(), hash.size());
	return out;
}

LogEntry
entry_of(const RawLogRow &raw, const RelationNames &relations)
{
	RowMeta meta;
	meta.id = raw.id;
	meta.logged_at_us = raw.logged_at;
	meta.txid = raw.txid;
	meta.op = column_bytes(raw, 0);
	/* a row naming no relation of the dictionary hashes empty names: it fails */
	if (auto names = relations.find(raw.relation); names != relations.end())
	{
		meta.schema_name = names->second.first;
		meta.table_name = names->second.second;
	}
	meta.db_user = column_bytes(raw, 1);
	meta.tenant_id = chain_key(!raw.has_tenant, raw.tenant);
	meta.actor_id = chain_key(!raw.has_actor, raw.actor);

	LogEntry entry;
	entry.position = Position{raw.txid, raw.id};
	entry.tenant = meta.tenant_id;
	/* an erased row keeps the digest of the images it had; a malformed one cannot verify */
	entry.erased = raw.erased_digest != nullptr;
	Hash images{};
	if (entry.erased)
		images = hash_of(raw.erased_digest).value_or(Hash{});
	else
		images = images_digest(RowImages{optional_bytes(raw, 2), optional_bytes(raw, 3), optional_bytes(raw, 4)});
	entry.digest = row_digest(meta, images);
	return entry;
}

/*
 * The log's rows that meet condition, in chain order, read from the
 * partitions that have pages only: a new backend pays about a millisecond
 * to plan each partition's three indexes, and the empty ones (the months
 * made ahead) hold no row a reader may see. Every row a reader reads was
 * committed before it started (its snapshot's, or, for latest, a sealed
 * range that ends before the oldest transaction then running), so its pages
 * exist by now. Call inside pg_guarded.
 */
char *
log_query(const char *condition)
{
	StringInfoData sql;
	initStringInfo(&sql);
	List *tree = find_all_inheritors(log_oids()->log, AccessShareLock, nullptr);
	ListCell *cell;
	foreach (cell, tree)
	{
		Oid relid = lfirst_oid(cell);
		if (get_rel_relkind(relid) != RELKIND_RELATION)
			continue;
		Relation part = table_open(relid, NoLock);
		bool empty = RelationGetNumberOfBlocks(part) == 0;
		table_close(part, NoLock);
		if (empty)
			continue;
		appendStringInfo(&sql, "%sSELECT %s FROM ONLY %s WHERE %s", sql.len > 0 ? " UNION ALL " : "",
						 log_columns,
						 quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)),
													get_rel_name(relid)),
						 condition);
	}
	if (sql.len == 0)
		appendStringInfo(&sql, "SELECT %s FROM tenancy.audit_log WHERE false", log_columns);
	appendStringInfoString(&sql, " ORDER BY txid, id");
	return sql.data;
}

/* The chain condition: $3 is the tenant (NULL for the chain without one). */
const char *
chain_condition(const LogRange &range)
{
	if (!range.one_chain)
		return "";
	return range.tenant ? " AND tenant_id = $3" : " AND tenant_id IS NULL";
}

} // namespace

uint64
xid8_value(Datum value)
{
	return U64FromFullTransactionId(DatumGetFullTransactionId(value));
}

std::optional<Hash>
hash_of(const struct varlena *value)
{
	if (value == nullptr || VARSIZE_ANY_EXHDR(value) != hash_size)
		return std::nullopt;
	Hash hash;
	memcpy(hash.data(), VARDATA_ANY(value), hash.size());
	return hash;
}

ChainKey
chain_key(bool is_null, const pg_uuid_t &uuid)
{
	if (is_null)
		return std::nullopt;
	Uuid key;
	memcpy(key.data(), uuid.data, 16);
	return key;
}

LogReader::LogReader(const LogRange &range)
{
	pg_uuid_t tenant{};
	if (range.tenant)
		memcpy(tenant.data, range.tenant->data(), 16);
	const char *chain = chain_condition(range);
	portal_ = pg_guarded([&]() {
		batch_context_ = AllocSetContextCreate(CurrentMemoryContext, "tenancy audit rows",
											   ALLOCSET_DEFAULT_SIZES);
		raw_ = (RawLogRow *) palloc(sizeof(RawLogRow) * batch_rows);
		char *sql = log_query(psprintf("(txid, id) > ($1, $2) AND (txid, id) <= ($4, $5)%s", chain));
		Oid types[5] = {XID8OID, INT8OID, UUIDOID, XID8OID, INT8OID};
		Datum values[5] = {xid8_datum(range.after.txid), Int64GetDatum(range.after.id),
						   UUIDPGetDatum(&tenant), xid8_datum(range.through.txid),
						   Int64GetDatum(range.through.id)};
		Portal portal = SPI_cursor_open_with_args(nullptr, sql, 5, types, values, nullptr, !range.latest, 0);
		if (portal == nullptr)
			elog(ERROR, "tenancy could not read the audit log");
		return portal;
	});
	load_relation_names(range.latest);
}

/*
 * The dictionary's names, read after the cursor opened: under a snapshot
 * at least as new as the cursor's, so every relation id it reads is here.
 */
void
LogReader::load_relation_names(bool latest)
{
	struct Names
	{
		int32 id;
		const char *bytes[2]; /* schema_name, table_name */
		size_t lengths[2];
	};
	Names *names = nullptr;
	uint64 n = pg_guarded([&]() {
		select_or_fail(latest, "SELECT id, schema_name, table_name FROM tenancy.audit_relation", 0,
					   nullptr, nullptr, nullptr);
		relation_rows_ = SPI_tuptable;
		names = (Names *) palloc(sizeof(Names) * (SPI_processed + 1));
		for (uint64 r = 0; r < SPI_processed; r++)
		{
			Datum values[3];
			bool nulls[3];
			heap_deform_tuple(relation_rows_->vals[r], relation_rows_->tupdesc, values, nulls);
			names[r].id = DatumGetInt32(values[0]);
			for (int c = 0; c < 2; c++)
			{
				struct varlena *value =
					pg_detoast_datum_packed((struct varlena *) DatumGetPointer(values[1 + c]));
				names[r].bytes[c] = VARDATA_ANY(value);
				names[r].lengths[c] = VARSIZE_ANY_EXHDR(value);
			}
		}
		return SPI_processed;
	});
	for (uint64 r = 0; r < n; r++)
		relations_[names[r].id] = {std::string_view(names[r].bytes[0], names[r].lengths[0]),
								   std::string_view(names[r].bytes[1], names[r].lengths[1])};
}

const std::vector<LogEntry> &
LogReader::next_batch()
{
	int n = pg_guarded([&]() {
		if (table_ != nullptr)
			SPI_freetuptable(table_);
		table_ = nullptr;
		MemoryContextReset(batch_context_);
		SPI_cursor_fetch(portal_, true, batch_rows);
		table_ = SPI_tuptable;
		MemoryContext caller = MemoryContextSwitchTo(batch_context_);
		int copied = copy_rows(table_, (int) SPI_processed, raw_);
		MemoryContextSwitchTo(caller);
		return copied;
	});
	batch_.clear();
	batch_.reserve(n);
	for (int r = 0; r < n; r++)
		batch_.push_back(entry_of(raw_[r], relations_));
	return batch_;
}

void
LogReader::close()
{
	pg_guarded([&]() {
		if (table_ != nullptr)
			SPI_freetuptable(table_);
		table_ = nullptr;
		SPI_cursor_close(portal_);
		MemoryContextDelete(batch_context_);
		SPI_freetuptable(relation_rows_);
	});
}

Position
read_watermark(bool serialize)
{
	Position watermark;
	pg_guarded([&]() {
		if (serialize &&
			SPI_execute("SELECT pg_advisory_xact_lock(hashtext('tenancy.seal_audit'))", false, 0) !=
				SPI_OK_SELECT)
			elog(ERROR, "tenancy could not take the audit seal lock");
		select_or_fail(serialize, "SELECT last_txid, last_id FROM tenancy.audit_seal_state", 0, nullptr,
					   nullptr, nullptr);
		if (SPI_processed == 1)
		{
			bool isnull;
			watermark.txid = xid8_value(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
			watermark.id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));
		}
		SPI_freetuptable(SPI_tuptable);
	});
	return watermark;
}

Position
seal_limit()
{
	uint64 offset = log_xid_offset();
	uint64 xmin = pg_guarded([&]() {
		select_or_fail(true, "SELECT pg_snapshot_xmin(pg_current_snapshot())", 0, nullptr, nullptr, nullptr);
		if (SPI_processed != 1)
			elog(ERROR, "tenancy could not read the snapshot's xmin");
		bool isnull;
		uint64 value = xid8_value(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
		SPI_freetuptable(SPI_tuptable);
		return value;
	});
	/* rows of transactions numbered below xmin + offset: (that - 1, any id) */
	return Position{xmin + offset - 1, PG_INT64_MAX};
}

namespace {

/* A one-dimensional array of n values of type; nulls may be null (none NULL). Call inside pg_guarded. */
Datum
array_of(Datum *values, bool *nulls, int n, Oid type)
{
	int16 length;
	bool byval;
	char align;
	get_typlenbyvalalign(type, &length, &byval, &align);
	int dims[1] = {n};
	int lower_bounds[1] = {1};
	return PointerGetDatum(construct_md_array(values, nulls, 1, dims, lower_bounds, type, length, byval, align));
}

} // namespace

void
save_seal(const std::map<ChainKey, Anchor> &anchors, const std::map<ChainKey, ChainRecord> &chains,
		  const Position &watermark)
{
	/* the anchors and the chains' new heads as arrays, written in one statement each */
	int n = (int) anchors.size();
	struct RawSeal
	{
		pg_uuid_t *tenants;
		Datum *tenant, *end_txid, *end_id, *rows, *sealed, *link;
		bool *tenant_null;
	};
	RawSeal raw = pg_guarded([&]() {
		RawSeal r;
		r.tenants = (pg_uuid_t *) palloc0(sizeof(pg_uuid_t) * (n + 1));
		r.tenant = (Datum *) palloc(sizeof(Datum) * (n + 1));
		r.end_txid = (Datum *) palloc(sizeof(Datum) * (n + 1));
		r.end_id = (Datum *) palloc(sizeof(Datum) * (n + 1));
		r.rows = (Datum *) palloc(sizeof(Datum) * (n + 1));
		r.sealed = (Datum *) palloc(sizeof(Datum) * (n + 1));
		r.link = (Datum *) palloc(sizeof(Datum) * (n + 1));
		r.tenant_null = (bool *) palloc0(sizeof(bool) * (n + 1));
		return r;
	});
	int i = 0;
	for (const auto &[tenant, anchor] : anchors)
	{
		if (tenant)
			memcpy(raw.tenants[i].data, tenant->data(), 16);
		raw.tenant_null[i] = !tenant.has_value();
		raw.tenant[i] = UUIDPGetDatum(&raw.tenants[i]);
		raw.end_txid[i] = xid8_datum(anchor.end.txid);
		raw.end_id[i] = Int64GetDatum(anchor.end.id);
		raw.rows[i] = Int64GetDatum(anchor.rows);
		auto known = chains.find(tenant);
		raw.sealed[i] = Int64GetDatum((known == chains.end() ? 0 : known->second.sealed_rows) + anchor.rows);
		raw.link[i] = PointerGetDatum(pg_guarded([&]() { return bytea_of(anchor.link); }));
		i++;
	}
	pg_guarded([&]() {
		Oid types[6] = {UUIDARRAYOID, XID8ARRAYOID, INT8ARRAYOID, INT8ARRAYOID, BYTEAARRAYOID, INT8ARRAYOID};
		Datum values[6] = {array_of(raw.tenant, raw.tenant_null, n, UUIDOID),
						   array_of(raw.end_txid, nullptr, n, XID8OID),
						   array_of(raw.end_id, nullptr, n, INT8OID),
						   array_of(raw.rows, nullptr, n, INT8OID),
						   array_of(raw.link, nullptr, n, BYTEAOID),
						   array_of(raw.sealed, nullptr, n, INT8OID)};
		if (SPI_execute_with_args("INSERT INTO tenancy.audit_anchor (tenant_id, end_txid, end_id, rows, link) "
								  "SELECT * FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2), "
								  "pg_catalog.unnest($3), pg_catalog.unnest($4), pg_catalog.unnest($5))",
								  5, types, values, nullptr, false, 0) != SPI_OK_INSERT ||
			SPI_processed != (uint64) n)
			elog(ERROR, "tenancy could not record the audit anchors");
		if (SPI_execute_with_args(
				"INSERT INTO tenancy.audit_chain AS c (tenant_id, last_txid, last_id, last_hash, sealed_rows) "
				"SELECT a.tenant_id, a.end_txid, a.end_id, a.link, a.sealed "
				"FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2), pg_catalog.unnest($3), "
				"pg_catalog.unnest($5), pg_catalog.unnest($6)) AS a(tenant_id, end_txid, end_id, link, sealed) "
				"ON CONFLICT (tenant_id) DO UPDATE SET last_txid = excluded.last_txid, "
				"last_id = excluded.last_id, sealed_rows = excluded.sealed_rows, last_hash = excluded.last_hash",
				6, types, values, nullptr, false, 0) != SPI_OK_INSERT ||
			SPI_processed != (uint64) n)
			elog(ERROR, "tenancy could not record the audit chains' heads");
	});
	pg_guarded([&]() {
		Oid types[2] = {XID8OID, INT8OID};
		Datum values[2] = {xid8_datum(watermark.txid), Int64GetDatum(watermark.id)};
		if (SPI_execute_with_args("INSERT INTO tenancy.audit_seal_state (last_txid, last_id) VALUES ($1, $2) "
								  "ON CONFLICT (singleton) DO UPDATE SET last_txid = $1, last_id = $2",
								  2, types, values, nullptr, false, 0) != SPI_OK_INSERT)
			elog(ERROR, "tenancy could not record the sealed range");
	});
}

void
save_start(const ChainKey &tenant, const ChainStart &start)
{
	pg_uuid_t uuid{};
	if (tenant)
		memcpy(uuid.data, tenant->data(), 16);
	bool tenant_null = !tenant.has_value();
	ChainStart s = start;
	pg_guarded([&]() {
		Oid types[5] = {UUIDOID, XID8OID, INT8OID, INT8OID, BYTEAOID};
		Datum values[5] = {UUIDPGetDatum(&uuid), xid8_datum(s.after.txid), Int64GetDatum(s.after.id),
						   Int64GetDatum(s.range_rows), PointerGetDatum(bytea_of(s.link))};
		char nulls[5] = {tenant_null ? 'n' : ' ', ' ', ' ', ' ', ' '};
		if (SPI_execute_with_args("UPDATE tenancy.audit_chain SET start_txid = $2, start_id = $3, "
								  "start_range_rows = $4, start_hash = $5 "
								  "WHERE tenant_id IS NOT DISTINCT FROM $1",
								  5, types, values, nulls, false, 0) != SPI_OK_UPDATE ||
			SPI_processed != 1)
			elog(ERROR, "tenancy could not move an audit chain's start");
		if (SPI_execute_with_args("DELETE FROM tenancy.audit_anchor WHERE tenant_id IS NOT DISTINCT FROM $1 "
								  "AND (end_txid, end_id) <= ($2, $3)",
								  3, types, values, nulls, false, 0) != SPI_OK_DELETE)
			elog(ERROR, "tenancy could not drop an audit chain's released anchors");
	});
}

} // namespace tenancy::audit
