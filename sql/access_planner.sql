-- access_planner: the support function turns a per-row
-- user_has_workspace_access(col) into the index condition
-- col = ANY (tenancy.user_workspaces()), with the same answers.

CREATE TABLE members (workspace_id uuid, user_id uuid);
INSERT INTO members VALUES
  ('00000000-0000-0000-0000-000000000001', 'aaaaaaaa-0000-0000-0000-000000000001'),
  ('00000000-0000-0000-0000-000000000003', 'aaaaaaaa-0000-0000-0000-000000000001');
SELECT tenancy.register_membership('members', 'workspace_id', 'user_id');
CREATE TABLE docs (id int, workspace_id uuid, body text);
INSERT INTO docs
  SELECT g, CASE WHEN g % 50 = 0 THEN NULL
                 ELSE ('00000000-0000-0000-0000-' || lpad((g % 20)::text, 12, '0'))::uuid END,
         'doc ' || g
    FROM generate_series(1, 20000) g;
CREATE INDEX docs_workspace ON docs (workspace_id);
ANALYZE docs;

-- Without an index condition the planner estimates the call like the
-- equivalent array clause (about 2 of 20 workspaces), not a flat third.
SET request.jwt.claims = '{"sub": "aaaaaaaa-0000-0000-0000-000000000001"}';
SELECT count(*) FROM docs WHERE tenancy.user_has_workspace_access(workspace_id);
SELECT count(*) FROM docs WHERE workspace_id = ANY (tenancy.user_workspaces());

-- As an index condition, in a query and in a policy.
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT count(*) FROM docs WHERE tenancy.user_has_workspace_access(workspace_id);
CREATE ROLE planner_app;
GRANT SELECT ON docs TO planner_app;
ALTER TABLE docs ENABLE ROW LEVEL SECURITY;
CREATE POLICY by_row ON docs FOR SELECT USING (tenancy.user_has_workspace_access(workspace_id));
SET ROLE planner_app;
EXPLAIN (COSTS OFF) SELECT id FROM docs WHERE id < 100;
SELECT count(*) FROM docs;
-- the same answers through the index, for another user and for no user
SELECT set_config('request.jwt.claims', '{"sub": "bbbbbbbb-0000-0000-0000-000000000002"}', false);
SELECT count(*) FROM docs;
SELECT set_config('request.jwt.claims', '', false);
SELECT count(*) FROM docs;
-- a generic plan reads the user at execution
SET request.jwt.claims = '{"sub": "aaaaaaaa-0000-0000-0000-000000000001"}';
SET plan_cache_mode = force_generic_plan;
PREPARE mine AS SELECT count(*) FROM docs;
EXECUTE mine;
SET request.jwt.claims = '{"sub": "bbbbbbbb-0000-0000-0000-000000000002"}';
EXECUTE mine;
DEALLOCATE mine;
RESET plan_cache_mode;
RESET ROLE;

-- Not for other index kinds, nor for a call on an expression the index
-- does not hold: then it is an ordinary filter. The Seq Scan is chosen
-- with enable_seqscan off; PostgreSQL 18 marks it "Disabled: true", a line
-- left out here so that the plan reads the same on every server.
CREATE FUNCTION pg_temp.plan_of(query text) RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
    line text;
BEGIN
    FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) ' || query LOOP
        CONTINUE WHEN line ~ '^\s*Disabled: true$';
        RETURN NEXT line;
    END LOOP;
END $$;
DROP INDEX docs_workspace;
CREATE INDEX docs_workspace_hash ON docs USING hash (workspace_id);
SELECT pg_temp.plan_of('SELECT count(*) FROM docs WHERE tenancy.user_has_workspace_access(workspace_id)') AS "QUERY PLAN";
DROP INDEX docs_workspace_hash;
CREATE INDEX docs_workspace ON docs (workspace_id);
RESET enable_seqscan;
EXPLAIN (COSTS OFF) SELECT count(*) FROM docs
 WHERE tenancy.user_has_workspace_access(coalesce(workspace_id, '00000000-0000-0000-0000-000000000001'));

RESET request.jwt.claims;
DROP TABLE docs, members;
DROP ROLE planner_app;
