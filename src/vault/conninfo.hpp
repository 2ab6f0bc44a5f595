/*
 * conninfo.hpp: libpq connection strings, judged without ever showing them.
 *
 * A connection string may carry a password, so no text built here quotes
 * any part of it, nor libpq's own parse message (which does).
 */
#pragma once
#include "core/pure.hpp"

#include <string>

namespace tenancy::vault {

/*
 * Checks text as libpq parses it (URI or key=value) plus the checks libpq
 * leaves to connect time (port numbers, sslmode, connect_timeout), and the
 * rules that keep the database server's own credentials out: a host must
 * be named, with no empty entry in its list (libpq's default is the
 * server's own socket); keywords that read the server's files or use its
 * Kerberos credentials are refused (passfile, service, sslcert, sslkey,
 * sslpassword, sslrootcert, sslcrl, sslcrldir, sslkeylogfile, krbsrvname,
 * gsslib, gssdelegation, and gssencmode other than disable). Throws
 * tenancy::Error 22023 whose message and detail name the form and the kind
 * of problem only. Every copy libpq made is wiped.
 */
void validate_conninfo(const char *text);

/* The non-secret parts of a valid connection string, for display. */
struct ConninfoSummary
{
	std::string host, port, dbname, user, sslmode;
	bool has_host = false, has_port = false, has_dbname = false, has_user = false,
		 has_sslmode = false;
	bool has_password = false;
};

/* Fills summary from text; throws like validate_conninfo. */
ConninfoSummary summarize_conninfo(const char *text);

/* What scrub_connection_error gives for a line that quotes a secret. */
inline constexpr const char *withheld_connection_error =
	"connection failed; libpq's message is withheld because it quotes a secret of the "
	"connection string";

/*
 * libpq's error message for a failed connection, reduced to its first line;
 * withheld whole (withheld_connection_error) when that line holds the
 * password, the sslpassword or the whole connection string.
 */
std::string scrub_connection_error(const char *message, const char *conninfo);

} // namespace tenancy::vault
