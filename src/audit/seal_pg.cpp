/*
 * seal_pg.cpp: tenancy.seal_audit().
 *
 * Chain order is (txid, id): transaction order, then log order within a
 * transaction. Sealing takes only rows whose transaction ended before the
 * oldest transaction still running (txid < xmin of the current snapshot, in
 * the log's numbering: see xid_offset_pg.hpp): every row sealed later then
 * sorts after every row sealed now, so writers never wait for the chain and
 * the chain never has to be rewritten. A seal reads the new rows and writes
 * one anchor per chain it extends (chain_rules.hpp); it never updates a log
 * row.
 */
#include "audit/chain_store_pg.hpp"
#include "core/boundary.hpp"

extern "C" {
#include "executor/spi.h"
}

namespace {

using namespace tenancy::audit;

int64
seal_pending_rows()
{
	Position watermark = read_watermark(true);
	std::map<ChainKey, ChainRecord> chains = load_chains(true, false, std::nullopt);
	ChainSealer sealer;
	LogReader reader(LogRange{watermark, seal_limit(), false, std::nullopt, true});
	int64 sealed = 0;
	for (;;)
	{
		const std::vector<LogEntry> &batch = reader.next_batch();
		if (batch.empty())
			break;
		for (const LogEntry &entry : batch)
		{
			if (!sealer.knows(entry.tenant))
			{
				auto known = chains.find(entry.tenant);
				sealer.start_chain(entry.tenant, known == chains.end() ? genesis_hash
													: known->second.last.value_or(known->second.start.link));
			}
			sealer.add(entry.tenant, entry.position, entry.digest);
			watermark = entry.position;
		}
		sealed += (int64) batch.size();
	}
	reader.close();
	if (sealed > 0)
		save_seal(sealer.anchors(), chains, watermark);
	return sealed;
}

} // namespace

TENANCY_FUNCTION(seal_audit)
{
	tenancy::pg_guarded([]() {
		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "tenancy could not connect to SPI");
	});
	int64 sealed = seal_pending_rows();
	tenancy::pg_guarded([]() {
		if (SPI_finish() != SPI_OK_FINISH)
			elog(ERROR, "tenancy could not disconnect from SPI");
	});
	PG_RETURN_INT64(sealed);
}
