-- partition_tenant_pruning_plan: a plan made for one execution (a custom
-- plan of a statement with parameters) is pruned while it is planned: the
-- policy's call is replaced by the caller's set read then, `tenant_id = ANY
-- ('{...}')`, and the planner prunes with it. The generic plan is made the
-- same way and runs once (partition_tenant_pruning.sql).
CREATE SCHEMA part_prune_plan;
SET search_path = part_prune_plan, public;
CREATE TABLE members (tenant_id uuid, user_id uuid);
INSERT INTO members VALUES
  ('c1000000-0000-4000-8000-000000000000', 'eeeeeeee-0000-4000-8000-000000000011'),
  ('c3000000-0000-4000-8000-000000000000', 'eeeeeeee-0000-4000-8000-000000000011'),
  ('c2000000-0000-4000-8000-000000000000', 'eeeeeeee-0000-4000-8000-000000000012');
SELECT tenancy.register_membership('part_prune_plan.members', 'tenant_id', 'user_id') IS NULL AS registered;
CREATE TABLE events (id int, tenant_id uuid NOT NULL, note text) PARTITION BY LIST (tenant_id);
SELECT tenancy.partition_by_tenant('events', 'tenant_id') AS made;
SELECT count(tenancy.add_tenant_partition('events', ('c' || n || '000000-0000-4000-8000-000000000000')::uuid))
  FROM generate_series(1, 5) n;
-- tenant c0... has no partition: its rows are in the default
INSERT INTO events
  SELECT g, ('c' || (g % 6) || '000000-0000-4000-8000-000000000000')::uuid, 'n' || g
    FROM generate_series(1, 6000) g;
-- no index: each plan scans its caller's partitions in full
SELECT count(*) > 0 AS isolated FROM tenancy.enable_isolation('events', 'tenant_id', create_index => false);
ANALYZE events;
SET client_min_messages = warning;
CREATE ROLE part_prune_plan_app;
SET client_min_messages = notice;
GRANT USAGE ON SCHEMA part_prune_plan TO part_prune_plan_app;
GRANT SELECT ON events TO part_prune_plan_app;
CREATE FUNCTION part_prune_plan.as_user(n int) RETURNS text LANGUAGE sql AS $$
  SELECT set_config('request.jwt.claims',
                    format('{"sub": "eeeeeeee-0000-4000-8000-%s"}', lpad(n::text, 12, '0')), false)
$$;
GRANT EXECUTE ON FUNCTION part_prune_plan.as_user(int) TO part_prune_plan_app;

SET ROLE part_prune_plan_app;
SELECT as_user(11) IS NOT NULL AS user_11;
PREPARE seen(int) AS SELECT tenant_id, count(*) FROM events WHERE id > $1 GROUP BY 1 ORDER BY 1;
PREPARE scanned(int) AS SELECT * FROM events WHERE id > $1;
-- user 11 (c1, c3): the plan holds their set, and scans only their two
-- partitions (not even the default: the planner knows where c1 and c3 go)
EXPLAIN (COSTS OFF) EXECUTE scanned(0);
EXECUTE seen(0);
-- another user, the same prepared statement: a plan of its own, with its set
SELECT as_user(12) IS NOT NULL AS user_12;
EXPLAIN (COSTS OFF) EXECUTE scanned(0);
EXECUTE seen(0);
-- memberships granted and revoked between executions are seen at once
RESET ROLE;
INSERT INTO members VALUES ('c5000000-0000-4000-8000-000000000000', 'eeeeeeee-0000-4000-8000-000000000012');
SET ROLE part_prune_plan_app;
EXPLAIN (COSTS OFF) EXECUTE scanned(0);
EXECUTE seen(0);
RESET ROLE;
DELETE FROM members WHERE tenant_id = 'c2000000-0000-4000-8000-000000000000';
SET ROLE part_prune_plan_app;
EXECUTE seen(0);
-- past the fifth execution plancache compares the generic plan with these:
-- pruned the same way, it costs no more, and is chosen; it holds its
-- caller's set and is made again for the next execution
SELECT as_user(11) IS NOT NULL AS user_11;
EXECUTE seen(1);
EXECUTE seen(2);
EXECUTE seen(3);
EXPLAIN (COSTS OFF) EXECUTE scanned(4);
SELECT as_user(12) IS NOT NULL AS user_12;
EXECUTE seen(5);
EXPLAIN (COSTS OFF) EXECUTE scanned(6);
-- no user: an empty set, nothing is scanned
SELECT set_config('request.jwt.claims', '', false) = '' AS no_user;
EXPLAIN (COSTS OFF) EXECUTE scanned(0);
EXECUTE seen(0);
SELECT as_user(11) IS NOT NULL AS user_11;
EXPLAIN (COSTS OFF) EXECUTE scanned(7);

-- Forced, the generic plan too holds the set of the execution it is made
-- for, and the next execution makes its own.
SET plan_cache_mode = force_generic_plan;
SELECT as_user(11) IS NOT NULL AS user_11;
EXPLAIN (COSTS OFF) EXECUTE scanned(0);
EXECUTE seen(0);
SELECT as_user(12) IS NOT NULL AS user_12;
EXECUTE seen(0);
RESET plan_cache_mode;
DEALLOCATE seen;
DEALLOCATE scanned;

-- The set is read once per execution, when it is planned (as an index
-- scan computes its keys once): a cursor opened for user 11 keeps user
-- 11's set even when the claims name user 12 before its rows are fetched
-- (the next statement plans with user 12's).
CREATE FUNCTION pg_temp.read_as_other(min int) RETURNS SETOF uuid LANGUAGE plpgsql AS $$
DECLARE
  rows CURSOR (low int) FOR SELECT tenant_id FROM part_prune_plan.events WHERE id > low;
  tenant uuid;
BEGIN
  PERFORM part_prune_plan.as_user(11);
  OPEN rows(min);
  PERFORM part_prune_plan.as_user(12);
  LOOP
    FETCH rows INTO tenant;
    EXIT WHEN NOT FOUND;
    RETURN NEXT tenant;
  END LOOP;
END $$;
SELECT DISTINCT t AS read_after_the_claims_changed FROM pg_temp.read_as_other(0) t ORDER BY 1;
SELECT tenant_id, count(*) FROM events WHERE id > 0 GROUP BY 1 ORDER BY 1;
SELECT as_user(11) IS NOT NULL AS user_11;

-- The per-row form is pruned too, planned per query and in a custom plan.
RESET ROLE;
CREATE TABLE rows_per_row (id int, tenant_id uuid NOT NULL) PARTITION BY LIST (tenant_id);
SELECT tenancy.partition_by_tenant('rows_per_row', 'tenant_id') AS made;
SELECT count(tenancy.add_tenant_partition('rows_per_row', ('c' || n || '000000-0000-4000-8000-000000000000')::uuid))
  FROM generate_series(1, 5) n;
INSERT INTO rows_per_row SELECT id, tenant_id FROM events;
ANALYZE rows_per_row;
ALTER TABLE rows_per_row ENABLE ROW LEVEL SECURITY;
CREATE POLICY per_row ON rows_per_row FOR SELECT USING (tenancy.user_has_workspace_access(tenant_id));
GRANT SELECT ON rows_per_row TO part_prune_plan_app;
SET ROLE part_prune_plan_app;
EXPLAIN (COSTS OFF) SELECT * FROM rows_per_row WHERE id > 0;
SELECT tenant_id, count(*) FROM rows_per_row WHERE id > 0 GROUP BY 1 ORDER BY 1;
-- inlined from a set-returning SQL function: pruned when the plan starts
RESET ROLE;
CREATE FUNCTION part_prune_plan.rows_of(low int) RETURNS SETOF part_prune_plan.rows_per_row
  LANGUAGE sql STABLE AS $$ SELECT * FROM part_prune_plan.rows_per_row WHERE id > low $$;
SET ROLE part_prune_plan_app;
EXPLAIN (COSTS OFF) SELECT * FROM rows_of(0);
SELECT tenant_id, count(*) FROM rows_of(0) GROUP BY 1 ORDER BY 1;
PREPARE per_row(int) AS SELECT * FROM rows_per_row WHERE id > $1;
EXPLAIN (COSTS OFF) EXECUTE per_row(0);
DEALLOCATE per_row;
-- the scoped form, with a constant scope, in a custom plan
RESET ROLE;
CREATE POLICY scoped ON rows_per_row AS RESTRICTIVE FOR SELECT
  USING (tenant_id = ANY (tenancy.user_workspaces('workspace')));
SET ROLE part_prune_plan_app;
PREPARE scoped(int) AS SELECT tenant_id, count(*) FROM rows_per_row WHERE id > $1 GROUP BY 1 ORDER BY 1;
EXPLAIN (COSTS OFF) EXECUTE scoped(0);
EXECUTE scoped(0);
DEALLOCATE scoped;

-- Turned off: no set is written into the plan.
SET tenancy.prune_tenant_partitions = off;
PREPARE scanned(int) AS SELECT * FROM events WHERE id > $1;
EXPLAIN (COSTS OFF) EXECUTE scanned(0);
DEALLOCATE scanned;
RESET tenancy.prune_tenant_partitions;
RESET ROLE;
SELECT set_config('request.jwt.claims', '', false) = '' AS reset_claims;

-- members stays: it is the registered membership table
DROP FUNCTION rows_of(int);
DROP TABLE events, rows_per_row;
DROP FUNCTION as_user(int);
DROP OWNED BY part_prune_plan_app;
DROP ROLE part_prune_plan_app;
