/*
 * explicit_conninfo.hpp: the connection string check_tenant_connection
 * gives libpq, leaving libpq nothing to fill in from the database server.
 *
 * libpq fills each option a connection string leaves unset from the
 * environment of the process that connects (PGPASSWORD, PGUSER, PGHOST,
 * PGHOSTADDR, PGSSLKEY, ...) and from its user's home directory (~/.pgpass,
 * ~/.postgresql/postgresql.crt and .key). Inside the database server those
 * are the server's own: a tenant's string aimed at a hostile host would
 * hand them over. So every option whose environment variable is set in the
 * server is written out: as stored, else as libpq's compiled default, else
 * empty (which libpq reads as "not given" without looking further; where
 * libpq refuses an empty value, the check fails rather than borrow), except the
 * password file and the client certificate and key, which name a path that
 * cannot exist, and gssencmode, which is disable (the server's Kerberos
 * credentials are not lent either).
 */
#pragma once
#include "core/pure.hpp"

#include <string>

namespace tenancy::vault {

/* A path no file can have: nothing is a directory under /dev/null. */
inline constexpr const char *no_such_file = "/dev/null/tenancy-none";

class ExplicitConninfo
{
  public:
	/*
	 * Builds the string from a stored one, with connect_timeout set to
	 * timeout_s. Throws tenancy::Error 22023 (naming the problem, never the
	 * string) when stored fails validate_conninfo or names no user or no
	 * password: the connection then could only use the server's.
	 */
	ExplicitConninfo(const char *stored, long timeout_s, const char *application_name);
	~ExplicitConninfo();
	ExplicitConninfo(const ExplicitConninfo &) = delete;
	ExplicitConninfo &operator=(const ExplicitConninfo &) = delete;

	/* key='value' pairs, every value quoted; holds the password. */
	const char *c_str() const noexcept { return text_.c_str(); }

  private:
	std::string text_;
};

} // namespace tenancy::vault
