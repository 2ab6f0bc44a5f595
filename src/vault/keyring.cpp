/*
 * keyring.cpp: key file parsing, loading and caching (see keyring.hpp).
 */
#include "vault/keyring.hpp"
#include "core/error.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <new>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

namespace tenancy::vault {

namespace {

const char *const key_file_hint =
	"Each line must be <key_id>:<64 hex digits>, key_id a positive integer; "
	"see docs/tenants.md for how to generate a key.";

[[noreturn]] void
bad_line(std::size_t line, const char *what)
{
	throw Error(sqlstate::config_file_error,
				"key file line " + std::to_string(line) + " " + what, std::string(),
				key_file_hint);
}

/* Parses a key id of 1 to 10 digits within 1 .. 2^31-1, or returns 0. */
std::int32_t
parse_key_id(const char *text, std::size_t len) noexcept
{
	if (len == 0 || len > 10)
		return 0;
	std::int64_t value = 0;
	for (std::size_t i = 0; i < len; i++)
	{
		if (text[i] < '0' || text[i] > '9')
			return 0;
		value = value * 10 + (text[i] - '0');
	}
	if (value <= 0 || value > max_key_id)
		return 0;
	return static_cast<std::int32_t>(value);
}

bool
is_blank_or_comment(const char *line, std::size_t len) noexcept
{
	std::size_t i = 0;
	while (i < len && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r'))
		i++;
	return i == len || line[i] == '#';
}

/* Trailing spaces, tabs and \r are allowed after the key. */
std::size_t
trimmed_length(const char *line, std::size_t len) noexcept
{
	while (len > 0 && (line[len - 1] == ' ' || line[len - 1] == '\t' || line[len - 1] == '\r'))
		len--;
	return len;
}

void
stat_fields(const struct stat &st, dev_t *dev, ino_t *ino, off_t *size, long *ms, long *mns,
			long *cs, long *cns) noexcept
{
	*dev = st.st_dev;
	*ino = st.st_ino;
	*size = st.st_size;
	*ms = st.st_mtim.tv_sec;
	*mns = st.st_mtim.tv_nsec;
	*cs = st.st_ctim.tv_sec;
	*cns = st.st_ctim.tv_nsec;
}

/* The ownership and permission rules, as PostgreSQL applies to its TLS key. */
void
check_file_mode(const struct stat &st, const std::string &path, uid_t expected_owner)
{
	if (!S_ISREG(st.st_mode))
		throw Error(sqlstate::config_file_error, "key file is not a regular file",
					"tenancy.key_file is \"" + path + "\".",
					"Point tenancy.key_file at a regular file.");
	if (st.st_uid != expected_owner)
		throw Error(sqlstate::config_file_error,
					"key file is not owned by the database server's user",
					"tenancy.key_file is \"" + path + "\".",
					"Make the server's operating system user own it (chown) and "
					"give it mode 0600.");
	if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0)
		throw Error(sqlstate::config_file_error, "key file has group or world access",
					"tenancy.key_file is \"" + path + "\".",
					"Run chmod 0600 on it: it must be readable by the server's user only.");
}

[[noreturn]] void
throw_open_error(int err, const std::string &path)
{
	std::string detail = "tenancy.key_file is \"" + path + "\": " + strerror(err) + ".";
	if (err == ENOENT)
		throw Error("58P01", "key file does not exist", detail,
					"Restore the key file, or set tenancy.key_file to where it is and "
					"reload; keys are never generated implicitly.");
	if (err == EACCES)
		throw Error(sqlstate::insufficient_privilege, "could not read key file", detail,
					"The server's user must be able to read it (owner read, mode 0600).");
	throw Error("58030", "could not read key file", detail,
				"Check that the file named by tenancy.key_file is readable.");
}

} // namespace

SecureBuffer::SecureBuffer(std::size_t size) : data_(nullptr), size_(size)
{
	data_ = static_cast<std::uint8_t *>(sodium_malloc(size == 0 ? 1 : size));
	if (data_ == nullptr)
		throw std::bad_alloc();
}

SecureBuffer::~SecureBuffer()
{
	sodium_free(data_); /* wipes before freeing */
}

KeyRing::KeyRing(std::vector<std::int32_t> ids, std::unique_ptr<SecureBuffer> keys)
	: ids_(std::move(ids)), keys_(std::move(keys))
{
}

std::unique_ptr<KeyRing>
KeyRing::parse(const char *text, std::size_t len)
{
	/* Count candidate lines first so key storage is allocated once. */
	std::size_t max_keys = 1;
	for (std::size_t i = 0; i < len; i++)
		if (text[i] == '\n')
			max_keys++;
	auto keys = std::make_unique<SecureBuffer>(max_keys * key_bytes);
	std::vector<std::int32_t> ids;

	std::size_t line_no = 0;
	for (std::size_t start = 0; start <= len;)
	{
		const char *line = text + start;
		const void *nl = memchr(line, '\n', len - start);
		std::size_t line_len = nl ? static_cast<const char *>(nl) - line : len - start;
		line_no++;
		start += line_len + 1;

		if (is_blank_or_comment(line, line_len))
			continue;
		line_len = trimmed_length(line, line_len);
		const void *colon = memchr(line, ':', line_len);
		if (colon == nullptr)
			bad_line(line_no, "has no colon between key id and key");
		std::size_t id_len = static_cast<const char *>(colon) - line;
		std::int32_t id = parse_key_id(line, id_len);
		if (id == 0)
			bad_line(line_no, "has a key id that is not an integer from 1 to 2147483647");
		for (std::int32_t seen : ids)
			if (seen == id)
				bad_line(line_no, "repeats a key id");
		const char *hex = line + id_len + 1;
		std::size_t hex_len = line_len - id_len - 1;
		std::uint8_t *slot = keys->data() + ids.size() * key_bytes;
		size_t bin_len = 0;
		if (hex_len != 2 * key_bytes ||
			sodium_hex2bin(slot, key_bytes, hex, hex_len, nullptr, &bin_len, nullptr) != 0 ||
			bin_len != key_bytes)
		{
			sodium_memzero(slot, key_bytes);
			bad_line(line_no, "does not hold a key of exactly 64 hex digits");
		}
		ids.push_back(id);
	}
	if (ids.empty())
		throw Error(sqlstate::config_file_error, "key file holds no keys", std::string(),
					key_file_hint);
	return std::unique_ptr<KeyRing>(new KeyRing(std::move(ids), std::move(keys)));
}

const std::uint8_t *
KeyRing::key(std::int32_t key_id) const noexcept
{
	for (std::size_t i = 0; i < ids_.size(); i++)
		if (ids_[i] == key_id)
			return keys_->data() + i * key_bytes;
	return nullptr;
}

std::int32_t
KeyRing::highest_id() const noexcept
{
	std::int32_t highest = 0;
	for (std::int32_t id : ids_)
		if (id > highest)
			highest = id;
	return highest;
}

void
key_fingerprint(const std::uint8_t *key, std::uint8_t out[fingerprint_bytes]) noexcept
{
	static const char label[] = "tenancy key fingerprint v1";
	crypto_generichash(out, fingerprint_bytes, reinterpret_cast<const unsigned char *>(label),
					   sizeof(label) - 1, key, key_bytes);
}

std::unique_ptr<KeyRing>
load_key_file(const std::string &path, uid_t expected_owner)
{
	int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		throw_open_error(errno, path);

	struct stat st;
	if (fstat(fd, &st) != 0)
	{
		int err = errno;
		close(fd);
		throw_open_error(err, path);
	}
	try
	{
		check_file_mode(st, path, expected_owner);
	}
	catch (...)
	{
		close(fd);
		throw;
	}
	if (st.st_size > static_cast<off_t>(max_key_file_bytes))
	{
		close(fd);
		throw Error(sqlstate::config_file_error, "key file is larger than 64 kB",
					"tenancy.key_file is \"" + path + "\".", key_file_hint);
	}

	SecureBuffer text(max_key_file_bytes);
	std::size_t total = 0;
	while (total < text.size())
	{
		ssize_t n = read(fd, text.data() + total, text.size() - total);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
		{
			int err = errno;
			close(fd);
			throw_open_error(err, path);
		}
		if (n == 0)
			break;
		total += static_cast<std::size_t>(n);
	}
	close(fd);
	return KeyRing::parse(reinterpret_cast<const char *>(text.data()), total);
}

const KeyRing &
KeyCache::get(const char *path, uid_t expected_owner)
{
	if (path == nullptr || path[0] == '\0')
		throw Error(sqlstate::object_not_in_prerequisite_state, "tenancy.key_file is not set",
					std::string(),
					"Set tenancy.key_file in postgresql.conf to a key file owned by the "
					"server's user with mode 0600, and reload (see docs/tenants.md).");

	struct stat st;
	if (stat(path, &st) != 0)
	{
		int err = errno;
		reset();
		throw_open_error(err, path);
	}
	try
	{
		check_file_mode(st, path, expected_owner);
	}
	catch (...)
	{
		reset();
		throw;
	}

	decltype(stamp_) now{};
	stat_fields(st, &now.dev, &now.ino, &now.size, &now.mtime_sec, &now.mtime_nsec,
				&now.ctime_sec, &now.ctime_nsec);
	if (ring_ && path_ == path && memcmp(&now, &stamp_, sizeof(now)) == 0)
		return *ring_;

	reset();
	ring_ = load_key_file(path, expected_owner);
	path_ = path;
	stamp_ = now;
	return *ring_;
}

void
KeyCache::reset() noexcept
{
	ring_.reset();
	path_.clear();
	stamp_ = {};
}

} // namespace tenancy::vault
