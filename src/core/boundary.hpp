/*
 * boundary.hpp: the C++/PostgreSQL error boundary.
 *
 * PostgreSQL raises errors with siglongjmp; C++ cleans up by unwinding. The
 * two must never cross. Two tools keep them apart:
 *
 * Inbound: TENANCY_FUNCTION(name) defines the extern "C" fmgr entry point as
 * a one-line trampoline into a C++ body. Any exception the body lets out is
 * caught, its SQLSTATE, message, detail and hint are copied into a plain
 * struct, the catch block is left (so the exception object is destroyed),
 * and only then is ereport(ERROR) called with the original SQLSTATE.
 *
 * Outbound: pg_guarded(callable) runs a call into PostgreSQL that may raise,
 * while C++ objects with destructors are live further up. A PostgreSQL error
 * inside it is caught with PG_TRY, its ErrorData copied, the error state
 * flushed, and a PgError thrown: the C++ frames unwind, and the inbound
 * trampoline re-raises the original ErrorData unchanged. The callable itself
 * must hold no C++ objects with destructors (PODs and palloc'd memory only).
 * A PgError must be re-thrown, never swallowed: the transaction is in an
 * error state until the trampoline re-raises it.
 */
#pragma once
#include "core/error.hpp"
#include "core/pg.hpp"

#include <type_traits>

namespace tenancy {

/* A PostgreSQL error caught by pg_guarded, carrying its full ErrorData. */
class PgError : public Error
{
  public:
	explicit PgError(ErrorData *edata);
	ErrorData *error_data() const noexcept { return edata_; }

  private:
	ErrorData *edata_; /* palloc'd copy, owned by the memory context */
};

using FunctionBody = Datum (*)(FunctionCallInfo);

/* The inbound boundary: runs body, turns any escaping exception into ERROR. */
Datum call_function_body(FunctionBody body, FunctionCallInfo fcinfo);

/* Copies and flushes the current PostgreSQL error, then throws PgError. */
[[noreturn]] void throw_current_pg_error(MemoryContext context);

namespace detail {

/* Runs call() under PG_TRY; this frame holds nothing that longjmp clobbers. */
template <typename Call>
void
run_guarded(Call &call)
{
	MemoryContext context = CurrentMemoryContext;
	volatile bool failed = false;

	PG_TRY();
	{
		call();
	}
	PG_CATCH();
	{
		failed = true;
	}
	PG_END_TRY();
	if (failed)
		throw_current_pg_error(context);
}

} // namespace detail

/*
 * The outbound guard. Returns what call() returns (void or a trivially
 * copyable value: a Datum, pointer or integer) or throws PgError.
 */
template <typename Call>
auto
pg_guarded(Call &&call) -> decltype(call())
{
	using Result = decltype(call());

	if constexpr (std::is_void_v<Result>)
		detail::run_guarded(call);
	else
	{
		static_assert(std::is_trivially_copyable_v<Result>,
					  "pg_guarded returns only trivially copyable values");
		Result result{}; /* lives outside the setjmp frame */
		auto store = [&]() { result = call(); };
		detail::run_guarded(store);
		return result;
	}
}

} // namespace tenancy

/*
 * Defines SQL-callable function `name` as a trampoline into the C++ body
 * that follows the macro:
 *
 *   TENANCY_FUNCTION(version)
 *   {
 *       PG_RETURN_TEXT_P(cstring_to_text("0.1.0"));
 *   }
 */
#define TENANCY_FUNCTION(name)                                                  \
	static Datum name##_body(FunctionCallInfo fcinfo);                          \
	extern "C" {                                                                \
	PG_FUNCTION_INFO_V1(name);                                                  \
	}                                                                           \
	extern "C" Datum name(PG_FUNCTION_ARGS)                                     \
	{                                                                           \
		return tenancy::call_function_body(name##_body, fcinfo);                \
	}                                                                           \
	static Datum name##_body(FunctionCallInfo fcinfo)
