/*
 * audit_pg.hpp: what the module entry needs of the audit capability.
 */
#pragma once

/* Registers the relcache callback that drops cached log statements. */
void tenancy_audit_init(void);
