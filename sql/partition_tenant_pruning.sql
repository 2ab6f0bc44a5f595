-- partition_tenant_pruning: a query on a table partitioned per tenant,
-- under tenancy's policy, scans only the caller's partitions. A plan made
-- without parameters (the simple protocol's; the generic plan of a
-- prepared statement) holds the caller's set, read when it is planned, and
-- runs once: the next execution plans again, for its own caller and with
-- the memberships of the moment. Nothing is pruned where it would change
-- an answer (another permissive policy, a role that bypasses RLS).
CREATE SCHEMA part_prune;
SET search_path = part_prune, public;
CREATE TABLE members (tenant_id uuid, user_id uuid);
INSERT INTO members VALUES
  ('a1000000-0000-4000-8000-000000000000', 'eeeeeeee-0000-4000-8000-000000000001'),
  ('a3000000-0000-4000-8000-000000000000', 'eeeeeeee-0000-4000-8000-000000000001'),
  ('a2000000-0000-4000-8000-000000000000', 'eeeeeeee-0000-4000-8000-000000000002');
SELECT tenancy.register_membership('part_prune.members', 'tenant_id', 'user_id') IS NULL AS registered;
CREATE TABLE events (id int, tenant_id uuid NOT NULL, note text) PARTITION BY LIST (tenant_id);
SELECT tenancy.partition_by_tenant('events', 'tenant_id') AS made;
SELECT count(tenancy.add_tenant_partition('events', ('a' || n || '000000-0000-4000-8000-000000000000')::uuid))
  FROM generate_series(1, 5) n;
INSERT INTO events
  SELECT g, ('a' || (g % 6) || '000000-0000-4000-8000-000000000000')::uuid, CASE WHEN g % 10 = 0 THEN 'public' END
    FROM generate_series(1, 60) g;  -- tenant a0... has no partition: its rows are in the default
SELECT count(*) > 0 AS isolated FROM tenancy.enable_isolation('events', 'tenant_id');
SET client_min_messages = warning;
CREATE ROLE part_prune_app;
SET client_min_messages = notice;
GRANT USAGE ON SCHEMA part_prune TO part_prune_app;
GRANT SELECT ON events TO part_prune_app;
CREATE FUNCTION part_prune.as_user(n int) RETURNS text LANGUAGE sql AS $$
  SELECT set_config('request.jwt.claims',
                    format('{"sub": "eeeeeeee-0000-4000-8000-%s"}', lpad(n::text, 12, '0')), false)
$$;
GRANT EXECUTE ON FUNCTION part_prune.as_user(int) TO part_prune_app;

SET ROLE part_prune_app;
SELECT as_user(1) IS NOT NULL AS user_1;
-- user 1 (tenants a1, a3): only their two partitions are planned (the
-- planner knows a1 and a3 are not in the default)
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF, BUFFERS OFF) SELECT * FROM events;
SELECT tenant_id, count(*) FROM events GROUP BY 1 ORDER BY 1;

-- One prepared statement, its generic plan, executed in turn for two users
-- and across membership changes: each execution plans with, and scans,
-- what its caller sees.
SET plan_cache_mode = force_generic_plan;
PREPARE seen AS SELECT tenant_id, count(*) FROM events GROUP BY 1 ORDER BY 1;
PREPARE scanned AS SELECT * FROM events;
EXECUTE seen;
SELECT as_user(2) IS NOT NULL AS user_2;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF, BUFFERS OFF) EXECUTE scanned;
EXECUTE seen;
RESET ROLE;
INSERT INTO members VALUES ('a5000000-0000-4000-8000-000000000000', 'eeeeeeee-0000-4000-8000-000000000002');
SET ROLE part_prune_app;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF, BUFFERS OFF) EXECUTE scanned;
EXECUTE seen;
RESET ROLE;
DELETE FROM members WHERE tenant_id = 'a2000000-0000-4000-8000-000000000000';
SET ROLE part_prune_app;
EXECUTE seen;
-- no user: an empty set, nothing is scanned
SELECT set_config('request.jwt.claims', '', false) = '' AS no_user;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF, BUFFERS OFF) EXECUTE scanned;
EXECUTE seen;
-- Claims set for one transaction are gone when it ends, and so is the
-- plan made with them; a savepoint rolled back takes its claims back too.
BEGIN;
SELECT set_config('request.jwt.claims', '{"sub": "eeeeeeee-0000-4000-8000-000000000001"}', true) IS NOT NULL AS user_1_here;
EXECUTE seen;
SAVEPOINT as_2;
SELECT set_config('request.jwt.claims', '{"sub": "eeeeeeee-0000-4000-8000-000000000002"}', true) IS NOT NULL AS user_2_here;
EXECUTE seen;
ROLLBACK TO as_2;
EXECUTE seen;
COMMIT;
EXECUTE seen;
DEALLOCATE seen;
DEALLOCATE scanned;
RESET plan_cache_mode;

-- A PL/pgSQL function keeps its statement's plan: each call plans it for
-- its caller.
CREATE FUNCTION pg_temp.seen_count() RETURNS bigint LANGUAGE plpgsql AS $$
BEGIN
  RETURN (SELECT count(*) FROM part_prune.events);
END $$;
SET plan_cache_mode = force_generic_plan;
SELECT as_user(1) IS NOT NULL AS user_1;
SELECT pg_temp.seen_count() AS user_1_rows;
SELECT as_user(2) IS NOT NULL AS user_2;
SELECT pg_temp.seen_count() AS user_2_rows;
RESET plan_cache_mode;

-- Index scans carry the set as an index condition.
SELECT as_user(1) IS NOT NULL AS user_1;
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT count(*) FROM events;
SELECT count(*) FROM events;
RESET enable_seqscan;

-- Subqueries and UNION ALL: each Append over the partitions is pruned.
SELECT (SELECT count(*) FROM events) AS sub,
       (SELECT count(*) FROM (SELECT id FROM events UNION ALL SELECT id FROM events) u) AS twice;

-- A set-returning SQL function is inlined by the planner after tenancy's
-- hook has looked at the query: its plan keeps the policy's call and is
-- pruned when it starts (the default partition stays).
RESET ROLE;
CREATE FUNCTION part_prune.all_events() RETURNS SETOF part_prune.events LANGUAGE sql STABLE
  AS $$ SELECT * FROM part_prune.events $$;
SET ROLE part_prune_app;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF, BUFFERS OFF) SELECT * FROM all_events();
SELECT tenant_id, count(*) FROM all_events() GROUP BY 1 ORDER BY 1;

-- The caller must be allowed to call user_workspaces(): without EXECUTE
-- the policy fails as it would without tenancy's pruning.
RESET ROLE;
REVOKE EXECUTE ON FUNCTION tenancy.user_workspaces() FROM PUBLIC;
SET ROLE part_prune_app;
SELECT count(*) FROM events;
RESET ROLE;
GRANT EXECUTE ON FUNCTION tenancy.user_workspaces() TO PUBLIC;
SET ROLE part_prune_app;

-- Turned off: every partition is scanned, the answer is the same.
SET tenancy.prune_tenant_partitions = off;
EXPLAIN (COSTS OFF) SELECT * FROM events;
SELECT count(*) FROM events;
RESET tenancy.prune_tenant_partitions;

-- Another permissive policy is ORed with tenancy's: pruning would hide its
-- rows, so nothing is pruned.
RESET ROLE;
CREATE POLICY part_prune_public ON events FOR SELECT USING (note = 'public');
SET ROLE part_prune_app;
EXPLAIN (COSTS OFF) SELECT * FROM events;
SELECT tenant_id, count(*) FROM events GROUP BY 1 ORDER BY 1;
RESET ROLE;
DROP POLICY part_prune_public ON events;

-- A role that bypasses row level security (here a superuser) has no such
-- clause: it sees, and scans, every partition.
EXPLAIN (COSTS OFF) SELECT * FROM events;
SELECT count(*) FROM events;

-- A query naming the user's tenants itself is left to the planner.
SET ROLE part_prune_app;
EXPLAIN (COSTS OFF) SELECT * FROM events WHERE tenant_id = 'a3000000-0000-4000-8000-000000000000';
RESET ROLE;
SELECT set_config('request.jwt.claims', '', false) = '' AS reset_claims;

-- members stays: it is the registered membership table
DROP FUNCTION all_events();
DROP TABLE events;
DROP FUNCTION as_user(int);
DROP OWNED BY part_prune_app;
DROP ROLE part_prune_app;
