/*
 * db_user_pg.hpp: the name the audit log records as db_user, the outer
 * user's (see log_writer_pg.cpp for why the outer one), looked up once per
 * role and kept until the role catalog changes (a rename: pg_authid's
 * syscache invalidation).
 */
#pragma once
#include "core/pg.hpp"

namespace tenancy::audit {

/* Registers the invalidation callback; from audit_init. */
void db_user_init(void);

/* The outer user's name as a text datum, in the current memory context. */
Datum db_user_text(void);

} // namespace tenancy::audit
