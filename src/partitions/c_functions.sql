-- c_functions.sql: the SQL declarations of the partitions' C++ functions:
-- step arithmetic, names and plans (pure C++, src/partitions/*.cpp, behind
-- partitions_pg.cpp), and the catalog lookups each step makes, read from
-- the relcache and syscache (bounds_pg.cpp, catalog_pg.cpp).

CREATE FUNCTION tenancy._partition_check_step(step interval, whole_days boolean)
RETURNS void LANGUAGE c IMMUTABLE STRICT
AS 'MODULE_PATHNAME', 'partition_check_step';

CREATE FUNCTION tenancy._partition_step_floor(ts timestamp, step interval)
RETURNS timestamp LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'partition_step_floor';

CREATE FUNCTION tenancy._partition_step_add(ts timestamp, step interval, n int)
RETURNS timestamp LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'partition_step_add';

CREATE FUNCTION tenancy._partition_time_name(parent name, step interval, lower timestamp)
RETURNS name LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'partition_time_name';

CREATE FUNCTION tenancy._partition_tenant_name(parent name, tenant uuid, full_uuid boolean)
RETURNS name LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'partition_tenant_name';

CREATE FUNCTION tenancy._partition_default_name(parent name)
RETURNS name LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'partition_default_name';

CREATE FUNCTION tenancy._partition_premake_plan(step interval, premake int,
    start_at timestamp, now_utc timestamp, cutoff timestamp,
    lowers timestamp[], uppers timestamp[])
RETURNS timestamp[] LANGUAGE c IMMUTABLE
AS 'MODULE_PATHNAME', 'partition_premake_plan';

-- now_utc - retention as PostgreSQL computes it (NULL without retention):
-- partitions whose range ends at or before it are past retention.
CREATE FUNCTION tenancy._partition_retention_cutoff(now_utc timestamp, retention interval)
RETURNS timestamp LANGUAGE c IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'partition_retention_cutoff';

-- The plan of one maintenance run on a time set, made from the facts
-- _partition_plan (maintenance.sql) gathers; steps in the order they are
-- done (src/partitions/maintenance_plan.cpp).
CREATE FUNCTION tenancy._partition_time_plan(now_utc timestamp, step interval, premake int,
    with_default boolean, has_default boolean, default_has_rows boolean,
    partitions regclass[], lowers timestamp[], uppers timestamp[], default_row_times timestamp[],
    retention interval, action text, archive_partitioned boolean,
    keep_rule boolean, holding_kept regclass[], holding_unkept regclass[],
    has_members boolean, member_lowers timestamp[], member_uppers timestamp[],
    is_member boolean, referenced_keep_rule boolean,
    referenced_kept_lowers timestamp[], referenced_kept_uppers timestamp[])
RETURNS TABLE (step_no int, action text, lower timestamp, upper timestamp, child regclass,
               tenant uuid, ops text[], thin_into text, batch_rows int)
LANGUAGE c IMMUTABLE SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'partition_time_plan';

-- The same for a tenant set.
CREATE FUNCTION tenancy._partition_tenant_plan(with_default boolean, has_default boolean,
    default_has_rows boolean, default_tenants uuid[])
RETURNS TABLE (step_no int, action text, lower timestamp, upper timestamp, child regclass,
               tenant uuid, ops text[], thin_into text, batch_rows int)
LANGUAGE c IMMUTABLE SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'partition_tenant_plan';

-- Every partition of parent, in bound order, with its range as UTC
-- timestamps (time) or its tenants (uuid list); MINVALUE and MAXVALUE are
-- -infinity and infinity. Read from the relcache: no query, no parsing.
CREATE FUNCTION tenancy._partition_children(parent regclass, control_type regtype)
RETURNS TABLE (child regclass, child_name name, is_default boolean,
               lower timestamp, upper timestamp, tenants uuid[])
LANGUAGE c STABLE STRICT
AS 'MODULE_PATHNAME', 'partition_children';

-- Qualified, quoted name of a relation (never depends on search_path).
CREATE FUNCTION tenancy._partition_qualified(rel regclass)
RETURNS text LANGUAGE c STABLE STRICT
AS 'MODULE_PATHNAME', 'partition_qualified';

-- The default partition of parent, NULL when it has none.
CREATE FUNCTION tenancy._partition_default_of(parent regclass)
RETURNS regclass LANGUAGE c STABLE STRICT
AS 'MODULE_PATHNAME', 'partition_default_of';

-- The type of parent's column control (NULL: no such column).
CREATE FUNCTION tenancy._partition_control_type(parent regclass, control name)
RETURNS regtype LANGUAGE c STABLE STRICT
AS 'MODULE_PATHNAME', 'partition_control_type';

-- 25001 unless the calling procedure may COMMIT (not inside a transaction
-- block or a function): called first by run_maintenance and purge.
CREATE FUNCTION tenancy._partition_require_commit(procedure text)
RETURNS void LANGUAGE c VOLATILE STRICT SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'partition_require_commit';

-- Runs query (one statement returning one value of result's type, or no
-- row) as the owner of rel, in a security-restricted operation that sees
-- every row of the owner's tables (src/partitions/owner_work_pg.cpp). Every
-- statement tenancy runs on a user's rows goes through it.
CREATE FUNCTION tenancy._partition_as_owner(rel regclass, query text, result anyelement)
RETURNS anyelement LANGUAGE c
AS 'MODULE_PATHNAME', 'partition_as_owner';

-- The table that retention moves expired rows of parent's default
-- partition into (actions detach and archive): <parent>_expired.
CREATE FUNCTION tenancy._partition_expired_name(parent name)
RETURNS name LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'partition_expired_name';

-- The canonical text of a retention keep rule, or an error saying why it
-- is refused (keep_rule_pg.cpp).
CREATE FUNCTION tenancy._partition_keep_rule(parent regclass, keep_where text)
RETURNS text LANGUAGE c STABLE STRICT SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'partition_keep_rule';

-- Builds, under ACCESS SHARE, the relation cache entries of the partitioned
-- tables parent's foreign keys reference (their partitions and indexes), so
-- that ATTACH, which clones the keys under SHARE ROW EXCLUSIVE on them,
-- does not build them while inserts into those tables wait
-- (referenced_tables_pg.cpp). The caller must own parent.
CREATE FUNCTION tenancy._partition_load_referenced(parent regclass)
RETURNS void LANGUAGE c VOLATILE STRICT SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'partition_load_referenced';

-- Whether rows of a time set's default partition expire, and which: those
-- whose control value is before `before` (UTC), less those the keep rule
-- keeps (spare_kept), going into `destination` (nowhere, archive_table or
-- expired_table); no row when none expire (src/partitions/maintenance_plan.cpp).
CREATE FUNCTION tenancy._partition_default_expiry(now_utc timestamp, step interval,
    retention interval, action text, keep_rule boolean, before_retire_hooks boolean)
RETURNS TABLE (before timestamp, spare_kept boolean, destination text)
LANGUAGE c IMMUTABLE SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'partition_default_expiry';

-- The sets a run maintains (named, or every one when NULL, with the
-- members of its retention group), members first (maintenance_plan.cpp).
CREATE FUNCTION tenancy._partition_run_order(named regclass, parents regclass[], retire_with regclass[])
RETURNS regclass[] LANGUAGE c IMMUTABLE SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'partition_run_order';

-- Whether a partition of [lower, upper), past retention, waits for its
-- retention group, from the ranges of the group's other partitions
-- (groups.sql gathers them; the rule is maintenance_plan.cpp's).
CREATE FUNCTION tenancy._partition_group_range_waits(lower timestamp, upper timestamp,
    member_lowers timestamp[], member_uppers timestamp[], is_member boolean,
    referenced_keep_rule boolean, referenced_kept_lowers timestamp[], referenced_kept_uppers timestamp[])
RETURNS boolean LANGUAGE c IMMUTABLE SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'partition_group_range_waits';
