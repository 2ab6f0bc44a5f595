/*
 * chain_rules.cpp: sealing and verification of the audit chains.
 */
#include "audit/chain_rules.hpp"

#include <utility>

namespace tenancy::audit {

bool
operator<(const Position &a, const Position &b)
{
	return a.txid < b.txid || (a.txid == b.txid && a.id < b.id);
}

bool
operator==(const Position &a, const Position &b)
{
	return a.txid == b.txid && a.id == b.id;
}

ChainVerifier::ChainVerifier(const ChainStart &start, std::vector<Anchor> anchors)
	: start_(start), anchors_(std::move(anchors)), link_(start.link), last_(start.after),
	  range_rows_(start.range_rows)
{
}

void
ChainVerifier::fail(int64_t id)
{
	if (!result_.first_bad_id)
		result_.first_bad_id = id;
}

void
ChainVerifier::add(const Position &position, const Hash &row_digest, bool erased)
{
	if (position <= start_.after) /* dropped by retention, or older than what was */
		return;
	result_.rows_checked++;
	if (erased)
		result_.rows_erased++;
	if (result_.first_bad_id)
		return;
	if (next_ == anchors_.size()) /* a row no seal covered, inside the sealed range */
	{
		fail(position.id);
		return;
	}
	const Anchor &anchor = anchors_[next_];
	if (anchor.end < position) /* the range's last row is gone */
	{
		fail(range_first_id_.value_or(anchor.end.id));
		return;
	}
	if (!range_first_id_)
		range_first_id_ = position.id;
	link_ = chain_link(link_, row_digest);
	last_ = position;
	range_rows_++;
	if (position == anchor.end)
	{
		if (link_ != anchor.link || range_rows_ != anchor.rows)
		{
			fail(*range_first_id_);
			return;
		}
		next_++;
		range_rows_ = 0;
		range_first_id_.reset();
	}
}

VerifyResult
ChainVerifier::finish()
{
	if (next_ < anchors_.size()) /* the chain ends before its last anchor */
		fail(range_first_id_.value_or(anchors_[next_].end.id));
	return result_;
}

ChainStart
ChainVerifier::start_after_last() const
{
	return ChainStart{last_, link_, range_rows_};
}

void
ChainSealer::start_chain(const Key &chain, const Hash &link)
{
	chains_[chain].link = link;
}

bool
ChainSealer::knows(const Key &chain) const
{
	return chains_.count(chain) > 0;
}

void
ChainSealer::add(const Key &chain, const Position &position, const Hash &row_digest)
{
	Progress &progress = chains_[chain];
	progress.link = chain_link(progress.link, row_digest);
	progress.anchor.end = position;
	progress.anchor.rows++;
	progress.anchor.link = progress.link;
}

std::map<ChainSealer::Key, Anchor>
ChainSealer::anchors() const
{
	std::map<Key, Anchor> out;
	for (const auto &[chain, progress] : chains_)
		if (progress.anchor.rows > 0)
			out.emplace(chain, progress.anchor);
	return out;
}

} // namespace tenancy::audit
