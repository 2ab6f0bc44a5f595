/*
 * chain.cpp: canonical encodings, digests and links of audit rows.
 *
 * The digests feed the encoding straight into the hash, a field at a time,
 * so hashing a row allocates nothing: sealing and verification hash every
 * row of the log.
 */
#include "audit/chain.hpp"

#include <sodium.h>

namespace tenancy::audit {

namespace {

/* Collects the encoded bytes (encode_meta, encode_images). */
class ByteSink
{
  public:
	void write(const uint8_t *data, size_t length) { bytes_.insert(bytes_.end(), data, data + length); }
	std::vector<uint8_t> take() { return std::move(bytes_); }

  private:
	std::vector<uint8_t> bytes_;
};

/* Hashes the encoded bytes as they come (the digests). */
class HashSink
{
  public:
	HashSink() { crypto_generichash_init(&state_, nullptr, 0, hash_size); }
	void write(const uint8_t *data, size_t length) { crypto_generichash_update(&state_, data, length); }
	Hash finish()
	{
		Hash out;
		crypto_generichash_final(&state_, out.data(), out.size());
		return out;
	}

  private:
	crypto_generichash_state state_;
};

template <typename Sink>
class Encoder
{
  public:
	explicit Encoder(Sink &sink) : sink_(sink) {}

	void integer(uint64_t value)
	{
		uint8_t bytes[8];
		for (int i = 0; i < 8; i++)
			bytes[i] = static_cast<uint8_t>(value >> (56 - 8 * i));
		sink_.write(bytes, sizeof bytes);
	}

	/* Tag 1 + length + bytes for a value, tag 0 for SQL NULL. */
	void field(const uint8_t *data, size_t length)
	{
		const uint8_t tag = 1;
		sink_.write(&tag, 1);
		integer(length);
		sink_.write(data, length);
	}
	void null()
	{
		const uint8_t tag = 0;
		sink_.write(&tag, 1);
	}

	void text(std::string_view value)
	{
		field(reinterpret_cast<const uint8_t *>(value.data()), value.size());
	}
	void text(const std::optional<std::string_view> &value)
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

  private:
	Sink &sink_;
};

template <typename Sink>
void
write_meta(Sink &sink, const RowMeta &meta)
{
	Encoder<Sink> e(sink);
	e.integer(3); /* encoding version: 3 chains digests of the images' binary jsonb */
	e.integer(static_cast<uint64_t>(meta.id));
	e.integer(static_cast<uint64_t>(meta.logged_at_us));
	e.integer(meta.txid);
	e.text(meta.schema_name);
	e.text(meta.table_name);
	e.text(meta.op);
	e.uuid(meta.tenant_id);
	e.uuid(meta.actor_id);
	e.text(meta.db_user);
}

template <typename Sink>
void
write_images(Sink &sink, const RowImages &images)
{
	Encoder<Sink> e(sink);
	e.text(images.record_key);
	e.text(images.old_values);
	e.text(images.new_values);
}

} // namespace

std::vector<uint8_t>
encode_meta(const RowMeta &meta)
{
	ByteSink sink;
	write_meta(sink, meta);
	return sink.take();
}

std::vector<uint8_t>
encode_images(const RowImages &images)
{
	ByteSink sink;
	write_images(sink, images);
	return sink.take();
}

Hash
images_digest(const RowImages &images)
{
	HashSink sink;
	write_images(sink, images);
	return sink.finish();
}

Hash
row_digest(const RowMeta &meta, const Hash &images_digest)
{
	HashSink sink;
	write_meta(sink, meta);
	sink.write(images_digest.data(), images_digest.size());
	return sink.finish();
}

Hash
chain_link(const Hash &link, const Hash &row_digest)
{
	HashSink sink;
	sink.write(link.data(), link.size());
	sink.write(row_digest.data(), row_digest.size());
	return sink.finish();
}

} // namespace tenancy::audit
