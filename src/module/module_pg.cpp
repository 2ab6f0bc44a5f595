/*
 * module_pg.cpp: the shared library's entry points: module magic, _PG_init,
 * and tenancy.version().
 */
#include "apikeys/api_key_cache_pg.hpp"
#include "audit/audit_pg.hpp"
#include "core/boundary.hpp"
#include "identity/identity_pg.hpp"
#include "isolation/soft_delete_pg.hpp"
#include "isolation/tenant_columns_pg.hpp"
#include "isolation/through_check_plan_pg.hpp"
#include "membership/active_scope_pg.hpp"
#include "membership/membership_cache_pg.hpp"
#include "membership/registration_pg.hpp"
#include "partitions/tenant_pruning_pg.hpp"
#include "ratelimit/shared_buckets_pg.hpp"
#include "vault/settings.hpp"

#include <sodium.h>

extern "C" {
PG_MODULE_MAGIC;

void _PG_init(void);
}

/*
 * Runs once per backend when the library is loaded. Plain C style: it holds
 * no C++ objects, so an ereport here unwinds nothing.
 */
void
_PG_init(void)
{
	if (sodium_init() < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("tenancy could not initialise libsodium")));
	tenancy::identity_init();
	tenancy::active_tenant_init();
	tenancy::registration_init();
	tenancy::active_scope_init();
	tenancy::membership_cache_init();
	tenancy::tenant_columns_init();
	tenancy::soft_delete_init();
	tenancy::through_check_plan_init();
	tenancy::audit_init();
	tenancy::tenant_pruning_init();
	tenancy::vault::define_settings();
	tenancy::ratelimit::shared_buckets_init();
	tenancy::apikeys::api_keys_init();
}

TENANCY_FUNCTION(version)
{
	PG_RETURN_TEXT_P(cstring_to_text(TENANCY_VERSION));
}
