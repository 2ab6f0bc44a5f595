/*
 * audit_pg.hpp: what the module entry needs of the audit capability.
 */
#pragma once

namespace tenancy {

/* Registers the audit trigger's invalidation and transaction callbacks. */
void audit_init(void);

} // namespace tenancy
