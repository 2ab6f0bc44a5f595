/*
 * conninfo.cpp: connection string validation and scrubbing (see conninfo.hpp).
 */
#include "vault/conninfo.hpp"
#include "core/error.hpp"

#include <cstring>
#include <libpq-fe.h>
#include <memory>
#include <sodium.h>

namespace tenancy::vault {

namespace {

const char *const conninfo_hint =
	"See \"Connection Strings\" in the libpq documentation; the string is never "
	"shown because it may hold a password.";

/* PQconninfoParse's result, wiped and freed on scope exit. */
class ParsedConninfo
{
  public:
	explicit ParsedConninfo(PQconninfoOption *options) noexcept : options_(options) {}
	~ParsedConninfo()
	{
		if (options_ == nullptr)
			return;
		for (PQconninfoOption *o = options_; o->keyword != nullptr; o++)
			if (o->val != nullptr)
				sodium_memzero(o->val, strlen(o->val));
		PQconninfoFree(options_);
	}
	ParsedConninfo(const ParsedConninfo &) = delete;
	ParsedConninfo &operator=(const ParsedConninfo &) = delete;

	const char *value(const char *keyword) const noexcept
	{
		for (PQconninfoOption *o = options_; o->keyword != nullptr; o++)
			if (strcmp(o->keyword, keyword) == 0)
				return o->val;
		return nullptr;
	}

  private:
	PQconninfoOption *options_;
};

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
reject(bool uri, const std::string &problem)
{
	throw Error(sqlstate::invalid_parameter_value, "invalid connection string",
				std::string(uri ? "URI" : "key=value") + " form: " + problem + ".",
				conninfo_hint);
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

void
replace_all(std::string &text, const char *secret)
{
	if (secret == nullptr || secret[0] == '\0')
		return;
	std::size_t len = strlen(secret);
	for (std::size_t at = text.find(secret); at != std::string::npos;
		 at = text.find(secret, at + 3))
		text.replace(at, len, "***");
}

} // namespace

void
validate_conninfo(const char *text)
{
	parse_checked(text);
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
	std::string text = message ? message : "";
	std::size_t nl = text.find('\n');
	if (nl != std::string::npos)
		text.resize(nl);
	while (!text.empty() && (text.back() == ' ' || text.back() == '\r'))
		text.pop_back();

	replace_all(text, conninfo);
	char *ignored = nullptr;
	PQconninfoOption *options = PQconninfoParse(conninfo, &ignored);
	if (ignored != nullptr)
		PQfreemem(ignored);
	if (options != nullptr)
	{
		ParsedConninfo parsed(options);
		replace_all(text, parsed.value("password"));
		replace_all(text, parsed.value("sslpassword"));
	}
	if (text.empty())
		text = "connection failed";
	return text;
}

} // namespace tenancy::vault
