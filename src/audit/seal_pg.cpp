/*
 * seal_pg.cpp: tenancy.seal_audit() and tenancy.verify_audit().
 *
 * Chain order is (txid, id): transaction order, then log order within a
 * transaction. Sealing takes only rows whose transaction ended before the
 * oldest transaction still running (txid < xmin of the current snapshot, in
 * the log's numbering: see xid_offset_pg.hpp):
 * every row sealed later then sorts after every row sealed now, so writers
 * never wait for the chain and the chain never has to be rewritten.
 *
 * Rows are read through an SPI cursor in batches. Each batch is copied into
 * plain structs inside one pg_guarded block; the hashing (pure C++) happens
 * outside it; the writes go back in another guarded block.
 */
#include "audit/chain.hpp"
#include "core/boundary.hpp"

#include "audit/xid_offset_pg.hpp"

extern "C" {
#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "utils/timestamp.h"
#include "utils/uuid.h"
#include "utils/xid8.h"
}

#include <array>
#include <cstring>
#include <map>
#include <optional>
#include <vector>

namespace {

using tenancy::audit::ChainedRow;
using tenancy::audit::Hash;
using TenantKey = std::optional<std::array<uint8_t, 16>>;

constexpr int batch_rows = 1000;

/* One log row as read from SPI, in palloc'd memory. */
struct RawLogRow
{
	Oid tableoid;
	ItemPointerData ctid;
	int64 id;
	int64 logged_at;
	uint64 txid;
	const char *text[7]; /* schema, table, op, db_user, record_key, old, new; null = NULL */
	bool has_tenant, has_actor;
	pg_uuid_t tenant, actor;
	bytea *prev_hash, *row_hash; /* null = NULL */
};

const char *const log_columns =
	"tableoid, ctid, id, logged_at, txid, schema_name::text, table_name::text, op, "
	"db_user::text, record_key::text, old_values::text, new_values::text, tenant_id, actor_id, "
	"prev_hash, row_hash";

/* Copies the rows of SPI_tuptable into out. Call inside pg_guarded. */
int
copy_rows(RawLogRow *out)
{
	SPITupleTable *table = SPI_tuptable;
	TupleDesc desc = table->tupdesc;
	int n = (int) SPI_processed;
	for (int r = 0; r < n; r++)
	{
		HeapTuple tuple = table->vals[r];
		RawLogRow *row = &out[r];
		bool isnull;
		row->tableoid = DatumGetObjectId(SPI_getbinval(tuple, desc, 1, &isnull));
		row->ctid = *(ItemPointer) DatumGetPointer(SPI_getbinval(tuple, desc, 2, &isnull));
		row->id = DatumGetInt64(SPI_getbinval(tuple, desc, 3, &isnull));
		row->logged_at = DatumGetTimestampTz(SPI_getbinval(tuple, desc, 4, &isnull));
		row->txid = U64FromFullTransactionId(
			DatumGetFullTransactionId(SPI_getbinval(tuple, desc, 5, &isnull)));
		for (int t = 0; t < 7; t++)
			row->text[t] = SPI_getvalue(tuple, desc, 6 + t);
		Datum d = SPI_getbinval(tuple, desc, 13, &isnull);
		row->has_tenant = !isnull;
		if (!isnull)
			row->tenant = *DatumGetUUIDP(d);
		d = SPI_getbinval(tuple, desc, 14, &isnull);
		row->has_actor = !isnull;
		if (!isnull)
			row->actor = *DatumGetUUIDP(d);
		d = SPI_getbinval(tuple, desc, 15, &isnull);
		row->prev_hash = isnull ? nullptr : DatumGetByteaPCopy(d);
		d = SPI_getbinval(tuple, desc, 16, &isnull);
		row->row_hash = isnull ? nullptr : DatumGetByteaPCopy(d);
	}
	SPI_freetuptable(table);
	return n;
}

TenantKey
tenant_key(bool has, const pg_uuid_t &uuid)
{
	if (!has)
		return std::nullopt;
	std::array<uint8_t, 16> key;
	memcpy(key.data(), uuid.data, 16);
	return key;
}

std::optional<std::string>
optional_text(const char *value)
{
	return value ? std::optional<std::string>(value) : std::nullopt;
}

ChainedRow
chained_row(const RawLogRow &raw)
{
	ChainedRow row;
	row.id = raw.id;
	row.logged_at_us = raw.logged_at;
	row.txid = raw.txid;
	row.schema_name = raw.text[0];
	row.table_name = raw.text[1];
	row.op = raw.text[2];
	row.db_user = raw.text[3];
	row.record_key = optional_text(raw.text[4]);
	row.old_values = optional_text(raw.text[5]);
	row.new_values = optional_text(raw.text[6]);
	row.tenant_id = tenant_key(raw.has_tenant, raw.tenant);
	row.actor_id = tenant_key(raw.has_actor, raw.actor);
	return row;
}

bool
bytea_is(const bytea *value, const Hash &hash)
{
	return value != nullptr && VARSIZE_ANY_EXHDR(value) == hash.size() &&
		   memcmp(VARDATA_ANY(value), hash.data(), hash.size()) == 0;
}

Hash
hash_of(const bytea *value)
{
	Hash hash{};
	if (value != nullptr && VARSIZE_ANY_EXHDR(value) == hash.size())
		memcpy(hash.data(), VARDATA_ANY(value), hash.size());
	return hash;
}

bytea *
bytea_of(const Hash &hash)
{
	bytea *out = (bytea *) palloc(VARHDRSZ + hash.size());
	SET_VARSIZE(out, VARHDRSZ + hash.size());
	memcpy(VARDATA(out), hash.data(), hash.size());
	return out;
}

/* A chain as recorded in tenancy.audit_chain. */
struct ChainHead
{
	Hash anchor{};
	uint64 anchor_txid = 0;
	int64 anchor_id = 0;
	Hash last{};
	bool has_last = false;
	uint64 last_txid = 0;
	int64 last_id = 0;
	int64 sealed_rows = 0;
	bool changed = false;
};

struct RawHead
{
	bool has_tenant;
	pg_uuid_t tenant;
	bytea *anchor, *last;
	uint64 anchor_txid, last_txid;
	int64 anchor_id, last_id, sealed_rows;
};

std::map<TenantKey, ChainHead>
load_heads()
{
	int n = 0;
	RawHead *raw = tenancy::pg_guarded([&]() {
		SPI_execute("SELECT tenant_id, anchor_hash, coalesce(anchor_txid, '0'), coalesce(anchor_id, 0), "
					"last_hash, coalesce(last_txid, '0'), coalesce(last_id, 0), sealed_rows "
					"FROM tenancy.audit_chain",
					true, 0);
		n = (int) SPI_processed;
		RawHead *heads = (RawHead *) palloc0(sizeof(RawHead) * (n + 1));
		for (int r = 0; r < n; r++)
		{
			HeapTuple t = SPI_tuptable->vals[r];
			TupleDesc d = SPI_tuptable->tupdesc;
			bool isnull;
			Datum v = SPI_getbinval(t, d, 1, &isnull);
			heads[r].has_tenant = !isnull;
			if (!isnull)
				heads[r].tenant = *DatumGetUUIDP(v);
			heads[r].anchor = DatumGetByteaPCopy(SPI_getbinval(t, d, 2, &isnull));
			heads[r].anchor_txid =
				U64FromFullTransactionId(DatumGetFullTransactionId(SPI_getbinval(t, d, 3, &isnull)));
			heads[r].anchor_id = DatumGetInt64(SPI_getbinval(t, d, 4, &isnull));
			v = SPI_getbinval(t, d, 5, &isnull);
			heads[r].last = isnull ? nullptr : DatumGetByteaPCopy(v);
			heads[r].last_txid =
				U64FromFullTransactionId(DatumGetFullTransactionId(SPI_getbinval(t, d, 6, &isnull)));
			heads[r].last_id = DatumGetInt64(SPI_getbinval(t, d, 7, &isnull));
			heads[r].sealed_rows = DatumGetInt64(SPI_getbinval(t, d, 8, &isnull));
		}
		SPI_freetuptable(SPI_tuptable);
		return heads;
	});

	std::map<TenantKey, ChainHead> heads;
	for (int r = 0; r < n; r++)
	{
		ChainHead &head = heads[tenant_key(raw[r].has_tenant, raw[r].tenant)];
		head.anchor = hash_of(raw[r].anchor);
		head.anchor_txid = raw[r].anchor_txid;
		head.anchor_id = raw[r].anchor_id;
		head.has_last = raw[r].last != nullptr;
		head.last = head.has_last ? hash_of(raw[r].last) : head.anchor;
		head.last_txid = raw[r].last_txid;
		head.last_id = raw[r].last_id;
		head.sealed_rows = raw[r].sealed_rows;
	}
	return heads;
}

/*
 * The sealed range ends at the watermark (txid, id): (0, 0) before the first
 * seal. With serialize, first takes the transaction-level advisory lock that
 * keeps two seals apart (the second waits, then reads the first's result).
 */
void
read_watermark(bool serialize, uint64 *txid, int64 *id)
{
	tenancy::pg_guarded([&]() {
		if (serialize)
			SPI_execute("SELECT pg_advisory_xact_lock(hashtext('tenancy.seal_audit'))", false, 0);
		SPI_execute("SELECT last_txid, last_id FROM tenancy.audit_seal_state", true, 0);
		*txid = 0;
		*id = 0;
		if (SPI_processed == 1)
		{
			bool isnull;
			*txid = U64FromFullTransactionId(DatumGetFullTransactionId(
				SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull)));
			*id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));
		}
		SPI_freetuptable(SPI_tuptable);
	});
}

/*
 * Rows in chain order that meet condition, whose parameters are $1 txid,
 * $2 id, $3 tenant and $4 the seal horizon.
 */
Portal
open_log_cursor(const char *condition, uint64 txid, int64 id, Datum tenant, bool tenant_null,
				uint64 horizon)
{
	return tenancy::pg_guarded([&]() {
		StringInfoData sql;
		initStringInfo(&sql);
		appendStringInfo(&sql, "SELECT %s FROM tenancy.audit_log WHERE %s ORDER BY txid, id",
						 log_columns, condition);
		Oid types[4] = {XID8OID, INT8OID, UUIDOID, XID8OID};
		Datum values[4] = {FullTransactionIdGetDatum(FullTransactionIdFromU64(txid)),
						   Int64GetDatum(id), tenant,
						   FullTransactionIdGetDatum(FullTransactionIdFromU64(horizon))};
		char nulls[4] = {' ', ' ', tenant_null ? 'n' : ' ', ' '};
		return SPI_cursor_open_with_args(nullptr, sql.data, 4, types, values, nulls, true, 0);
	});
}

/*
 * The seal horizon: the oldest transaction still running, in the log's
 * numbering. Rows numbered below it can no longer be joined by rows that
 * sort before them.
 */
uint64
seal_horizon(void)
{
	uint64 offset = tenancy::audit::log_xid_offset();
	return tenancy::pg_guarded([&]() {
		SPI_execute("SELECT pg_snapshot_xmin(pg_current_snapshot())", true, 0);
		bool isnull;
		uint64 xmin = U64FromFullTransactionId(DatumGetFullTransactionId(
			SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull)));
		SPI_freetuptable(SPI_tuptable);
		return xmin + offset;
	});
}

int
fetch_batch(Portal portal, MemoryContext batch_context, RawLogRow *rows)
{
	return tenancy::pg_guarded([&]() {
		MemoryContextReset(batch_context);
		SPI_cursor_fetch(portal, true, batch_rows);
		MemoryContext caller = MemoryContextSwitchTo(batch_context);
		int n = copy_rows(rows);
		MemoryContextSwitchTo(caller);
		return n;
	});
}

/* Writes prev_hash and row_hash of a batch, one prepared UPDATE per partition. */
void
write_hashes(const RawLogRow *rows, const Hash *prevs, const Hash *hashes, int n,
			 std::map<Oid, SPIPlanPtr> &plans)
{
	std::vector<SPIPlanPtr> plan_of(n);
	for (int r = 0; r < n; r++)
	{
		SPIPlanPtr &plan = plans[rows[r].tableoid];
		if (plan == nullptr)
		{
			Oid partition = rows[r].tableoid;
			plan = tenancy::pg_guarded([&]() {
				char *sql = psprintf("UPDATE ONLY %s SET prev_hash = $1, row_hash = $2 WHERE ctid = $3",
									 DatumGetCString(DirectFunctionCall1(regclassout,
																		 ObjectIdGetDatum(partition))));
				Oid types[3] = {BYTEAOID, BYTEAOID, TIDOID};
				SPIPlanPtr p = SPI_prepare(sql, 3, types);
				if (p == nullptr)
					elog(ERROR, "tenancy could not prepare the seal update");
				return p;
			});
		}
		plan_of[r] = plan;
	}
	SPIPlanPtr *plan_array = plan_of.data();
	tenancy::pg_guarded([&]() {
		for (int r = 0; r < n; r++)
		{
			Datum values[3] = {PointerGetDatum(bytea_of(prevs[r])), PointerGetDatum(bytea_of(hashes[r])),
							   PointerGetDatum(&rows[r].ctid)};
			if (SPI_execute_plan(plan_array[r], values, nullptr, false, 0) != SPI_OK_UPDATE ||
				SPI_processed != 1)
				elog(ERROR, "tenancy could not seal audit row %lld", (long long) rows[r].id);
		}
	});
}

void
save_heads(const std::map<TenantKey, ChainHead> &heads, uint64 watermark_txid, int64 watermark_id)
{
	for (const auto &[tenant, head] : heads)
	{
		if (!head.changed)
			continue;
		pg_uuid_t uuid;
		if (tenant)
			memcpy(uuid.data, tenant->data(), 16);
		Hash last = head.last;
		uint64 last_txid = head.last_txid;
		int64 last_id = head.last_id, sealed = head.sealed_rows;
		bool has_tenant = tenant.has_value();
		tenancy::pg_guarded([&]() {
			Oid types[5] = {UUIDOID, BYTEAOID, XID8OID, INT8OID, INT8OID};
			Datum values[5] = {UUIDPGetDatum(&uuid), PointerGetDatum(bytea_of(last)),
							   FullTransactionIdGetDatum(FullTransactionIdFromU64(last_txid)),
							   Int64GetDatum(last_id), Int64GetDatum(sealed)};
			char nulls[5] = {has_tenant ? ' ' : 'n', ' ', ' ', ' ', ' '};
			SPI_execute_with_args(
				"INSERT INTO tenancy.audit_chain AS c (tenant_id, last_hash, last_txid, last_id, sealed_rows) "
				"VALUES ($1, $2, $3, $4, $5) ON CONFLICT (tenant_id) DO UPDATE "
				"SET last_hash = $2, last_txid = $3, last_id = $4, sealed_rows = $5",
				5, types, values, nulls, false, 0);
		});
	}
	tenancy::pg_guarded([&]() {
		Oid types[2] = {XID8OID, INT8OID};
		Datum values[2] = {FullTransactionIdGetDatum(FullTransactionIdFromU64(watermark_txid)),
						   Int64GetDatum(watermark_id)};
		SPI_execute_with_args("INSERT INTO tenancy.audit_seal_state (last_txid, last_id) VALUES ($1, $2) "
							  "ON CONFLICT (singleton) DO UPDATE SET last_txid = $1, last_id = $2",
							  2, types, values, nullptr, false, 0);
	});
}

int64
seal_pending_rows()
{
	uint64 watermark_txid;
	int64 watermark_id;
	read_watermark(true, &watermark_txid, &watermark_id);
	std::map<TenantKey, ChainHead> heads = load_heads();
	std::map<Oid, SPIPlanPtr> plans;

	MemoryContext batch_context = tenancy::pg_guarded([]() {
		return AllocSetContextCreate(CurrentMemoryContext, "tenancy seal batch", ALLOCSET_DEFAULT_SIZES);
	});
	RawLogRow *rows = tenancy::pg_guarded([]() { return (RawLogRow *) palloc(sizeof(RawLogRow) * batch_rows); });
	Portal portal = open_log_cursor("(txid, id) > ($1, $2) AND txid < $4", watermark_txid,
									watermark_id, (Datum) 0, true, seal_horizon());
	std::vector<Hash> prevs(batch_rows), hashes(batch_rows);
	int64 sealed = 0;
	for (;;)
	{
		int n = fetch_batch(portal, batch_context, rows);
		if (n == 0)
			break;
		for (int r = 0; r < n; r++)
		{
			ChainHead &head = heads[tenant_key(rows[r].has_tenant, rows[r].tenant)];
			prevs[r] = head.has_last ? head.last : head.anchor;
			hashes[r] = tenancy::audit::chain_hash(prevs[r], chained_row(rows[r]));
			head.last = hashes[r];
			head.has_last = true;
			head.last_txid = rows[r].txid;
			head.last_id = rows[r].id;
			head.sealed_rows++;
			head.changed = true;
			watermark_txid = rows[r].txid;
			watermark_id = rows[r].id;
		}
		write_hashes(rows, prevs.data(), hashes.data(), n, plans);
		sealed += n;
	}
	tenancy::pg_guarded([&]() { SPI_cursor_close(portal); });
	if (sealed > 0)
		save_heads(heads, watermark_txid, watermark_id);
	return sealed;
}

/* One chain's verification state. */
struct ChainCheck
{
	bool known = false; /* recorded in tenancy.audit_chain */
	ChainHead head;
	Hash prev{};
	bool reached_head = false;
	int64 rows_checked = 0;
	bool bad = false;
	int64 first_bad_id = 0;

	void fail(int64 id)
	{
		if (!bad)
			first_bad_id = id;
		bad = true;
	}
};

bool
before_anchor(const ChainCheck &check, const RawLogRow &row)
{
	return check.known && (row.txid < check.head.anchor_txid ||
						   (row.txid == check.head.anchor_txid && row.id <= check.head.anchor_id));
}

/* Checks one sealed row against its chain. */
void
check_row(ChainCheck &check, const RawLogRow &row)
{
	if (before_anchor(check, row)) /* dropped by retention, or older than what was */
		return;
	check.rows_checked++;
	if (check.bad)
		return;
	Hash expected = tenancy::audit::chain_hash(check.prev, chained_row(row));
	if (!check.known || check.reached_head || !bytea_is(row.prev_hash, check.prev) ||
		!bytea_is(row.row_hash, expected))
	{
		check.fail(row.id);
		return;
	}
	check.prev = expected;
	check.reached_head = row.txid == check.head.last_txid && row.id == check.head.last_id;
}

} // namespace

TENANCY_FUNCTION(seal_audit)
{
	tenancy::pg_guarded([]() { SPI_connect(); });
	int64 sealed = seal_pending_rows();
	tenancy::pg_guarded([]() { SPI_finish(); });
	PG_RETURN_INT64(sealed);
}

TENANCY_FUNCTION(verify_audit)
{
	bool filtered = !PG_ARGISNULL(0);
	Datum tenant_arg = filtered ? PG_GETARG_DATUM(0) : (Datum) 0;
	tenancy::pg_guarded([&]() {
		InitMaterializedSRF(fcinfo, 0);
		SPI_connect();
	});

	uint64 watermark_txid;
	int64 watermark_id;
	read_watermark(false, &watermark_txid, &watermark_id);
	std::map<TenantKey, ChainCheck> checks;
	for (auto &[tenant, head] : load_heads())
	{
		ChainCheck &check = checks[tenant];
		check.known = true;
		check.head = head;
		check.prev = head.anchor;
		/* retention dropped every row the chain had sealed */
		check.reached_head = head.has_last && head.anchor_txid == head.last_txid &&
							 head.anchor_id == head.last_id;
	}

	MemoryContext batch_context = tenancy::pg_guarded([]() {
		return AllocSetContextCreate(CurrentMemoryContext, "tenancy verify batch", ALLOCSET_DEFAULT_SIZES);
	});
	RawLogRow *rows = tenancy::pg_guarded([]() { return (RawLogRow *) palloc(sizeof(RawLogRow) * batch_rows); });
	Portal portal = open_log_cursor(filtered ? "(txid, id) <= ($1, $2) AND tenant_id = $3"
											 : "(txid, id) <= ($1, $2)",
									watermark_txid, watermark_id, tenant_arg, !filtered, 0);
	for (;;)
	{
		int n = fetch_batch(portal, batch_context, rows);
		if (n == 0)
			break;
		for (int r = 0; r < n; r++)
			check_row(checks[tenant_key(rows[r].has_tenant, rows[r].tenant)], rows[r]);
	}
	tenancy::pg_guarded([&]() { SPI_cursor_close(portal); });

	TenantKey wanted = filtered ? tenant_key(true, *DatumGetUUIDP(tenant_arg)) : std::nullopt;
	if (filtered)
		checks[wanted]; /* a tenant without a chain still gets its row */
	for (auto &[tenant, check] : checks)
	{
		if (filtered && tenant != wanted)
			continue;
		/* a chain must end exactly at its recorded head: a removed tail shows here */
		if (check.known && check.head.has_last && !check.reached_head)
			check.fail(check.head.last_id);
		pg_uuid_t uuid;
		if (tenant)
			memcpy(uuid.data, tenant->data(), 16);
		bool has_tenant = tenant.has_value();
		int64 rows_checked = check.rows_checked, first_bad = check.first_bad_id;
		bool bad = check.bad;
		tenancy::pg_guarded([&]() {
			ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
			Datum values[3] = {UUIDPGetDatum(&uuid), Int64GetDatum(rows_checked), Int64GetDatum(first_bad)};
			bool nulls[3] = {!has_tenant, false, !bad};
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		});
	}
	tenancy::pg_guarded([]() { SPI_finish(); });
	PG_RETURN_NULL();
}
