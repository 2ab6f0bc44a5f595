/*
 * audit_pg.hpp: what the module entry needs of the audit capability.
 */
#pragma once

namespace tenancy {

/* Registers the relcache callback that drops cached log statements. */
void audit_init(void);

} // namespace tenancy
