/* audit_chain_rules_test.cpp: sealing into anchors and verifying against them. */
#include "audit/chain_rules.hpp"

#include <catch2/catch.hpp>
#include <sodium.h>

using namespace tenancy::audit;

namespace {

Hash
digest(int n)
{
	Hash h{};
	h[0] = static_cast<uint8_t>(n);
	h[1] = static_cast<uint8_t>(n >> 8);
	return h;
}

struct Row
{
	Position position;
	Hash digest;
	bool erased = false;
};

/* Rows 1..n of one chain, at txid 100 + i, id i. */
std::vector<Row>
rows(int n)
{
	std::vector<Row> out;
	for (int i = 1; i <= n; i++)
		out.push_back(Row{Position{uint64_t(100 + i), i}, digest(i)});
	return out;
}

/* Seals rows in ranges ending after each index in ends (1-based counts). */
std::vector<Anchor>
seal(const std::vector<Row> &all, std::vector<size_t> ends, const ChainStart &start = ChainStart{})
{
	std::vector<Anchor> anchors;
	Hash link = start.link;
	size_t from = 0;
	for (size_t end : ends)
	{
		ChainSealer sealer;
		sealer.start_chain(std::nullopt, link);
		for (size_t i = from; i < end; i++)
			sealer.add(std::nullopt, all[i].position, all[i].digest);
		Anchor anchor = sealer.anchors().at(std::nullopt);
		anchors.push_back(anchor);
		link = anchor.link;
		from = end;
	}
	return anchors;
}

VerifyResult
verify(const std::vector<Row> &all, const std::vector<Anchor> &anchors, const ChainStart &start = ChainStart{})
{
	ChainVerifier verifier(start, anchors);
	for (const Row &row : all)
		verifier.add(row.position, row.digest, row.erased);
	return verifier.finish();
}

} // namespace

TEST_CASE("a sealer records one anchor per chain it extends", "[audit]")
{
	REQUIRE(sodium_init() >= 0);
	ChainSealer sealer;
	Uuid a{1}, b{2};
	sealer.start_chain(a, genesis_hash);
	sealer.start_chain(b, genesis_hash);
	sealer.start_chain(std::nullopt, genesis_hash);
	sealer.add(a, Position{10, 1}, digest(1));
	sealer.add(b, Position{10, 2}, digest(2));
	sealer.add(a, Position{11, 3}, digest(3));
	auto anchors = sealer.anchors();
	REQUIRE(anchors.size() == 2); /* the chain without rows gets none */
	CHECK(anchors.at(a).rows == 2);
	CHECK(anchors.at(a).end == Position{11, 3});
	CHECK(anchors.at(a).link == chain_link(chain_link(genesis_hash, digest(1)), digest(3)));
	CHECK(anchors.at(b).rows == 1);
}

TEST_CASE("an untouched chain verifies, erased rows counted", "[audit]")
{
	auto all = rows(6);
	auto anchors = seal(all, {2, 5, 6});
	all[3].erased = true;
	VerifyResult result = verify(all, anchors);
	CHECK(result.rows_checked == 6);
	CHECK(result.rows_erased == 1);
	CHECK_FALSE(result.first_bad_id);
}

TEST_CASE("a changed row fails its range, named by the range's first row", "[audit]")
{
	auto all = rows(6);
	auto anchors = seal(all, {2, 5, 6});
	all[3].digest = digest(99);
	VerifyResult result = verify(all, anchors);
	CHECK(result.first_bad_id == 3);
	CHECK(result.rows_checked == 6);
}

TEST_CASE("a removed row fails its range; a removed range end too", "[audit]")
{
	auto all = rows(6);
	auto anchors = seal(all, {2, 5, 6});
	auto inner = all;
	inner.erase(inner.begin() + 3); /* row 4 */
	CHECK(verify(inner, anchors).first_bad_id == 3);

	auto end = all;
	end.erase(end.begin() + 4); /* row 5, the end of the second range */
	CHECK(verify(end, anchors).first_bad_id == 3);

	auto tail = all;
	tail.pop_back(); /* the last row */
	CHECK(verify(tail, anchors).first_bad_id == 6);

	auto whole = all;
	whole.erase(whole.begin() + 5); /* the third range, a single row */
	CHECK(verify(whole, anchors).first_bad_id == 6);
}

TEST_CASE("reordered, inserted and unsealed rows fail", "[audit]")
{
	auto all = rows(4);
	auto anchors = seal(all, {4});
	auto swapped = all;
	std::swap(swapped[1].digest, swapped[2].digest);
	CHECK(verify(swapped, anchors).first_bad_id == 1);

	auto inserted = all;
	inserted.insert(inserted.begin() + 2, Row{Position{102, 50}, digest(50)});
	CHECK(verify(inserted, anchors).first_bad_id == 1);

	auto after = all;
	after.push_back(Row{Position{200, 60}, digest(60)}); /* inside the sealed range, after every anchor */
	CHECK(verify(after, anchors).first_bad_id == 60);
}

TEST_CASE("a changed anchor fails its range", "[audit]")
{
	auto all = rows(4);
	auto anchors = seal(all, {2, 4});
	auto wrong_count = anchors;
	wrong_count[1].rows = 3;
	CHECK(verify(all, wrong_count).first_bad_id == 3);
	auto wrong_link = anchors;
	wrong_link[0].link = digest(7);
	CHECK(verify(all, wrong_link).first_bad_id == 1);
}

TEST_CASE("a chain started after dropped rows verifies from mid-range", "[audit]")
{
	auto all = rows(6);
	auto anchors = seal(all, {4, 6});
	ChainVerifier walk(ChainStart{}, anchors);
	for (int i = 0; i < 3; i++) /* rows 1-3 are released; row 4 ends the first range */
		walk.add(all[i].position, all[i].digest, false);
	CHECK_FALSE(walk.failed_at());
	ChainStart start = walk.start_after_last();
	CHECK(start.range_rows == 3);
	CHECK(start.after == Position{103, 3});

	std::vector<Anchor> kept = anchors; /* no anchor ends at or before the start */
	VerifyResult result = verify(all, kept, start);
	CHECK(result.rows_checked == 3);
	CHECK_FALSE(result.first_bad_id);

	auto changed = all;
	changed[3].digest = digest(77);
	CHECK(verify(changed, kept, start).first_bad_id == 4);
}
