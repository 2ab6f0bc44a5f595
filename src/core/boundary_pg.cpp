/*
 * boundary_pg.cpp: the inbound trampoline body and the PgError type.
 *
 * See boundary.hpp for the rules. The catch blocks below only copy bytes
 * into a plain struct; every ereport happens after they are left.
 */
#include "core/boundary.hpp"

#include <cstring>
#include <new>

namespace tenancy {

namespace {

/* An error waiting to be raised once no C++ object is live. A POD. */
struct PendingError
{
	bool raised;
	ErrorData *edata; /* a PostgreSQL error caught by pg_guarded, or null */
	char sqlstate[6];
	char message[1024];
	char detail[1024];
	char hint[512];
};

void
copy_truncated(char *target, size_t size, const char *source) noexcept
{
	size_t length = strnlen(source, size - 1);

	memcpy(target, source, length);
	target[length] = '\0';
}

void
stash(PendingError *pending, const char *sqlstate, const char *message,
	  const char *detail, const char *hint) noexcept
{
	pending->raised = true;
	copy_truncated(pending->sqlstate, sizeof(pending->sqlstate), sqlstate);
	copy_truncated(pending->message, sizeof(pending->message), message);
	copy_truncated(pending->detail, sizeof(pending->detail), detail);
	copy_truncated(pending->hint, sizeof(pending->hint), hint);
}

/*
 * Runs the body. A PostgreSQL error that the body raises directly (not via
 * pg_guarded) longjmps straight through this frame, which is fine: it holds
 * no object with a destructor.
 */
Datum
run_catching(FunctionBody body, FunctionCallInfo fcinfo, PendingError *pending) noexcept
{
	try
	{
		return body(fcinfo);
	}
	catch (const PgError &e)
	{
		pending->raised = true;
		pending->edata = e.error_data();
	}
	catch (const Error &e)
	{
		stash(pending, e.sqlstate().c_str(), e.message().c_str(), e.detail().c_str(),
			  e.hint().c_str());
	}
	catch (const std::bad_alloc &)
	{
		stash(pending, "53200", "out of memory", "", "");
	}
	catch (const std::exception &e)
	{
		stash(pending, "XX000", "unexpected C++ exception in tenancy", e.what(), "");
	}
	catch (...)
	{
		stash(pending, "XX000", "unknown C++ exception in tenancy", "", "");
	}
	return (Datum) 0;
}

[[noreturn]] void
raise_pending(const PendingError *pending)
{
	if (pending->edata != nullptr)
		ReThrowError(pending->edata);

	const char *s = pending->sqlstate;
	ereport(ERROR,
			(errcode(MAKE_SQLSTATE(s[0], s[1], s[2], s[3], s[4])),
			 errmsg_internal("%s", pending->message),
			 pending->detail[0] ? errdetail_internal("%s", pending->detail) : 0,
			 pending->hint[0] ? errhint("%s", pending->hint) : 0));
	pg_unreachable();
}

} // namespace

PgError::PgError(ErrorData *edata)
	: Error("XX000", edata->message ? edata->message : "PostgreSQL error"), edata_(edata)
{
}

Datum
call_function_body(FunctionBody body, FunctionCallInfo fcinfo)
{
	PendingError pending;

	pending.raised = false;
	pending.edata = nullptr;
	Datum result = run_catching(body, fcinfo, &pending);
	if (pending.raised)
		raise_pending(&pending);
	return result;
}

void
throw_current_pg_error(MemoryContext context)
{
	MemoryContextSwitchTo(context);
	ErrorData *edata = CopyErrorData();
	FlushErrorState();
	throw PgError(edata);
}

} // namespace tenancy
