/* vault_keyring_test.cpp: key file parsing, fingerprints, file checks. */
#include "core/error.hpp"
#include "vault/keyring.hpp"

#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sodium.h>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

namespace v = tenancy::vault;

namespace {

const std::string hex_a(64, 'a');
const std::string hex_b = "00112233445566778899aabbccddeeff00112233445566778899AABBCCDDEEFF";

std::unique_ptr<v::KeyRing>
parse(const std::string &text)
{
	return v::KeyRing::parse(text.data(), text.size());
}

/* The error a parse raises, checked never to contain the key text. */
tenancy::Error
parse_error(const std::string &text)
{
	try
	{
		parse(text);
	}
	catch (const tenancy::Error &e)
	{
		CHECK(e.sqlstate() == "F0000");
		CHECK(e.message().find("aaaa") == std::string::npos);
		CHECK(e.detail().find("aaaa") == std::string::npos);
		return e;
	}
	FAIL("no error");
	return tenancy::Error("XX000", "unreachable");
}

struct TempDir
{
	std::string path;
	TempDir()
	{
		char tmpl[] = "/tmp/tenancy-keyring-XXXXXX";
		REQUIRE(mkdtemp(tmpl) != nullptr);
		path = tmpl;
	}
	~TempDir() { (void) !system(("rm -rf " + path).c_str()); }
	std::string write(const std::string &name, const std::string &text, mode_t mode)
	{
		std::string file = path + "/" + name;
		FILE *f = fopen(file.c_str(), "w");
		REQUIRE(f != nullptr);
		fwrite(text.data(), 1, text.size(), f);
		fclose(f);
		REQUIRE(chmod(file.c_str(), mode) == 0);
		return file;
	}
};

std::string
load_error(const std::string &path, uid_t owner = geteuid())
{
	try
	{
		v::load_key_file(path, owner);
	}
	catch (const tenancy::Error &e)
	{
		return e.sqlstate() + " " + e.message();
	}
	return "no error";
}

} // namespace

TEST_CASE("a key file with comments, blank lines and CRLF parses", "[vault]")
{
	REQUIRE(sodium_init() >= 0);
	auto ring = parse("# tenancy keys\n\n1:" + hex_a + "\r\n  \n12:" + hex_b + "  \n");
	REQUIRE(ring->ids().size() == 2);
	CHECK(ring->highest_id() == 12);
	REQUIRE(ring->key(1) != nullptr);
	CHECK(ring->key(1)[0] == 0xaa);
	REQUIRE(ring->key(12) != nullptr);
	CHECK(ring->key(12)[1] == 0x11);
	CHECK(ring->key(12)[31] == 0xff);
	CHECK(ring->key(2) == nullptr);
	CHECK(parse("3:" + hex_a)->highest_id() == 3);
}

TEST_CASE("bad key file lines are named by number, never quoted", "[vault]")
{
	REQUIRE(sodium_init() >= 0);
	CHECK(parse_error("1:" + hex_a + "\n" + hex_a).message() ==
		  "key file line 2 has no colon between key id and key");
	CHECK(parse_error("x:" + hex_a).message() ==
		  "key file line 1 has a key id that is not an integer from 1 to 2147483647");
	CHECK(parse_error("0:" + hex_a).message().find("line 1 has a key id") != std::string::npos);
	CHECK(parse_error("2147483648:" + hex_a).message().find("key id") != std::string::npos);
	CHECK(parse_error("-1:" + hex_a).message().find("key id") != std::string::npos);
	CHECK(parse_error("1:" + hex_a.substr(1)).message() ==
		  "key file line 1 does not hold a key of exactly 64 hex digits");
	CHECK(parse_error("1:" + hex_a + "a").message().find("64 hex") != std::string::npos);
	CHECK(parse_error("1:" + hex_a.substr(2) + "zz").message().find("64 hex") !=
		  std::string::npos);
	CHECK(parse_error("1:" + hex_a + "\n1:" + hex_b).message() ==
		  "key file line 2 repeats a key id");
	CHECK(parse_error("").message() == "key file holds no keys");
	CHECK(parse_error("# only a comment\n").message() == "key file holds no keys");
	CHECK(!parse_error("1 " + hex_a).hint().empty());
}

TEST_CASE("fingerprints identify a key without revealing it", "[vault]")
{
	REQUIRE(sodium_init() >= 0);
	auto ring = parse("1:" + hex_a + "\n2:" + hex_b);
	std::uint8_t a[v::fingerprint_bytes], a2[v::fingerprint_bytes], b[v::fingerprint_bytes];
	v::key_fingerprint(ring->key(1), a);
	v::key_fingerprint(ring->key(1), a2);
	v::key_fingerprint(ring->key(2), b);
	CHECK(memcmp(a, a2, sizeof a) == 0);
	CHECK(memcmp(a, b, sizeof a) != 0);
	CHECK(memcmp(a, ring->key(1), sizeof a) != 0);
}

TEST_CASE("key files are refused unless private to their owner", "[vault]")
{
	REQUIRE(sodium_init() >= 0);
	TempDir dir;
	std::string good = dir.write("good.key", "1:" + hex_a + "\n", 0600);
	CHECK(v::load_key_file(good, geteuid())->highest_id() == 1);
	CHECK(load_error(dir.write("group.key", "1:" + hex_a, 0640)) ==
		  "F0000 key file has group or world access");
	CHECK(load_error(dir.write("world.key", "1:" + hex_a, 0604)) ==
		  "F0000 key file has group or world access");
	CHECK(load_error(good, geteuid() + 1) ==
		  "F0000 key file is not owned by the database server's user");
	CHECK(load_error(dir.path + "/missing.key") == "58P01 key file does not exist");
	CHECK(load_error(dir.path) == "F0000 key file is not a regular file");
	CHECK(load_error(dir.write("bad.key", "1:zz\n", 0600)) ==
		  "F0000 key file line 1 does not hold a key of exactly 64 hex digits");
}

TEST_CASE("the key cache reloads a changed file and rechecks its mode", "[vault]")
{
	REQUIRE(sodium_init() >= 0);
	TempDir dir;
	v::KeyCache cache;
	CHECK_THROWS_AS(cache.get("", geteuid()), tenancy::Error);
	CHECK_THROWS_AS(cache.get(nullptr, geteuid()), tenancy::Error);
	std::string file = dir.write("k.key", "1:" + hex_a + "\n", 0600);
	CHECK(cache.get(file.c_str(), geteuid()).highest_id() == 1);
	CHECK(cache.get(file.c_str(), geteuid()).highest_id() == 1);
	dir.write("k.key", "1:" + hex_a + "\n2:" + hex_b + "\n", 0600);
	CHECK(cache.get(file.c_str(), geteuid()).highest_id() == 2);
	REQUIRE(chmod(file.c_str(), 0644) == 0);
	CHECK_THROWS_WITH(cache.get(file.c_str(), geteuid()), "key file has group or world access");
	REQUIRE(chmod(file.c_str(), 0600) == 0);
	CHECK(cache.get(file.c_str(), geteuid()).highest_id() == 2);
	REQUIRE(unlink(file.c_str()) == 0);
	CHECK_THROWS_WITH(cache.get(file.c_str(), geteuid()), "key file does not exist");
}
