/*
 * check_pg.cpp: check_tenant_connection(tenant uuid, timeout interval).
 *
 * Connects to the tenant's database with libpq, non-blocking: the wait is
 * WaitLatchOrSocket, so query cancel, statement_timeout and postmaster death
 * are honoured, and the connection is always closed (PG_TRY below). The
 * frame holds no C++ object, so an error raised by CHECK_FOR_INTERRUPTS
 * skips nothing. Host names are resolved by libpq synchronously.
 *
 * Only the stored credentials are used: libpq is given every option it
 * could otherwise take from the server's environment or home directory
 * (explicit_conninfo.hpp), and a connection the server let in without
 * asking for the password is reported as refused.
 */
#include "vault/conninfo.hpp" /* pure headers first */
#include "vault/explicit_conninfo.hpp"
#include "vault/sealing_pg.hpp"
#include "core/boundary.hpp"

extern "C" {
#include "access/htup_details.h"
#include "funcapi.h"
#include "pgstat.h"
#include "portability/instr_time.h"
#include "storage/latch.h"
#include "utils/timestamp.h"
#include "utils/wait_event.h"
}

#include <cmath>
#include <libpq-fe.h>
#include <sodium.h>
#include <string>

namespace {

struct CheckResult
{
	bool ok;
	bool tried;			  /* a connection was attempted: latency_ms is set */
	double latency_ms;
	char *server_version; /* palloc'd or nullptr */
	char *error;		  /* palloc'd or nullptr */
};

/* The timeout in milliseconds; raises 22023 unless within (0, 1 hour]. */
long
timeout_ms(const Interval *timeout)
{
	double ms = (double) timeout->time / 1000.0 +
				((double) timeout->day + (double) timeout->month * DAYS_PER_MONTH) *
					SECS_PER_DAY * 1000.0;
	if (!(ms > 0) || ms > 3600.0 * 1000.0)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("timeout must be more than 0 and at most 1 hour")));
	return (long) std::ceil(ms);
}

/* A scrubbed copy of libpq's message, palloc'd. */
char *
scrubbed_error(const char *message, const char *conninfo)
{
	std::string text = tenancy::vault::scrub_connection_error(message, conninfo);
	return tenancy::pg_guarded([&]() { return pstrdup(text.c_str()); });
}

/*
 * The connection string libpq is given (see explicit_conninfo.hpp),
 * palloc'd; or nullptr, with *refusal set to why not (palloc'd).
 */
char *
explicit_connection_string(const char *conninfo, long wait_ms, char **refusal)
{
	std::string why;
	try
	{
		tenancy::vault::ExplicitConninfo given(conninfo, wait_ms / 1000 + 2,
											   "tenancy check_tenant_connection");
		return tenancy::pg_guarded([&]() { return pstrdup(given.c_str()); });
	}
	catch (const tenancy::PgError &)
	{
		throw;
	}
	catch (const tenancy::Error &e)
	{
		why = e.detail().empty() ? e.message() : e.message() + ": " + e.detail();
	}
	*refusal = tenancy::pg_guarded([&]() { return pstrdup(why.c_str()); });
	return nullptr;
}

/* Starts connecting with the explicit string, which is wiped. */
PGconn *
start_connection(char *given)
{
	PGconn *conn = PQconnectStart(given);
	sodium_memzero(given, strlen(given));
	pfree(given);
	if (conn == nullptr)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	return conn;
}

/* Polls the connection to completion, timeout, or interrupt. */
void
wait_for_connection(PGconn *conn, long wait_ms, CheckResult *result, const char *conninfo)
{
	instr_time start, now;
	INSTR_TIME_SET_CURRENT(start);
	volatile PostgresPollingStatusType status = PGRES_POLLING_WRITING;
	volatile bool timed_out = false;

	if (PQstatus(conn) == CONNECTION_BAD)
		status = PGRES_POLLING_FAILED;
	PG_TRY();
	{
		while (status != PGRES_POLLING_OK && status != PGRES_POLLING_FAILED)
		{
			INSTR_TIME_SET_CURRENT(now);
			INSTR_TIME_SUBTRACT(now, start);
			long remaining = wait_ms - (long) INSTR_TIME_GET_MILLISEC(now);
			if (remaining <= 0)
			{
				timed_out = true;
				break;
			}
			int events = WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH |
						 (status == PGRES_POLLING_READING ? WL_SOCKET_READABLE
														  : WL_SOCKET_WRITEABLE);
			int rc = WaitLatchOrSocket(MyLatch, events, PQsocket(conn), remaining,
									   PG_WAIT_EXTENSION);
			if (rc & WL_LATCH_SET)
				ResetLatch(MyLatch);
			CHECK_FOR_INTERRUPTS();
			if (rc & (WL_SOCKET_READABLE | WL_SOCKET_WRITEABLE))
				status = PQconnectPoll(conn);
		}
	}
	PG_CATCH();
	{
		PQfinish(conn);
		PG_RE_THROW();
	}
	PG_END_TRY();

	INSTR_TIME_SET_CURRENT(now);
	INSTR_TIME_SUBTRACT(now, start);
	result->tried = true;
	result->latency_ms = INSTR_TIME_GET_MILLISEC(now);
	bool connected = !timed_out && status == PGRES_POLLING_OK && PQstatus(conn) == CONNECTION_OK;
	// A server that let us in without the password may be anyone's: the
	// connection proves nothing about the stored credentials.
	result->ok = connected && PQconnectionUsedPassword(conn);
	if (connected && !result->ok)
		result->error = pstrdup("refused: the server did not ask for the stored password");
	else if (result->ok)
	{
		const char *version = PQparameterStatus(conn, "server_version");
		result->server_version = version ? pstrdup(version) : nullptr;
	}
	else if (timed_out)
		result->error = psprintf("timed out after %ld ms", wait_ms);
	char *message = connected || timed_out ? nullptr : pstrdup(PQerrorMessage(conn));
	PQfinish(conn);
	if (message != nullptr)
	{
		result->error = scrubbed_error(message, conninfo);
		sodium_memzero(message, strlen(message));
		pfree(message);
	}
}

} // namespace

/*
 * check_tenant_connection(tenant uuid, timeout interval) → (ok, latency_ms,
 * server_version, error): connects and disconnects; failures are reported
 * in the result, scrubbed of the password, not raised.
 */
TENANCY_FUNCTION(check_tenant_connection)
{
	Datum tenant = PG_GETARG_DATUM(0);
	long wait_ms = timeout_ms(PG_GETARG_INTERVAL_P(1));
	TupleDesc tupdesc;
	if (get_call_result_type(fcinfo, nullptr, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "check_tenant_connection must return a composite type");
	tupdesc = BlessTupleDesc(tupdesc);

	CheckResult result = {false, false, 0.0, nullptr, nullptr};
	bytea *sealed = tenancy::vault::fetch_sealed(tenant, "data_source");
	if (sealed == nullptr)
		result.error = pstrdup("no connection is set for this tenant");
	else
	{
		const tenancy::vault::KeyRing &ring = tenancy::vault::current_key_ring();
		text *plain =
			tenancy::vault::open_value(ring, sealed, DatumGetUUIDP(tenant), "data_source");
		char *conninfo = text_to_cstring(plain);
		tenancy::vault::wipe_varlena(plain);
		char *given = explicit_connection_string(conninfo, wait_ms, &result.error);
		if (given != nullptr)
			wait_for_connection(start_connection(given), wait_ms, &result, conninfo);
		sodium_memzero(conninfo, strlen(conninfo));
		pfree(conninfo);
	}

	Datum values[4] = {BoolGetDatum(result.ok), Float8GetDatum(result.latency_ms),
					   result.server_version ? CStringGetTextDatum(result.server_version)
											 : (Datum) 0,
					   result.error ? CStringGetTextDatum(result.error) : (Datum) 0};
	bool nulls[4] = {false, !result.tried, result.server_version == nullptr,
					 result.error == nullptr};
	return HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls));
}
