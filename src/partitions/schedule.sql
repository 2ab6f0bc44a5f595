-- schedule.sql: the pg_cron job that runs maintenance.

CREATE FUNCTION tenancy.schedule_maintenance(schedule text DEFAULT '*/10 * * * *')
RETURNS bigint LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    job bigint;
BEGIN
    IF schedule IS NULL THEN
        PERFORM tenancy._partition_fail('22004', 'schedule must not be NULL',
            'Pass a cron schedule such as ''*/10 * * * *''.');
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_cron') THEN
        PERFORM tenancy._partition_fail('55000', 'pg_cron is not installed in this database',
            'Add pg_cron to shared_preload_libraries, set cron.database_name to this database, '
            'restart, and run CREATE EXTENSION pg_cron.');
    END IF;
    EXECUTE 'SELECT cron.schedule($1, $2, $3)' INTO job
      USING 'tenancy-maintenance', schedule, 'CALL tenancy.run_maintenance()';
    RETURN job;
END
$$;
COMMENT ON FUNCTION tenancy.schedule_maintenance(text) IS
    'Schedules CALL tenancy.run_maintenance() with pg_cron as job tenancy-maintenance (pg_cron 1.4 uses GMT)';
