-- partition_bounds: tenancy._partition_children reads partitions and their
-- bounds from the relcache (no pg_get_expr text): every bound shape a user
-- can declare comes back as the catalog has it.
\set SHOW_CONTEXT never
-- Its own schema: other capabilities' tests share this database.
CREATE SCHEMA part_bounds;
SET search_path = part_bounds, public;
SET TimeZone = 'America/New_York'; -- bounds are UTC whatever the session's zone
-- timestamptz: MINVALUE, a gap, MAXVALUE, and a default
CREATE TABLE r (at timestamptz NOT NULL) PARTITION BY RANGE (at);
CREATE TABLE r_old PARTITION OF r FOR VALUES FROM (MINVALUE) TO ('2020-01-01 00:00+00');
CREATE TABLE r_jan PARTITION OF r FOR VALUES FROM ('2020-01-01 00:00+00') TO ('2020-02-01 00:00+00');
CREATE TABLE r_mar PARTITION OF r FOR VALUES FROM ('2020-03-01 05:30+00') TO ('2020-04-01 00:00+00');
CREATE TABLE r_late PARTITION OF r FOR VALUES FROM ('2030-01-01 00:00+00') TO (MAXVALUE);
CREATE TABLE r_def PARTITION OF r DEFAULT;
SELECT child, child_name, is_default, lower, upper, tenants
  FROM tenancy._partition_children('r', 'timestamptz');
-- date bounds, the infinite dates among them
CREATE TABLE d (day date NOT NULL) PARTITION BY RANGE (day);
CREATE TABLE d_past PARTITION OF d FOR VALUES FROM ('-infinity') TO ('2020-01-01');
CREATE TABLE d_2020 PARTITION OF d FOR VALUES FROM ('2020-01-01') TO ('2021-01-01');
CREATE TABLE d_future PARTITION OF d FOR VALUES FROM ('2021-01-01') TO ('infinity');
SELECT child_name, is_default, lower, upper FROM tenancy._partition_children('d', 'date');
-- timestamp bounds, no default
CREATE TABLE ts (at timestamp NOT NULL) PARTITION BY RANGE (at);
CREATE TABLE ts_a PARTITION OF ts FOR VALUES FROM ('2020-01-01 13:00') TO ('2020-01-01 14:00');
SELECT child_name, is_default, lower, upper FROM tenancy._partition_children('ts', 'timestamp');
-- uuid lists: several tenants in one partition, NULL, and the default
CREATE TABLE l (w uuid) PARTITION BY LIST (w);
CREATE TABLE l_two PARTITION OF l FOR VALUES IN ('00000000-0000-4000-8000-000000000002',
                                                 '00000000-0000-4000-8000-000000000001');
CREATE TABLE l_null PARTITION OF l FOR VALUES IN (NULL);
CREATE TABLE l_three PARTITION OF l FOR VALUES IN ('00000000-0000-4000-8000-000000000003');
CREATE TABLE l_def PARTITION OF l DEFAULT;
SELECT child_name, is_default, lower, upper, tenants
  FROM tenancy._partition_children('l', 'uuid') ORDER BY child_name;
-- a partitioned table without partitions, a plain table, a dropped one
CREATE TABLE empty_parent (at timestamptz) PARTITION BY RANGE (at);
SELECT count(*) AS partitions FROM tenancy._partition_children('empty_parent', 'timestamptz');
CREATE TABLE plain (at timestamptz);
SELECT count(*) AS partitions FROM tenancy._partition_children('plain', 'timestamptz');
SELECT count(*) AS partitions FROM tenancy._partition_children(4294967295::oid::regclass, 'timestamptz');
-- the type named must be the partition key's
SELECT * FROM tenancy._partition_children('r', 'date');
SELECT * FROM tenancy._partition_children('r', NULL);
-- the catalog lookups each step makes: qualified names quote what needs it
CREATE TABLE "Odd ""name""; x" (at timestamptz, gone int, keep int) PARTITION BY RANGE (at);
ALTER TABLE "Odd ""name""; x" DROP COLUMN gone;
SELECT tenancy._partition_qualified('r'), tenancy._partition_qualified('"Odd ""name""; x"'),
       tenancy._partition_qualified(4294967295::oid::regclass) IS NULL AS gone;
SELECT tenancy._partition_default_of('r'), tenancy._partition_default_of('d') IS NULL AS none,
       tenancy._partition_default_of('plain') IS NULL AS plain,
       tenancy._partition_default_of(4294967295::oid::regclass) IS NULL AS gone;
SELECT tenancy._partition_control_type('"Odd ""name""; x"', 'at') AS at,
       tenancy._partition_control_type('"Odd ""name""; x"', 'keep') AS keep,
       tenancy._partition_control_type('"Odd ""name""; x"', 'gone') IS NULL AS dropped,
       tenancy._partition_control_type('"Odd ""name""; x"', 'ctid') IS NULL AS system,
       tenancy._partition_control_type('"Odd ""name""; x"', 'nope') IS NULL AS missing,
       tenancy._partition_control_type(4294967295::oid::regclass, 'at') IS NULL AS gone;
RESET TimeZone;
DROP SCHEMA part_bounds CASCADE;
