/* audit_chain_test.cpp: the audit rows' encodings, digests and chain links. */
#include "audit/chain.hpp"

#include <catch2/catch.hpp>
#include <sodium.h>

using tenancy::audit::chain_link;
using tenancy::audit::encode_images;
using tenancy::audit::encode_meta;
using tenancy::audit::genesis_hash;
using tenancy::audit::Hash;
using tenancy::audit::images_digest;
using tenancy::audit::row_digest;
using tenancy::audit::RowImages;
using tenancy::audit::RowMeta;

static RowMeta
sample_meta()
{
	RowMeta meta;
	meta.id = 42;
	meta.logged_at_us = 817'000'000'000'000;
	meta.txid = 1234;
	meta.schema_name = "public";
	meta.table_name = "items";
	meta.op = "UPDATE";
	meta.tenant_id = tenancy::audit::Uuid{1, 2, 3};
	meta.db_user = "app";
	return meta;
}

static RowImages
sample_images()
{
	return RowImages{R"({"id": 7})", R"({"body": "a"})", R"({"body": "b"})"};
}

static Hash
digest_of(const RowMeta &meta, const RowImages &images)
{
	return row_digest(meta, images_digest(images));
}

TEST_CASE("a row's digest is deterministic and depends on every field", "[audit]")
{
	REQUIRE(sodium_init() >= 0);
	Hash base = digest_of(sample_meta(), sample_images());
	CHECK(digest_of(sample_meta(), sample_images()) == base);

	auto meta_changed = [&](auto mutate) {
		RowMeta copy = sample_meta();
		mutate(copy);
		return digest_of(copy, sample_images()) != base;
	};
	CHECK(meta_changed([](RowMeta &r) { r.id = 43; }));
	CHECK(meta_changed([](RowMeta &r) { r.logged_at_us += 1; }));
	CHECK(meta_changed([](RowMeta &r) { r.txid = 1235; }));
	CHECK(meta_changed([](RowMeta &r) { r.schema_name = "other"; }));
	CHECK(meta_changed([](RowMeta &r) { r.table_name = "items2"; }));
	CHECK(meta_changed([](RowMeta &r) { r.op = "DELETE"; }));
	CHECK(meta_changed([](RowMeta &r) { r.tenant_id.reset(); }));
	CHECK(meta_changed([](RowMeta &r) { r.actor_id = tenancy::audit::Uuid{}; }));
	CHECK(meta_changed([](RowMeta &r) { r.db_user = "admin"; }));

	auto images_changed = [&](auto mutate) {
		RowImages copy = sample_images();
		mutate(copy);
		return digest_of(sample_meta(), copy) != base;
	};
	CHECK(images_changed([](RowImages &r) { r.record_key.reset(); }));
	CHECK(images_changed([](RowImages &r) { r.old_values = R"({"body": "x"})"; }));
	CHECK(images_changed([](RowImages &r) { r.new_values.reset(); }));
}

TEST_CASE("an erased row verifies from its kept images digest alone", "[audit]")
{
	Hash kept = images_digest(sample_images());
	CHECK(row_digest(sample_meta(), kept) == digest_of(sample_meta(), sample_images()));
	/* erasure keeps the metadata covered */
	RowMeta other = sample_meta();
	other.actor_id = tenancy::audit::Uuid{9};
	CHECK(row_digest(other, kept) != digest_of(sample_meta(), sample_images()));
}

TEST_CASE("encodings are unambiguous: NULL differs from empty, fields do not run together", "[audit]")
{
	RowImages a = sample_images(), b = sample_images();
	a.record_key = std::string_view();
	b.record_key.reset();
	CHECK(encode_images(a) != encode_images(b));

	RowImages c = sample_images(), d = sample_images();
	c.old_values = "ab";
	c.new_values = "c";
	d.old_values = "a";
	d.new_values = "bc";
	CHECK(encode_images(c) != encode_images(d));

	RowMeta e = sample_meta(), f = sample_meta();
	e.schema_name = "ab";
	e.table_name = "c";
	f.schema_name = "a";
	f.table_name = "bc";
	CHECK(encode_meta(e) != encode_meta(f));
}

TEST_CASE("links detect a removed or reordered row", "[audit]")
{
	RowMeta m1 = sample_meta(), m2 = sample_meta(), m3 = sample_meta();
	m2.id = 43;
	m3.id = 44;
	Hash d1 = digest_of(m1, sample_images()), d2 = digest_of(m2, sample_images()),
		 d3 = digest_of(m3, sample_images());
	Hash h1 = chain_link(genesis_hash, d1);
	Hash h2 = chain_link(h1, d2);
	Hash h3 = chain_link(h2, d3);
	CHECK(chain_link(h1, d3) != h3);						  /* the second removed */
	CHECK(chain_link(chain_link(genesis_hash, d2), d1) != h2); /* the first two swapped */
}

TEST_CASE("the digests hash exactly the bytes of the encodings", "[audit]")
{
	/* the digests stream the encoding into the hash; it must not drift from encode_* */
	auto blake2b = [](const std::vector<uint8_t> &a, const Hash *b) {
		crypto_generichash_state state;
		Hash out;
		crypto_generichash_init(&state, nullptr, 0, out.size());
		crypto_generichash_update(&state, a.data(), a.size());
		if (b)
			crypto_generichash_update(&state, b->data(), b->size());
		crypto_generichash_final(&state, out.data(), out.size());
		return out;
	};
	Hash images = images_digest(sample_images());
	CHECK(images == blake2b(encode_images(sample_images()), nullptr));
	CHECK(row_digest(sample_meta(), images) == blake2b(encode_meta(sample_meta()), &images));
}

TEST_CASE("a typical row's metadata and images digest fit one BLAKE2b block", "[audit]")
{
	/* each further 128-byte block is one more compression per row sealed or verified */
	RowMeta meta = sample_meta();
	meta.id = 123'456'789;
	meta.txid = 987'654'321;
	meta.actor_id = tenancy::audit::Uuid{4, 5, 6};
	meta.table_name = "order_lines";
	meta.db_user = "authenticated";
	CHECK(encode_meta(meta).size() + tenancy::audit::hash_size <= 128);
}

TEST_CASE("long fields are hashed as encoded, across the digests' buffer", "[audit]")
{
	std::string long_key(300, 'k'), long_value(5000, 'v');
	RowImages images{long_key, std::nullopt, long_value};
	std::vector<uint8_t> encoded = encode_images(images);
	Hash expected;
	crypto_generichash(expected.data(), expected.size(), encoded.data(), encoded.size(), nullptr, 0);
	CHECK(images_digest(images) == expected);
	RowMeta meta = sample_meta();
	meta.table_name = long_key;
	CHECK(row_digest(meta, expected) != row_digest(sample_meta(), expected));
}

TEST_CASE("lengths of 127 bytes and more do not run into the next field", "[audit]")
{
	/* a varint length (plus one) takes two bytes from 127 on */
	std::string a(126, 'a'), b(127, 'a');
	RowImages x{a, std::string_view("aa"), std::nullopt}, y{b, std::string_view("a"), std::nullopt};
	CHECK(encode_images(x) != encode_images(y));
	CHECK(encode_images(x).size() == 1 + 126 + 1 + 2 + 1);
	CHECK(encode_images(y).size() == 2 + 127 + 1 + 1 + 1);
}
