-- access_scopes: named scopes. Each scope has its own membership table
-- (register_membership(..., scope => 'project')); the scoped helpers
-- answer from it; the SPEC helpers answer for the scope 'workspace'.

CREATE SCHEMA access_scopes;
SET search_path = access_scopes, public;
CREATE FUNCTION pg_temp.registrations() RETURNS TABLE (scope text, membership regclass, tenant_column name)
LANGUAGE sql AS $$
  SELECT r.scope, r.membership, r.tenant_column FROM tenancy.membership_registration r ORDER BY 1
$$;

-- ann: company c1; projects p1 (lead), p2 (member). bob: company c1; project p2 (lead).
CREATE TABLE team_members (company_id uuid, user_id uuid, role text);
CREATE INDEX ON team_members (user_id);
INSERT INTO team_members VALUES
  ('00000000-0000-0000-0000-0000000000c1', 'aaaaaaaa-0000-0000-0000-000000000001', 'owner'),
  ('00000000-0000-0000-0000-0000000000c1', 'bbbbbbbb-0000-0000-0000-000000000002', 'viewer');
CREATE TABLE project_members (project uuid, member uuid, project_role text, status text);
CREATE INDEX ON project_members (member);
INSERT INTO project_members VALUES
  ('00000000-0000-0000-0000-0000000000b1', 'aaaaaaaa-0000-0000-0000-000000000001', 'lead', 'active'),
  ('00000000-0000-0000-0000-0000000000b2', 'aaaaaaaa-0000-0000-0000-000000000001', 'member', 'active'),
  ('00000000-0000-0000-0000-0000000000b3', 'aaaaaaaa-0000-0000-0000-000000000001', 'lead', 'left'),
  ('00000000-0000-0000-0000-0000000000b2', 'bbbbbbbb-0000-0000-0000-000000000002', 'lead', 'active');
CREATE TABLE "Project Members; 2" (project uuid, member uuid);
INSERT INTO "Project Members; 2" VALUES
  ('00000000-0000-0000-0000-0000000000b9', 'aaaaaaaa-0000-0000-0000-000000000001');

SELECT tenancy.register_membership('team_members', 'company_id', 'user_id', 'role');
SELECT tenancy.register_membership('project_members', 'project', 'member', 'project_role',
                                   'status', '{active}', scope => 'project');
SELECT * FROM pg_temp.registrations();
SELECT * FROM regress.membership_triggers('access_scopes');

-- Each scope answers from its own table; the SPEC forms are the 'workspace' scope.
SELECT regress.as_user('aaaaaaaa-0000-0000-0000-000000000001');
SELECT tenancy.user_workspaces() AS workspaces, tenancy.user_workspaces('workspace') AS same,
       tenancy.user_workspaces('project') AS projects;
SELECT t, tenancy.user_has_workspace_access(t) AS workspace,
       tenancy.user_has_workspace_access(t, 'project') AS project,
       tenancy.user_workspace_role(t, 'project') AS role,
       tenancy.user_has_scope_role('project', t, 'lead', 'owner') AS lead,
       tenancy.user_has_scope_role('workspace', t, 'owner') AS owner
  FROM unnest(ARRAY['00000000-0000-0000-0000-0000000000c1', '00000000-0000-0000-0000-0000000000b1',
                    '00000000-0000-0000-0000-0000000000b2', '00000000-0000-0000-0000-0000000000b3']::uuid[]) t;
-- three literals still mean the VARIADIC SPEC form
SELECT tenancy.user_has_workspace_role('00000000-0000-0000-0000-0000000000c1', 'viewer', 'owner');
SELECT regress.as_user('bbbbbbbb-0000-0000-0000-000000000002');
SELECT tenancy.user_workspaces() AS workspaces, tenancy.user_workspaces('project') AS projects,
       tenancy.user_workspace_role('00000000-0000-0000-0000-0000000000b2', 'project') AS role;

-- The active tenant claim names an organization: it narrows the default
-- scope only.
SET tenancy.active_tenant_claim = 'org_id';
SET request.jwt.claims = '{"sub": "aaaaaaaa-0000-0000-0000-000000000001", "org_id": "00000000-0000-0000-0000-0000000000c1"}';
SELECT tenancy.user_workspaces() AS workspaces, tenancy.user_workspaces('project') AS projects;
-- an organization she is not in: no workspace, her projects still
SET request.jwt.claims = '{"sub": "aaaaaaaa-0000-0000-0000-000000000001", "org_id": "00000000-0000-0000-0000-0000000000c9"}';
SELECT tenancy.user_workspaces() AS workspaces, tenancy.user_workspaces('project') AS projects,
       tenancy.user_has_workspace_access('00000000-0000-0000-0000-0000000000b2', 'project') AS b2;
RESET tenancy.active_tenant_claim;
SELECT regress.as_user('bbbbbbbb-0000-0000-0000-000000000002');

-- A change to one scope's table reaches the next command of this session.
DELETE FROM project_members WHERE member = 'bbbbbbbb-0000-0000-0000-000000000002';
SELECT tenancy.user_workspaces('project') AS projects, tenancy.user_workspaces() AS workspaces;
INSERT INTO project_members VALUES
  ('00000000-0000-0000-0000-0000000000b1', 'bbbbbbbb-0000-0000-0000-000000000002', 'member', 'active');
SELECT tenancy.user_workspaces('project') AS projects;

-- Bad input: clear errors, nothing registered or changed.
SELECT * FROM regress.caught($$SELECT tenancy.user_workspaces('team')$$);
SELECT * FROM regress.caught($$SELECT tenancy.user_has_workspace_access('00000000-0000-0000-0000-0000000000b1', 'Project')$$);
SELECT * FROM regress.caught($$SELECT tenancy.user_workspaces(NULL)$$);
SELECT * FROM regress.caught($$SELECT tenancy.user_has_workspace_access(NULL, NULL)$$);
SELECT * FROM regress.caught($$SELECT tenancy.user_workspace_role('00000000-0000-0000-0000-0000000000b1', NULL)$$);
SELECT * FROM regress.caught($$SELECT tenancy.user_has_scope_role(NULL, '00000000-0000-0000-0000-0000000000b1', 'lead')$$);
-- NULL tenant or roles with a scope: no access, as in the SPEC forms
SELECT tenancy.user_has_workspace_access(NULL, 'project') AS access,
       tenancy.user_workspace_role(NULL, 'project') AS role,
       tenancy.user_has_scope_role('project', NULL, 'lead') AS r1,
       tenancy.user_has_scope_role('project', '00000000-0000-0000-0000-0000000000b1', NULL) AS r2,
       tenancy.user_has_scope_role('project', '00000000-0000-0000-0000-0000000000b1', VARIADIC NULL::text[]) AS r3;
-- a wrong type for scope matches no function
SELECT tenancy.user_workspaces(42);
SELECT s AS scope, e.state, e.message, e.detail, e.hint
  FROM unnest(ARRAY[NULL, '', 'Project', '1project', 'pro ject', 'project;', 'pröject',
                    repeat('p', 64)]) s,
       regress.caught(format('SELECT tenancy.register_membership(%L, %L, %L, scope => %L)',
                             'access_scopes.project_members', 'project', 'member', s)) e;
SELECT * FROM regress.caught($$SELECT tenancy.register_membership('access_scopes.project_members', 'project', 'member', scope => 42)$$);
-- a registration refused after its scope was checked leaves the scope as it was
SELECT * FROM regress.caught($$SELECT tenancy.register_membership('access_scopes.project_members', 'project', 'nope', scope => 'project')$$);
SELECT * FROM regress.caught($$SELECT tenancy.register_membership('access_scopes.project_members', 'project', 'member', scope => 'new_scope', manager_roles => NULL)$$);
SELECT * FROM pg_temp.registrations();
SELECT * FROM regress.membership_triggers('access_scopes');
-- the longest scope name is fine
SELECT tenancy.register_membership('"Project Members; 2"', 'project', 'member', scope => repeat('p', 63));
SELECT tenancy.user_workspaces(repeat('p', 63)) AS projects;

-- Two scopes may share a table; replacing one of them moves its triggers
-- only when no other scope still reads the old table.
SELECT tenancy.register_membership('team_members', 'company_id', 'user_id', scope => 'team');
SELECT tenancy.register_membership('"Project Members; 2"', 'project', 'member', scope => 'team');
SELECT * FROM regress.membership_triggers('access_scopes');
SELECT tenancy.register_membership('project_members', 'project', 'member', scope => 'team');
SELECT tenancy.register_membership('project_members', 'project', 'member', scope => repeat('p', 63));
SELECT * FROM pg_temp.registrations();
SELECT * FROM regress.membership_triggers('access_scopes');
SELECT regress.as_user('aaaaaaaa-0000-0000-0000-000000000001');
SELECT tenancy.user_workspaces('team') AS team;

-- The planner support covers the scoped form when the scope is a constant.
CREATE TABLE tasks (id int, project uuid);
INSERT INTO tasks SELECT g, ('00000000-0000-0000-0000-0000000000b' || (g % 4))::uuid
  FROM generate_series(1, 2000) g;
CREATE INDEX ON tasks (project);
ANALYZE tasks;
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT count(*) FROM tasks WHERE tenancy.user_has_workspace_access(project, 'project');
SELECT count(*) FROM tasks WHERE tenancy.user_has_workspace_access(project, 'project');
SELECT count(*) FROM tasks WHERE project = ANY (tenancy.user_workspaces('project'));
-- a scope that is not a constant could depend on the row: evaluated per row
EXPLAIN (COSTS OFF) SELECT count(*) FROM tasks
  WHERE tenancy.user_has_workspace_access(project, CASE WHEN id > 0 THEN 'project' END);
RESET enable_seqscan;

-- A scope whose table was dropped says so; the other scopes still answer.
SELECT tenancy.register_membership('"Project Members; 2"', 'project', 'member', scope => 'gone');
SELECT tenancy.user_workspaces('gone') AS gone;
DROP TABLE "Project Members; 2";
SELECT * FROM regress.caught($$SELECT tenancy.user_workspaces('gone')$$);
SELECT tenancy.user_workspaces('project') AS projects, tenancy.user_workspaces() AS workspaces;

SELECT regress.as_user(NULL);
DELETE FROM tenancy.membership_registration WHERE scope <> 'workspace';
RESET search_path;
DROP SCHEMA access_scopes CASCADE;
