/*
 * through_check_plan_pg.hpp: the planner hook that leaves, of a through
 * check no index answered, its EXISTS alone (server glue; plain C style).
 */
#pragma once

namespace tenancy {

/* Installs the planner hook and the catalog callbacks (at load). */
void through_check_plan_init(void);

} // namespace tenancy
