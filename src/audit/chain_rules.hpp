/*
 * chain_rules.hpp: how seals extend the audit chains and how verification
 * checks them (pure C++; the SPI glue in seal_pg.cpp and verify_pg.cpp only
 * reads rows and writes results).
 *
 * A seal never touches log rows. For each chain that has new rows it records
 * one anchor: where the seal's range of that chain ends (txid, id), how many
 * rows the range holds, and the chain's link after its last row. A chain
 * starts at (0, 0) with genesis_hash, or, once retention dropped its oldest
 * rows, after the last dropped row with the link there.
 *
 * Verification walks one chain's rows in chain order from its start and
 * compares the link and row count at each anchor. A changed, erased-but-
 * forged, removed, inserted or reordered row makes the first range that
 * contains it fail; first_bad_id is that range's first row (or, for a
 * range whose rows are all gone, the id its last row had).
 */
#pragma once
#include "audit/chain.hpp"

#include <map>
#include <optional>
#include <vector>

namespace tenancy::audit {

/* A row's place in chain order. */
struct Position
{
	uint64_t txid = 0;
	int64_t id = 0;
};
bool operator<(const Position &a, const Position &b);
bool operator==(const Position &a, const Position &b);
inline bool operator<=(const Position &a, const Position &b) { return !(b < a); }

/* Where a chain's verification starts: rows at or before `after` are gone. */
struct ChainStart
{
	Position after;
	Hash link = genesis_hash;
	int64_t range_rows = 0; /* rows at or before `after` in the range of the next anchor */
};

/* One seal's end of one chain. */
struct Anchor
{
	Position end;
	int64_t rows = 0; /* rows of this chain the seal covered */
	Hash link{};
};

struct VerifyResult
{
	int64_t rows_checked = 0;
	int64_t rows_erased = 0;
	std::optional<int64_t> first_bad_id;
};

/* Checks one chain, fed its rows in chain order up to the sealed range's end. */
class ChainVerifier
{
  public:
	/* anchors in chain order, all after start */
	ChainVerifier(const ChainStart &start, std::vector<Anchor> anchors);

	void add(const Position &position, const Hash &row_digest, bool erased);
	VerifyResult finish();

	/* The first bad row found among the rows added so far. */
	std::optional<int64_t> failed_at() const { return result_.first_bad_id; }

	/* Where a chain that starts after the last row added picks up. */
	ChainStart start_after_last() const;

  private:
	void fail(int64_t id);

	ChainStart start_;
	std::vector<Anchor> anchors_;
	size_t next_ = 0;
	Hash link_;
	Position last_;
	int64_t range_rows_ = 0;
	std::optional<int64_t> range_first_id_;
	VerifyResult result_;
};

/* A seal in progress: the new links of every chain it touched. */
class ChainSealer
{
  public:
	using Key = std::optional<Uuid>; /* a tenant, or none */

	/* The link a chain ends with so far (before this seal: its last anchor's). */
	void start_chain(const Key &chain, const Hash &link);
	bool knows(const Key &chain) const;

	/* Extends the chain by a row in chain order. */
	void add(const Key &chain, const Position &position, const Hash &row_digest);

	/* The anchors this seal records, one per chain it extended. */
	std::map<Key, Anchor> anchors() const;

  private:
	struct Progress
	{
		Hash link{};
		Anchor anchor;
	};
	std::map<Key, Progress> chains_;
};

} // namespace tenancy::audit
