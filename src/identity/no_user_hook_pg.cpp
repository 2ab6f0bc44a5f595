/*
 * no_user_hook_pg.cpp: the hook through which another kind of caller (an
 * API key, src/apikeys) says that the transaction has no user, whatever
 * its claims say: current_user_id() and current_user_id_text() are NULL.
 */
#include "identity/identity_pg.hpp"

namespace tenancy {

namespace {
NoUserHook no_user_hook = nullptr;
} // namespace

void
set_no_user_hook(NoUserHook hook)
{
	no_user_hook = hook;
}

bool
caller_has_no_user(void)
{
	return no_user_hook != nullptr && no_user_hook();
}

} // namespace tenancy
