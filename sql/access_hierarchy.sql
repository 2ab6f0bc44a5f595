-- access_hierarchy: scopes derived from a parent scope through a mapping
-- table (docs/access.md "Hierarchy"). Organizations own workspaces: a
-- member of an organization reaches its workspaces, with the
-- organization role; projects belong to workspaces (two levels).

CREATE SCHEMA access_hierarchy;
SET search_path = access_hierarchy, public;

-- ann: admin of o1. bob: viewer of o1, editor of w3 (in o2). cat: member of w2 only.
CREATE TABLE org_roles (id int PRIMARY KEY, name text NOT NULL, permissions text[]);
INSERT INTO org_roles VALUES (1, 'admin', '{billing,jobs_view_all}'), (2, 'viewer', '{jobs_view_all}');
CREATE TABLE org_members (org_id uuid, user_id uuid, role_id int, PRIMARY KEY (user_id, org_id));
INSERT INTO org_members VALUES
  ('00000000-0000-0000-0000-0000000000a1', 'aaaaaaaa-0000-0000-0000-000000000001', 1),
  ('00000000-0000-0000-0000-0000000000a1', 'bbbbbbbb-0000-0000-0000-000000000002', 2);
-- w2 has no direct member of o1's: reached through the organization alone
CREATE TABLE workspaces (id uuid PRIMARY KEY, organization_id uuid, name text);
INSERT INTO workspaces VALUES
  ('00000000-0000-0000-0000-0000000000f1', '00000000-0000-0000-0000-0000000000a1', 'w1'),
  ('00000000-0000-0000-0000-0000000000f2', '00000000-0000-0000-0000-0000000000a1', 'w2'),
  ('00000000-0000-0000-0000-0000000000f3', '00000000-0000-0000-0000-0000000000a2', 'w3'),
  ('00000000-0000-0000-0000-0000000000f4', NULL, 'w4');
CREATE TABLE ws_members (workspace_id uuid, user_id uuid, role text, PRIMARY KEY (user_id, workspace_id));
INSERT INTO ws_members VALUES
  ('00000000-0000-0000-0000-0000000000f3', 'bbbbbbbb-0000-0000-0000-000000000002', 'editor'),
  ('00000000-0000-0000-0000-0000000000f2', 'cccccccc-0000-0000-0000-000000000003', 'editor'),
  ('00000000-0000-0000-0000-0000000000f1', 'bbbbbbbb-0000-0000-0000-000000000002', 'editor');

SELECT tenancy.register_membership('org_members', 'org_id', 'user_id', 'role_id',
  scope => 'organization', role_table => 'org_roles', permissions_column => 'permissions');
SELECT tenancy.register_membership('ws_members', 'workspace_id', 'user_id', 'role');

-- the workspace's name for a key, and what the current user holds in each workspace
CREATE FUNCTION pg_temp.reach() RETURNS TABLE (workspace text, role text, billing boolean)
LANGUAGE sql AS $$
  SELECT w.name, tenancy.user_workspace_role(w.id), tenancy.user_has_permission(w.id, 'billing')
    FROM workspaces w WHERE w.id = ANY (tenancy.user_workspaces()) ORDER BY w.name
$$;

-- before the hierarchy: ann reaches no workspace; workspace permissions need a parent
SELECT regress.as_user('aaaaaaaa-0000-0000-0000-000000000001');
SELECT tenancy.user_workspaces();
SELECT tenancy.user_has_permission('00000000-0000-0000-0000-0000000000f1', 'billing');

-- an index on the parent column is required
SELECT tenancy.register_scope_parent('workspace', 'organization', 'workspaces', 'id', 'organization_id');
CREATE INDEX ON workspaces (organization_id);
SELECT tenancy.register_scope_parent('workspace', 'organization', 'workspaces', 'id', 'organization_id');
SELECT scope, parent_scope, mapping, tenant_column, parent_column, parent_roles FROM tenancy.scope_parent;
SELECT * FROM regress.membership_triggers('access_hierarchy');

-- ann reaches o1's workspaces as admin (w2 has no direct member of hers)
SELECT * FROM pg_temp.reach();
SELECT tenancy.user_has_workspace_access('00000000-0000-0000-0000-0000000000f2') AS w2,
       tenancy.user_has_workspace_access('00000000-0000-0000-0000-0000000000f3') AS w3,
       tenancy.user_has_workspace_role('00000000-0000-0000-0000-0000000000f1', 'admin') AS admin_w1,
       tenancy.user_has_permission('00000000-0000-0000-0000-0000000000f1', 'jobs_view_all') AS view_w1;
SELECT array_length(tenancy.user_workspaces_with_permission('billing'), 1) AS billing_workspaces;
-- bob: viewer through o1 and editor of w1 directly (the least role is shown), editor of w3
SELECT regress.as_user('bbbbbbbb-0000-0000-0000-000000000002');
SELECT * FROM pg_temp.reach();
SELECT tenancy.user_has_workspace_role('00000000-0000-0000-0000-0000000000f1', 'viewer') AS viewer_w1,
       tenancy.user_has_workspace_role('00000000-0000-0000-0000-0000000000f1', 'editor') AS editor_w1;
-- cat: her direct membership only
SELECT regress.as_user('cccccccc-0000-0000-0000-000000000003');
SELECT * FROM pg_temp.reach();
-- the parent scope itself answers as before
SELECT regress.as_user('aaaaaaaa-0000-0000-0000-000000000001');
SELECT tenancy.user_workspaces('organization');

-- only parent memberships with one of parent_roles reach the children
SELECT tenancy.register_scope_parent('workspace', 'organization', 'workspaces', 'id', 'organization_id',
  parent_roles => '{admin}');
SELECT * FROM pg_temp.reach();
SELECT regress.as_user('bbbbbbbb-0000-0000-0000-000000000002');
SELECT * FROM pg_temp.reach();
SELECT tenancy.register_scope_parent('workspace', 'organization', 'workspaces', 'id', 'organization_id');

-- fresh in this session: a workspace moved to another organization, a new
-- one, an organization membership revoked, the mapping emptied
SELECT regress.as_user('aaaaaaaa-0000-0000-0000-000000000001');
SELECT * FROM pg_temp.reach();
UPDATE workspaces SET organization_id = '00000000-0000-0000-0000-0000000000a2' WHERE name = 'w2';
INSERT INTO workspaces VALUES ('00000000-0000-0000-0000-0000000000f5', '00000000-0000-0000-0000-0000000000a1', 'w5');
SELECT * FROM pg_temp.reach();
UPDATE org_roles SET permissions = '{}' WHERE name = 'admin';
SELECT * FROM pg_temp.reach();
UPDATE org_roles SET permissions = '{billing,jobs_view_all}' WHERE name = 'admin';
DELETE FROM org_members WHERE user_id = 'aaaaaaaa-0000-0000-0000-000000000001';
SELECT * FROM pg_temp.reach();
INSERT INTO org_members VALUES ('00000000-0000-0000-0000-0000000000a1', 'aaaaaaaa-0000-0000-0000-000000000001', 1);
SELECT * FROM pg_temp.reach();
BEGIN;
TRUNCATE workspaces;
SELECT tenancy.user_workspaces();
ROLLBACK;
SELECT * FROM pg_temp.reach();

-- policies: a tenant table isolated in the derived scope, and the planner
-- support function still turns the per-row call into an index condition
SELECT * FROM regress.workspace_docs_plan();
SELECT body, count(*) FROM docs WHERE tenancy.user_has_workspace_access(workspace_id) GROUP BY body ORDER BY body;

-- the active tenant claim narrows the default scope, derived memberships included
SET tenancy.active_tenant_claim = 'org_id';
SELECT set_config('request.jwt.claims',
  '{"sub": "aaaaaaaa-0000-0000-0000-000000000001", "org_id": "00000000-0000-0000-0000-0000000000f1"}', false) IS NOT NULL AS claims_set;
SELECT tenancy.user_workspaces() AS active_only,
       tenancy.user_has_workspace_access('00000000-0000-0000-0000-0000000000f5') AS w5;
RESET tenancy.active_tenant_claim;
SELECT regress.as_user('aaaaaaaa-0000-0000-0000-000000000001');

-- two levels: projects belong to workspaces; ann reaches o1's workspaces' projects
CREATE TABLE projects (id bigint PRIMARY KEY, workspace_id uuid);
CREATE INDEX ON projects (workspace_id);
INSERT INTO projects VALUES (1, '00000000-0000-0000-0000-0000000000f1'), (2, '00000000-0000-0000-0000-0000000000f3'),
  (3, '00000000-0000-0000-0000-0000000000f5');
CREATE TABLE project_members (project_id bigint, user_id uuid, role text);
CREATE INDEX ON project_members (user_id);
INSERT INTO project_members VALUES (2, 'cccccccc-0000-0000-0000-000000000003', 'guest');
SELECT tenancy.register_membership('project_members', 'project_id', 'user_id', 'role', scope => 'project');
SELECT tenancy.register_scope_parent('project', 'workspace', 'projects', 'id', 'workspace_id');
SELECT tenancy.user_workspaces_bigint('project');
SELECT tenancy.user_workspace_role(1::bigint, 'project') AS role_1,
       tenancy.user_has_permission(3::bigint, 'billing', 'project') AS billing_3;
SELECT regress.as_user('cccccccc-0000-0000-0000-000000000003');
SELECT tenancy.user_workspaces_bigint('project');
-- the active tenant claim names a workspace: the project scope, derived
-- from it, answers for that workspace's projects only
SET tenancy.active_tenant_claim = 'org_id';
SELECT set_config('request.jwt.claims', '{"sub": "cccccccc-0000-0000-0000-000000000003", "org_id": "00000000-0000-0000-0000-0000000000f3"}', false) IS NOT NULL AS claims_set;
SELECT tenancy.user_workspaces_bigint('project') AS in_w3;
SELECT set_config('request.jwt.claims', '{"sub": "cccccccc-0000-0000-0000-000000000003", "org_id": "00000000-0000-0000-0000-0000000000f1"}', false) IS NOT NULL AS claims_set;
SELECT tenancy.user_workspaces_bigint('project') AS in_w1;
SELECT set_config('request.jwt.claims', '{"sub": "aaaaaaaa-0000-0000-0000-000000000001", "org_id": "00000000-0000-0000-0000-0000000000f1"}', false) IS NOT NULL AS claims_set;
SELECT tenancy.user_workspaces_bigint('project') AS in_w1,
       tenancy.user_has_workspace_access(3::bigint, 'project') AS project_3;
UPDATE projects SET workspace_id = '00000000-0000-0000-0000-0000000000f1' WHERE id = 3;
SELECT tenancy.user_workspaces_bigint('project') AS in_w1;
UPDATE projects SET workspace_id = '00000000-0000-0000-0000-0000000000f5' WHERE id = 3;
SELECT tenancy.user_workspaces_bigint('project') AS in_w1;
SELECT set_config('request.jwt.claims', '{"sub": "aaaaaaaa-0000-0000-0000-000000000001", "org_id": "not-a-uuid"}', false) IS NOT NULL AS claims_set;
SELECT state, message FROM regress.caught($$SELECT tenancy.user_workspaces_bigint('project')$$);
RESET tenancy.active_tenant_claim;
-- a change two levels up is seen
SELECT regress.as_user('aaaaaaaa-0000-0000-0000-000000000001');
UPDATE workspaces SET organization_id = NULL WHERE name = 'w5';
SELECT tenancy.user_workspaces_bigint('project');

-- other id types: text users in bigint accounts, text sites in them,
-- integer zones in the sites (an integer parent, then a text parent)
CREATE TABLE acct_members (acct_id bigint, user_id text, PRIMARY KEY (user_id, acct_id));
CREATE TABLE sites (site text PRIMARY KEY, acct_id bigint);
CREATE INDEX ON sites (acct_id);
CREATE TABLE site_members (site text, user_id text, role text, PRIMARY KEY (user_id, site));
CREATE TABLE zones (id int PRIMARY KEY, site text);
CREATE INDEX ON zones (site);
CREATE TABLE zone_members (zone_id int, user_id text, PRIMARY KEY (user_id, zone_id));
INSERT INTO acct_members VALUES (7, 'user_2abc'), (8, 'user_2xyz');
INSERT INTO sites VALUES ('alpha', 7), ('Alpha', 8), ('beta', 7), ('gamma', 8);
INSERT INTO site_members VALUES ('gamma', 'user_2abc', 'guest');
INSERT INTO zones VALUES (1, 'alpha'), (2, 'Alpha'), (3, 'gamma'), (4, NULL);
SELECT tenancy.register_membership('acct_members', 'acct_id', 'user_id', scope => 'acct');
SELECT tenancy.register_membership('site_members', 'site', 'user_id', 'role', scope => 'site');
SELECT tenancy.register_membership('zone_members', 'zone_id', 'user_id', scope => 'zone');
SELECT tenancy.register_scope_parent('site', 'acct', 'sites', 'site', 'acct_id');
SELECT tenancy.register_scope_parent('zone', 'site', 'zones', 'id', 'site');
SELECT regress.as_user('user_2abc');
SELECT tenancy.user_workspaces_text('site') AS sites, tenancy.user_workspaces_bigint('zone') AS zones,
       tenancy.user_workspace_role('gamma', 'site') AS gamma_role,
       tenancy.user_has_workspace_access('Alpha', 'site') AS near_miss;
DELETE FROM acct_members WHERE acct_id = 7;
SELECT tenancy.user_workspaces_text('site') AS sites, tenancy.user_workspaces_bigint('zone') AS zones;
-- a cycle made by hand (registration refuses one): the scopes on it raise until it is removed
INSERT INTO tenancy.scope_parent (scope, parent_scope, mapping, tenant_column, parent_column)
  VALUES ('acct', 'zone', 'sites', 'acct_id', 'site');
SELECT state, message FROM regress.caught($$SELECT tenancy.user_workspaces_bigint('zone')$$);
DELETE FROM tenancy.scope_parent WHERE scope = 'acct';
SELECT tenancy.user_workspaces_bigint('zone') AS zones;
SELECT regress.as_user('aaaaaaaa-0000-0000-0000-000000000001');

-- cycles are refused, naming the cycle; nothing is registered
CREATE TABLE org_projects (org_id uuid, project_id bigint);
CREATE INDEX ON org_projects (project_id);
SELECT * FROM regress.caught($$SELECT tenancy.register_scope_parent('organization', 'project', 'org_projects', 'org_id', 'project_id')$$);
SELECT state, message FROM regress.caught($$SELECT tenancy.register_scope_parent('organization', 'organization', 'workspaces', 'organization_id', 'id')$$);
SELECT count(*) FROM tenancy.scope_parent;

-- bad input: a clear error naming what is wrong, nothing registered
SELECT state, message FROM regress.caught($$SELECT tenancy.register_scope_parent(NULL, 'organization', 'workspaces', 'id', 'organization_id')$$);
SELECT state, message FROM regress.caught($$SELECT tenancy.register_scope_parent('workspace', NULL, 'workspaces', 'id', 'organization_id')$$);
SELECT state, message FROM regress.caught($$SELECT tenancy.register_scope_parent('workspace', 'organization', NULL, 'id', 'organization_id')$$);
SELECT state, message FROM regress.caught($$SELECT tenancy.register_scope_parent('workspace', 'organization', 'workspaces', NULL, 'organization_id')$$);
SELECT state, message FROM regress.caught($$SELECT tenancy.register_scope_parent('workspace', 'organization', 'workspaces', 'id', NULL)$$);
SELECT state, message FROM regress.caught($$SELECT tenancy.register_scope_parent('Workspace', 'organization', 'workspaces', 'id', 'organization_id')$$);
SELECT state, message FROM regress.caught($$SELECT tenancy.register_scope_parent('workspace', 'nowhere', 'workspaces', 'id', 'organization_id')$$);
SELECT state, message FROM regress.caught($$SELECT tenancy.register_scope_parent('workspace', 'organization', 'missing_table', 'id', 'organization_id')$$);
SELECT state, message FROM regress.caught($$SELECT tenancy.register_scope_parent('workspace', 'organization', 'workspaces', 'nope', 'organization_id')$$);
SELECT state, message FROM regress.caught($$SELECT tenancy.register_scope_parent('workspace', 'organization', 'workspaces', 'id', 'Organization_id')$$);
SELECT state, message FROM regress.caught($$SELECT tenancy.register_scope_parent('workspace', 'organization', 'workspaces', 'id', 'id')$$);
SELECT state, message FROM regress.caught($$SELECT tenancy.register_scope_parent('workspace', 'organization', 'workspaces', 'name', 'organization_id')$$);
SELECT state, message FROM regress.caught($$SELECT tenancy.register_scope_parent('workspace', 'organization', 'workspaces', 'id', 'name')$$);
SELECT state, message FROM regress.caught($$SELECT tenancy.register_scope_parent('workspace', 'organization', 'workspaces', 'id', 'organization_id', '{}')$$);
SELECT state, message FROM regress.caught($$SELECT tenancy.register_scope_parent('workspace', 'organization', 'workspaces', 'id', 'organization_id', '{admin,NULL}')$$);
SELECT state, message FROM regress.caught($$SELECT tenancy.register_scope_parent('workspace', 'organization', 1::bigint, 'id', 'organization_id')$$);
SELECT state, message FROM regress.caught($$SELECT tenancy.register_scope_parent(1, 'organization', 'workspaces', 'id', 'organization_id')$$);
CREATE VIEW workspace_view AS SELECT * FROM workspaces;
SELECT state, message FROM regress.caught($$SELECT tenancy.register_scope_parent('workspace', 'organization', 'workspace_view', 'id', 'organization_id')$$);
CREATE TEMP TABLE temp_workspaces (id uuid, organization_id uuid);
SELECT state, message FROM regress.caught($$SELECT tenancy.register_scope_parent('workspace', 'organization', 'temp_workspaces', 'id', 'organization_id')$$);
-- parent_roles in a parent scope without roles
CREATE TABLE plain_members (region_id uuid, user_id uuid);
SELECT tenancy.register_membership('plain_members', 'region_id', 'user_id', scope => 'region');
SELECT state, message FROM regress.caught($$SELECT tenancy.register_scope_parent('workspace', 'region', 'workspaces', 'id', 'organization_id', '{x}')$$);
-- user ids of another kind than the parent's
CREATE TABLE text_members (workspace_id uuid, user_id text);
SELECT tenancy.register_membership('text_members', 'workspace_id', 'user_id', scope => 'textual');
SELECT state, message FROM regress.caught($$SELECT tenancy.register_scope_parent('textual', 'organization', 'workspaces', 'id', 'organization_id')$$);
-- a non-owner may not derive another's scope, nor remove its parent
CREATE ROLE access_hierarchy_other;
GRANT USAGE ON SCHEMA access_hierarchy TO access_hierarchy_other;
CREATE TABLE other_map (id uuid, organization_id uuid);
CREATE INDEX ON other_map (organization_id);
ALTER TABLE other_map OWNER TO access_hierarchy_other;
GRANT EXECUTE ON FUNCTION tenancy.register_scope_parent(text, text, regclass, name, name, text[]),
  tenancy.unregister_scope_parent(text) TO access_hierarchy_other;
SET ROLE access_hierarchy_other;
SELECT state, message FROM regress.caught($$SELECT tenancy.register_scope_parent('workspace', 'organization', 'other_map', 'id', 'organization_id')$$);
SELECT state, message FROM regress.caught($$SELECT tenancy.unregister_scope_parent('workspace')$$);
RESET ROLE;
-- PUBLIC may not call either
SELECT has_function_privilege('public', 'tenancy.register_scope_parent(text, text, regclass, name, name, text[])', 'execute'),
       has_function_privilege('public', 'tenancy.unregister_scope_parent(text)', 'execute');
SELECT scope, parent_scope, mapping, parent_roles FROM tenancy.scope_parent ORDER BY scope;

-- a mapping column changed or the mapping table dropped: 55000 naming it
ALTER TABLE projects RENAME COLUMN workspace_id TO ws;
SELECT * FROM regress.caught($$SELECT tenancy.user_workspaces_bigint('project')$$);
ALTER TABLE projects RENAME COLUMN ws TO workspace_id;
SELECT tenancy.user_workspaces_bigint('project');
DROP TABLE projects;
SELECT * FROM regress.caught($$SELECT tenancy.user_workspaces_bigint('project')$$);
-- the scopes above still answer
SELECT cardinality(tenancy.user_workspaces()) AS workspaces;
SELECT tenancy.unregister_scope_parent('project');
SELECT tenancy.unregister_scope_parent('project');
SELECT tenancy.user_workspaces_bigint('project');
SELECT state, message FROM regress.caught($$SELECT tenancy.unregister_scope_parent(NULL)$$);

-- removing a parent drops the mapping's triggers, unless a registration still reads it
SELECT tenancy.register_membership('ws_members', 'workspace_id', 'user_id', 'role',
  owner_table => 'workspaces', owner_column => 'organization_id');
SELECT tenancy.unregister_scope_parent('workspace');
SELECT * FROM regress.membership_triggers('access_hierarchy');
SELECT tenancy.register_membership('ws_members', 'workspace_id', 'user_id', 'role');
SELECT * FROM regress.membership_triggers('access_hierarchy');
SELECT * FROM pg_temp.reach();

SELECT regress.as_user(NULL);
DELETE FROM tenancy.membership_registration WHERE scope <> 'workspace';
DELETE FROM tenancy.scope_parent;
RESET search_path;
DROP SCHEMA access_hierarchy CASCADE;
REVOKE ALL ON FUNCTION tenancy.register_scope_parent(text, text, regclass, name, name, text[]),
  tenancy.unregister_scope_parent(text) FROM access_hierarchy_other;
DROP ROLE access_hierarchy_other;
