/*
 * settings.hpp: the vault's configuration parameters.
 */
#pragma once

namespace tenancy::vault {

/* Defines tenancy.key_file and tenancy.active_key_id; called by _PG_init. */
void define_settings();

} // namespace tenancy::vault
