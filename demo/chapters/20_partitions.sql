\echo
\echo '=== Partitions and retention ==='
\echo 'A monthly events table: registered, premade two months ahead, with a default.'
CREATE TABLE part_events (id bigserial, at timestamptz NOT NULL, workspace_id uuid, kind text,
                     PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
CREATE INDEX ON part_events (workspace_id);
SELECT tenancy.partition_by_time('part_events', 'at', '1 month', premake => 2,
                                 start_at => now() - interval '6 months') AS partitions_made;
SELECT child_name AS partition, lower AS from_utc, upper AS to_utc
  FROM tenancy._partition_children('part_events', 'timestamptz') ORDER BY lower NULLS LAST;

\echo 'Each partition carries the indexes of its parent:'
SELECT indexrelid::regclass AS index FROM pg_index
 WHERE indrelid = (SELECT child FROM tenancy._partition_children('part_events', 'timestamptz')
                    WHERE NOT is_default ORDER BY lower DESC LIMIT 1)
 ORDER BY 1::text;

\echo 'Rows land in their month; a row far in the future waits in the default.'
INSERT INTO part_events (at, kind) SELECT now() - make_interval(days => d), 'login' FROM generate_series(0, 150, 10) d;
INSERT INTO part_events (at, kind) VALUES ('2999-01-01', 'clock skew');
SELECT tableoid::regclass AS partition, count(*) FROM part_events GROUP BY 1 ORDER BY min(at);

\echo 'Keep 90 days; maintenance drops older partitions, one short transaction per step.'
SELECT tenancy.set_retention('part_events', '90 days');
CALL tenancy.run_maintenance();
SELECT parent, kind, partitions, oldest, newest, premade_ahead, default_rows, retention, last_error
  FROM tenancy.partition_status();

\echo 'Per-tenant partitions: readable names, made at onboarding.'
CREATE TABLE part_profiles (workspace_id uuid NOT NULL, name text) PARTITION BY LIST (workspace_id);
SELECT tenancy.partition_by_tenant('part_profiles', 'workspace_id') AS partitions_made;
SELECT tenancy.add_tenant_partition('part_profiles', '7f1d2c3b-4a59-4e6f-8a1b-2c3d4e5f6a7b') AS tenant_partition;

\echo 'Scheduling it (pg_cron 1.4 reads schedules in GMT):'
SELECT tenancy.schedule_maintenance('*/10 * * * *') > 0 AS scheduled;
SELECT jobname, schedule, command FROM cron.job WHERE jobname = 'tenancy-maintenance';
SELECT cron.unschedule('tenancy-maintenance') AS unscheduled;
