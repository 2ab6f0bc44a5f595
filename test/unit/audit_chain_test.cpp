/* audit_chain_test.cpp: the audit hash chain's encoding and hashing. */
#include "audit/chain.hpp"

#include <catch2/catch.hpp>
#include <sodium.h>

using tenancy::audit::chain_hash;
using tenancy::audit::ChainedRow;
using tenancy::audit::encode_row;
using tenancy::audit::genesis_hash;

static ChainedRow
sample_row()
{
	ChainedRow row;
	row.id = 42;
	row.logged_at_us = 817'000'000'000'000;
	row.txid = 1234;
	row.schema_name = "public";
	row.table_name = "items";
	row.op = "UPDATE";
	row.tenant_id = std::array<uint8_t, 16>{1, 2, 3};
	row.db_user = "app";
	row.record_key = R"({"id": 7})";
	row.old_values = R"({"body": "a"})";
	row.new_values = R"({"body": "b"})";
	return row;
}

TEST_CASE("chain hash is deterministic and depends on every field", "[audit]")
{
	REQUIRE(sodium_init() >= 0);
	ChainedRow row = sample_row();
	auto base = chain_hash(genesis_hash, row);
	CHECK(chain_hash(genesis_hash, row) == base);

	auto changed = [&](auto mutate) {
		ChainedRow copy = sample_row();
		mutate(copy);
		return chain_hash(genesis_hash, copy) != base;
	};
	CHECK(changed([](ChainedRow &r) { r.id = 43; }));
	CHECK(changed([](ChainedRow &r) { r.logged_at_us += 1; }));
	CHECK(changed([](ChainedRow &r) { r.txid = 1235; }));
	CHECK(changed([](ChainedRow &r) { r.schema_name = "other"; }));
	CHECK(changed([](ChainedRow &r) { r.table_name = "items2"; }));
	CHECK(changed([](ChainedRow &r) { r.op = "DELETE"; }));
	CHECK(changed([](ChainedRow &r) { r.tenant_id.reset(); }));
	CHECK(changed([](ChainedRow &r) { r.actor_id = std::array<uint8_t, 16>{}; }));
	CHECK(changed([](ChainedRow &r) { r.db_user = "admin"; }));
	CHECK(changed([](ChainedRow &r) { r.record_key.reset(); }));
	CHECK(changed([](ChainedRow &r) { r.old_values = R"({"body": "x"})"; }));
	CHECK(changed([](ChainedRow &r) { r.new_values.reset(); }));

	tenancy::audit::Hash other_prev{};
	other_prev[0] = 1;
	CHECK(chain_hash(other_prev, row) != base);
}

TEST_CASE("encoding is unambiguous: NULL differs from empty, fields do not run together", "[audit]")
{
	ChainedRow a = sample_row(), b = sample_row();
	a.record_key = std::string();
	b.record_key.reset();
	CHECK(encode_row(a) != encode_row(b));

	ChainedRow c = sample_row(), d = sample_row();
	c.schema_name = "ab";
	c.table_name = "c";
	d.schema_name = "a";
	d.table_name = "bc";
	CHECK(encode_row(c) != encode_row(d));
}

TEST_CASE("a chain detects a removed or reordered row", "[audit]")
{
	ChainedRow r1 = sample_row(), r2 = sample_row(), r3 = sample_row();
	r2.id = 43;
	r3.id = 44;
	auto h1 = chain_hash(genesis_hash, r1);
	auto h2 = chain_hash(h1, r2);
	auto h3 = chain_hash(h2, r3);
	CHECK(chain_hash(h1, r3) != h3);					  /* r2 removed */
	CHECK(chain_hash(chain_hash(genesis_hash, r2), r1) != h2); /* r1, r2 swapped */
}
