-- partition_errors: every bad call fails with a clear SQLSTATE and hint
-- and changes nothing; a caller who does not own the table gets 42501.
\set SHOW_CONTEXT never
-- Its own schema: other capabilities' tests share this database.
CREATE SCHEMA part_errors;
SET search_path = part_errors, public;
\set VERBOSITY default
-- Runs a statement and reports its SQLSTATE, message and hint.
CREATE FUNCTION pg_temp.try(stmt text) RETURNS text LANGUAGE sql AS $$
  SELECT CASE WHEN e.state IS NULL THEN 'ok' ELSE format('%s: %s (hint: %s)', e.state, e.message, e.hint) END
    FROM regress.caught(stmt) e
$$;
-- What a bad call must leave alone.
CREATE VIEW pg_temp.snapshot AS
    SELECT (SELECT count(*) FROM tenancy.partition_config) AS configs,
           (SELECT count(*) FROM tenancy.partition_state) AS states,
           (SELECT count(*) FROM pg_class WHERE relnamespace = 'part_errors'::regnamespace) AS relations,
           (SELECT string_agg(format('%s/%s/%s/%s', parent, premake, retention, retention_action), ',' ORDER BY parent::text)
              FROM tenancy.partition_config) AS settings;

CREATE TABLE plain (at timestamptz, id int);
CREATE TABLE by_list (at timestamptz, w uuid) PARTITION BY LIST (w);
CREATE TABLE by_hash (w uuid) PARTITION BY HASH (w);
CREATE TABLE by_two (at timestamptz, b int) PARTITION BY RANGE (at, b);
CREATE TABLE by_int (n int, at timestamptz) PARTITION BY RANGE (n);
CREATE TABLE good (at timestamptz, w uuid) PARTITION BY RANGE (at);
CREATE TABLE tenants (w uuid, at timestamptz) PARTITION BY LIST (w);
SELECT tenancy.partition_by_time('good', 'at', '1 month', 1, '2020-01-01 00:00+00') > 0 AS made;
SELECT tenancy.partition_by_tenant('tenants', 'w') AS made;
CREATE TEMP TABLE before AS SELECT * FROM pg_temp.snapshot;

SELECT stmt, pg_temp.try(stmt) AS result FROM unnest(ARRAY[
    -- not partitioned, wrong strategy, wrong column, wrong type
    $$SELECT tenancy.partition_by_time('plain', 'at', '1 month')$$,
    $$SELECT tenancy.partition_by_time('by_list', 'at', '1 month')$$,
    $$SELECT tenancy.partition_by_time('by_hash', 'w', '1 month')$$,
    $$SELECT tenancy.partition_by_time('good', 'nope', '1 month')$$,
    $$SELECT tenancy.partition_by_time('good', 'w', '1 month')$$,
    $$SELECT tenancy.partition_by_time('by_two', 'at', '1 month')$$,
    $$SELECT tenancy.partition_by_time('by_int', 'n', '1 month')$$,
    $$SELECT tenancy.partition_by_tenant('good', 'w')$$,
    $$SELECT tenancy.partition_by_tenant('by_list', 'at')$$,
    $$SELECT tenancy.partition_by_tenant('plain', 'id')$$,
    -- zero, negative, mixed and fractional steps; negative premake
    $$SELECT tenancy.partition_by_time('good', 'at', '0 days')$$,
    $$SELECT tenancy.partition_by_time('good', 'at', '-1 month')$$,
    $$SELECT tenancy.partition_by_time('good', 'at', '1 month 1 day')$$,
    $$SELECT tenancy.partition_by_time('good', 'at', '1.5 seconds')$$,
    $$SELECT tenancy.partition_by_time('good', 'at', '1 month', -1)$$,
    $$SELECT tenancy.partition_by_time('good', 'at', '1 month', 1001)$$,
    -- registered with another step or control
    $$SELECT tenancy.partition_by_time('good', 'at', '1 day')$$,
    $$SELECT tenancy.partition_by_tenant('tenants', 'w') + tenancy.partition_by_time('tenants', 'at', '1 day')$$,
    -- NULLs
    $$SELECT tenancy.partition_by_time(NULL, 'at', '1 month')$$,
    $$SELECT tenancy.partition_by_time('good', 'at', NULL)$$,
    $$SELECT tenancy.partition_by_tenant('tenants', NULL)$$,
    $$SELECT tenancy.add_tenant_partition('tenants', NULL)$$,
    $$SELECT tenancy.set_retention(NULL, '1 day')$$,
    $$SELECT tenancy.schedule_maintenance(NULL)$$,
    -- unregistered tables, wrong kind
    $$SELECT tenancy.add_tenant_partition('good', gen_random_uuid())$$,
    $$SELECT tenancy.add_tenant_partition('by_list', gen_random_uuid())$$,
    $$SELECT tenancy.set_retention('by_list', '1 day')$$,
    $$SELECT tenancy.set_retention('tenants', '1 day')$$,
    -- retention: unknown action, bad keep, archive without or with a bad schema
    $$SELECT tenancy.set_retention('good', '1 day', 'shred')$$,
    $$SELECT tenancy.set_retention('good', '0 days')$$,
    $$SELECT tenancy.set_retention('good', '-3 days')$$,
    $$SELECT tenancy.set_retention('good', '1 day', 'archive')$$,
    $$SELECT tenancy.set_retention('good', '1 day', 'archive', 'no_such_schema')$$,
    $$SELECT tenancy.set_retention('good', '1 day', 'archive', 'part_errors')$$,
    $$SELECT tenancy.set_retention('good', '1 day', 'drop', 'public')$$,
    -- a name squatted by an unrelated table
    $$CREATE TABLE good_p2019_12 (x int); SELECT tenancy.partition_by_time('good', 'at', '1 month', 1, '2019-12-01')$$
]) stmt;
SELECT b IS NOT DISTINCT FROM a AS nothing_changed
  FROM (SELECT row(before.*)::text AS b FROM before) x, (SELECT row(s.*)::text AS a FROM pg_temp.snapshot s) y;

-- A caller who does not own the table: 42501, even when granted EXECUTE.
SET client_min_messages = warning;
CREATE ROLE part_stranger;
SET client_min_messages = notice;
GRANT USAGE ON SCHEMA part_errors TO part_stranger;
SELECT regress.grant_partition_calls('part_stranger', 'schedule_maintenance');
CREATE TABLE strangers_plain (at timestamptz);
DROP TABLE before;
CREATE TEMP TABLE before AS SELECT * FROM pg_temp.snapshot;
SET ROLE part_stranger;
SELECT stmt, pg_temp.try(stmt) AS result FROM unnest(ARRAY[
    $$SELECT tenancy.partition_by_time('good', 'at', '1 month')$$,
    $$SELECT tenancy.partition_by_tenant('tenants', 'w')$$,
    $$SELECT tenancy.add_tenant_partition('tenants', gen_random_uuid())$$,
    $$SELECT tenancy.set_retention('good', '1 day')$$,
    $$CALL tenancy.purge('strangers_plain', 'at', '1 day')$$
]) stmt;
-- the stranger sees no partition sets but its own (none)
SELECT count(*) AS visible_sets FROM tenancy.partition_status();
-- maintenance as the stranger: tables it does not own are not visible to it
CALL tenancy.run_maintenance();
RESET ROLE;
SELECT b IS NOT DISTINCT FROM a AS nothing_changed
  FROM (SELECT row(before.*)::text AS b FROM before) x, (SELECT row(s.*)::text AS a FROM pg_temp.snapshot s) y;
-- PUBLIC (no grants) cannot call anything that changes state
SET client_min_messages = warning;
CREATE ROLE part_nobody;
SET client_min_messages = notice;
GRANT USAGE ON SCHEMA part_errors TO part_nobody;
SET ROLE part_nobody;
SELECT pg_temp.try($$SELECT tenancy.partition_by_time('good', 'at', '1 month')$$);
SELECT pg_temp.try($$CALL tenancy.run_maintenance()$$);
RESET ROLE;
