-- schedule.sql: the pg_cron job that runs maintenance, in any database of
-- the cluster.

-- The job's name: tenancy-maintenance for pg_cron's own database (as
-- before databases could be named), tenancy-maintenance:<database> for the
-- others. pg_cron keeps one job per name and role, so each database needs
-- its own name; a name longer than a name (63 bytes) would be cut and could
-- meet another database's, so it is refused.
CREATE FUNCTION tenancy._partition_cron_job_name(database name, cron_database text)
RETURNS text LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    job_name text := 'tenancy-maintenance';
BEGIN
    IF database::text IS DISTINCT FROM cron_database THEN
        job_name := job_name || ':' || database;
    END IF;
    IF octet_length(job_name) > 63 THEN
        PERFORM tenancy._partition_fail('22023',
            format('the job name for database %s would be longer than 63 bytes', quote_ident(database)),
            format('Schedule it yourself under a shorter name: SELECT cron.schedule_in_database(name, '
                   'schedule, %L, %L);', 'CALL tenancy.run_maintenance()', database));
    END IF;
    RETURN job_name;
END
$$;

-- Schedules CALL tenancy.run_maintenance() in database (default: this
-- one) as the calling role. It runs in pg_cron's database, where the jobs
-- are kept. When pg_cron's jobs would connect where the server does not
-- listen (cron.host is localhost but the server has only a socket), the
-- job is given the server's socket directory (_partition_cron_job_host), which takes
-- a superuser: pg_cron lets nobody else change a job's host.
CREATE FUNCTION tenancy.schedule_maintenance(schedule text DEFAULT '*/10 * * * *',
                                             database name DEFAULT NULL)
RETURNS bigint LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    cron_db text;
    target name := coalesce(database, current_database());
    job_name text;
    job_host text;
    new_job bigint;
BEGIN
    IF schedule IS NULL THEN
        PERFORM tenancy._partition_fail('22004', 'schedule must not be NULL',
            'Pass a cron schedule such as ''*/10 * * * *''.');
    END IF;
    cron_db := tenancy._partition_cron_require_here(format(
        'SELECT tenancy.schedule_maintenance(%L, database => %L)', schedule, target));
    job_name := tenancy._partition_cron_job_name(target, cron_db);
    IF NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = target) THEN
        PERFORM tenancy._partition_fail('3D000', format('database %s does not exist', quote_ident(target)),
            'Name a database of this cluster in which tenancy is installed.');
    END IF;
    job_host := tenancy._partition_cron_job_host();
    IF job_host IS NOT NULL AND NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        PERFORM tenancy._partition_fail('42501',
            format('pg_cron''s jobs connect to %s, where this server does not listen', current_setting('cron.host')),
            'Set cron.host to the server''s socket directory (or cron.use_background_workers = on) and '
            'restart, or have a superuser schedule the job: only a superuser may change its host.');
    END IF;
    new_job := cron.schedule_in_database(job_name, schedule, 'CALL tenancy.run_maintenance()', target);
    -- pg_cron gives a new job cron.host and keeps the host of a job it reschedules
    IF job_host IS NOT NULL THEN
        UPDATE cron.job SET nodename = job_host, nodeport = current_setting('port')::int
         WHERE jobid = new_job;
    END IF;
    RETURN new_job;
END
$$;
COMMENT ON FUNCTION tenancy.schedule_maintenance(text, name) IS
    'Schedules CALL tenancy.run_maintenance() with pg_cron in a database of the cluster (pg_cron 1.4 uses GMT)';
