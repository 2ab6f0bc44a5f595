/*
 * db_user_pg.cpp: the outer user's name, kept (see db_user_pg.hpp). The
 * callback only clears a flag; the lookup is plain C-style server code.
 */
#include "audit/db_user_pg.hpp"

extern "C" {
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/inval.h"
#include "utils/syscache.h"
}

namespace tenancy::audit {

namespace {

Oid kept_role = InvalidOid; /* InvalidOid: nothing kept */
NameData kept_name;
/* Invalidations seen: a name looked up while one arrived is not kept. */
uint64 invalidations = 0;

void
forget_on_role_change(Datum, int, uint32)
{
	invalidations++;
	kept_role = InvalidOid;
}

} // namespace

void
db_user_init(void)
{
	CacheRegisterSyscacheCallback(AUTHOID, forget_on_role_change, (Datum) 0);
}

Datum
db_user_text(void)
{
	Oid role = GetOuterUserId();
	if (role != kept_role)
	{
		uint64 seen = invalidations;
		char *name = GetUserNameFromId(role, false);
		if (seen != invalidations)
			return CStringGetTextDatum(name);
		namestrcpy(&kept_name, name);
		kept_role = role;
	}
	return CStringGetTextDatum(NameStr(kept_name));
}

} // namespace tenancy::audit
