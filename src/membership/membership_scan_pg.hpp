/*
 * membership_scan_pg.hpp: what a membership cache fill reads (server glue;
 * plain C style, may ereport). membership_scan_pg.cpp.
 */
#pragma once
#include "membership/hierarchy_pg.hpp"
#include "membership/membership_cache_pg.hpp"
#include "membership/registration_pg.hpp"

namespace tenancy {

/* 55000 unless the columns still have the registered types (the lock is held). */
void check_descriptor(const Registration *reg, TupleDesc desc);

/*
 * Reads the user's active memberships in scope from rel (the membership
 * table, opened by the caller) with snapshot, and owned tenants, and with
 * a mapping (opened by the caller), the tenants parents reach through it,
 * into palloc'd, sorted arrays.
 */
void scan_memberships(const char *scope, const Registration *reg, Relation rel, Snapshot snapshot,
					  const UserId *user, Relation mapping, const ParentTenants *parents,
					  UserMemberships *out);

} // namespace tenancy
