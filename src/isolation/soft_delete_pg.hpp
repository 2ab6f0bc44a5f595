/*
 * soft_delete_pg.hpp: the soft-delete trigger (src/isolation/soft_delete.sql)
 * and what the audit trigger asks it.
 */
#pragma once
#include "core/pg.hpp"

namespace tenancy {

/* Defines GUC tenancy.show_deleted; called from _PG_init. */
void soft_delete_init(void);

/*
 * True while the soft-delete trigger's UPDATE of relid runs: the audit
 * trigger logs that UPDATE as the DELETE it replaces.
 */
bool soft_delete_updating(Oid relid);

} // namespace tenancy
