/*
 * boundary_probe_pg.cpp: test-only SQL functions that exercise the error
 * boundary of src/core/boundary.hpp from both directions.
 */
#include "core/boundary.hpp"
#include "core/scopes.hpp"

extern "C" {
#include "executor/spi.h"
#include "funcapi.h"
#include "access/htup_details.h"
#include "catalog/pg_authid.h"
}

#include <new>
#include <stdexcept>
#include <string>

extern "C" {
PG_MODULE_MAGIC;
}

namespace {

struct UnwindRecord
{
	int destructors;
	bool context_restored;
	bool user_restored;
};

UnwindRecord last_unwind_record;

/* Counts its own destruction; the outermost one checks what was restored. */
class DestructorProbe
{
  public:
	DestructorProbe(MemoryContext expected_context, Oid expected_user, bool outermost) noexcept
		: expected_context_(expected_context), expected_user_(expected_user), outermost_(outermost)
	{
	}
	~DestructorProbe()
	{
		last_unwind_record.destructors++;
		if (outermost_)
		{
			last_unwind_record.context_restored = CurrentMemoryContext == expected_context_;
			last_unwind_record.user_restored = GetUserId() == expected_user_;
		}
	}

  private:
	MemoryContext expected_context_;
	Oid expected_user_;
	bool outermost_;
};

int64
run_sql_guarded(const char *sql)
{
	return tenancy::pg_guarded([&]() -> int64 {
		SPI_connect();
		SPI_execute(sql, false, 0);
		int64 processed = (int64) SPI_processed;
		SPI_finish();
		return processed;
	});
}

} // namespace

TENANCY_FUNCTION(throw_error)
{
	std::string sqlstate = text_to_cstring(PG_GETARG_TEXT_PP(0));
	std::string message = text_to_cstring(PG_GETARG_TEXT_PP(1));
	std::string detail = text_to_cstring(PG_GETARG_TEXT_PP(2));
	std::string hint = text_to_cstring(PG_GETARG_TEXT_PP(3));
	throw tenancy::Error(sqlstate, message, detail, hint);
}

TENANCY_FUNCTION(throw_foreign)
{
	std::string kind = text_to_cstring(PG_GETARG_TEXT_PP(0));
	if (kind == "bad_alloc")
		throw std::bad_alloc();
	if (kind == "runtime_error")
		throw std::runtime_error("probe failure");
	throw 42;
}

TENANCY_FUNCTION(guarded_sql)
{
	const char *sql = text_to_cstring(PG_GETARG_TEXT_PP(0));
	MemoryContext caller_context = CurrentMemoryContext;
	Oid caller_user = GetUserId();

	last_unwind_record = UnwindRecord{0, false, false};
	DestructorProbe outer(caller_context, caller_user, true);
	std::string held_string(128, 'x'); /* a heap-owning object across the guard */
	MemoryContext scratch = AllocSetContextCreate(CurrentMemoryContext, "tenancy_test scratch",
												  ALLOCSET_SMALL_SIZES);
	tenancy::MemoryContextScope context_scope(scratch);
	tenancy::UserIdScope user_scope(BOOTSTRAP_SUPERUSERID, SECURITY_LOCAL_USERID_CHANGE);
	DestructorProbe inner(scratch, BOOTSTRAP_SUPERUSERID, false);

	int64 processed = run_sql_guarded(sql);
	PG_RETURN_INT64(processed + (int64) held_string.size() - 128);
}

TENANCY_FUNCTION(last_unwind)
{
	TupleDesc tupdesc;
	if (get_call_result_type(fcinfo, nullptr, &tupdesc) != TYPEFUNC_COMPOSITE)
		throw tenancy::Error("XX000", "last_unwind must return a record");
	tupdesc = BlessTupleDesc(tupdesc);
	Datum values[3] = {Int32GetDatum(last_unwind_record.destructors),
					   BoolGetDatum(last_unwind_record.context_restored),
					   BoolGetDatum(last_unwind_record.user_restored)};
	bool nulls[3] = {false, false, false};
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}
