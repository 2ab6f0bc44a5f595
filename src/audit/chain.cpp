/*
 * chain.cpp: canonical encodings, digests and links of audit rows.
 */
#include "audit/chain.hpp"

#include <sodium.h>

namespace tenancy::audit {

namespace {

class Encoder
{
  public:
	void integer(uint64_t value)
	{
		for (int shift = 56; shift >= 0; shift -= 8)
			bytes_.push_back(static_cast<uint8_t>(value >> shift));
	}

	/* Tag 1 + length + bytes for a value, tag 0 for SQL NULL. */
	void field(const uint8_t *data, size_t length)
	{
		bytes_.push_back(1);
		integer(length);
		bytes_.insert(bytes_.end(), data, data + length);
	}
	void null() { bytes_.push_back(0); }

	void text(const std::string &value)
	{
		field(reinterpret_cast<const uint8_t *>(value.data()), value.size());
	}
	void text(const std::optional<std::string> &value)
	{
		if (value)
			text(*value);
		else
			null();
	}
	void uuid(const std::optional<Uuid> &value)
	{
		if (value)
			field(value->data(), value->size());
		else
			null();
	}

	std::vector<uint8_t> take() { return std::move(bytes_); }

  private:
	std::vector<uint8_t> bytes_;
};

Hash
blake2b(const uint8_t *a, size_t a_size, const uint8_t *b, size_t b_size)
{
	crypto_generichash_state state;
	Hash out;
	crypto_generichash_init(&state, nullptr, 0, out.size());
	crypto_generichash_update(&state, a, a_size);
	crypto_generichash_update(&state, b, b_size);
	crypto_generichash_final(&state, out.data(), out.size());
	return out;
}

} // namespace

std::vector<uint8_t>
encode_meta(const RowMeta &meta)
{
	Encoder e;
	e.integer(2); /* encoding version: 2 chains digests */
	e.integer(static_cast<uint64_t>(meta.id));
	e.integer(static_cast<uint64_t>(meta.logged_at_us));
	e.integer(meta.txid);
	e.text(meta.schema_name);
	e.text(meta.table_name);
	e.text(meta.op);
	e.uuid(meta.tenant_id);
	e.uuid(meta.actor_id);
	e.text(meta.db_user);
	return e.take();
}

std::vector<uint8_t>
encode_images(const RowImages &images)
{
	Encoder e;
	e.text(images.record_key);
	e.text(images.old_values);
	e.text(images.new_values);
	return e.take();
}

Hash
images_digest(const RowImages &images)
{
	std::vector<uint8_t> encoded = encode_images(images);
	return blake2b(encoded.data(), encoded.size(), nullptr, 0);
}

Hash
row_digest(const RowMeta &meta, const Hash &images_digest)
{
	std::vector<uint8_t> encoded = encode_meta(meta);
	return blake2b(encoded.data(), encoded.size(), images_digest.data(), images_digest.size());
}

Hash
chain_link(const Hash &link, const Hash &row_digest)
{
	return blake2b(link.data(), link.size(), row_digest.data(), row_digest.size());
}

} // namespace tenancy::audit
