-- partition_tenant_pruning: a query on a table partitioned per tenant,
-- under tenancy's policy, scans only the caller's partitions (and the
-- default), decided at each execution: a cached plan serves every user and
-- sees membership changes at once. Nothing is pruned where it would change
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
-- user 1 (tenants a1, a3): their two partitions and the default are scanned
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF, BUFFERS OFF) SELECT * FROM events;
SELECT tenant_id, count(*) FROM events GROUP BY 1 ORDER BY 1;

-- One prepared statement, one generic plan, executed in turn for two users
-- and across membership changes: each execution scans what its caller sees.
SET plan_cache_mode = force_generic_plan;
PREPARE seen AS SELECT tenant_id, count(*) FROM events GROUP BY 1 ORDER BY 1;
PREPARE scanned AS SELECT * FROM events;
EXECUTE seen;
SELECT as_user(2) IS NOT NULL AS user_2;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) EXECUTE scanned;
EXECUTE seen;
RESET ROLE;
INSERT INTO members VALUES ('a5000000-0000-4000-8000-000000000000', 'eeeeeeee-0000-4000-8000-000000000002');
SET ROLE part_prune_app;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) EXECUTE scanned;
EXECUTE seen;
RESET ROLE;
DELETE FROM members WHERE tenant_id = 'a2000000-0000-4000-8000-000000000000';
SET ROLE part_prune_app;
EXECUTE seen;
-- no user: nothing but one empty scan
SELECT set_config('request.jwt.claims', '', false) = '' AS no_user;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) EXECUTE scanned;
EXECUTE seen;
DEALLOCATE seen;
DEALLOCATE scanned;
RESET plan_cache_mode;

-- Index scans carry the clause as an index condition (an index-only
-- scan names the index's column): pruned the same way.
SELECT as_user(1) IS NOT NULL AS user_1;
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT count(*) FROM events;
SELECT count(*) FROM events;
RESET enable_seqscan;

-- Subqueries and UNION ALL: each Append over the partitions is pruned.
SELECT (SELECT count(*) FROM events) AS sub,
       (SELECT count(*) FROM (SELECT id FROM events UNION ALL SELECT id FROM events) u) AS twice;

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
DROP TABLE events;
DROP FUNCTION as_user(int);
DROP OWNED BY part_prune_app;
DROP ROLE part_prune_app;
