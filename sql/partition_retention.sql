-- partition_retention: drop, detach and archive; partitions retention
-- would drop at once are never made; foreign keys are protected.
\set SHOW_CONTEXT never
-- Its own schema: other capabilities' tests share this database.
CREATE SCHEMA part_retention;
SET search_path = part_retention, public;
-- Three monthly sets from 2020, kept for 60 days; one per action.
CREATE TABLE r_drop (at timestamptz NOT NULL, v int) PARTITION BY RANGE (at);
CREATE TABLE r_detach (at timestamptz NOT NULL, v int) PARTITION BY RANGE (at);
CREATE TABLE r_archive (at timestamptz NOT NULL, v int) PARTITION BY RANGE (at);
CREATE SCHEMA "Old Data";
SELECT tenancy.partition_by_time(t, 'at', '1 month', 1, '2020-01-01') > 20 AS made
  FROM unnest('{r_drop,r_detach,r_archive}'::regclass[]) t;
SELECT tenancy.set_retention('r_drop', '60 days');
SELECT tenancy.set_retention('r_detach', '60 days', 'detach');
SELECT tenancy.set_retention('r_archive', '60 days', 'archive', 'Old Data');
SELECT parent, retention, retention_action, archive_schema FROM tenancy.partition_config
 WHERE parent::text LIKE 'r\_%' ORDER BY parent::text;
INSERT INTO r_drop VALUES ('2020-01-15', 1), (now(), 2);
-- How many monthly partitions a run at time t keeps: from the month holding
-- t - 60 days (it ends after that) to the one after t's (premake 1). How
-- many that is depends on the month, so the test computes it; the run's
-- clock lies between before_run and the check's now(), and a month may end
-- in between (the calendar sweep, test/calendar, starts a second before).
CREATE FUNCTION pg_temp.months_kept(t timestamptz) RETURNS int
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT (12 * (extract(year FROM b) - extract(year FROM a)) + extract(month FROM b) - extract(month FROM a))::int + 2
      FROM (SELECT (t - interval '60 days') AT TIME ZONE 'UTC' AS a, t AT TIME ZONE 'UTC' AS b) q
$$;
SELECT now() AS before_run \gset
CALL tenancy.run_maintenance();
-- what is left: nothing that had ended 60 days before the run, every month since
SELECT t.parent, count(*) IN (pg_temp.months_kept(:'before_run'), pg_temp.months_kept(now())) AS every_recent_month,
       bool_and(ch.upper > (:'before_run'::timestamptz - interval '60 days') AT TIME ZONE 'UTC') AS none_expired,
       min(ch.lower) >= date_trunc('month', (:'before_run'::timestamptz - interval '60 days') AT TIME ZONE 'UTC') AS oldest_recent
  FROM (VALUES ('r_drop'::regclass), ('r_detach'), ('r_archive')) t(parent),
       tenancy._partition_children(t.parent, 'timestamptz') ch
 WHERE NOT ch.is_default GROUP BY 1 ORDER BY t.parent::text;
SELECT v FROM r_drop ORDER BY v;
-- drop: gone; detach: plain tables left in place; archive: moved
SELECT count(*) AS dropped_left FROM pg_class WHERE relname = 'r_drop_p2020_01';
SELECT c.relnamespace::regnamespace, c.relname, c.relispartition, c.relkind
  FROM pg_class c WHERE c.relname IN ('r_detach_p2020_01', 'r_archive_p2020_01') ORDER BY 2;
SELECT last_error FROM tenancy.partition_status() WHERE parent::text LIKE 'r\_%';
-- a second run has nothing to do: every table stays where it was, and a
-- new table can only be next month's partition, when a month ended since
-- the first run (the calendar sweep, test/calendar, starts a second before);
-- unless the month 60 days back changed since the first run planned (during
-- either run or between them), which makes one more month due (then the
-- second run is right to retire it)
CREATE FUNCTION pg_temp.r_tables() RETURNS SETOF text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT relnamespace::regnamespace || '.' || relname || ':' || relispartition
      FROM pg_class WHERE relname LIKE 'r\_%' AND relkind IN ('r', 'p')
$$;
SELECT array_agg(t) AS tables_before FROM pg_temp.r_tables() t \gset
CALL tenancy.run_maintenance();
SELECT date_trunc('month', (:'before_run'::timestamptz - interval '60 days') AT TIME ZONE 'UTC')
       <> date_trunc('month', (now() - interval '60 days') AT TIME ZONE 'UTC') AS more_due \gset
SELECT :'more_due'::boolean OR NOT EXISTS (SELECT unnest(:'tables_before'::text[]) EXCEPT SELECT pg_temp.r_tables()) AS nothing_retired,
       :'more_due'::boolean OR NOT EXISTS (SELECT pg_temp.r_tables() EXCEPT SELECT unnest(:'tables_before'::text[])
                   EXCEPT SELECT 'part_retention.r_' || a || '_p' || to_char(now() AT TIME ZONE 'UTC' + interval '1 month', 'YYYY_MM') || ':true'
                     FROM unnest('{drop,detach,archive}'::text[]) a) AS nothing_else_made;

-- Never make a partition that retention would drop at once: registering
-- again from 2020 makes nothing older than the retention window. It makes
-- one when a month ended since the second run: next month's (premake 1).
-- So what it made is checked in its own transaction (one now()), not
-- counted against the clock of the run before it (the calendar sweep's
-- month_end_31 clock, shifted by test/calendar/run.sh's CALENDAR_SHIFTS,
-- found made_from_2020 = 1 with a month ending between the two).
SELECT array_agg(child_name) AS r_drop_before FROM tenancy._partition_children('r_drop', 'timestamptz') \gset
BEGIN;
SELECT tenancy.partition_by_time('r_drop', 'at', '1 month', 1, '2020-01-01') AS made_from_2020 \gset
SELECT count(*) = :made_from_2020 AS made_are_new,
       coalesce(bool_and(ch.upper > (now() - interval '60 days') AT TIME ZONE 'UTC'), true) AS none_expired,
       coalesce(bool_and(ch.lower = date_trunc('month', now() AT TIME ZONE 'UTC') + interval '1 month'), true) AS only_next_month
  FROM tenancy._partition_children('r_drop', 'timestamptz') ch
 WHERE NOT ch.is_default AND ch.child_name <> ALL (:'r_drop_before'::name[]);
COMMIT;

-- Retention refused when foreign keys reference the table.
CREATE TABLE r_parent (id int, at timestamptz NOT NULL, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
SELECT tenancy.partition_by_time('r_parent', 'at', '1 month', 0) AS made;
CREATE TABLE r_child (id int, at timestamptz, FOREIGN KEY (id, at) REFERENCES r_parent);
SELECT tenancy.set_retention('r_parent', '30 days');
SELECT retention FROM tenancy.partition_config WHERE parent = 'r_parent'::regclass;
-- a foreign key added after retention was set: maintenance refuses to
-- retire partitions, records why, and keeps them
DROP TABLE r_child;
SELECT tenancy.partition_by_time('r_parent', 'at', '1 month', 0, now() - interval '3 months') AS made_old;
SELECT tenancy.set_retention('r_parent', '1 day');
CREATE TABLE r_child (id int, at timestamptz, FOREIGN KEY (id, at) REFERENCES r_parent);
SELECT array_agg(child_name) AS partitions_before FROM tenancy._partition_children('r_parent', 'timestamptz') \gset
CALL tenancy.run_maintenance('r_parent');
-- every partition kept; one refusal per partition due (how many are due
-- depends on the day of the month)
SELECT NOT EXISTS (SELECT unnest(:'partitions_before'::text[])
                   EXCEPT SELECT child_name FROM tenancy._partition_children('r_parent', 'timestamptz')) AS all_kept;
SELECT DISTINCT regexp_replace(refusal, '\d{4}_\d\d', 'YYYY_MM') AS refusal
  FROM tenancy.partition_status(), unnest(string_to_array(last_error, '; ')) refusal
 WHERE parent = 'r_parent'::regclass;
-- turning retention off
SELECT tenancy.set_retention('r_parent', NULL);
SELECT retention FROM tenancy.partition_config WHERE parent = 'r_parent'::regclass;
