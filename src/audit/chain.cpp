/*
 * chain.cpp: canonical encodings, digests and links of audit rows.
 *
 * The digests feed the encoding straight into the hash, a field at a time,
 * so hashing a row allocates nothing: sealing and verification hash every
 * row of the log, three BLAKE2b calls per row. The encoding is compact
 * (lengths as varints, no 8-byte length per field) so that a typical row's
 * metadata with its images digest fits one 128-byte BLAKE2b block: each
 * block costs a compression, most of the hashing's time.
 */
#include "audit/chain.hpp"

#include <sodium.h>

#include <cstring>

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

/*
 * Hashes the encoded bytes as they come (the digests). Small writes are
 * gathered into a buffer first: a message that fits it is hashed in one
 * call, and libsodium is not called once per tag and length byte.
 */
class HashSink
{
  public:
	void write(const uint8_t *data, size_t length)
	{
		if (used_ + length > sizeof buffer_)
		{
			flush();
			if (length > sizeof buffer_)
			{
				crypto_generichash_update(&state_, data, length);
				return;
			}
		}
		memcpy(buffer_ + used_, data, length);
		used_ += length;
	}
	Hash finish()
	{
		Hash out;
		if (!started_)
			crypto_generichash(out.data(), out.size(), buffer_, used_, nullptr, 0);
		else
		{
			flush();
			crypto_generichash_final(&state_, out.data(), out.size());
		}
		return out;
	}

  private:
	void flush()
	{
		if (!started_)
			crypto_generichash_init(&state_, nullptr, 0, hash_size);
		started_ = true;
		crypto_generichash_update(&state_, buffer_, used_);
		used_ = 0;
	}

	uint8_t buffer_[256];
	size_t used_ = 0;
	bool started_ = false;
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

	/* LEB128: 7 bits a byte, the high bit set on all but the last. */
	void varint(uint64_t value)
	{
		uint8_t bytes[10];
		size_t n = 0;
		do
		{
			bytes[n] = static_cast<uint8_t>(value & 0x7f);
			value >>= 7;
			if (value != 0)
				bytes[n] |= 0x80;
			n++;
		} while (value != 0);
		sink_.write(bytes, n);
	}

	/* varint(length + 1) + bytes for a value, varint 0 for SQL NULL. */
	void field(const uint8_t *data, size_t length)
	{
		varint(static_cast<uint64_t>(length) + 1);
		sink_.write(data, length);
	}
	void null() { varint(0); }

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
	e.varint(4); /* encoding version: 4 has varints for lengths, id and txid (3 had 8-byte ones) */
	e.varint(static_cast<uint64_t>(meta.id));
	e.integer(static_cast<uint64_t>(meta.logged_at_us));
	e.varint(meta.txid);
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
	uint8_t both[2 * hash_size];
	memcpy(both, link.data(), hash_size);
	memcpy(both + hash_size, row_digest.data(), hash_size);
	Hash out;
	crypto_generichash(out.data(), out.size(), both, sizeof both, nullptr, 0);
	return out;
}

} // namespace tenancy::audit
