/*
 * chain.cpp: canonical encoding and BLAKE2b chaining of audit rows.
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
	void uuid(const std::optional<std::array<uint8_t, 16>> &value)
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

} // namespace

std::vector<uint8_t>
encode_row(const ChainedRow &row)
{
	Encoder e;
	e.integer(1); /* encoding version */
	e.integer(static_cast<uint64_t>(row.id));
	e.integer(static_cast<uint64_t>(row.logged_at_us));
	e.integer(row.txid);
	e.text(row.schema_name);
	e.text(row.table_name);
	e.text(row.op);
	e.uuid(row.tenant_id);
	e.uuid(row.actor_id);
	e.text(row.db_user);
	e.text(row.record_key);
	e.text(row.old_values);
	e.text(row.new_values);
	return e.take();
}

Hash
chain_hash(const Hash &prev, const ChainedRow &row)
{
	std::vector<uint8_t> encoded = encode_row(row);
	crypto_generichash_state state;
	Hash out;

	crypto_generichash_init(&state, nullptr, 0, out.size());
	crypto_generichash_update(&state, prev.data(), prev.size());
	crypto_generichash_update(&state, encoded.data(), encoded.size());
	crypto_generichash_final(&state, out.data(), out.size());
	return out;
}

} // namespace tenancy::audit
