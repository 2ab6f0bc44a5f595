/*
 * relation_owner_pg.hpp: the owner of a relation, for work tenancy does as
 * that owner (SECURITY_RESTRICTED_OPERATION, as VACUUM does).
 */
#pragma once
#include "core/pg.hpp"

namespace tenancy {

/*
 * The owner of relid. Raises 42P01 when relid does not exist (dropped
 * since the caller found it): call it where an ereport unwinds no C++
 * object, or through pg_guarded().
 */
Oid relation_owner(Oid relid);

} // namespace tenancy
