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

TEST_CASE("connection errors are scrubbed of secrets", "[vault]")
{
	std::string conninfo = std::string("host=h user=u password=") + marker;
	std::string msg = std::string("connection to server failed: ") + marker +
					  " rejected\nsecond line " + marker + "\n";
	std::string out = v::scrub_connection_error(msg.c_str(), conninfo.c_str());
	CHECK(out == "connection to server failed: *** rejected");
	CHECK(v::scrub_connection_error(conninfo.c_str(), conninfo.c_str()) == "***");
	CHECK(v::scrub_connection_error("", conninfo.c_str()) == "connection failed");
	CHECK(v::scrub_connection_error(nullptr, "bad'") == "connection failed");
}
