-- access_helpers: what each helper answers, for whom, and how cheaply.

CREATE FUNCTION pg_temp.fields(sql text) RETURNS text LANGUAGE sql AS $$
  SELECT CASE WHEN e.state IS NULL THEN 'no error'
              ELSE format('%s | %s | %s | %s', e.state, e.message, e.detail, e.hint) END
    FROM regress.caught(sql) e
$$;

-- All STABLE, PARALLEL SAFE; NULL input is answered, not skipped.
SELECT p.oid::regprocedure, provolatile, proparallel, proisstrict
  FROM pg_proc p WHERE pronamespace = 'tenancy'::regnamespace
   AND proname IN ('user_has_workspace_access', 'user_workspaces', 'user_workspace_role',
                   'user_has_workspace_role', 'cache_stats', 'cache_reset')
 ORDER BY p.oid::regprocedure::text;

-- ann: w1 owner, w2 viewer (and a duplicate editor row), w3 invited (inactive)
-- bob: w2 owner; w3 with a NULL status (inactive); carl: no memberships
CREATE TABLE team_members (
  company_id uuid, user_id uuid NOT NULL, role text, status text);
CREATE INDEX ON team_members (user_id, company_id);
INSERT INTO team_members VALUES
  ('00000000-0000-0000-0000-0000000000f1', 'aaaaaaaa-0000-0000-0000-000000000001', 'owner', 'active'),
  ('00000000-0000-0000-0000-0000000000a2', 'aaaaaaaa-0000-0000-0000-000000000001', 'viewer', 'active'),
  ('00000000-0000-0000-0000-0000000000a2', 'aaaaaaaa-0000-0000-0000-000000000001', 'editor', 'active'),
  ('00000000-0000-0000-0000-0000000000c3', 'aaaaaaaa-0000-0000-0000-000000000001', 'member', 'invited'),
  (NULL, 'aaaaaaaa-0000-0000-0000-000000000001', 'member', 'active'),
  ('00000000-0000-0000-0000-0000000000a2', 'bbbbbbbb-0000-0000-0000-000000000002', 'owner', 'active'),
  ('00000000-0000-0000-0000-0000000000c3', 'bbbbbbbb-0000-0000-0000-000000000002', NULL, NULL);
SELECT tenancy.register_membership('team_members', 'company_id', 'user_id', 'role', 'status', '{active}');

-- No user: nothing.
SELECT tenancy.user_has_workspace_access('00000000-0000-0000-0000-0000000000f1') AS access,
       tenancy.user_workspaces() AS workspaces,
       tenancy.user_workspace_role('00000000-0000-0000-0000-0000000000f1') AS role,
       tenancy.user_has_workspace_role('00000000-0000-0000-0000-0000000000f1', 'owner') AS is_owner;

SELECT regress.as_user('aaaaaaaa-0000-0000-0000-000000000001');
-- sorted, distinct, active only
SELECT tenancy.user_workspaces();
SELECT w, tenancy.user_has_workspace_access(w) AS access, tenancy.user_workspace_role(w) AS role,
       tenancy.user_has_workspace_role(w, 'owner', 'admin') AS owner_or_admin,
       tenancy.user_has_workspace_role(w, 'editor') AS editor
  FROM unnest(ARRAY['00000000-0000-0000-0000-0000000000f1', '00000000-0000-0000-0000-0000000000a2',
                    '00000000-0000-0000-0000-0000000000c3', '00000000-0000-0000-0000-0000000000d4']::uuid[]) w;
-- NULLs
SELECT tenancy.user_has_workspace_access(NULL) AS access, tenancy.user_workspace_role(NULL) AS role,
       tenancy.user_has_workspace_role(NULL, 'owner') AS r1,
       tenancy.user_has_workspace_role('00000000-0000-0000-0000-0000000000f1', VARIADIC NULL::text[]) AS r2,
       tenancy.user_has_workspace_role('00000000-0000-0000-0000-0000000000f1', NULL, 'owner') AS r3,
       tenancy.user_has_workspace_role('00000000-0000-0000-0000-0000000000f1', VARIADIC '{}'::text[]) AS r4;
-- Wrong argument types: a text that is no uuid (the text form reads it as
-- the scope's uuid), a bigint in a uuid scope (42804), roles that are not text.
SELECT tenancy.user_has_workspace_access('not-a-uuid');
SELECT tenancy.user_has_workspace_access(42);
SELECT tenancy.user_has_workspace_role('00000000-0000-0000-0000-0000000000f1', 1, 2);

SELECT regress.as_user('bbbbbbbb-0000-0000-0000-000000000002');
SELECT tenancy.user_workspaces(), tenancy.user_workspace_role('00000000-0000-0000-0000-0000000000a2');
SELECT regress.as_user('cccccccc-0000-0000-0000-000000000003');
SELECT tenancy.user_workspaces(), tenancy.user_has_workspace_access('00000000-0000-0000-0000-0000000000a2');
-- A malformed token is an error, not "no access".
SELECT set_config('request.jwt.claims', '{"sub": "x"}', false);
SELECT pg_temp.fields($$SELECT tenancy.user_has_workspace_access('00000000-0000-0000-0000-0000000000a2')$$);

-- Without a status column every row counts; without a role column the role
-- helpers say what is missing.
SELECT tenancy.register_membership('team_members', 'company_id', 'user_id');
SELECT regress.as_user('bbbbbbbb-0000-0000-0000-000000000002');
SELECT tenancy.user_workspaces();
SELECT pg_temp.fields($$SELECT tenancy.user_workspace_role('00000000-0000-0000-0000-0000000000a2')$$);
SELECT pg_temp.fields($$SELECT tenancy.user_has_workspace_role('00000000-0000-0000-0000-0000000000a2', 'owner')$$);
SELECT tenancy.register_membership('team_members', 'company_id', 'user_id', 'role', 'status');

-- The helpers do not depend on the caller's privileges on the membership
-- table, and a policy on the membership table may call them.
CREATE ROLE app_user;
GRANT SELECT ON team_members TO app_user;
ALTER TABLE team_members ENABLE ROW LEVEL SECURITY;
ALTER TABLE team_members FORCE ROW LEVEL SECURITY;
CREATE POLICY members_of_my_workspaces ON team_members FOR SELECT
  USING (company_id = ANY (tenancy.user_workspaces()));
SELECT regress.as_user('bbbbbbbb-0000-0000-0000-000000000002');
SET ROLE app_user;
SELECT company_id, user_id, role FROM team_members ORDER BY user_id, role;
SELECT tenancy.user_workspaces();
RESET ROLE;
REVOKE SELECT ON team_members FROM app_user;
SELECT tenancy.cache_reset();
SET ROLE app_user;
SELECT tenancy.user_workspaces(), tenancy.user_has_workspace_access('00000000-0000-0000-0000-0000000000a2');
SELECT pg_temp.fields($$SELECT count(*) FROM team_members$$);
RESET ROLE;
ALTER TABLE team_members NO FORCE ROW LEVEL SECURITY;
ALTER TABLE team_members DISABLE ROW LEVEL SECURITY;

-- A policy written both ways, on an indexed table, as the application role.
CREATE TABLE items (id int PRIMARY KEY, workspace_id uuid NOT NULL, title text);
CREATE INDEX ON items (workspace_id);
INSERT INTO items SELECT g, (ARRAY['00000000-0000-0000-0000-0000000000f1', '00000000-0000-0000-0000-0000000000a2',
  '00000000-0000-0000-0000-0000000000c3', '00000000-0000-0000-0000-0000000000d4'])[1 + g % 4]::uuid, 'item ' || g
  FROM generate_series(1, 2000) g;
ANALYZE items;
GRANT SELECT, INSERT, UPDATE ON items TO app_user;
ALTER TABLE items ENABLE ROW LEVEL SECURITY;
CREATE POLICY by_array ON items USING (workspace_id = ANY (tenancy.user_workspaces()));
SELECT regress.as_user('aaaaaaaa-0000-0000-0000-000000000001');
SET ROLE app_user;
SELECT workspace_id, count(*) FROM items GROUP BY 1 ORDER BY 1;
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT count(*) FROM items;
RESET enable_seqscan;
-- Writes are checked too.
INSERT INTO items VALUES (5000, '00000000-0000-0000-0000-0000000000d4', 'not mine');
INSERT INTO items VALUES (5001, '00000000-0000-0000-0000-0000000000f1', 'mine');
UPDATE items SET workspace_id = '00000000-0000-0000-0000-0000000000d4' WHERE id = 5001;
RESET ROLE;
DROP POLICY by_array ON items;
CREATE POLICY by_row ON items USING (tenancy.user_has_workspace_access(workspace_id));
SET ROLE app_user;
SELECT workspace_id, count(*) FROM items GROUP BY 1 ORDER BY 1;
-- role-based policies
RESET ROLE;
CREATE POLICY owners_update ON items AS RESTRICTIVE FOR UPDATE
  USING (tenancy.user_has_workspace_role(workspace_id, 'owner', 'editor'));
SET ROLE app_user;
UPDATE items SET title = title || '!' WHERE id BETWEEN 1 AND 12 RETURNING id, workspace_id;
RESET ROLE;

-- Generic plans and parallel workers give the same answers.
SET ROLE app_user;
SET plan_cache_mode = force_generic_plan;
PREPARE visible AS SELECT count(*) FROM items;
EXECUTE visible;
RESET ROLE;
SELECT regress.as_user('bbbbbbbb-0000-0000-0000-000000000002');
SET ROLE app_user;
EXECUTE visible;
DEALLOCATE visible;
RESET plan_cache_mode;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
-- force_parallel_mode is named debug_parallel_query from PostgreSQL 16 on
SELECT set_config(name, 'on', false) AS parallel_forced FROM pg_settings
 WHERE name IN ('force_parallel_mode', 'debug_parallel_query');
SET enable_indexscan = off;
SET enable_bitmapscan = off;
EXPLAIN (COSTS OFF) SELECT count(*) FROM items;
SELECT count(*) FROM items;
RESET ROLE;
SELECT count(*) FROM items WHERE tenancy.user_has_workspace_access(workspace_id);
SELECT count(*) FROM items WHERE workspace_id = ANY (tenancy.user_workspaces());
RESET enable_bitmapscan;
RESET enable_indexscan;
SELECT set_config(name, 'off', false) AS parallel_forced FROM pg_settings
 WHERE name IN ('force_parallel_mode', 'debug_parallel_query');
RESET max_parallel_workers_per_gather;
RESET min_parallel_table_scan_size;
RESET parallel_tuple_cost;
RESET parallel_setup_cost;

-- cache_stats / cache_reset: one fill per user, then hits. A sequential
-- scan calls the function once per row; otherwise the number of calls would
-- follow the plan, which the cost model of each server version picks.
SELECT tenancy.cache_reset();
SELECT cache, hits, misses, invalidations, entries FROM tenancy.cache_stats();
SET enable_indexscan = off;
SET enable_bitmapscan = off;
SELECT count(*) FROM items WHERE tenancy.user_has_workspace_access(workspace_id);
RESET enable_bitmapscan;
RESET enable_indexscan;
SELECT cache, hits, misses, invalidations, entries FROM tenancy.cache_stats();
-- cache_reset is not for PUBLIC; cache_stats is.
SET ROLE app_user;
SELECT pg_temp.fields($$SELECT tenancy.cache_reset()$$);
SELECT count(*) FROM tenancy.cache_stats();
RESET ROLE;

-- The cache's memory bound: access_cache_memory.sql.

SELECT regress.as_user(NULL);
DROP TABLE items, team_members;
DROP ROLE app_user;
