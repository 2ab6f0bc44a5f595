/*
 * maintenance_plan.hpp: the whole plan of one maintenance run on one
 * partition set (run_maintenance), worked out from facts alone.
 *
 * The glue (maintenance.sql, maintenance_plan_pg.cpp) gathers the facts:
 * the set's configuration, the bounds of its partitions and of its
 * retention group's, what the default partition holds, and for partitions
 * past retention under a keep rule, whether they hold kept rows. This file
 * decides what to do with them, in which order and how; the glue executes
 * the steps, one committed transaction each, as planned. Nothing here reads
 * the clock or the data, so every rule is unit-tested without a server.
 */
#pragma once
#include "core/pure.hpp"

#include "partitions/plan.hpp"
#include "partitions/step.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

namespace tenancy {

using Uuid = std::array<unsigned char, 16>;
using RelId = std::uint32_t; /* a partition's oid: opaque here */

/* At most this many partitions (or tenants) made for rows in the default per run. */
inline constexpr std::size_t max_drained_per_run = 10;
/* Rows removed per committed transaction from a partition being thinned. */
inline constexpr int thin_batch_rows = 10000;

struct Period
{
	std::int32_t months;
	std::int32_t days;
	std::int64_t usecs;
};

/* What retention does with an expired partition (set_retention's action). */
enum class RetentionAction
{
	drop,
	detach,			/* left as a plain table */
	archive_schema, /* detached and moved to archive_schema */
	archive_table,	/* into archive_to */
};

enum class ArchiveTableKind
{
	partitioned, /* the partition is detached and attached there */
	plain,		 /* its rows are copied there in batches, then it is dropped */
};

struct TimePartition
{
	RelId id;
	Range range;
};

/* Facts about one time partition set, as a transaction of a run sees them. */
struct TimeSetFacts
{
	Step step;
	int premake;
	Timestamp now; /* UTC */
	std::vector<TimePartition> partitions; /* not the default */
	bool with_default;
	bool has_default;
	bool default_has_rows;
	std::vector<Timestamp> default_row_times; /* step floors of rows in the default (capped by the glue) */

	std::optional<Period> retention;
	RetentionAction action;
	std::optional<ArchiveTableKind> archive_table; /* with action archive_table */
	bool keep_rule;
	/* Under a keep rule, of the partitions past retention: those holding
	 * kept rows, and of these, those also holding rows it does not keep. */
	std::vector<RelId> holding_kept;
	std::vector<RelId> holding_unkept;

	/* Retention groups (groups.sql). */
	bool has_members;				  /* tables referencing this one retire with it */
	std::vector<Range> member_ranges; /* their partitions */
	bool is_member;					  /* this table retires with the one it references */
	bool referenced_keep_rule;		  /* that table has a keep rule */
	std::vector<Range> referenced_kept_ranges; /* its partitions holding kept rows */
};

/* Facts about one tenant partition set. */
struct TenantSetFacts
{
	bool with_default;
	bool has_default;
	bool default_has_rows;
	std::vector<Uuid> default_tenants; /* tenants of rows in the default */
};

enum class StepKind
{
	make_default,
	make_tenant,
	make,		  /* a time partition next to an empty default: attached at once */
	make_pending, /* next to a default holding rows: NOT VALID check, validate, attach */
	retire,
	thin, /* remove the rows a keep rule does not keep, in batches */
};

/* What retiring one partition takes, in order. */
enum class RetireOp
{
	recheck_kept,	   /* lock the parent; kept rows arrived since the plan: hold it back */
	recheck_group,	   /* lock the referenced table; its kept rows arrived: hold it back */
	before_retire,	   /* the set's before_retire hooks */
	detach,			   /* DETACH PARTITION */
	unlink_group_keys, /* drop the detached partition's keys to the referenced table */
	drop,			   /* DROP TABLE */
	move_to_schema,	   /* ALTER TABLE ... SET SCHEMA archive_schema */
	attach_to_archive, /* detach and attach to the partitioned archive_to */
	copy_to_archive,   /* copy a batch into the plain archive_to; drop it when empty */
};

/* Where thinning puts the rows it removes. */
enum class ThinInto
{
	nowhere,	   /* deleted */
	archive_table, /* archive_to */
	expired_table, /* <parent>_expired, as for the default's expired rows */
};

struct MaintenanceStep
{
	StepKind kind;
	std::optional<Range> range; /* make, make_pending, retire, thin */
	std::optional<RelId> partition; /* retire, thin */
	std::optional<Uuid> tenant;		/* make_tenant */
	std::vector<RetireOp> ops;		/* retire */
	ThinInto thin_into = ThinInto::nowhere; /* thin */
	int batch_rows = 0;						/* thin */
};

/* How steps, ops and destinations are named in SQL (_partition_plan's rows). */
const char *name_of(StepKind kind);
const char *name_of(RetireOp op);
const char *name_of(ThinInto into);

/*
 * now - retention: partitions whose range ends at or before it are past
 * retention. nullopt without retention. Throws 22008 out of range.
 */
std::optional<Timestamp> retention_cutoff(Timestamp now, const std::optional<Period> &retention);

/*
 * The steps of a run on a time set, in the order they are done: the
 * default partition when it is missing; retention, oldest first (a
 * partition without kept rows retires, one holding kept and other rows is
 * thinned, one holding kept rows only is held back; in a retention group,
 * the referenced table's partition waits while a member has one of its
 * range, a member's waits while the referenced table's of its range holds
 * kept rows, and a group's partition holding kept rows is held back whole);
 * then partitions to make (premake, and up to max_drained_per_run for rows
 * in the default), nearest to now first. Throws what plan_premake throws.
 */
std::vector<MaintenanceStep> plan_time_maintenance(const TimeSetFacts &facts);

/*
 * Whether a partition of range r, past retention, waits for its retention
 * group: a referenced table's while a member still has a partition of the
 * range (member_ranges: members go first, their rows reference it); a
 * member's while the referenced table, under a keep rule, has partitions
 * of the range holding kept rows (referenced_kept_ranges). The one rule
 * for the plan, the recheck before a member's retirement and
 * partition_status.
 */
bool group_range_waits(const Range &r, const std::vector<Range> &member_ranges, bool is_member,
					   bool referenced_keep_rule, const std::vector<Range> &referenced_kept_ranges);

/* Facts about the rows of a time set's default partition past retention. */
struct DefaultExpiryFacts
{
	Step step;
	Timestamp now; /* UTC */
	std::optional<Period> retention;
	RetentionAction action;
	bool keep_rule;
	bool before_retire_hooks;
};

/* What leaves the default: rows whose control value is before `before`,
 * less those the keep rule keeps (spare_kept), into `into`. */
struct DefaultExpiry
{
	Timestamp before;
	bool spare_kept;
	ThinInto into;
};

/*
 * Retention of the default partition's rows: a row leaves once the whole
 * step it belongs to ends at or before the retention cutoff (its value is
 * before the start of the cutoff's step), as its partition would, by the
 * action's destination. nullopt without retention, and for a set with
 * before_retire hooks (they see whole partitions go: rows never leave
 * without one). Throws 22008 as retention_cutoff does.
 */
std::optional<DefaultExpiry> plan_default_expiry(const DefaultExpiryFacts &facts);

/* A registered set, as the order of a run sees it. */
struct RegisteredSet
{
	RelId parent;
	std::optional<RelId> retire_with; /* the table it retires with (a group's member) */
};

/*
 * The sets a run maintains, in order: every registered one, or the one
 * named and the members of its retention group; members before the tables
 * they reference (their partitions reference the others' and go first),
 * each in oid order.
 */
std::vector<RelId> maintenance_order(const std::vector<RegisteredSet> &registered,
									 std::optional<RelId> named);

/*
 * The steps of a run on a tenant set: the default when missing, then a
 * partition per tenant found in the default (at most max_drained_per_run),
 * in uuid order.
 */
std::vector<MaintenanceStep> plan_tenant_maintenance(const TenantSetFacts &facts);

} // namespace tenancy
