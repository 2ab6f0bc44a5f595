-- partition_purge: retention for plain tables in committed batches, with
-- an optional archive, and the pg_cron job.
\set SHOW_CONTEXT never
-- Its own schema: other capabilities' tests share this database.
CREATE SCHEMA part_purge;
SET search_path = part_purge, public;
CREATE TABLE logs (id int PRIMARY KEY, at timestamptz NOT NULL, msg text);
CREATE INDEX ON logs (at);
INSERT INTO logs SELECT i, now() - make_interval(days => i), 'm' || i FROM generate_series(1, 50) i;
CREATE TABLE logs_archive (LIKE logs);
-- batches of 7 rows: the 21 rows older than 30 days leave, moved to the archive
CALL tenancy.purge('logs', 'at', '30 days', 7, 'logs_archive');
SELECT count(*) AS kept, min(id), max(id) FROM logs;
SELECT count(*) AS archived, min(id), max(id) FROM logs_archive;
-- again: nothing older is left
CALL tenancy.purge('logs', 'at', '30 days', 7, 'logs_archive');
SELECT count(*) AS kept FROM logs;
-- without an archive; a timestamp column and a date column
-- The days kept are those not before the date 5 days before the purge's
-- clock (the cutoff is cast to the column's type), which lies between
-- before_purge and the check's now(); a day may end in between (the
-- calendar sweep, test/calendar, starts a second before midnight).
CREATE FUNCTION pg_temp.days_kept(inserted_on date, t timestamptz) RETURNS int[]
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT array_agg(i ORDER BY i) FROM generate_series(0, 9) i
     WHERE inserted_on - i >= (t - interval '5 days')::date
$$;
CREATE TABLE daily_counts (day date, n int);
SELECT current_date AS inserted_on \gset
INSERT INTO daily_counts SELECT :'inserted_on'::date - i, i FROM generate_series(0, 9) i;
SELECT now() AS before_purge \gset
CALL tenancy.purge('daily_counts', 'day', '5 days');
SELECT array_agg(n ORDER BY n) IN (pg_temp.days_kept(:'inserted_on', :'before_purge'),
                                   pg_temp.days_kept(:'inserted_on', now())) AS kept_the_last_days,
       count(*) BETWEEN 5 AND 6 AS kept_5_or_6
  FROM daily_counts;
-- A timestamp column holds the session's wall-clock time, and the cutoff
-- is cast to it: across a DST change (the calendar sweep's dst clocks) the
-- hours kept are wall-clock hours, so they are computed the same way.
CREATE FUNCTION pg_temp.hours_kept(inserted_at timestamp, t timestamptz) RETURNS int[]
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT array_agg(i ORDER BY i) FROM generate_series(0, 9) i
     WHERE inserted_at - make_interval(hours => i) >= (t - interval '5 hours 30 minutes')::timestamp
$$;
CREATE TABLE hits (at timestamp, n int);
SELECT localtimestamp AS hits_at \gset
INSERT INTO hits SELECT :'hits_at'::timestamp - make_interval(hours => i), i FROM generate_series(0, 9) i;
SELECT now() AS before_purge \gset
CALL tenancy.purge('hits', 'at', '5 hours 30 minutes', 1);
SELECT array_agg(n ORDER BY n) IN (pg_temp.hours_kept(:'hits_at', :'before_purge'),
                                   pg_temp.hours_kept(:'hits_at', now())) AS kept_the_last_hours,
       count(*) BETWEEN 5 AND 7 AS kept_5_to_7
  FROM hits;

-- bad calls change nothing
\set VERBOSITY default
CREATE TABLE parted (at timestamptz) PARTITION BY RANGE (at);
CREATE VIEW logs_view AS SELECT * FROM logs;
CREATE TABLE narrow (id int);
CALL tenancy.purge('parted', 'at', '1 day');
CALL tenancy.purge('logs_view', 'at', '1 day');
CALL tenancy.purge('logs', 'nope', '1 day');
CALL tenancy.purge('logs', 'msg', '1 day');
CALL tenancy.purge('logs', 'at', '0 days');
CALL tenancy.purge('logs', 'at', '1 day', 0);
CALL tenancy.purge('logs', 'at', NULL);
CALL tenancy.purge('logs', 'at', '1 day', 10, 'narrow');
CALL tenancy.purge('logs', 'at', '1 day', 10, 'logs');
SELECT count(*) AS kept FROM logs;

-- pg_cron: exactly one job running exactly CALL tenancy.run_maintenance()
SELECT tenancy.schedule_maintenance();
CREATE EXTENSION pg_cron;
SELECT tenancy.schedule_maintenance() > 0 AS scheduled;
SELECT tenancy.schedule_maintenance('0 * * * *') > 0 AS rescheduled;
SELECT jobname, schedule, command FROM cron.job;
-- pg_cron refuses the schedule (1.6 adds a hint to the message; 1.4 does not)
SELECT state, message FROM regress.caught($$SELECT tenancy.schedule_maintenance('every full moon')$$);
SELECT jobname, schedule, command FROM cron.job;
SELECT cron.unschedule('tenancy-maintenance');
DROP EXTENSION pg_cron;
