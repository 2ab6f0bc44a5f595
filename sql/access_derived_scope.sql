-- access_derived_scope: a scope derived only from its parent, with no
-- membership table of its own (docs/access.md "A scope derived only from
-- its parent"). Organizations have members; workspaces have none at all:
-- an organization member reaches the organization's workspaces, typed
-- from the mapping's columns.

CREATE SCHEMA access_derived_scope;
SET search_path = access_derived_scope, public;
-- the default scope's registration an earlier test left (its table is
-- gone) is put back at the end
CREATE TEMP TABLE saved_registration AS SELECT * FROM tenancy.membership_registration;
DELETE FROM tenancy.membership_registration;

-- ann: admin of o1 (w1, w2). bob: viewer of o1. cat: admin of o2 (w3).
CREATE TABLE org_members (org_id uuid, user_id uuid, role text, PRIMARY KEY (user_id, org_id));
INSERT INTO org_members VALUES
  ('00000000-0000-0000-0000-0000000000a1', 'aaaaaaaa-0000-0000-0000-000000000001', 'admin'),
  ('00000000-0000-0000-0000-0000000000a1', 'bbbbbbbb-0000-0000-0000-000000000002', 'viewer'),
  ('00000000-0000-0000-0000-0000000000a2', 'cccccccc-0000-0000-0000-000000000003', 'admin');
CREATE TABLE workspaces (id uuid PRIMARY KEY, organization_id uuid, name text);
CREATE INDEX ON workspaces (organization_id);
INSERT INTO workspaces VALUES
  ('00000000-0000-0000-0000-0000000000f1', '00000000-0000-0000-0000-0000000000a1', 'w1'),
  ('00000000-0000-0000-0000-0000000000f2', '00000000-0000-0000-0000-0000000000a1', 'w2'),
  ('00000000-0000-0000-0000-0000000000f3', '00000000-0000-0000-0000-0000000000a2', 'w3');
SELECT tenancy.register_membership('org_members', 'org_id', 'user_id', 'role', scope => 'organization');

-- no workspace registration: the default scope does not exist yet
SELECT regress.as_user('aaaaaaaa-0000-0000-0000-000000000001');
SELECT state, message FROM regress.caught($$SELECT tenancy.user_workspaces()$$);

-- the default scope derived only from the organizations
SELECT tenancy.register_scope_parent('workspace', 'organization', 'workspaces', 'id', 'organization_id');
SELECT scope, parent_scope, mapping, tenant_column, parent_column FROM tenancy.scope_parent;
SELECT scope FROM tenancy.membership_registration ORDER BY scope;
SELECT * FROM regress.membership_triggers('access_derived_scope');
SELECT tenancy.scope_tenant_type('workspace') AS workspace_ids;

CREATE FUNCTION pg_temp.reach() RETURNS TABLE (workspace text, role text, admin boolean)
LANGUAGE sql AS $$
  SELECT w.name, tenancy.user_workspace_role(w.id), tenancy.user_has_workspace_role(w.id, 'admin')
    FROM workspaces w WHERE w.id = ANY (tenancy.user_workspaces()) ORDER BY w.name
$$;
-- ann reaches o1's workspaces as admin, bob as viewer, cat o2's
SELECT * FROM pg_temp.reach();
SELECT tenancy.user_has_workspace_access('00000000-0000-0000-0000-0000000000f2') AS w2,
       tenancy.user_has_workspace_access('00000000-0000-0000-0000-0000000000f3') AS w3,
       tenancy.user_has_workspace_access('00000000-0000-0000-0000-0000000000f3', 'workspace') AS w3_scoped;
SELECT regress.as_user('bbbbbbbb-0000-0000-0000-000000000002');
SELECT * FROM pg_temp.reach();
SELECT regress.as_user('cccccccc-0000-0000-0000-000000000003');
SELECT * FROM pg_temp.reach();
-- no user: nothing
SELECT regress.as_user(NULL);
SELECT tenancy.user_workspaces();

-- only parent memberships with one of parent_roles reach the workspaces
SELECT tenancy.register_scope_parent('workspace', 'organization', 'workspaces', 'id', 'organization_id',
  parent_roles => '{admin}');
SELECT regress.as_user('bbbbbbbb-0000-0000-0000-000000000002');
SELECT tenancy.user_workspaces();
SELECT tenancy.register_scope_parent('workspace', 'organization', 'workspaces', 'id', 'organization_id');
SELECT tenancy.user_workspaces();

-- fresh in this session: a workspace moved, a membership revoked
SELECT regress.as_user('aaaaaaaa-0000-0000-0000-000000000001');
UPDATE workspaces SET organization_id = '00000000-0000-0000-0000-0000000000a2' WHERE name = 'w2';
SELECT * FROM pg_temp.reach();
UPDATE workspaces SET organization_id = '00000000-0000-0000-0000-0000000000a1' WHERE name = 'w2';
BEGIN;
DELETE FROM org_members WHERE user_id = 'aaaaaaaa-0000-0000-0000-000000000001';
SELECT tenancy.user_workspaces();
ROLLBACK;
SELECT * FROM pg_temp.reach();

-- a table isolated in the derived scope, and the planner support
SELECT * FROM regress.workspace_docs_plan();
SELECT body, count(*) FROM docs WHERE workspace_id = ANY (tenancy.user_workspaces())
 GROUP BY body ORDER BY body;

-- two derived levels of other id types: text sites in the workspaces,
-- bigint zones in the sites, none with members of its own
CREATE TABLE sites (slug text COLLATE "C" PRIMARY KEY, workspace_id uuid);
CREATE INDEX ON sites (workspace_id);
CREATE TABLE zones (id bigint PRIMARY KEY, site text COLLATE "C");
CREATE INDEX ON zones (site);
INSERT INTO sites VALUES ('alpha', '00000000-0000-0000-0000-0000000000f1'), ('Alpha', '00000000-0000-0000-0000-0000000000f3'),
  ('beta', '00000000-0000-0000-0000-0000000000f2');
INSERT INTO zones VALUES (1, 'alpha'), (2, 'Alpha'), (3, 'beta'), (4, NULL);
SELECT tenancy.register_scope_parent('site', 'workspace', 'sites', 'slug', 'workspace_id');
SELECT tenancy.register_scope_parent('zone', 'site', 'zones', 'id', 'site');
SELECT tenancy.scope_tenant_type('site') AS site_ids, tenancy.scope_tenant_type('zone') AS zone_ids;
SELECT tenancy.user_workspaces_text('site') AS sites, tenancy.user_workspaces_bigint('zone') AS zones,
       tenancy.user_workspace_role('alpha', 'site') AS alpha_role,
       tenancy.user_has_workspace_access('Alpha', 'site') AS near_miss,
       tenancy.user_has_scope_role('zone', 3::bigint, 'admin') AS zone_3_admin;
-- the active tenant claim names a workspace of the derived-only default
-- scope: it narrows it, and the sites derived from it to its children
SET tenancy.active_tenant_claim = 'org_id';
SELECT regress.as_user('aaaaaaaa-0000-0000-0000-000000000001', '00000000-0000-0000-0000-0000000000f2');
SELECT tenancy.user_workspaces() AS workspaces, tenancy.user_workspaces_text('site') AS sites;
SELECT regress.as_user('aaaaaaaa-0000-0000-0000-000000000001', '00000000-0000-0000-0000-0000000000f3');
SELECT tenancy.user_workspaces() AS workspaces, tenancy.user_workspaces_text('site') AS sites;
RESET tenancy.active_tenant_claim;
SELECT regress.as_user('aaaaaaaa-0000-0000-0000-000000000001');
-- a table isolated in a derived-only scope of text ids
CREATE TABLE site_docs (id int, site text COLLATE "C");
SELECT * FROM tenancy.enable_isolation('site_docs', 'site', scope => 'site');
SELECT polname, pg_get_expr(polqual, polrelid) AS using_expr FROM pg_policy
 WHERE polrelid = 'site_docs'::regclass AND polqual IS NOT NULL ORDER BY polname;
-- a wrong-type call names the one to make
SELECT state, message FROM regress.caught($$SELECT tenancy.user_workspaces('zone')$$);
DELETE FROM org_members WHERE user_id = 'aaaaaaaa-0000-0000-0000-000000000001';
SELECT tenancy.user_workspaces_text('site') AS sites, tenancy.user_workspaces_bigint('zone') AS zones;
INSERT INTO org_members VALUES ('00000000-0000-0000-0000-0000000000a1', 'aaaaaaaa-0000-0000-0000-000000000001', 'admin');

-- bad input: a clear error naming what is wrong, nothing registered
SELECT state, message FROM regress.caught($$SELECT tenancy.register_scope_parent(NULL, 'organization', 'workspaces', 'id', 'organization_id')$$);
SELECT state, message FROM regress.caught($$SELECT tenancy.register_scope_parent('project', NULL, 'workspaces', 'id', 'organization_id')$$);
SELECT state, message FROM regress.caught($$SELECT tenancy.register_scope_parent('project', 'workspace', NULL, 'id', 'workspace_id')$$);
SELECT state, message FROM regress.caught($$SELECT tenancy.register_scope_parent('project', 'nowhere', 'sites', 'slug', 'workspace_id')$$);
-- a mapping without the named columns
CREATE TABLE projects (code numeric PRIMARY KEY, ref bigint, workspace_id uuid, name text COLLATE "C");
CREATE INDEX ON projects (workspace_id);
CREATE INDEX ON projects (ref);
SELECT state, message FROM regress.caught($$SELECT tenancy.register_scope_parent('project', 'workspace', 'projects', NULL, 'workspace_id')$$);
SELECT state, message FROM regress.caught($$SELECT tenancy.register_scope_parent('project', 'workspace', 'projects', 'name', NULL)$$);
SELECT state, message FROM regress.caught($$SELECT tenancy.register_scope_parent('project', 'workspace', 'projects', 'id', 'workspace_id')$$);
SELECT state, message FROM regress.caught($$SELECT tenancy.register_scope_parent('project', 'workspace', 'projects', 'name', 'ws')$$);
-- a tenant column of a type no id has, a parent column not of the parent's id type
SELECT state, message FROM regress.caught($$SELECT tenancy.register_scope_parent('project', 'workspace', 'projects', 'code', 'workspace_id')$$);
SELECT state, message FROM regress.caught($$SELECT tenancy.register_scope_parent('project', 'workspace', 'projects', 'name', 'ref')$$);
SELECT state, message FROM regress.caught($$SELECT tenancy.register_scope_parent('project', 'zone', 'projects', 'name', 'workspace_id')$$);
-- a cycle through derived scopes
CREATE TABLE zone_orgs (org_id uuid, zone_id bigint);
CREATE INDEX ON zone_orgs (zone_id);
SELECT * FROM regress.caught($$SELECT tenancy.register_scope_parent('organization', 'zone', 'zone_orgs', 'org_id', 'zone_id')$$);
SELECT state, message FROM regress.caught($$SELECT tenancy.register_scope_parent('project', 'project', 'projects', 'name', 'workspace_id')$$);
SELECT scope, parent_scope, mapping FROM tenancy.scope_parent ORDER BY scope;
SELECT * FROM regress.membership_triggers('access_derived_scope');
SELECT state, message FROM regress.caught($$SELECT tenancy.user_workspaces_text('project')$$);

-- another role may neither take a derived scope over with a membership
-- table of its own, nor change or remove its parent
CREATE ROLE access_derived_scope_other;
GRANT USAGE ON SCHEMA access_derived_scope TO access_derived_scope_other;
CREATE TABLE other_members (workspace_id uuid, user_id uuid);
CREATE TABLE other_map (id uuid, organization_id uuid);
CREATE INDEX ON other_map (organization_id);
ALTER TABLE other_members OWNER TO access_derived_scope_other;
ALTER TABLE other_map OWNER TO access_derived_scope_other;
GRANT EXECUTE ON FUNCTION tenancy.register_scope_parent(text, text, regclass, name, name, text[]),
  tenancy.unregister_scope_parent(text),
  tenancy.register_membership(regclass, name, name, name, name, text[], text[], text, regclass, name, name, regclass, name, text, text[])
  TO access_derived_scope_other;
SET ROLE access_derived_scope_other;
SELECT state, message FROM regress.caught($$SELECT tenancy.register_membership('other_members', 'workspace_id', 'user_id')$$);
SELECT state, message FROM regress.caught($$SELECT tenancy.register_scope_parent('workspace', 'organization', 'other_map', 'id', 'organization_id')$$);
SELECT state, message FROM regress.caught($$SELECT tenancy.unregister_scope_parent('zone')$$);
RESET ROLE;
SELECT scope FROM tenancy.membership_registration ORDER BY scope;
SELECT scope, parent_scope, mapping FROM tenancy.scope_parent ORDER BY scope;

-- a mapping column retyped or the mapping dropped: 55000 naming the scope
ALTER TABLE zones ALTER COLUMN id TYPE numeric;
SELECT * FROM regress.caught($$SELECT tenancy.user_workspaces_bigint('zone')$$);
ALTER TABLE zones ALTER COLUMN id TYPE bigint;
SELECT tenancy.user_workspaces_bigint('zone');
DROP TABLE zones;
SELECT * FROM regress.caught($$SELECT tenancy.user_workspaces_bigint('zone')$$);
SELECT tenancy.user_workspaces_text('site') AS sites;
-- removing the parent removes the scope, and the mapping's triggers
SELECT tenancy.unregister_scope_parent('zone');
SELECT state, message FROM regress.caught($$SELECT tenancy.user_workspaces_bigint('zone')$$);
SELECT tenancy.unregister_scope_parent('site');
SELECT * FROM regress.membership_triggers('access_derived_scope');

-- a membership table registered later joins the derived memberships
CREATE TABLE ws_members (workspace_id uuid, user_id uuid, role text, PRIMARY KEY (user_id, workspace_id));
INSERT INTO ws_members VALUES ('00000000-0000-0000-0000-0000000000f3', 'aaaaaaaa-0000-0000-0000-000000000001', 'guest');
SELECT tenancy.register_membership('ws_members', 'workspace_id', 'user_id', 'role');
SELECT * FROM pg_temp.reach();

SELECT regress.as_user(NULL);
DELETE FROM tenancy.membership_registration;
DELETE FROM tenancy.scope_parent;
INSERT INTO tenancy.membership_registration SELECT * FROM pg_temp.saved_registration;
RESET search_path;
DROP SCHEMA access_derived_scope CASCADE;
REVOKE ALL ON FUNCTION tenancy.register_scope_parent(text, text, regclass, name, name, text[]),
  tenancy.unregister_scope_parent(text),
  tenancy.register_membership(regclass, name, name, name, name, text[], text[], text, regclass, name, name, regclass, name, text, text[])
  FROM access_derived_scope_other;
DROP ROLE access_derived_scope_other;
