/*
 * vault_explicit_conninfo_test.cpp: the string check_tenant_connection
 * gives libpq leaves nothing for libpq to take from the environment or the
 * home directory of the process (in the server: the server's own).
 */
#include "core/error.hpp"
#include "vault/explicit_conninfo.hpp"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <cstring>
#include <libpq-fe.h>
#include <map>
#include <string>

namespace v = tenancy::vault;

namespace {

/* The options of a connection libpq set up from text (it is not started). */
std::map<std::string, std::string>
options_used(const char *text)
{
	std::map<std::string, std::string> used;
	PGconn *conn = PQconnectStart(text);
	REQUIRE(conn != nullptr);
	PQconninfoOption *options = PQconninfo(conn);
	REQUIRE(options != nullptr);
	for (PQconninfoOption *o = options; o->keyword != nullptr; o++)
		if (o->val != nullptr)
			used[o->keyword] = o->val;
	PQconninfoFree(options);
	PQfinish(conn);
	return used;
}

/* Sets a variable for the life of the object. */
class ScopedEnv
{
  public:
	ScopedEnv(const char *name, const char *value) : name_(name) { setenv(name, value, 1); }
	~ScopedEnv() { unsetenv(name_); }

  private:
	const char *name_;
};

std::string
refusal(const char *stored)
{
	try
	{
		v::ExplicitConninfo given(stored, 5, "app");
	}
	catch (const tenancy::Error &e)
	{
		CHECK(e.sqlstate() == "22023");
		CHECK(std::string(e.message() + e.detail() + e.hint()).find("Pw9") == std::string::npos);
		return e.message();
	}
	return "built";
}

} // namespace

TEST_CASE("nothing is taken from the environment or the home directory", "[vault]")
{
	// Every variable libpq reads for an option this string leaves unset.
	ScopedEnv env[] = {
		{"PGPASSWORD", "env-password"}, {"PGPASSFILE", "/env/pgpass"},
		{"PGUSER", "env-user"},			{"PGHOSTADDR", "192.0.2.1"},
		{"PGDATABASE", "env-db"},		{"PGPORT", "6543"},
		{"PGSSLCERT", "/env/crt"},		{"PGSSLKEY", "/env/key"},
		{"PGSSLMODE", "disable"},		{"PGGSSENCMODE", "require"},
		{"PGAPPNAME", "env-app"},		{"PGOPTIONS", "-c env=1"},
		{"PGKRBSRVNAME", "env-krb"},	{"PGCONNECT_TIMEOUT", "99"},
		{"PGTARGETSESSIONATTRS", "read-write"},
	};
	v::ExplicitConninfo given("host=/nonexistent user=u password=Pw9", 7, "checker");
	auto used = options_used(given.c_str());
	CHECK(used["host"] == "/nonexistent");
	CHECK(used["user"] == "u");
	CHECK(used["password"] == "Pw9");
	CHECK(used["connect_timeout"] == "7");
	CHECK(used["application_name"] == "checker");
	CHECK(used["passfile"] == v::no_such_file);
	CHECK(used["sslcert"] == v::no_such_file);
	CHECK(used["sslkey"] == v::no_such_file);
	CHECK(used["gssencmode"] == "disable");
	CHECK(used["hostaddr"].empty());
	CHECK(used["port"] == "5432");
	CHECK(used["sslmode"] == "prefer");
	CHECK(used["options"].empty());
	CHECK(used["krbsrvname"] == "postgres");
	CHECK(used["target_session_attrs"] == "any");
	// empty dbname: libpq's default, the user name, not PGDATABASE
	CHECK(used["dbname"] == "u");
	for (const auto &[keyword, value] : used)
		CHECK(value.find("env") == std::string::npos);
}

TEST_CASE("stored options are kept, quoted as libpq reads them", "[vault]")
{
	const char *stored = "postgresql://it%27s%20me:p%27w%5C9@h1:5433,h2/d%27b?sslmode=require"
						 "&application_name=router&connect_timeout=100";
	v::ExplicitConninfo given(stored, 3, "checker");
	auto used = options_used(given.c_str());
	CHECK(used["user"] == "it's me");
	CHECK(used["password"] == "p'w\\9");
	CHECK(used["host"] == "h1,h2");
	CHECK(used["port"] == "5433,");
	CHECK(used["dbname"] == "d'b");
	CHECK(used["sslmode"] == "require");
	CHECK(used["application_name"] == "router");
	CHECK(used["connect_timeout"] == "3");
}

TEST_CASE("a stored string without user or password, or refused, builds nothing", "[vault]")
{
	CHECK(refusal("host=h user=u password=Pw9") == "built");
	CHECK(refusal("host=h user=u") == "the stored connection string has no password");
	CHECK(refusal("host=h user=u password=''") == "the stored connection string has no password");
	CHECK(refusal("host=h password=Pw9") == "the stored connection string has no user");
	CHECK(refusal("host=h user=u password=Pw9 passfile=/x") == "invalid connection string");
	CHECK(refusal("user=u password=Pw9") == "invalid connection string");
	CHECK(refusal("host=h user=u password='Pw9") == "invalid connection string");
}
