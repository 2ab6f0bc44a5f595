-- partition_scheduling: schedule_maintenance into any database of the
-- cluster, with jobs that reach the server the way it listens, and
-- maintenance_health flagging failed runs. This database is pg_cron's
-- (cron.database_name = contrib_regression). Every job made here is rolled
-- back before commit, so pg_cron never sees one and nothing waits for it.
CREATE EXTENSION pg_cron;
-- The test server listens on its socket only; pg_cron's jobs would connect
-- to cron.host, localhost by default.
SELECT current_setting('listen_addresses') = '' AS socket_only,
       current_setting('cron.host') AS cron_host,
       current_setting('cron.use_background_workers') AS background_workers;
CREATE DATABASE "Sched ""db""; X";
-- The socket directory a job is given is the first that the server lists
-- (as unix_socket_directories is parsed: commas, double quotes).
SELECT d AS directories, tenancy._partition_cron_first_socket_directory(d) AS first
  FROM unnest(ARRAY['/run/pg', ' /tmp , /run/pg', '"/a, ""b"" c",/tmp', '', '@abstract']) d;

-- A job in another database: pg_cron's schedule_in_database, named for
-- that database, given the server's socket directory and port.
BEGIN;
SELECT tenancy.schedule_maintenance('*/5 * * * *', database => 'Sched "db"; X') > 0 AS scheduled;
SELECT jobname, database, schedule, command, active, username = current_user AS as_caller,
       nodename = current_setting('unix_socket_directories') AS at_server_socket,
       nodeport = current_setting('port')::int AS at_server_port
  FROM cron.job ORDER BY jobid;
-- This database's job keeps its name; calling again reschedules (one job
-- per database), and the rescheduled job keeps the socket.
SELECT tenancy.schedule_maintenance() > 0 AS scheduled_here;
SELECT tenancy.schedule_maintenance('0 * * * *', 'Sched "db"; X') > 0 AS rescheduled;
SELECT jobname, database, schedule, nodename = current_setting('unix_socket_directories') AS at_server_socket
  FROM cron.job ORDER BY jobid;
ROLLBACK;

-- A job made before (pg_cron gave it cron.host) is mended when scheduled again.
BEGIN;
SELECT cron.schedule('tenancy-maintenance', '*/10 * * * *', 'CALL tenancy.run_maintenance()') > 0 AS made_by_hand;
SELECT jobname, nodename FROM cron.job;
SELECT tenancy.schedule_maintenance() > 0 AS rescheduled;
SELECT jobname, nodename = current_setting('unix_socket_directories') AS at_server_socket FROM cron.job;
ROLLBACK;

-- Refused, nothing scheduled: an unknown database, a name whose job name
-- would pass 63 bytes, NULLs.
SELECT state, message, hint FROM regress.caught($$SELECT tenancy.schedule_maintenance(database => 'no such db')$$);
SELECT state, message FROM regress.caught(format('SELECT tenancy.schedule_maintenance(database => %L)', repeat('d', 44)));
SELECT state, message FROM regress.caught($$SELECT tenancy.schedule_maintenance(NULL, 'contrib_regression')$$);
SELECT count(*) AS jobs FROM cron.job;

-- A role granted the call: it must be able to read pg_cron's settings, and
-- only a superuser may give a job the socket; told how, nothing scheduled.
SET client_min_messages = warning;
CREATE ROLE part_sched_owner;
SET client_min_messages = notice;
SELECT regress.grant_partition_calls('part_sched_owner', 'schedule_maintenance', 'maintenance_health');
SET ROLE part_sched_owner;
SELECT state, message, hint FROM regress.caught($$SELECT tenancy.schedule_maintenance()$$);
RESET ROLE;
GRANT pg_read_all_settings TO part_sched_owner;
SET ROLE part_sched_owner;
SELECT state, message, hint FROM regress.caught($$SELECT tenancy.schedule_maintenance()$$);
RESET ROLE;
GRANT USAGE ON SCHEMA cron TO part_sched_owner;
SET ROLE part_sched_owner;
SELECT state, message, hint FROM regress.caught($$SELECT tenancy.schedule_maintenance()$$);
SELECT count(*) AS health_rows FROM tenancy.maintenance_health();
RESET ROLE;
SELECT count(*) AS jobs FROM cron.job;

-- maintenance_health: a failed run (as pg_cron records a job that cannot
-- connect) flags the job, failures count up to the next success.
BEGIN;
SELECT tenancy.schedule_maintenance(database => 'Sched "db"; X') AS job \gset
SELECT jobname, last_status, failed_runs, failing FROM tenancy.maintenance_health();
INSERT INTO cron.job_run_details (jobid, database, username, command, status, return_message, start_time, end_time)
SELECT :job, 'Sched "db"; X', current_user, 'CALL tenancy.run_maintenance()', status, message,
       to_timestamp(0) + n * interval '10 minutes',
       to_timestamp(60) + n * interval '10 minutes'
  FROM (VALUES (1, 'succeeded', 'CALL'), (2, 'failed', 'connection failed'),
               (3, 'failed', 'connection failed')) r(n, status, message);
SELECT jobname, database, last_status, last_message, failed_runs, failing,
       last_end - last_start AS took FROM tenancy.maintenance_health();
-- a run under way does not hide the failure before it
INSERT INTO cron.job_run_details (jobid, database, username, command, status)
VALUES (:job, 'Sched "db"; X', current_user, 'CALL tenancy.run_maintenance()', 'running');
SELECT last_status, failed_runs, failing FROM tenancy.maintenance_health();
INSERT INTO cron.job_run_details (jobid, database, username, command, status, return_message)
VALUES (:job, 'Sched "db"; X', current_user, 'CALL tenancy.run_maintenance()', 'succeeded', 'CALL');
SELECT last_status, failed_runs, failing FROM tenancy.maintenance_health();
-- jobs running other commands are not maintenance jobs
SELECT cron.schedule('other', '0 0 * * *', 'SELECT 1') > 0 AS other_job;
SELECT count(*) AS health_rows FROM tenancy.maintenance_health();
ROLLBACK;

-- In any other database, both say where to call them (pg_cron's tables
-- are only in its own database), and change nothing.
\c "Sched ""db""; X"
CREATE EXTENSION tenancy;
\set SHOW_CONTEXT never
SELECT tenancy.schedule_maintenance('*/5 * * * *');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM tenancy.maintenance_health();
\echo :LAST_ERROR_SQLSTATE
\c contrib_regression
SELECT count(*) AS jobs FROM cron.job;

DROP DATABASE "Sched ""db""; X";
DROP OWNED BY part_sched_owner;
DROP ROLE part_sched_owner;
DROP EXTENSION pg_cron;
