/*
 * keyring.hpp: the master keys, read from the file tenancy.key_file names.
 *
 * The file holds lines `<key_id>:<64 hex digits>` (blank lines and lines
 * starting with # are ignored). Key material lives only in memory from
 * sodium_malloc (guard pages, locked against swapping, wiped when freed);
 * the file's text is read into such memory too and wiped after parsing.
 * Error texts name line numbers, never line contents.
 */
#pragma once
#include "core/pure.hpp"
#include "vault/envelope.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <sys/types.h>
#include <vector>

namespace tenancy::vault {

inline constexpr std::size_t fingerprint_bytes = 16;
inline constexpr std::size_t max_key_file_bytes = 64 * 1024;

/* Memory from sodium_malloc, wiped and freed by sodium_free. */
class SecureBuffer
{
  public:
	explicit SecureBuffer(std::size_t size);
	~SecureBuffer();
	SecureBuffer(const SecureBuffer &) = delete;
	SecureBuffer &operator=(const SecureBuffer &) = delete;

	std::uint8_t *data() noexcept { return data_; }
	const std::uint8_t *data() const noexcept { return data_; }
	std::size_t size() const noexcept { return size_; }

  private:
	std::uint8_t *data_;
	std::size_t size_;
};

class KeyRing
{
  public:
	/* Parses key file text; throws tenancy::Error naming the bad line. */
	static std::unique_ptr<KeyRing> parse(const char *text, std::size_t len);

	/* The key with this id, or nullptr. */
	const std::uint8_t *key(std::int32_t key_id) const noexcept;
	std::int32_t highest_id() const noexcept;
	const std::vector<std::int32_t> &ids() const noexcept { return ids_; }

  private:
	KeyRing(std::vector<std::int32_t> ids, std::unique_ptr<SecureBuffer> keys);

	std::vector<std::int32_t> ids_; /* in file order */
	std::unique_ptr<SecureBuffer> keys_;
};

/*
 * A fingerprint of a key: BLAKE2b keyed with the key over a fixed label.
 * It identifies the key without revealing it (a keyed hash is a PRF).
 */
void key_fingerprint(const std::uint8_t *key, std::uint8_t out[fingerprint_bytes]) noexcept;

/*
 * Reads and parses a key file. Refuses, with a clear error and without
 * reading it, a file that is not a regular file, is not owned by
 * expected_owner, or has any group or other permission bits.
 */
std::unique_ptr<KeyRing> load_key_file(const std::string &path, uid_t expected_owner);

/*
 * The key ring of the backend: reloaded when the path or the file (inode,
 * size, times) changes; the owner and mode are checked on every call, so
 * a chmod takes effect at once.
 */
class KeyCache
{
  public:
	/* Throws tenancy::Error when path is empty or the file is unusable. */
	const KeyRing &get(const char *path, uid_t expected_owner);
	void reset() noexcept;

  private:
	std::unique_ptr<KeyRing> ring_;
	std::string path_;
	struct
	{
		dev_t dev;
		ino_t ino;
		off_t size;
		long mtime_sec, mtime_nsec, ctime_sec, ctime_nsec;
	} stamp_{};
};

} // namespace tenancy::vault
