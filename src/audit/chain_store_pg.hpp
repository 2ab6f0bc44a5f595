/*
 * chain_store_pg.hpp: the server glue of sealing and verification. It reads
 * log rows in chain order (as digests), the chains' starts, the seals'
 * anchors and the sealed range, and writes what a seal or a release
 * decided. The rules themselves are in chain_rules.hpp (pure C++).
 * Call between SPI_connect and SPI_finish.
 */
#pragma once
#include "audit/chain_rules.hpp"
#include "core/pg.hpp"

extern "C" {
#include "executor/spi.h"
#include "utils/portal.h"
#include "utils/uuid.h"
}

#include <map>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace tenancy::audit {

using ChainKey = ChainSealer::Key;

/* One log row, reduced to what the chain needs. */
struct LogEntry
{
	Position position;
	ChainKey tenant;
	Hash digest{};
	bool erased = false;
};

/* Which rows a LogReader reads, in chain order. */
struct LogRange
{
	Position after;	 /* exclusive */
	Position through; /* inclusive */
	bool one_chain = false;
	ChainKey tenant; /* with one_chain: only this chain's rows (index on tenant_id, txid, id) */
	bool latest = false; /* read what committed last (a seal, after its lock), not the caller's snapshot */
};

/* The dictionary's schema and table names by id (tenancy.audit_relation). */
using RelationNames = std::unordered_map<int32_t, std::pair<std::string_view, std::string_view>>;

/* Reads log rows through an SPI cursor, a batch at a time. */
class LogReader
{
  public:
	explicit LogReader(const LogRange &range);
	LogReader(const LogReader &) = delete;
	LogReader &operator=(const LogReader &) = delete;

	/* The next rows (empty at the end). */
	const std::vector<LogEntry> &next_batch();

	/* Closes the cursor (an error closes it with the transaction). */
	void close();

  private:
	void load_relation_names(bool latest);

	Portal portal_ = nullptr;
	MemoryContext batch_context_ = nullptr;
	struct RawLogRow *raw_ = nullptr;
	SPITupleTable *table_ = nullptr; /* the batch's rows, which raw_ points into */
	std::vector<LogEntry> batch_;
	SPITupleTable *relation_rows_ = nullptr; /* the dictionary's rows, which relations_ points into */
	RelationNames relations_;
};

ChainKey chain_key(bool is_null, const pg_uuid_t &uuid);

/* An xid8 Datum's value. */
uint64 xid8_value(Datum value);

/* A bytea of hash_size bytes as a Hash; nullopt for NULL or another length. */
std::optional<Hash> hash_of(const struct varlena *value);

/*
 * The end of the sealed range; with serialize, after taking the seal lock
 * (seals, erasures and releases take turns) and as committed then.
 * Readers given latest = true below see what committed while they waited.
 */
Position read_watermark(bool serialize);

/* The last position a seal may take: before the oldest running transaction. */
Position seal_limit();

struct ChainRecord
{
	ChainStart start;
	std::optional<Hash> last; /* the last anchor's link */
	int64_t sealed_rows = 0;
};

/*
 * The chains recorded in tenancy.audit_chain (only tenant's, with one_chain);
 * read by direct scans (chain_state_pg.cpp), as the caller's snapshot or,
 * with latest, a new one.
 */
std::map<ChainKey, ChainRecord> load_chains(bool latest, bool one_chain, const ChainKey &tenant);

/* Each chain's anchors after its start, in chain order. */
std::map<ChainKey, std::vector<Anchor>> load_anchors(bool latest, bool one_chain, const ChainKey &tenant);

/* Records a seal: its anchors, the chains' heads and the new watermark. */
void save_seal(const std::map<ChainKey, Anchor> &anchors, const std::map<ChainKey, ChainRecord> &chains,
			   const Position &watermark);

/* Moves a chain's start (retention dropped the rows up to it) and drops the anchors before it. */
void save_start(const ChainKey &tenant, const ChainStart &start);

} // namespace tenancy::audit
