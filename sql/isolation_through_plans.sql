-- isolation_through_plans: the through check's planner hook reaches the
-- check wherever the plan holds it (a scalar subquery, a CTE, an inlined
-- SQL function, a prepared statement's generic plan, after a replan, a
-- partition's own policy), and drops the InitPlans nothing runs any more:
-- a point lookup keeps no key list. Every plan shown is also run: each
-- user sees only their rows.
CREATE SCHEMA thp;
CREATE TABLE thp.members (workspace_id uuid NOT NULL, user_id uuid NOT NULL, role text NOT NULL);
INSERT INTO thp.members VALUES
  ('00000000-0000-0000-0000-00000000000a', '00000000-0000-0000-0000-0000000000a1', 'owner'),
  ('00000000-0000-0000-0000-00000000000b', '00000000-0000-0000-0000-0000000000b1', 'owner');
SELECT tenancy.register_membership('thp.members', 'workspace_id', 'user_id', 'role');
CREATE ROLE thp_app;
GRANT USAGE ON SCHEMA thp TO thp_app;
CREATE TABLE thp.customers (id int PRIMARY KEY, workspace_id uuid NOT NULL, name text);
CREATE TABLE thp.tags (customer_id int NOT NULL REFERENCES thp.customers, tag text NOT NULL, id int PRIMARY KEY);
CREATE INDEX ON thp.tags (customer_id);
CREATE TABLE thp.visits (customer_id int NOT NULL REFERENCES thp.customers, day int NOT NULL)
  PARTITION BY RANGE (day);
CREATE TABLE thp.visits_1 PARTITION OF thp.visits FOR VALUES FROM (0) TO (10);
CREATE INDEX ON thp.visits (customer_id);
INSERT INTO thp.customers VALUES (1, '00000000-0000-0000-0000-00000000000a', 'a-cust'),
                                 (2, '00000000-0000-0000-0000-00000000000b', 'b-cust');
INSERT INTO thp.tags VALUES (1, 'vip', 10), (1, 'late', 11), (2, 'vip', 20);
INSERT INTO thp.visits VALUES (1, 1), (2, 2);
-- a workspace of nobody's, large enough for index plans
INSERT INTO thp.customers SELECT i, '00000000-0000-0000-0000-00000000000c', 'c-cust'
  FROM generate_series(100, 4099) i;
INSERT INTO thp.tags SELECT i, 'c-tag', i + 10000 FROM generate_series(100, 4099) i;
INSERT INTO thp.visits SELECT i, 5 FROM generate_series(100, 4099) i;
ANALYZE thp.customers, thp.tags, thp.visits;
SELECT count(*) > 0 AS isolated FROM tenancy.enable_isolation('thp.customers');
SELECT count(*) > 0 AS isolated FROM tenancy.enable_isolation('thp.tags', through => 'customer_id');
SELECT count(*) > 0 AS isolated FROM tenancy.enable_isolation('thp.visits', through => 'customer_id');
GRANT SELECT ON thp.customers, thp.tags, thp.visits, thp.visits_1 TO thp_app;
CREATE FUNCTION thp.tags_of(int) RETURNS SETOF thp.tags LANGUAGE sql STABLE
  AS 'SELECT * FROM thp.tags WHERE customer_id = $1';
GRANT EXECUTE ON FUNCTION thp.tags_of(int) TO thp_app;
CREATE TABLE thp.scratch (n int);
INSERT INTO thp.scratch VALUES (1), (2);
GRANT SELECT, DELETE ON thp.scratch TO thp_app;

SET ROLE thp_app;
BEGIN;
SELECT set_config('request.jwt.claims', '{"sub":"00000000-0000-0000-0000-0000000000a1"}', true) IS NOT NULL AS claims_set;
-- A point lookup: the check is its EXISTS (a SubPlan) and the key list's
-- InitPlan, never run, is gone from the plan.
EXPLAIN (COSTS OFF) SELECT id, tag FROM thp.tags WHERE customer_id = 1;
SELECT id, tag FROM thp.tags WHERE customer_id = 1 ORDER BY id;
SELECT id, tag FROM thp.tags WHERE customer_id = 2;
-- A count: the key list is the index condition and stays.
EXPLAIN (COSTS OFF) SELECT count(*) FROM thp.tags;
SELECT count(*) FROM thp.tags;
-- The check only in a scalar subquery (itself an InitPlan).
EXPLAIN (COSTS OFF) SELECT (SELECT tag FROM thp.tags WHERE customer_id = 1 AND id = 10) AS tag;
SELECT (SELECT tag FROM thp.tags WHERE customer_id = 1 AND id = 10) AS a_tag,
       (SELECT tag FROM thp.tags WHERE customer_id = 2 AND id = 20) AS b_tag;
-- The check only in a CTE: treated the same; a plan with a CTE scan keeps
-- its InitPlans (unused_subplans_pg.cpp walks only node kinds it knows).
EXPLAIN (COSTS OFF)
WITH t AS MATERIALIZED (SELECT id, tag FROM thp.tags WHERE customer_id = 1) SELECT * FROM t;
WITH t AS MATERIALIZED (SELECT id, tag FROM thp.tags WHERE customer_id IN (1, 2)) SELECT * FROM t ORDER BY id;
-- An inlined SQL function.
EXPLAIN (COSTS OFF) SELECT id, tag FROM thp.tags_of(1);
SELECT id, tag FROM thp.tags_of(1) ORDER BY id;
SELECT id, tag FROM thp.tags_of(2);
-- A partition's own policy, read directly; and the partitioned table's,
-- on the one partition left after pruning.
EXPLAIN (COSTS OFF) SELECT * FROM thp.visits_1 WHERE customer_id = 1;
SELECT * FROM thp.visits_1 WHERE customer_id IN (1, 2);
EXPLAIN (COSTS OFF) SELECT * FROM thp.visits WHERE customer_id = 1;
SELECT * FROM thp.visits WHERE customer_id IN (1, 2);
-- A key list the query itself reads elsewhere (here an ARRAY in the
-- select list, next to the check in the filter) keeps its InitPlan.
EXPLAIN (COSTS OFF)
SELECT id, tenancy.through_keys_check(customer_id, ARRAY(SELECT 1), true) AS checked
  FROM thp.tags WHERE customer_id = 1 AND tenancy.through_keys_check(customer_id, ARRAY(SELECT 1), true);
SELECT id, tenancy.through_keys_check(customer_id, ARRAY(SELECT 1), true) AS checked
  FROM thp.tags WHERE customer_id = 1 AND tenancy.through_keys_check(customer_id, ARRAY(SELECT 1), true)
 ORDER BY id;
-- A data-modifying CTE nothing reads still runs: the executor runs it
-- because its plan is initialised, so such a plan is left whole.
WITH gone AS (DELETE FROM thp.scratch RETURNING n)
SELECT id, tag FROM thp.tags WHERE customer_id = 1 ORDER BY id;
SELECT count(*) AS scratch_rows_left FROM thp.scratch;
COMMIT;

-- A prepared statement's generic plan, and the same after a replan.
SET plan_cache_mode = force_generic_plan;
PREPARE tags_of_customer(int) AS SELECT id, tag FROM thp.tags WHERE customer_id = $1;
BEGIN;
SELECT set_config('request.jwt.claims', '{"sub":"00000000-0000-0000-0000-0000000000b1"}', true) IS NOT NULL AS claims_set;
EXPLAIN (COSTS OFF) EXECUTE tags_of_customer(2);
EXECUTE tags_of_customer(2);
EXECUTE tags_of_customer(1);
COMMIT;
RESET ROLE;
ALTER TABLE thp.tags SET (fillfactor = 90);
SET ROLE thp_app;
BEGIN;
SELECT set_config('request.jwt.claims', '{"sub":"00000000-0000-0000-0000-0000000000b1"}', true) IS NOT NULL AS claims_set;
EXPLAIN (COSTS OFF) EXECUTE tags_of_customer(2);
EXECUTE tags_of_customer(2);
EXECUTE tags_of_customer(1);
COMMIT;
DEALLOCATE tags_of_customer;
RESET plan_cache_mode;
RESET ROLE;

DROP SCHEMA thp CASCADE;
DROP ROLE thp_app;
