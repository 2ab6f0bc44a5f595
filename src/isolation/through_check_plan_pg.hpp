/*
 * through_check_plan_pg.hpp: the planner hook that settles the checks of
 * tables isolated through a key after planning: dropped where an index
 * answers them, their EXISTS alone elsewhere (server glue; plain C style).
 */
#pragma once

namespace tenancy {

/* Installs the planner hook and the catalog callbacks (at load). */
void through_check_plan_init(void);

} // namespace tenancy
