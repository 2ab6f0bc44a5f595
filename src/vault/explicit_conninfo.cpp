/*
 * explicit_conninfo.cpp: every option libpq could take from the database
 * server, written out (see explicit_conninfo.hpp).
 */
#include "vault/explicit_conninfo.hpp"
#include "core/error.hpp"
#include "vault/conninfo.hpp"
#include "vault/parsed_conninfo.hpp"

#include <cstdlib>
#include <cstring>
#include <new>
#include <sodium.h>
#include <string>
#include <utility>
#include <vector>

namespace tenancy::vault {

namespace {

bool
is_set(const char *value) noexcept
{
	return value != nullptr && value[0] != '\0';
}

[[noreturn]] void
refuse_missing(const char *what)
{
	throw Error(sqlstate::invalid_parameter_value,
				std::string("the stored connection string has no ") + what,
				"check_tenant_connection connects only with the user and password the string "
				"holds, never with the database server's own.",
				"Set the connection again with tenancy.set_tenant_connection().");
}

/*
 * The value given for an option the stored string leaves unset, or nullptr
 * to leave it unset. An option whose environment variable the server does
 * not have set is left to libpq's default (newer libpq versions add options,
 * such as sslcertmode, whose default is applied in code and for which an
 * empty value is an error). service is left too, as an empty one is an error: a
 * PGSERVICE file could then fill only those options (keepalives,
 * tcp_user_timeout, replication, sslpassword with no key to open), none of
 * which carries a credential.
 */
const char *
value_for_unset(const PQconninfoOption &o, const char *application_name) noexcept
{
	const char *keyword = o.keyword;
	if (strcmp(keyword, "passfile") == 0 || strcmp(keyword, "sslcert") == 0 ||
		strcmp(keyword, "sslkey") == 0)
		return no_such_file;
	if (strcmp(keyword, "gssencmode") == 0)
		return "disable";
	if (strcmp(keyword, "application_name") == 0)
		return application_name;
	if (o.envvar == nullptr || strcmp(keyword, "service") == 0 || getenv(o.envvar) == nullptr)
		return nullptr;
	return is_set(o.compiled) ? o.compiled : "";
}

/* Appends keyword='value', value escaped as libpq's key=value form reads it. */
void
append_option(std::string &text, const char *keyword, const char *value)
{
	text += keyword;
	text += "='";
	for (const char *p = value; *p; p++)
	{
		if (*p == '\'' || *p == '\\')
			text += '\\';
		text += *p;
	}
	text += "' ";
}

} // namespace

ExplicitConninfo::ExplicitConninfo(const char *stored, long timeout_s,
								   const char *application_name)
{
	validate_conninfo(stored);
	ParsedConninfo parsed(PQconninfoParse(stored, nullptr));
	if (parsed.options() == nullptr)
		throw std::bad_alloc(); /* it parsed a moment ago */
	if (!is_set(parsed.value("user")))
		refuse_missing("user");
	if (!is_set(parsed.value("password")))
		refuse_missing("password");

	std::string timeout = std::to_string(timeout_s);
	std::vector<std::pair<const char *, const char *>> chosen;
	for (const PQconninfoOption *o = parsed.options(); o->keyword != nullptr; o++)
	{
		const char *value = strcmp(o->keyword, "connect_timeout") == 0 ? timeout.c_str()
							: o->val != nullptr ? o->val
												: value_for_unset(*o, application_name);
		if (value != nullptr)
			chosen.emplace_back(o->keyword, value);
	}
	// Reserved whole first: growing would leave copies of the password behind.
	std::size_t size = 1;
	for (const auto &[keyword, value] : chosen)
		size += strlen(keyword) + 2 * strlen(value) + 4;
	text_.reserve(size);
	for (const auto &[keyword, value] : chosen)
		append_option(text_, keyword, value);
}

ExplicitConninfo::~ExplicitConninfo()
{
	sodium_memzero(&text_[0], text_.size());
}

} // namespace tenancy::vault
