/*
 * scopes.hpp: RAII save/restore of server globals. None of these can throw
 * or raise: constructors and destructors only assign globals.
 *
 * They are safe only where a PostgreSQL error cannot longjmp over them, i.e.
 * when every call into PostgreSQL below them goes through pg_guarded()
 * (boundary.hpp). Abort processing resets these globals anyway, so a scope
 * skipped by an unguarded error is a bug of style, not of state.
 */
#pragma once
#include "core/pg.hpp"

namespace tenancy {

/* Switches CurrentMemoryContext for the scope's lifetime. */
class MemoryContextScope
{
  public:
	explicit MemoryContextScope(MemoryContext context) noexcept
		: saved_(MemoryContextSwitchTo(context))
	{
	}
	~MemoryContextScope() { MemoryContextSwitchTo(saved_); }
	MemoryContextScope(const MemoryContextScope &) = delete;
	MemoryContextScope &operator=(const MemoryContextScope &) = delete;

  private:
	MemoryContext saved_;
};

/*
 * Runs the scope as another user id with extra security-context flags, as
 * SECURITY DEFINER functions and RI triggers do (e.g. the extension owner
 * with SECURITY_LOCAL_USERID_CHANGE | SECURITY_NOFORCE_RLS).
 */
class UserIdScope
{
  public:
	UserIdScope(Oid user_id, int extra_security_flags) noexcept
	{
		GetUserIdAndSecContext(&saved_user_id_, &saved_security_context_);
		SetUserIdAndSecContext(user_id, saved_security_context_ | extra_security_flags);
	}
	~UserIdScope() { SetUserIdAndSecContext(saved_user_id_, saved_security_context_); }
	UserIdScope(const UserIdScope &) = delete;
	UserIdScope &operator=(const UserIdScope &) = delete;

  private:
	Oid saved_user_id_;
	int saved_security_context_;
};

} // namespace tenancy
