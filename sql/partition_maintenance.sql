-- partition_maintenance: premake from the catalog, draining the default in
-- capped batches, the NOT VALID path, leftovers of interrupted runs, and
-- one parent's error not stopping the others.
--
-- Daily partitions follow the clock, and the calendar sweep (test/calendar)
-- starts this test a second before midnight: a day may end between any two
-- statements. So the checks count the days before the test began (fixed
-- once the test runs) and check the newest partition against the day of a
-- moment before the run and the day of the check; either is right.
\set SHOW_CONTEXT never
-- Its own schema: other capabilities' tests share this database.
CREATE SCHEMA part_maintenance;
SET search_path = part_maintenance, public;
CREATE FUNCTION pg_temp.day_utc(t timestamptz) RETURNS timestamp
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$ SELECT date_trunc('day', t AT TIME ZONE 'UTC') $$;
-- premade_ok(parent, premake, t0): the newest partition is premake days
-- after the day of t0 or of now()
CREATE FUNCTION pg_temp.premade_ok(parent regclass, premake int, t0 timestamptz) RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT max(lower) IN (pg_temp.day_utc(t0) + make_interval(days => premake),
                          pg_temp.day_utc(now()) + make_interval(days => premake))
      FROM tenancy._partition_children(parent, 'timestamptz')
$$;
SELECT now() AS test_start \gset
CREATE TABLE m (at timestamptz NOT NULL, v int) PARTITION BY RANGE (at);
SELECT tenancy.partition_by_time('m', 'at', '1 day', 3) AS made;
-- 15 days of old rows, one row 20 days ahead, one in 2999: all in the default
INSERT INTO m SELECT now() - make_interval(days => d), d FROM generate_series(10, 24) d;
INSERT INTO m VALUES (now() + interval '20 days', 100), ('2999-01-01', 2999);
SELECT count(*) AS in_default FROM m_default;
SELECT now() AS before_run \gset
CREATE TEMP TABLE children_before AS
    SELECT child FROM tenancy._partition_children('m', 'timestamptz');
CALL tenancy.run_maintenance('m');
-- at most 10 partitions a run for rows in the default, nearest to now
-- first; nothing past the premake window, so the far rows stay in the
-- default. When a day ends between partition_by_time and the run, the run
-- also premakes the new day's partition (empty, ahead): that one is not
-- counted in the 10. When the day ends during the run, after its first
-- plan (10 steps), the new day's partition is nearest to now and takes
-- one of those steps: 9 drained (a run does no more than it first planned).
CREATE TEMP VIEW made AS
    SELECT c.lower, (SELECT count(*) FROM m WHERE m.tableoid = c.child) AS n
      FROM tenancy._partition_children('m', 'timestamptz') c
     WHERE c.child NOT IN (SELECT child FROM children_before);
SELECT count(*) FILTER (WHERE lower < pg_temp.day_utc(:'before_run') AND n = 1)
         IN (10, 10 - count(*) FILTER (WHERE lower >= pg_temp.day_utc(:'before_run') AND n = 0)) AS drained_10,
       count(*) FILTER (WHERE lower >= pg_temp.day_utc(:'before_run') AND n = 0) <= 1 AS premade_at_most_a_new_day,
       count(*) FILTER (WHERE NOT ((lower < pg_temp.day_utc(:'before_run') AND n = 1)
                                OR (lower >= pg_temp.day_utc(:'before_run') AND n = 0))) AS other
  FROM made;
SELECT min(v) FILTER (WHERE tableoid = 'm_default'::regclass)
         > max(v) FILTER (WHERE tableoid <> 'm_default'::regclass) AS nearest_days_first,
       count(*) FILTER (WHERE tableoid = 'm_default'::regclass)
         + (SELECT count(*) FROM made WHERE n = 1) AS old_rows
  FROM m WHERE v < 100;
SELECT array_agg(v ORDER BY v) AS far_rows_left_behind FROM m_default WHERE v >= 100;
SELECT pg_temp.premade_ok('m', 3, :'before_run') AS premade_3_ahead;
SELECT now() AS before_run \gset
CALL tenancy.run_maintenance('m');
SELECT count(*) AS in_default, array_agg(v ORDER BY v) AS left_behind FROM m_default;
SELECT count(*) AS past_days FROM tenancy._partition_children('m', 'timestamptz')
 WHERE NOT is_default AND lower < pg_temp.day_utc(:'test_start');
SELECT pg_temp.premade_ok('m', 3, :'before_run') AS premade_3_ahead;
-- every moved row sits in the partition named for its day
SELECT count(*) FILTER (WHERE tableoid::regclass::text = 'm_p' || to_char(at AT TIME ZONE 'UTC', 'YYYYMMDD')) AS placed,
       count(*) AS rows FROM m WHERE v < 100;
SELECT default_rows, last_error FROM tenancy.partition_status() WHERE parent = 'm'::regclass;

-- Premake next to a non-empty default: each new partition is attached
-- after a NOT VALID check constraint on the default was validated, and
-- the constraint is gone afterwards.
UPDATE tenancy.partition_config SET premake = 6 WHERE parent = 'm'::regclass;
SELECT now() AS before_run \gset
CALL tenancy.run_maintenance('m');
SELECT pg_temp.premade_ok('m', 6, :'before_run') AS premade_6_ahead, default_rows, last_error
  FROM tenancy.partition_status() WHERE parent = 'm'::regclass;
SELECT count(*) AS leftover_constraints FROM pg_constraint WHERE conrelid = 'm_default'::regclass AND contype = 'c';
-- the row 20 days ahead is still waiting; widening the window moves it
UPDATE tenancy.partition_config SET premake = 25 WHERE parent = 'm'::regclass;
CALL tenancy.run_maintenance('m');
SELECT array_agg(v) AS left_behind FROM m_default;

-- A run interrupted between its steps leaves a pending constraint on the
-- default: the next run removes it first.
ALTER TABLE m_default ADD CONSTRAINT tenancy_pending_20991231_000000
    CHECK (at IS NULL OR at < '2099-12-31' OR at >= '2100-01-01') NOT VALID;
CALL tenancy.run_maintenance('m');
SELECT count(*) AS leftover_constraints FROM pg_constraint WHERE conrelid = 'm_default'::regclass AND contype = 'c';

-- An error on one parent is recorded; the others still run. A plain table
-- squats the name of m2's next partition.
CREATE TABLE m2 (at timestamptz NOT NULL) PARTITION BY RANGE (at);
CREATE TABLE m3 (at timestamptz NOT NULL) PARTITION BY RANGE (at);
SELECT tenancy.partition_by_time(t, 'at', '1 day', 1) FROM unnest('{m2,m3}'::regclass[]) t;
UPDATE tenancy.partition_config SET premake = 2 WHERE parent IN ('m2'::regclass, 'm3'::regclass);
DO $$ BEGIN
    EXECUTE format('CREATE TABLE %I (x int)', 'm2_p' || to_char(now() AT TIME ZONE 'UTC' + interval '2 days', 'YYYYMMDD'));
END $$;
SELECT now() AS before_run \gset
CALL tenancy.run_maintenance();
SELECT parent, regexp_replace(regexp_replace(last_error, '\d{8}', 'YYYYMMDD', 'g'),
                      '\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d', 'YYYY-MM-DDThh:mm:ss', 'g') AS last_error
  FROM tenancy.partition_status() WHERE parent IN ('m2'::regclass, 'm3'::regclass) ORDER BY parent::text;
SELECT pg_temp.premade_ok('m3', 2, :'before_run') AS m3_premade_2_ahead;

-- Bad calls change nothing.
CALL tenancy.run_maintenance('m', lock_wait => '0s');
CALL tenancy.run_maintenance('m', lock_wait => NULL);
CREATE TABLE not_registered (at timestamptz) PARTITION BY RANGE (at);
CALL tenancy.run_maintenance('not_registered');
-- a procedure that commits cannot run inside a transaction block
BEGIN;
CALL tenancy.run_maintenance('m');
ROLLBACK;
