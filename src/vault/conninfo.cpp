/*
 * conninfo.cpp: connection string validation and scrubbing (see conninfo.hpp).
 */
#include "vault/conninfo.hpp"
#include "core/error.hpp"
#include "vault/parsed_conninfo.hpp"

#include <cstring>
#include <libpq-fe.h>
#include <memory>
#include <sodium.h>

namespace tenancy::vault {

namespace {

const char *const conninfo_hint =
	"See \"Connection Strings\" in the libpq documentation; the string is never "
	"shown because it may hold a password.";

bool
is_uri(const char *text) noexcept
{
	return strncmp(text, "postgresql://", 13) == 0 || strncmp(text, "postgres://", 11) == 0;
}

/* A kind of problem, from libpq's (English) message; never its text. */
const char *
classify_parse_error(const char *message) noexcept
{
	static const struct
	{
		const char *pattern;
		const char *kind;
	} kinds[] = {
		{"invalid connection option", "an unknown keyword"},
		{"invalid URI query parameter", "an unknown query parameter"},
		{"percent-encoded", "an invalid percent-encoding"},
		{"matching \"]\"", "an unterminated IPv6 address bracket"},
		{"IPv6 host address may not be empty", "an empty IPv6 address"},
		{"unexpected character", "an unexpected character after an IPv6 address"},
		{"unterminated quoted string", "an unterminated quoted value"},
		{"missing \"=\"", "a keyword without \"=\""},
		{"extra key/value separator", "an extra \"=\" in a query parameter"},
		{"missing key/value separator", "a query parameter without \"=\""},
		{"invalid URI propagated", "an invalid URI"},
		{"out of memory", "too much memory needed"},
	};
	if (message != nullptr)
		for (const auto &k : kinds)
			if (strstr(message, k.pattern) != nullptr)
				return k.kind;
	return "a syntax error";
}

[[noreturn]] void
refuse(bool uri, const std::string &problem, const std::string &hint)
{
	throw Error(sqlstate::invalid_parameter_value, "invalid connection string",
				std::string(uri ? "URI" : "key=value") + " form: " + problem + ".", hint);
}

[[noreturn]] void
reject(bool uri, const std::string &problem)
{
	refuse(uri, problem, conninfo_hint);
}

/* libpq accepts a comma-separated list of ports; each empty or 1..65535. */
bool
valid_port_list(const char *ports) noexcept
{
	const char *p = ports;
	for (;;)
	{
		long value = 0;
		int digits = 0;
		while (*p >= '0' && *p <= '9')
		{
			value = value * 10 + (*p - '0');
			if (++digits > 5)
				return false;
			p++;
		}
		if (digits > 0 && (value < 1 || value > 65535))
			return false;
		if (*p == '\0')
			return true;
		if (*p != ',')
			return false;
		p++;
	}
}

bool
valid_integer(const char *text) noexcept
{
	if (*text == '-')
		text++;
	if (*text == '\0' || strlen(text) > 9)
		return false;
	for (; *text; text++)
		if (*text < '0' || *text > '9')
			return false;
	return true;
}

bool
valid_sslmode(const char *mode) noexcept
{
	static const char *const modes[] = {"disable", "allow", "prefer", "require",
										"verify-ca", "verify-full"};
	for (const char *m : modes)
		if (strcmp(mode, m) == 0)
			return true;
	return false;
}

/* Parses text, throwing on any problem. */
std::unique_ptr<ParsedConninfo>
parse_checked(const char *text)
{
	bool uri = is_uri(text);
	if (text[0] == '\0')
		throw Error(sqlstate::invalid_parameter_value, "invalid connection string",
					"The connection string is empty.", conninfo_hint);
	char *message = nullptr;
	PQconninfoOption *options = PQconninfoParse(text, &message);
	if (options == nullptr)
	{
		const char *kind = classify_parse_error(message);
		if (message != nullptr)
		{
			sodium_memzero(message, strlen(message));
			PQfreemem(message);
		}
		reject(uri, std::string("it has ") + kind);
	}
	if (message != nullptr)
		PQfreemem(message);

	auto parsed = std::make_unique<ParsedConninfo>(options);
	const char *port = parsed->value("port");
	if (port != nullptr && !valid_port_list(port))
		reject(uri, "the port is not a number from 1 to 65535");
	const char *sslmode = parsed->value("sslmode");
	if (sslmode != nullptr && !valid_sslmode(sslmode))
		reject(uri, "sslmode is not one of disable, allow, prefer, require, verify-ca, "
					"verify-full");
	const char *timeout = parsed->value("connect_timeout");
	if (timeout != nullptr && !valid_integer(timeout))
		reject(uri, "connect_timeout is not an integer");
	return parsed;
}

/*
 * Keywords refused in a stored connection string. Each makes libpq use
 * something of the database server's own: a password file, a service file
 * (which may hold passwords), a client certificate and key and the key's
 * passphrase, a trust store or revocation list (files the tenant could
 * probe), a TLS key log (a file written), or its Kerberos credentials.
 * libpq versions that do not know one reject it as an unknown keyword.
 */
const char *const server_side_keywords[] = {
	"passfile",	   "service",	  "sslcert", "sslkey",		  "sslpassword", "sslrootcert",
	"sslcrl",	   "sslcrldir",	  "sslkeylogfile", "krbsrvname", "gsslib",	 "gssdelegation",
};

bool
is_blank(const char *text) noexcept
{
	for (; *text; text++)
		if (*text != ' ' && *text != '\t' && *text != '\n' && *text != '\r')
			return false;
	return true;
}

/* Whether a comma-separated list has a blank entry (libpq's default host). */
bool
has_blank_entry(const char *list)
{
	std::string entry;
	for (const char *p = list;; p++)
	{
		if (*p == ',' || *p == '\0')
		{
			if (is_blank(entry.c_str()))
				return true;
			entry.clear();
			if (*p == '\0')
				return false;
		}
		else
			entry += *p;
	}
}

/*
 * The rules that keep the server's own credentials out of a connection:
 * a host is named (an empty one means the server's own socket directory),
 * and nothing makes libpq read the server's files or Kerberos credentials.
 */
void
check_server_independent(const ParsedConninfo &parsed, bool uri)
{
	const char *host = parsed.value("host");
	const char *hostaddr = parsed.value("hostaddr");
	const char *hosts = host != nullptr && !is_blank(host) ? host : hostaddr;
	if (hosts == nullptr || is_blank(hosts))
		refuse(uri, "it names no host",
			   "Give host (or hostaddr): without one libpq connects to the database server "
			   "itself.");
	if (has_blank_entry(hosts))
		refuse(uri, "its host list has an empty entry",
			   "Name every host: an empty entry means the database server itself.");
	for (const char *keyword : server_side_keywords)
		if (parsed.value(keyword) != nullptr)
			refuse(uri, std::string("it sets ") + keyword,
				   std::string("Remove ") + keyword +
					   ": tenancy connects with what the string holds, never with the "
					   "database server's files or credentials.");
	const char *gssencmode = parsed.value("gssencmode");
	if (gssencmode != nullptr && strcmp(gssencmode, "disable") != 0)
		refuse(uri, "gssencmode is not disable",
			   "Remove gssencmode: GSSAPI would use the database server's Kerberos "
			   "credentials.");
}

/* Whether secret is set and occurs in text. */
bool
quotes(const std::string &text, const char *secret)
{
	return secret != nullptr && secret[0] != '\0' && text.find(secret) != std::string::npos;
}

} // namespace

void
validate_conninfo(const char *text)
{
	auto parsed = parse_checked(text);
	check_server_independent(*parsed, is_uri(text));
}

ConninfoSummary
summarize_conninfo(const char *text)
{
	auto parsed = parse_checked(text);
	ConninfoSummary s;
	auto take = [&](const char *keyword, std::string &field, bool &present) {
		const char *v = parsed->value(keyword);
		present = v != nullptr && v[0] != '\0';
		if (present)
			field = v;
	};
	take("host", s.host, s.has_host);
	if (!s.has_host)
		take("hostaddr", s.host, s.has_host);
	take("port", s.port, s.has_port);
	take("dbname", s.dbname, s.has_dbname);
	take("user", s.user, s.has_user);
	take("sslmode", s.sslmode, s.has_sslmode);
	const char *password = parsed->value("password");
	s.has_password = password != nullptr && password[0] != '\0';
	return s;
}

std::string
scrub_connection_error(const char *message, const char *conninfo)
{
	if (message == nullptr)
		return "connection failed";
	std::string text(message, strcspn(message, "\n"));
	while (!text.empty() && (text.back() == ' ' || text.back() == '\r'))
		text.pop_back();
	if (text.empty())
		return "connection failed";

	/*
	 * A line that quotes a secret is withheld whole: replacing the secret
	 * in place would show where it occurs (say, inside the user name).
	 */
	bool secret = quotes(text, conninfo);
	ParsedConninfo parsed(PQconninfoParse(conninfo, nullptr));
	secret = secret || quotes(text, parsed.value("password")) ||
			 quotes(text, parsed.value("sslpassword"));
	if (secret)
	{
		sodium_memzero(&text[0], text.size());
		return withheld_connection_error;
	}
	return text;
}

} // namespace tenancy::vault
