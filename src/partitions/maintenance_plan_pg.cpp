/*
 * maintenance_plan_pg.cpp: the SQL entry points of the maintenance planner
 * (maintenance_plan.cpp). _partition_plan (maintenance.sql) gathers the
 * facts and passes them here; the steps come back as rows, in order.
 *
 * Each body reads its arguments into PODs and palloc'd memory first, runs
 * the pure planner in a block that calls PostgreSQL only through
 * pg_guarded, copies the steps into palloc'd PODs, and writes the rows
 * once every C++ object is gone.
 */
#include "core/boundary.hpp"
#include "partitions/maintenance_plan.hpp"
#include "partitions/plan_args_pg.hpp"

extern "C" {
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/uuid.h"
}

#include <cstring>
#include <string>
#include <vector>

namespace {

constexpr int max_ops = 9;

/* One step of the plan, copied out of C++ into palloc'd memory. */
struct PlannedStep
{
	tenancy::StepKind kind;
	bool has_range;
	Timestamp lower, upper;
	Oid child; /* InvalidOid: none */
	bool has_tenant;
	unsigned char tenant[UUID_LEN];
	int nops;
	tenancy::RetireOp ops[max_ops];
	tenancy::ThinInto thin_into;
	int batch_rows;
};

struct PlannedSteps
{
	PlannedStep *steps;
	int count;
};

PlannedSteps
copy_out(const std::vector<tenancy::MaintenanceStep> &plan)
{
	const int n = static_cast<int>(plan.size());
	PlannedSteps out{tenancy::pg_guarded([n] {
						 return static_cast<PlannedStep *>(palloc0(sizeof(PlannedStep) * (n + 1)));
					 }),
					 n};
	for (int i = 0; i < n; i++)
	{
		const tenancy::MaintenanceStep &s = plan[i];
		PlannedStep &p = out.steps[i];
		p.kind = s.kind;
		p.has_range = s.range.has_value();
		if (s.range)
		{
			p.lower = s.range->lower;
			p.upper = s.range->upper;
		}
		p.child = s.partition ? *s.partition : InvalidOid;
		p.has_tenant = s.tenant.has_value();
		if (s.tenant)
			std::memcpy(p.tenant, s.tenant->data(), UUID_LEN);
		if (s.ops.size() > max_ops)
			throw tenancy::Error(tenancy::sqlstate::internal_error, "a retirement has too many steps");
		p.nops = static_cast<int>(s.ops.size());
		std::copy(s.ops.begin(), s.ops.end(), p.ops);
		p.thin_into = s.thin_into;
		p.batch_rows = s.batch_rows;
	}
	return out;
}

/*
 * Writes the steps as rows (step_no, action, lower, upper, child, tenant,
 * ops, thin_into, batch_rows). Plain C-style: no C++ object is alive.
 */
void
put_steps(FunctionCallInfo fcinfo, PlannedSteps plan)
{
	ReturnSetInfo *rsinfo = reinterpret_cast<ReturnSetInfo *>(fcinfo->resultinfo);
	for (int i = 0; i < plan.count; i++)
	{
		const PlannedStep &s = plan.steps[i];
		Datum values[9];
		bool nulls[9] = {false, false, !s.has_range, !s.has_range, s.child == InvalidOid,
						 !s.has_tenant, s.kind != tenancy::StepKind::retire,
						 s.kind != tenancy::StepKind::thin, s.kind != tenancy::StepKind::thin};
		values[0] = Int32GetDatum(i + 1);
		values[1] = CStringGetTextDatum(tenancy::name_of(s.kind));
		values[2] = TimestampGetDatum(s.lower);
		values[3] = TimestampGetDatum(s.upper);
		values[4] = ObjectIdGetDatum(s.child);
		if (s.has_tenant)
		{
			pg_uuid_t *uuid = static_cast<pg_uuid_t *>(palloc(sizeof(pg_uuid_t)));
			std::memcpy(uuid->data, s.tenant, UUID_LEN);
			values[5] = UUIDPGetDatum(uuid);
		}
		else
			values[5] = (Datum) 0;
		Datum ops[max_ops];
		for (int k = 0; k < s.nops; k++)
			ops[k] = CStringGetTextDatum(tenancy::name_of(s.ops[k]));
		values[6] = PointerGetDatum(construct_array(ops, s.nops, TEXTOID, -1, false, TYPALIGN_INT));
		values[7] = CStringGetTextDatum(tenancy::name_of(s.thin_into));
		values[8] = Int32GetDatum(s.batch_rows);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
}

tenancy::RetentionAction
retention_action(const char *action)
{
	const std::string a(action);
	if (a == "drop")
		return tenancy::RetentionAction::drop;
	if (a == "detach")
		return tenancy::RetentionAction::detach;
	if (a == "archive_schema")
		return tenancy::RetentionAction::archive_schema;
	if (a == "archive_table")
		return tenancy::RetentionAction::archive_table;
	throw tenancy::Error(tenancy::sqlstate::invalid_parameter_value,
						 "unknown retention action \"" + a + "\"");
}

std::vector<tenancy::RelId>
rel_ids(PlanArray oids)
{
	std::vector<tenancy::RelId> out;
	for (int i = 0; i < oids.count; i++)
		out.push_back(DatumGetObjectId(oids.values[i]));
	return out;
}

void
require_arguments(FunctionCallInfo fcinfo, std::initializer_list<int> args)
{
	for (int arg : args)
		if (PG_ARGISNULL(arg))
			ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
							errmsg("maintenance plan facts must not be NULL"),
							errdetail("Argument %d is NULL.", arg + 1)));
}

} // namespace

/*
 * _partition_time_plan(now_utc timestamp, step interval, premake int,
 *     with_default bool, has_default bool, default_has_rows bool,
 *     partitions regclass[], lowers timestamp[], uppers timestamp[],
 *     default_row_times timestamp[], retention interval (NULL: none),
 *     action text, archive_partitioned bool (NULL: no archive table, or gone),
 *     keep_rule bool, holding_kept regclass[], holding_unkept regclass[],
 *     has_members bool, member_lowers timestamp[], member_uppers timestamp[],
 *     is_member bool, referenced_keep_rule bool,
 *     referenced_kept_lowers timestamp[], referenced_kept_uppers timestamp[])
 *   → SETOF (step_no, action, lower, upper, child, tenant, ops, thin_into, batch_rows)
 */
TENANCY_FUNCTION(partition_time_plan)
{
	require_arguments(fcinfo, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 13, 14, 15, 16, 17, 18, 19, 20,
							   21, 22});
	InitMaterializedSRF(fcinfo, 0);
	const Timestamp now = PG_GETARG_TIMESTAMP(0);
	const Interval *step = PG_GETARG_INTERVAL_P(1);
	const int32 premake = PG_GETARG_INT32(2);
	const bool with_default = PG_GETARG_BOOL(3), has_default = PG_GETARG_BOOL(4),
			   default_has_rows = PG_GETARG_BOOL(5);
	const PlanArray partitions = plan_oids(PG_GETARG_ARRAYTYPE_P(6), "partitions");
	const PlanArray lowers = plan_timestamps(PG_GETARG_ARRAYTYPE_P(7), "lowers");
	const PlanArray uppers = plan_timestamps(PG_GETARG_ARRAYTYPE_P(8), "uppers");
	const PlanArray row_times = plan_timestamps(PG_GETARG_ARRAYTYPE_P(9), "default_row_times");
	const Interval *retention = PG_ARGISNULL(10) ? nullptr : PG_GETARG_INTERVAL_P(10);
	const char *action = text_to_cstring(PG_GETARG_TEXT_PP(11));
	const bool archive_known = !PG_ARGISNULL(12);
	const bool archive_partitioned = archive_known && PG_GETARG_BOOL(12);
	const bool keep_rule = PG_GETARG_BOOL(13);
	const PlanArray kept = plan_oids(PG_GETARG_ARRAYTYPE_P(14), "holding_kept");
	const PlanArray unkept = plan_oids(PG_GETARG_ARRAYTYPE_P(15), "holding_unkept");
	const bool has_members = PG_GETARG_BOOL(16);
	const PlanArray member_lowers = plan_timestamps(PG_GETARG_ARRAYTYPE_P(17), "member_lowers");
	const PlanArray member_uppers = plan_timestamps(PG_GETARG_ARRAYTYPE_P(18), "member_uppers");
	const bool is_member = PG_GETARG_BOOL(19), referenced_keep_rule = PG_GETARG_BOOL(20);
	const PlanArray ref_lowers = plan_timestamps(PG_GETARG_ARRAYTYPE_P(21), "referenced_kept_lowers");
	const PlanArray ref_uppers = plan_timestamps(PG_GETARG_ARRAYTYPE_P(22), "referenced_kept_uppers");
	if (partitions.count != lowers.count)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("partitions and their bounds differ in length")));

	PlannedSteps planned;
	{
		tenancy::TimeSetFacts f{plan_step(step), premake, now, {}, with_default, has_default,
								default_has_rows, {}, std::nullopt, retention_action(action),
								std::nullopt, keep_rule, rel_ids(kept), rel_ids(unkept),
								has_members, plan_ranges(member_lowers, member_uppers), is_member,
								referenced_keep_rule, plan_ranges(ref_lowers, ref_uppers)};
		const std::vector<tenancy::Range> ranges = plan_ranges(lowers, uppers);
		for (int i = 0; i < partitions.count; i++)
			f.partitions.push_back({DatumGetObjectId(partitions.values[i]), ranges[i]});
		for (int i = 0; i < row_times.count; i++)
		{
			const Timestamp t = DatumGetTimestamp(row_times.values[i]);
			if (!TIMESTAMP_NOT_FINITE(t))
				f.default_row_times.push_back(t);
		}
		if (retention)
			f.retention = tenancy::Period{retention->month, retention->day, retention->time};
		if (archive_known)
			f.archive_table = archive_partitioned ? tenancy::ArchiveTableKind::partitioned
												  : tenancy::ArchiveTableKind::plain;
		planned = copy_out(tenancy::plan_time_maintenance(f));
	}
	put_steps(fcinfo, planned);
	return (Datum) 0;
}

/*
 * _partition_tenant_plan(with_default bool, has_default bool,
 *     default_has_rows bool, default_tenants uuid[])
 *   → SETOF (step_no, action, lower, upper, child, tenant, ops, thin_into, batch_rows)
 */
TENANCY_FUNCTION(partition_tenant_plan)
{
	require_arguments(fcinfo, {0, 1, 2, 3});
	InitMaterializedSRF(fcinfo, 0);
	const bool with_default = PG_GETARG_BOOL(0), has_default = PG_GETARG_BOOL(1),
			   default_has_rows = PG_GETARG_BOOL(2);
	const PlanArray tenants = plan_uuids(PG_GETARG_ARRAYTYPE_P(3), "default_tenants");

	PlannedSteps planned;
	{
		tenancy::TenantSetFacts f{with_default, has_default, default_has_rows, {}};
		for (int i = 0; i < tenants.count; i++)
		{
			tenancy::Uuid u;
			std::memcpy(u.data(), DatumGetUUIDP(tenants.values[i])->data, UUID_LEN);
			f.default_tenants.push_back(u);
		}
		planned = copy_out(tenancy::plan_tenant_maintenance(f));
	}
	put_steps(fcinfo, planned);
	return (Datum) 0;
}

/* _partition_retention_cutoff(now_utc timestamp, retention interval) → timestamp */
TENANCY_FUNCTION(partition_retention_cutoff)
{
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		PG_RETURN_NULL();
	const Timestamp now = PG_GETARG_TIMESTAMP(0);
	const Interval *retention = PG_GETARG_INTERVAL_P(1);
	const tenancy::Period period{retention->month, retention->day, retention->time};
	PG_RETURN_TIMESTAMP(*tenancy::retention_cutoff(now, period));
}

/*
 * _partition_default_expiry(now_utc timestamp, step interval,
 *     retention interval (NULL: none), action text, keep_rule bool,
 *     before_retire_hooks bool)
 *   → SETOF (before timestamp, spare_kept bool, destination text): one row when
 *     rows of the default expire, none otherwise.
 */
TENANCY_FUNCTION(partition_default_expiry)
{
	require_arguments(fcinfo, {0, 1, 3, 4, 5});
	InitMaterializedSRF(fcinfo, 0);
	const Timestamp now = PG_GETARG_TIMESTAMP(0);
	const Interval *step = PG_GETARG_INTERVAL_P(1);
	const Interval *retention = PG_ARGISNULL(2) ? nullptr : PG_GETARG_INTERVAL_P(2);
	const char *action = text_to_cstring(PG_GETARG_TEXT_PP(3));
	const bool keep_rule = PG_GETARG_BOOL(4), hooks = PG_GETARG_BOOL(5);

	bool expires = false;
	tenancy::DefaultExpiry expiry{};
	{
		tenancy::DefaultExpiryFacts f{plan_step(step), now, std::nullopt, retention_action(action),
									  keep_rule, hooks};
		if (retention)
			f.retention = tenancy::Period{retention->month, retention->day, retention->time};
		if (const std::optional<tenancy::DefaultExpiry> e = tenancy::plan_default_expiry(f))
		{
			expires = true;
			expiry = *e;
		}
	}
	if (expires)
	{
		ReturnSetInfo *rsinfo = reinterpret_cast<ReturnSetInfo *>(fcinfo->resultinfo);
		Datum values[3] = {TimestampGetDatum(expiry.before), BoolGetDatum(expiry.spare_kept),
						   CStringGetTextDatum(tenancy::name_of(expiry.into))};
		bool nulls[3] = {false, false, false};
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/*
 * _partition_run_order(named regclass (NULL: every set), parents regclass[],
 *     retire_with regclass[] (0: none)) → regclass[]: the sets a run
 *     maintains, in order (maintenance_order).
 */
TENANCY_FUNCTION(partition_run_order)
{
	require_arguments(fcinfo, {1, 2});
	const bool all = PG_ARGISNULL(0);
	const Oid named = all ? InvalidOid : PG_GETARG_OID(0);
	const PlanArray parents = plan_oids(PG_GETARG_ARRAYTYPE_P(1), "parents");
	const PlanArray retire_with = plan_oids(PG_GETARG_ARRAYTYPE_P(2), "retire_with");
	if (parents.count != retire_with.count)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("parents and retire_with differ in length")));

	Datum *ordered = static_cast<Datum *>(palloc(sizeof(Datum) * (parents.count + 1)));
	int count = 0;
	{
		std::vector<tenancy::RegisteredSet> sets;
		for (int i = 0; i < parents.count; i++)
		{
			const Oid with = DatumGetObjectId(retire_with.values[i]);
			sets.push_back({DatumGetObjectId(parents.values[i]),
							OidIsValid(with) ? std::optional<tenancy::RelId>(with) : std::nullopt});
		}
		for (tenancy::RelId id :
			 tenancy::maintenance_order(sets, all ? std::nullopt : std::optional<tenancy::RelId>(named)))
			ordered[count++] = ObjectIdGetDatum(id);
	}
	PG_RETURN_ARRAYTYPE_P(construct_array(ordered, count, REGCLASSOID, sizeof(Oid), true, TYPALIGN_INT));
}

/*
 * _partition_group_range_waits(lower timestamp, upper timestamp,
 *     member_lowers timestamp[], member_uppers timestamp[], is_member bool,
 *     referenced_keep_rule bool, referenced_kept_lowers timestamp[],
 *     referenced_kept_uppers timestamp[]) → bool (group_range_waits)
 */
TENANCY_FUNCTION(partition_group_range_waits)
{
	require_arguments(fcinfo, {0, 1, 2, 3, 4, 5, 6, 7});
	const tenancy::Range range{PG_GETARG_TIMESTAMP(0), PG_GETARG_TIMESTAMP(1)};
	const PlanArray member_lowers = plan_timestamps(PG_GETARG_ARRAYTYPE_P(2), "member_lowers");
	const PlanArray member_uppers = plan_timestamps(PG_GETARG_ARRAYTYPE_P(3), "member_uppers");
	const bool is_member = PG_GETARG_BOOL(4), referenced_keep_rule = PG_GETARG_BOOL(5);
	const PlanArray kept_lowers = plan_timestamps(PG_GETARG_ARRAYTYPE_P(6), "referenced_kept_lowers");
	const PlanArray kept_uppers = plan_timestamps(PG_GETARG_ARRAYTYPE_P(7), "referenced_kept_uppers");
	bool waits;
	{
		waits = tenancy::group_range_waits(range, plan_ranges(member_lowers, member_uppers), is_member,
										   referenced_keep_rule, plan_ranges(kept_lowers, kept_uppers));
	}
	PG_RETURN_BOOL(waits);
}
