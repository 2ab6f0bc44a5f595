-- isolation_scope: enable_isolation(tbl, column, scope => ...) puts a table
-- under the policies of a named membership scope; the column must hold that
-- scope's ids; a table isolated through a key takes its parent's scope; a
-- materialized view's filtering view reads the scope's memberships;
-- isolation_report shows each relation's scope.

CREATE SCHEMA isolation_scope;
SET search_path = isolation_scope, public;
SET client_min_messages = warning;
CREATE ROLE iso_scope_app;
RESET client_min_messages;
GRANT USAGE ON SCHEMA isolation_scope TO iso_scope_app;

-- ann: project p1; bob: project p2.
CREATE TABLE project_members (project_id uuid, user_id uuid);
INSERT INTO project_members VALUES
  ('00000000-0000-0000-0000-0000000000b1', 'aaaaaaaa-0000-0000-0000-000000000001'),
  ('00000000-0000-0000-0000-0000000000b2', 'bbbbbbbb-0000-0000-0000-000000000002');
SELECT tenancy.register_membership('project_members', 'project_id', 'user_id', scope => 'iso_project');

CREATE TABLE tasks (id int PRIMARY KEY, project_id uuid NOT NULL, title text);
INSERT INTO tasks VALUES
  (1, '00000000-0000-0000-0000-0000000000b1', 'p1 task'),
  (2, '00000000-0000-0000-0000-0000000000b2', 'p2 task');
GRANT SELECT, INSERT ON tasks TO iso_scope_app;
CREATE TABLE notes (id int, project_id uuid);

-- Bad input: a clear error, and nothing made.
SELECT * FROM regress.caught($$SELECT tenancy.enable_isolation('isolation_scope.tasks', 'project_id', scope => NULL)$$);
SELECT * FROM regress.caught($$SELECT tenancy.enable_isolation('isolation_scope.tasks', 'project_id', scope => 'iso_nope')$$);
SELECT * FROM regress.caught($$SELECT tenancy.enable_isolation('isolation_scope.tasks', 'project_id', scope => 42)$$);
-- a named scope's membership table gets the membership table's policies
-- in its own scope (sql/access_membership_policies.sql): registered
-- without a role column, nobody could manage, so it is refused
SELECT * FROM regress.caught($$SELECT tenancy.enable_isolation('isolation_scope.project_members', 'project_id', scope => 'iso_project')$$);
SELECT * FROM regress.caught($$SELECT tenancy.enable_isolation('isolation_scope.project_members', 'project_id')$$);
-- the scope 'workspace''s membership table gets its own policies in that scope only
CREATE TABLE ws_members (workspace_id uuid, user_id uuid, role text);
SELECT tenancy.register_membership('ws_members', 'workspace_id', 'user_id', 'role');
SELECT * FROM regress.caught($$SELECT tenancy.enable_isolation('isolation_scope.ws_members', 'workspace_id', scope => 'iso_project')$$);
SELECT count(*) AS policies FROM pg_policy
 WHERE polrelid IN ('tasks'::regclass, 'project_members'::regclass, 'ws_members'::regclass);
SELECT count(*) AS recorded FROM tenancy.isolated_tables WHERE relid IN ('tasks'::regclass, 'project_members'::regclass);

-- The policies read the scope's memberships.
SELECT tenancy.enable_isolation('tasks', 'project_id', scope => 'iso_project');
SELECT polname, pg_get_expr(polqual, polrelid) AS using_clause FROM pg_policy
 WHERE polrelid = 'tasks'::regclass ORDER BY polname;
SELECT relid, tenant_column, policy_kind, scope FROM tenancy.isolated_tables WHERE relid = 'tasks'::regclass;
SET ROLE iso_scope_app;
SET request.jwt.claims = '{"sub": "aaaaaaaa-0000-0000-0000-000000000001"}';
SELECT id, title FROM tasks ORDER BY id;
SELECT * FROM regress.caught($$INSERT INTO isolation_scope.tasks VALUES (3, '00000000-0000-0000-0000-0000000000b2', 'into p2')$$);
SET request.jwt.claims = '{"sub": "bbbbbbbb-0000-0000-0000-000000000002"}';
SELECT id, title FROM tasks ORDER BY id;
RESET request.jwt.claims;
RESET ROLE;

-- A partition created later gets the parent's scope.
CREATE TABLE events (project_id uuid NOT NULL, at int NOT NULL) PARTITION BY RANGE (at);
SELECT count(*) AS statements FROM tenancy.enable_isolation('events', 'project_id', scope => 'iso_project');
CREATE TABLE events_1 PARTITION OF events FOR VALUES FROM (0) TO (10);
SELECT pg_get_expr(polqual, polrelid) AS using_clause FROM pg_policy
 WHERE polrelid = 'events_1'::regclass AND polname = 'tenancy_select';
SELECT relid, scope FROM tenancy.isolated_tables WHERE relid = 'events_1'::regclass;

-- A table isolated through a key takes its parent's scope: its policies
-- follow the key to tasks' rows of the caller's projects. A scope other
-- than the parent's is refused.
CREATE TABLE task_comments (id int PRIMARY KEY, task_id int REFERENCES tasks, body text);
INSERT INTO task_comments VALUES (10, 1, 'on p1'), (20, 2, 'on p2');
GRANT SELECT ON task_comments TO iso_scope_app;
CREATE TABLE team_members (team_id uuid, user_id uuid);
SELECT tenancy.register_membership('team_members', 'team_id', 'user_id', scope => 'iso_team');
SELECT * FROM regress.caught($$SELECT tenancy.enable_isolation('isolation_scope.task_comments', through => 'task_id', scope => 'iso_team')$$);
SELECT count(*) AS policies FROM pg_policy WHERE polrelid = 'task_comments'::regclass;
SELECT count(*) AS statements FROM tenancy.enable_isolation('task_comments', through => 'task_id');
SELECT pg_get_expr(polqual, polrelid) AS using_clause FROM pg_policy
 WHERE polrelid = 'task_comments'::regclass AND polname = 'tenancy_select';
SELECT relid, policy_kind, scope FROM tenancy.isolated_tables WHERE relid = 'task_comments'::regclass;
-- naming the parent's scope is the same call
SELECT count(*) AS statements FROM tenancy.enable_isolation('task_comments', through => 'task_id', scope => 'iso_project');
SET ROLE iso_scope_app;
SET request.jwt.claims = '{"sub": "aaaaaaaa-0000-0000-0000-000000000001"}';
SELECT id, body FROM task_comments ORDER BY id;
RESET request.jwt.claims;
RESET ROLE;

-- A materialized view is read through a filtering view that keeps the
-- caller's rows of the scope's tenants.
CREATE MATERIALIZED VIEW task_titles AS SELECT project_id, title FROM tasks;
GRANT SELECT ON task_titles TO iso_scope_app;
SELECT * FROM regress.caught($$SELECT tenancy.enable_isolation('isolation_scope.task_titles', 'project_id', scope => 'iso_nope')$$);
SELECT * FROM regress.caught($$SELECT tenancy.enable_isolation('isolation_scope.task_titles', 'project_id', scope => NULL)$$);
SELECT count(*) AS statements FROM tenancy.enable_isolation('task_titles', 'project_id', scope => 'iso_project');
SELECT pg_get_viewdef('task_titles_isolated'::regclass) AS filtering_view;
SELECT relid, policy_kind, scope FROM tenancy.isolated_tables WHERE relid = 'task_titles'::regclass;
SELECT * FROM regress.caught($$SELECT tenancy.enable_isolation('isolation_scope.task_titles', 'project_id')$$);
SET ROLE iso_scope_app;
SET request.jwt.claims = '{"sub": "bbbbbbbb-0000-0000-0000-000000000002"}';
SELECT title FROM task_titles_isolated ORDER BY title;
RESET request.jwt.claims;
RESET ROLE;

-- Again with the same scope changes nothing; with another, refused.
SELECT tenancy.enable_isolation('tasks', 'project_id', scope => 'iso_project');
SELECT * FROM regress.caught($$SELECT tenancy.enable_isolation('isolation_scope.tasks', 'project_id')$$);

-- A column that does not hold the scope's ids: here the registered tenant
-- column changed type after registering.
ALTER TABLE project_members ALTER COLUMN project_id TYPE text;
SELECT * FROM regress.caught($$SELECT tenancy.enable_isolation('isolation_scope.notes', 'project_id', scope => 'iso_project')$$);
SELECT count(*) AS policies FROM pg_policy WHERE polrelid = 'notes'::regclass;
ALTER TABLE project_members ALTER COLUMN project_id TYPE uuid USING project_id::uuid;

-- The report names each table's scope (NULL: not isolated by tenancy).
SELECT table_name, kind, isolation, scope FROM tenancy.isolation_report('{isolation_scope}');
-- a fix the report proposes names the table's scope
CREATE POLICY extra ON tasks USING (true);
SELECT problems FROM tenancy.isolation_report('{isolation_scope}') WHERE table_name = 'tasks'::regclass;
DROP POLICY extra ON tasks;

SELECT count(*) AS statements FROM tenancy.disable_isolation('task_titles');
SELECT count(*) AS statements FROM tenancy.disable_isolation('task_comments');

SELECT tenancy.disable_isolation('tasks');
SELECT count(*) AS recorded FROM tenancy.isolated_tables
 WHERE relid IN ('tasks'::regclass, 'task_comments'::regclass, 'task_titles'::regclass);

DELETE FROM tenancy.membership_registration WHERE scope IN ('iso_project', 'iso_team');
RESET search_path;
DROP SCHEMA isolation_scope CASCADE;
DROP ROLE iso_scope_app;
