/* vault_conninfo_test.cpp: connection strings judged without echoing them. */
#include "core/error.hpp"
#include "vault/conninfo.hpp"

#include <catch2/catch.hpp>
#include <string>

namespace v = tenancy::vault;

namespace {

const char *const marker = "Zq9MarkerPw";

/* The error text for a rejected string, checked never to hold the marker. */
std::string
rejection(const std::string &conninfo)
{
	try
	{
		v::validate_conninfo(conninfo.c_str());
	}
	catch (const tenancy::Error &e)
	{
		CHECK(e.sqlstate() == "22023");
		CHECK(e.message() == "invalid connection string");
		for (const std::string &part : {e.message(), e.detail(), e.hint()})
		{
			CHECK(part.find(marker) == std::string::npos);
			CHECK(part.find("evil") == std::string::npos);
		}
		return e.detail();
	}
	return "accepted";
}

} // namespace

TEST_CASE("valid connection strings in both forms pass", "[vault]")
{
	std::string pw = marker;
	CHECK(rejection("host=db1 port=5432 dbname=app user=u password=" + pw) == "accepted");
	CHECK(rejection("postgresql://u:" + pw + "@db1:5433/app?sslmode=require") == "accepted");
	CHECK(rejection("postgres://[::1]:5432,h2:5433/app") == "accepted");
	CHECK(rejection("hostaddr=10.0.0.1 user=u password=" + pw) == "accepted");
	CHECK(rejection("host=/var/run/tenant gssencmode=disable password=" + pw) == "accepted");
	CHECK(rejection("host=a,b port=5432,5433 connect_timeout=5") == "accepted");
}

TEST_CASE("invalid connection strings are named by kind only", "[vault]")
{
	std::string pw = marker;
	CHECK(rejection("") == "The connection string is empty.");
	CHECK(rejection("host=h port=99999 password=" + pw) ==
		  "key=value form: the port is not a number from 1 to 65535.");
	CHECK(rejection("host=h port=evil password=" + pw) ==
		  "key=value form: the port is not a number from 1 to 65535.");
	CHECK(rejection("postgresql://u:" + pw + "@h:70000/db") ==
		  "URI form: the port is not a number from 1 to 65535.");
	CHECK(rejection("host=h evil=1 password=" + pw) == "key=value form: it has an unknown keyword.");
	CHECK(rejection("host=h " + pw) == "key=value form: it has a keyword without \"=\".");
	CHECK(rejection("host=h password='" + pw) ==
		  "key=value form: it has an unterminated quoted value.");
	CHECK(rejection("postgresql://u:" + pw + "@h/db?evil=1") ==
		  "URI form: it has an unknown query parameter.");
	CHECK(rejection("postgresql://u:" + pw + "%zz@h/db") ==
		  "URI form: it has an invalid percent-encoding.");
	CHECK(rejection("postgresql://u:" + pw + "@[::1/db") ==
		  "URI form: it has an unterminated IPv6 address bracket.");
	CHECK(rejection("host=h sslmode=evil password=" + pw) ==
		  "key=value form: sslmode is not one of disable, allow, prefer, require, "
		  "verify-ca, verify-full.");
	CHECK(rejection("host=h connect_timeout=evil") ==
		  "key=value form: connect_timeout is not an integer.");
}

TEST_CASE("a string must name its host", "[vault]")
{
	std::string pw = marker;
	const std::string no_host = "it names no host.";
	CHECK(rejection("   ") == "key=value form: " + no_host);
	CHECK(rejection("postgres://") == "URI form: " + no_host);
	CHECK(rejection("postgresql://u:" + pw + "@/db") == "URI form: " + no_host);
	CHECK(rejection("user=u password=" + pw) == "key=value form: " + no_host);
	CHECK(rejection("host='' password=" + pw) == "key=value form: " + no_host);
	CHECK(rejection("host='  ' hostaddr='' password=" + pw) == "key=value form: " + no_host);
	const std::string empty_entry = "key=value form: its host list has an empty entry.";
	CHECK(rejection("host=a, password=" + pw) == empty_entry);
	CHECK(rejection("host=a,,b password=" + pw) == empty_entry);
	CHECK(rejection("host=,a password=" + pw) == empty_entry);
	CHECK(rejection("hostaddr='10.0.0.1, ' password=" + pw) == empty_entry);
	CHECK(rejection("postgresql://u:" + pw + "@a,/db") ==
		  "URI form: its host list has an empty entry.");
}

TEST_CASE("options that use the server's files or credentials are refused", "[vault]")
{
	std::string pw = marker;
	for (const char *keyword : {"passfile", "service", "sslcert", "sslkey", "sslpassword",
								"sslrootcert", "sslcrl", "sslcrldir", "krbsrvname", "gsslib"})
	{
		std::string detail = std::string("it sets ") + keyword + ".";
		CHECK(rejection(std::string("host=h password=") + pw + " " + keyword + "=evil") ==
			  "key=value form: " + detail);
		CHECK(rejection("postgresql://u:" + pw + "@h/db?" + keyword + "=evil") ==
			  "URI form: " + detail);
		CHECK(rejection(std::string("host=h ") + keyword + "=''") == "key=value form: " + detail);
	}
	CHECK(rejection("host=h gssencmode=prefer password=" + pw) ==
		  "key=value form: gssencmode is not disable.");
	CHECK(rejection("postgresql://h/db?gssencmode=require") ==
		  "URI form: gssencmode is not disable.");
}

TEST_CASE("summaries hold the non-secret parts", "[vault]")
{
	auto s = v::summarize_conninfo("postgresql://app_user:secret@db.example:6432/crm?sslmode=verify-full");
	CHECK(s.host == "db.example");
	CHECK(s.port == "6432");
	CHECK(s.dbname == "crm");
	CHECK(s.user == "app_user");
	CHECK(s.sslmode == "verify-full");
	CHECK(s.has_password);
	auto t = v::summarize_conninfo("hostaddr=10.0.0.1 dbname=x");
	CHECK(t.host == "10.0.0.1");
	CHECK_FALSE(t.has_port);
	CHECK_FALSE(t.has_user);
	CHECK_FALSE(t.has_password);
}

TEST_CASE("connection errors keep their first line when it holds no secret", "[vault]")
{
	std::string conninfo = std::string("host=h user=u password=") + marker;
	std::string msg = "connection to server at \"h\" failed: timeout  \r\nsecond line " +
					  std::string(marker) + "\n";
	CHECK(v::scrub_connection_error(msg.c_str(), conninfo.c_str()) ==
		  "connection to server at \"h\" failed: timeout");
	CHECK(v::scrub_connection_error("", conninfo.c_str()) == "connection failed");
	CHECK(v::scrub_connection_error(nullptr, "bad'") == "connection failed");
}

TEST_CASE("a line quoting a secret is withheld whole, never where it occurs", "[vault]")
{
	std::string pw = marker;
	const std::string withheld = v::withheld_connection_error;
	// the password inside the user name: "***" in place would show where
	std::string same = "host=h user=" + pw + " password=" + pw;
	CHECK(v::scrub_connection_error(("FATAL:  role \"" + pw + "\" does not exist").c_str(),
									same.c_str()) == withheld);
	std::string inside = "host=h user=x" + pw + "y password=" + pw;
	CHECK(v::scrub_connection_error(("password authentication failed for user \"x" + pw + "y\"")
										.c_str(),
									inside.c_str()) == withheld);
	// the sslpassword, and the whole string
	std::string ssl = "host=h user=u sslpassword=" + pw;
	CHECK(v::scrub_connection_error(("bad " + pw).c_str(), ssl.c_str()) == withheld);
	CHECK(v::scrub_connection_error(same.c_str(), same.c_str()) == withheld);
	// URI form: the password is matched decoded, as libpq would quote it
	std::string uri = "postgresql://u:" + pw + "%21@h/db";
	CHECK(v::scrub_connection_error(("echo " + pw + "!").c_str(), uri.c_str()) == withheld);
}
