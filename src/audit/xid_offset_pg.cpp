/*
 * xid_offset_pg.cpp: reads, caches and stores the log's xid offset.
 *
 * tenancy.audit_xid_offset() is deterministic, so every backend that
 * computes it gets the same value and may cache it (for as long as
 * tenancy.audit_install, identified by its OID, exists). The first to
 * compute it stores it, unless another transaction is storing it right
 * then (SKIP LOCKED): no writer ever waits for another, and once stored,
 * reading it costs nothing.
 */
#include "core/boundary.hpp" /* its error.hpp is pure: before any server header */

#include "audit/log_oids_pg.hpp"
#include "audit/xid_offset_pg.hpp"
#include "core/relation_owner_pg.hpp"
#include "core/scopes.hpp"

extern "C" {
#include "catalog/pg_type.h"
#include "executor/spi.h"
}

namespace tenancy::audit {

namespace {

Oid cached_table = InvalidOid;
uint64 cached_offset = 0;

} // namespace

uint64
log_xid_offset(void)
{
	Oid table = pg_guarded([]() { return log_oids()->install; });
	if (table == cached_table)
		return cached_offset;

	uint64 offset = 0;
	{
		/* as the extension's owner: writers have no privilege on its tables */
		UserIdScope as_owner(pg_guarded([&]() { return relation_owner(table); }),
							 SECURITY_LOCAL_USERID_CHANGE | SECURITY_RESTRICTED_OPERATION);
		pg_guarded([&]() {
			SPI_connect();
			if (SPI_execute("SELECT tenancy.audit_xid_offset(), "
							"(SELECT xid_offset IS NOT NULL FROM tenancy.audit_install)",
							true, 0) != SPI_OK_SELECT ||
				SPI_processed != 1)
				elog(ERROR, "tenancy could not read the audit log's xid offset");
			bool isnull, stored;
			Datum value = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
			if (isnull)
				ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
								errmsg("tenancy.audit_install has no row"),
								errhint("Reinstall the tenancy extension.")));
			offset = (uint64) DatumGetInt64(value);
			stored = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));
			if (!stored)
			{
				SPI_execute("SELECT 1 FROM tenancy.audit_install WHERE xid_offset IS NULL "
							"FOR UPDATE SKIP LOCKED",
							false, 0);
				if (SPI_processed == 1)
				{
					Oid type = INT8OID;
					Datum arg = Int64GetDatum((int64) offset);
					SPI_execute_with_args("UPDATE tenancy.audit_install SET xid_offset = $1", 1, &type,
										  &arg, nullptr, false, 0);
				}
			}
			SPI_finish();
		});
	}
	cached_table = table;
	cached_offset = offset;
	return offset;
}

} // namespace tenancy::audit
