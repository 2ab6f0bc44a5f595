/*
 * verify_pg.cpp: tenancy.verify_audit() and
 * tenancy.audit_release_partition(): both walk chains from their start
 * with a ChainVerifier (chain_rules.hpp). One tenant's verification reads
 * only that tenant's rows (index on tenant_id, txid) and anchors.
 */
#include "audit/chain_store_pg.hpp"
#include "core/boundary.hpp"

extern "C" {
#include "catalog/partition.h"
#include "catalog/pg_inherits.h"
#include "catalog/namespace.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "utils/lsyscache.h"
#include "utils/xid8.h"
}

#include <algorithm>
#include <cstring>
#include <string_view>
#include <unordered_map>

namespace {

using namespace tenancy::audit;

ChainVerifier
verifier_for(const ChainKey &tenant, std::map<ChainKey, ChainRecord> &chains,
			 std::map<ChainKey, std::vector<Anchor>> &anchors)
{
	auto chain = chains.find(tenant);
	ChainStart start = chain == chains.end() ? ChainStart{} : chain->second.start;
	auto found = anchors.find(tenant);
	std::vector<Anchor> own;
	if (found != anchors.end())
		own = std::move(found->second);
	return ChainVerifier(start, std::move(own));
}

/* Finds a row's verifier by hash: a lookup per row in an ordered map compared uuids a dozen times. */
struct ChainKeyHash
{
	size_t operator()(const ChainKey &key) const
	{
		if (!key)
			return 0;
		return std::hash<std::string_view>()(std::string_view(reinterpret_cast<const char *>(key->data()), key->size()));
	}
};

void
put_result(FunctionCallInfo fcinfo, const ChainKey &tenant, const VerifyResult &result)
{
	pg_uuid_t uuid{};
	if (tenant)
		memcpy(uuid.data, tenant->data(), 16);
	bool has_tenant = tenant.has_value();
	VerifyResult r = result;
	int64 first_bad = r.first_bad_id.value_or(0);
	bool bad = r.first_bad_id.has_value();
	tenancy::pg_guarded([&]() {
		ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
		Datum values[4] = {UUIDPGetDatum(&uuid), Int64GetDatum(r.rows_checked),
						   Int64GetDatum(r.rows_erased), Int64GetDatum(first_bad)};
		bool nulls[4] = {!has_tenant, false, false, !bad};
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	});
}

} // namespace

TENANCY_FUNCTION(verify_audit)
{
	bool one_chain = !PG_ARGISNULL(0);
	ChainKey tenant = one_chain ? chain_key(false, *PG_GETARG_UUID_P(0)) : std::nullopt;
	tenancy::pg_guarded([&]() {
		InitMaterializedSRF(fcinfo, 0);
		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "tenancy could not connect to SPI");
	});

	Position watermark = read_watermark(false);
	std::map<ChainKey, ChainRecord> chains = load_chains(false, one_chain, tenant);
	std::map<ChainKey, std::vector<Anchor>> anchors = load_anchors(false, one_chain, tenant);
	std::unordered_map<ChainKey, ChainVerifier, ChainKeyHash> verifiers;
	for (const auto &[key, chain] : chains)
		verifiers.emplace(key, verifier_for(key, chains, anchors));
	if (one_chain && verifiers.count(tenant) == 0) /* a tenant without a chain still gets its row */
		verifiers.emplace(tenant, verifier_for(tenant, chains, anchors));

	LogReader reader(LogRange{Position{}, watermark, one_chain, tenant});
	for (;;)
	{
		const std::vector<LogEntry> &batch = reader.next_batch();
		if (batch.empty())
			break;
		for (const LogEntry &entry : batch)
		{
			auto verifier = verifiers.find(entry.tenant);
			if (verifier == verifiers.end()) /* sealed rows of a chain nobody recorded */
				verifier = verifiers.emplace(entry.tenant, verifier_for(entry.tenant, chains, anchors)).first;
			verifier->second.add(entry.position, entry.digest, entry.erased);
		}
	}
	reader.close();

	/* one result row per chain, in chain key order */
	std::vector<const ChainKey *> keys;
	keys.reserve(verifiers.size());
	for (const auto &[key, verifier] : verifiers)
		keys.push_back(&key);
	std::sort(keys.begin(), keys.end(), [](const ChainKey *a, const ChainKey *b) { return *a < *b; });
	for (const ChainKey *key : keys)
		put_result(fcinfo, *key, verifiers.find(*key)->second.finish());
	tenancy::pg_guarded([]() {
		if (SPI_finish() != SPI_OK_FINISH)
			elog(ERROR, "tenancy could not disconnect from SPI");
	});
	PG_RETURN_NULL();
}

namespace {

/* A relation's name as regclass prints it (qualified when not on the search_path). */
char *
relation_name(Oid relid)
{
	return DatumGetCString(DirectFunctionCall1(regclassout, ObjectIdGetDatum(relid)));
}

/* One chain's last row in a partition. */
struct RawLast
{
	bool tenant_null;
	pg_uuid_t tenant;
	uint64 txid;
	int64 id;
};

} // namespace

TENANCY_FUNCTION(audit_release_partition)
{
	Oid part = PG_ARGISNULL(0) ? InvalidOid : PG_GETARG_OID(0);
	int n = 0;
	tenancy::pg_guarded([&]() {
		Oid log = get_relname_relid("audit_log", get_namespace_oid("tenancy", false));
		if (!OidIsValid(part) || !OidIsValid(log) || !has_superclass(part) ||
			get_partition_parent(part, false) != log)
			ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							errmsg("%s is not a partition of tenancy.audit_log",
								   OidIsValid(part) ? relation_name(part) : "NULL"),
							errhint("Pass one of the log's partitions, as retention does.")));
		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "tenancy could not connect to SPI");
	});
	Position watermark = read_watermark(true);
	RawLast *lasts = tenancy::pg_guarded([&]() {
		char *name = relation_name(part);
		Oid types[2] = {XID8OID, INT8OID};
		Datum values[2] = {FullTransactionIdGetDatum(FullTransactionIdFromU64(watermark.txid)),
						   Int64GetDatum(watermark.id)};
		if (SPI_execute_with_args(psprintf("SELECT 1 FROM %s WHERE (txid, id) > ($1, $2) LIMIT 1", name), 2,
								  types, values, nullptr, false, 0) != SPI_OK_SELECT)
			elog(ERROR, "tenancy could not read partition %s", name);
		if (SPI_processed > 0)
			ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
							errmsg("partition %s holds unsealed audit rows", name),
							errhint("Run tenancy.seal_audit() first; maintenance seals before retention.")));
		if (SPI_execute(psprintf("SELECT DISTINCT ON (tenant_id) tenant_id, txid, id FROM %s "
								 "ORDER BY tenant_id, txid DESC, id DESC",
								 name),
						false, 0) != SPI_OK_SELECT)
			elog(ERROR, "tenancy could not read partition %s", name);
		n = (int) SPI_processed;
		RawLast *out = (RawLast *) palloc0(sizeof(RawLast) * (n + 1));
		for (int r = 0; r < n; r++)
		{
			bool isnull;
			HeapTuple t = SPI_tuptable->vals[r];
			Datum v = SPI_getbinval(t, SPI_tuptable->tupdesc, 1, &isnull);
			out[r].tenant_null = isnull;
			if (!isnull)
				out[r].tenant = *DatumGetUUIDP(v);
			out[r].txid = U64FromFullTransactionId(
				DatumGetFullTransactionId(SPI_getbinval(t, SPI_tuptable->tupdesc, 2, &isnull)));
			out[r].id = DatumGetInt64(SPI_getbinval(t, SPI_tuptable->tupdesc, 3, &isnull));
		}
		SPI_freetuptable(SPI_tuptable);
		return out;
	});

	for (int r = 0; r < n; r++)
	{
		ChainKey tenant = chain_key(lasts[r].tenant_null, lasts[r].tenant);
		Position last{lasts[r].txid, lasts[r].id};
		std::map<ChainKey, ChainRecord> chains = load_chains(true, true, tenant);
		if (chains.count(tenant) == 0 || last <= chains[tenant].start.after)
			continue; /* released before */
		std::map<ChainKey, std::vector<Anchor>> anchors = load_anchors(true, true, tenant);
		/* walk on to the end of the range that holds `last`, so its anchor checks the rows released */
		Position through = last;
		for (const Anchor &anchor : anchors[tenant])
			if (last <= anchor.end)
			{
				through = anchor.end;
				break;
			}
		ChainVerifier verifier = verifier_for(tenant, chains, anchors);
		ChainStart start = chains[tenant].start;
		LogReader reader(LogRange{chains[tenant].start.after, through, true, tenant, true});
		for (;;)
		{
			const std::vector<LogEntry> &batch = reader.next_batch();
			if (batch.empty())
				break;
			for (const LogEntry &entry : batch)
			{
				verifier.add(entry.position, entry.digest, entry.erased);
				if (entry.position <= last)
					start = verifier.start_after_last();
			}
		}
		reader.close();
		/* dropping rows that do not verify would destroy the evidence */
		if (std::optional<int64_t> bad = verifier.failed_at())
		{
			int64 bad_id = *bad;
			tenancy::pg_guarded([&]() {
				ereport(ERROR, (errcode(ERRCODE_DATA_CORRUPTED),
								errmsg("the audit chain through partition %s does not verify from row %lld",
									   relation_name(part), (long long) bad_id),
								errhint("Investigate with tenancy.verify_audit() before dropping audit rows.")));
			});
		}
		save_start(tenant, start);
	}
	tenancy::pg_guarded([]() {
		if (SPI_finish() != SPI_OK_FINISH)
			elog(ERROR, "tenancy could not disconnect from SPI");
	});
	PG_RETURN_VOID();
}
