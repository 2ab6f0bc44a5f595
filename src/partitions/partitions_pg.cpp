/*
 * partitions_pg.cpp: thin SQL entry points into the pure partition core
 * (steps, names, plans). The DDL itself is PL/pgSQL (the SQL files here).
 *
 * Each body reads its arguments into PODs and palloc'd memory first, runs
 * the pure C++ (which may throw tenancy::Error, turned into ereport by the
 * trampoline), and reaches PostgreSQL again only through pg_guarded while
 * C++ objects are alive.
 */
#include "core/boundary.hpp"
#include "partitions/naming.hpp"
#include "partitions/plan.hpp"
#include "partitions/plan_args_pg.hpp"

extern "C" {
#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/timestamp.h"
#include "utils/uuid.h"
}

#include <cstring>
#include <optional>
#include <vector>

namespace {

Datum
timestamp_array(const std::vector<tenancy::Timestamp> &values)
{
	const int n = static_cast<int>(values.size());
	const tenancy::Timestamp *data = values.data();
	return tenancy::pg_guarded([n, data]() -> Datum {
		Datum *elems = static_cast<Datum *>(palloc(sizeof(Datum) * (n > 0 ? n : 1)));
		for (int i = 0; i < n; i++)
			elems[i] = TimestampGetDatum(data[i]);
		return PointerGetDatum(construct_array(elems, n, TIMESTAMPOID, sizeof(Timestamp),
											   FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	});
}

/* Copies a name computed in C++ into a palloc'd Name (after the string dies). */
struct NameBuffer
{
	char bytes[NAMEDATALEN];
};

NameBuffer
to_buffer(const std::string &s)
{
	NameBuffer b{};
	std::strncpy(b.bytes, s.c_str(), NAMEDATALEN - 1);
	return b;
}

Datum
name_datum(const NameBuffer &b)
{
	Name result = static_cast<Name>(palloc0(NAMEDATALEN));
	std::memcpy(NameStr(*result), b.bytes, NAMEDATALEN);
	return NameGetDatum(result);
}

std::optional<tenancy::Timestamp>
optional_timestamp(FunctionCallInfo fcinfo, int arg)
{
	if (PG_ARGISNULL(arg))
		return std::nullopt;
	return PG_GETARG_TIMESTAMP(arg);
}

} // namespace

/* _partition_check_step(step interval, whole_days bool) → void */
TENANCY_FUNCTION(partition_check_step)
{
	plan_step(PG_GETARG_INTERVAL_P(0), PG_GETARG_BOOL(1));
	PG_RETURN_VOID();
}

/* _partition_step_floor(ts timestamp, step interval) → timestamp */
TENANCY_FUNCTION(partition_step_floor)
{
	Timestamp ts = PG_GETARG_TIMESTAMP(0);
	PG_RETURN_TIMESTAMP(plan_step(PG_GETARG_INTERVAL_P(1)).floor(ts));
}

/* _partition_step_add(ts timestamp, step interval, n int) → timestamp */
TENANCY_FUNCTION(partition_step_add)
{
	Timestamp ts = PG_GETARG_TIMESTAMP(0);
	int32 n = PG_GETARG_INT32(2);
	PG_RETURN_TIMESTAMP(plan_step(PG_GETARG_INTERVAL_P(1)).add(ts, n));
}

/* _partition_time_name(parent name, step interval, lower timestamp) → name */
TENANCY_FUNCTION(partition_time_name)
{
	const char *parent = NameStr(*PG_GETARG_NAME(0));
	const Interval *step = PG_GETARG_INTERVAL_P(1);
	Timestamp lower = PG_GETARG_TIMESTAMP(2);
	NameBuffer b;
	{
		const tenancy::Step s = plan_step(step);
		b = to_buffer(tenancy::child_name(parent, tenancy::time_suffix(s, s.floor(lower))));
	}
	return name_datum(b);
}

/* _partition_tenant_name(parent name, tenant uuid, full bool) → name */
TENANCY_FUNCTION(partition_tenant_name)
{
	const char *parent = NameStr(*PG_GETARG_NAME(0));
	const pg_uuid_t *uuid = PG_GETARG_UUID_P(1);
	bool full = PG_GETARG_BOOL(2);
	NameBuffer b;
	{
		std::array<unsigned char, 16> bytes;
		std::memcpy(bytes.data(), uuid->data, 16);
		b = to_buffer(tenancy::child_name(parent, tenancy::tenant_suffix(bytes, full)));
	}
	return name_datum(b);
}

/* _partition_default_name(parent name) → name */
TENANCY_FUNCTION(partition_default_name)
{
	const char *parent = NameStr(*PG_GETARG_NAME(0));
	NameBuffer b = to_buffer(tenancy::child_name(parent, "default"));
	return name_datum(b);
}

/* _partition_expired_name(parent name) → name */
TENANCY_FUNCTION(partition_expired_name)
{
	const char *parent = NameStr(*PG_GETARG_NAME(0));
	NameBuffer b = to_buffer(tenancy::child_name(parent, "expired"));
	return name_datum(b);
}

/*
 * _partition_premake_plan(step interval, premake int, start_at timestamp,
 *     now timestamp, cutoff timestamp, lowers timestamp[], uppers timestamp[])
 *   → timestamp[]
 */
TENANCY_FUNCTION(partition_premake_plan)
{
	for (int arg : {0, 1, 3, 5, 6})
		if (PG_ARGISNULL(arg))
			ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
							errmsg("partition plan arguments must not be NULL")));
	const Interval *step = PG_GETARG_INTERVAL_P(0);
	int32 premake = PG_GETARG_INT32(1);
	Timestamp now = PG_GETARG_TIMESTAMP(3);
	PlanArray lowers = plan_timestamps(PG_GETARG_ARRAYTYPE_P(5), "lowers");
	PlanArray uppers = plan_timestamps(PG_GETARG_ARRAYTYPE_P(6), "uppers");
	tenancy::PremakeInput in{plan_step(step), premake, optional_timestamp(fcinfo, 2), now,
							 optional_timestamp(fcinfo, 4), plan_ranges(lowers, uppers)};
	return timestamp_array(tenancy::plan_premake(in));
}
