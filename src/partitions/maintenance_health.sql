-- maintenance_health.sql: are the maintenance jobs running, and do they
-- succeed? Read from pg_cron's tables, in pg_cron's database.

-- One row per pg_cron job running CALL tenancy.run_maintenance() that the
-- caller may see (pg_cron shows a role its own jobs; a superuser all of
-- them), whoever scheduled it and under whatever name: its latest run, and
-- failing = the latest finished run failed, failed_runs = the failed runs
-- since the last one that succeeded (a job that cannot connect shows here,
-- with pg_cron's message, e.g. "connection failed").
CREATE FUNCTION tenancy.maintenance_health()
RETURNS TABLE (jobid bigint, jobname text, database text, username text, schedule text,
               active boolean, nodename text, last_start timestamptz, last_end timestamptz,
               last_status text, last_message text, failed_runs bigint, failing boolean)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM tenancy._partition_cron_require_here('SELECT * FROM tenancy.maintenance_health()');
    RETURN QUERY
    SELECT j.jobid, j.jobname::text, j.database, j.username, j.schedule, j.active, j.nodename,
           latest.start_time, latest.end_time, latest.status, latest.return_message,
           (SELECT count(*) FROM cron.job_run_details f
             WHERE f.jobid = j.jobid AND f.status = 'failed'
               AND f.runid > coalesce((SELECT max(s.runid) FROM cron.job_run_details s
                                        WHERE s.jobid = j.jobid AND s.status = 'succeeded'), 0)),
           coalesce(finished.status = 'failed', false)
      FROM cron.job j
      LEFT JOIN LATERAL (SELECT d.start_time, d.end_time, d.status, d.return_message
                           FROM cron.job_run_details d WHERE d.jobid = j.jobid
                          ORDER BY d.runid DESC LIMIT 1) latest ON true
      LEFT JOIN LATERAL (SELECT d.status FROM cron.job_run_details d
                          WHERE d.jobid = j.jobid AND d.status IN ('succeeded', 'failed')
                          ORDER BY d.runid DESC LIMIT 1) finished ON true
     WHERE j.command = 'CALL tenancy.run_maintenance()'
     ORDER BY j.jobid;
END
$$;
COMMENT ON FUNCTION tenancy.maintenance_health() IS
    'The maintenance jobs of pg_cron: latest run, and whether runs are failing';
