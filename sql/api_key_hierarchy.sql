-- api_key_hierarchy: a key made for a tenant of a parent scope (an
-- organization) reaches, in every scope derived from it, the tenants the
-- mappings link to that tenant (its workspaces, their projects), with no
-- role; never stale (a workspace moved away is seen at the next statement).
CREATE SCHEMA akh;
CREATE TABLE akh.org_members (org_id uuid NOT NULL, user_id uuid NOT NULL);
CREATE TABLE akh.ws_members (ws_id uuid NOT NULL, user_id uuid NOT NULL);
CREATE TABLE akh.proj_members (proj_id bigint NOT NULL, user_id uuid NOT NULL);
CREATE TABLE akh.doc_members (doc_id text NOT NULL, user_id uuid NOT NULL);
CREATE TABLE akh.workspaces (id uuid PRIMARY KEY, org_id uuid);
CREATE INDEX ON akh.workspaces (org_id);
CREATE TABLE akh.projects (id bigint PRIMARY KEY, ws_id uuid);
CREATE INDEX ON akh.projects (ws_id);
CREATE TABLE akh.docs (id text PRIMARY KEY, org_id uuid);
CREATE INDEX ON akh.docs (org_id);
SELECT tenancy.register_membership('akh.org_members', 'org_id', 'user_id', scope => 'akh_org') IS NOT NULL AS org,
       tenancy.register_membership('akh.ws_members', 'ws_id', 'user_id', scope => 'akh_ws') IS NOT NULL AS ws,
       tenancy.register_membership('akh.proj_members', 'proj_id', 'user_id', scope => 'akh_proj') IS NOT NULL AS proj,
       tenancy.register_membership('akh.doc_members', 'doc_id', 'user_id', scope => 'akh_doc') IS NOT NULL AS doc;
SELECT tenancy.register_scope_parent('akh_ws', 'akh_org', 'akh.workspaces', 'id', 'org_id') IS NOT NULL AS ws_parent,
       tenancy.register_scope_parent('akh_proj', 'akh_ws', 'akh.projects', 'id', 'ws_id') IS NOT NULL AS proj_parent,
       tenancy.register_scope_parent('akh_doc', 'akh_org', 'akh.docs', 'id', 'org_id') IS NOT NULL AS doc_parent;
-- organizations o1 and o2; workspaces w1, w2 of o1, w3 of o2; a workspace
-- without an organization; projects 1 to 3, one per workspace
INSERT INTO akh.workspaces VALUES
  ('00000000-0000-0000-0000-0000000000a1', '00000000-0000-0000-0000-0000000000f1'),
  ('00000000-0000-0000-0000-0000000000a2', '00000000-0000-0000-0000-0000000000f1'),
  ('00000000-0000-0000-0000-0000000000a3', '00000000-0000-0000-0000-0000000000f2'),
  ('00000000-0000-0000-0000-0000000000a4', NULL);
INSERT INTO akh.projects VALUES
  (1, '00000000-0000-0000-0000-0000000000a1'), (2, '00000000-0000-0000-0000-0000000000a2'),
  (3, '00000000-0000-0000-0000-0000000000a3');
INSERT INTO akh.docs VALUES ('doc-1', '00000000-0000-0000-0000-0000000000f1');
CREATE TABLE akh.keys (name text PRIMARY KEY, key text);
INSERT INTO akh.keys VALUES
  ('org1', tenancy.create_api_key('00000000-0000-0000-0000-0000000000f1', 'org key', '{reports:read}',
                                  scope_name => 'akh_org')),
  ('ws3', tenancy.create_api_key('00000000-0000-0000-0000-0000000000a3', 'workspace key', '{}',
                                 scope_name => 'akh_ws'));
-- the key of that name as the caller until the transaction ends
CREATE FUNCTION akh.become(key_name text) RETURNS void LANGUAGE sql AS
$$ SELECT tenancy._api_key_become_caller((SELECT key FROM akh.keys WHERE name = key_name)) $$;
-- what the caller reaches in the three scopes of uuid and bigint tenants
CREATE FUNCTION akh.reach(OUT orgs uuid[], OUT workspaces uuid[], OUT projects bigint[]) LANGUAGE sql AS
$$ SELECT tenancy.user_workspaces('akh_org'), tenancy.user_workspaces('akh_ws'),
          tenancy.user_workspaces_bigint('akh_proj') $$;

-- the organization's key: its organization, its workspaces, their projects
BEGIN;
SELECT akh.become('org1');
SELECT * FROM akh.reach();
SELECT tenancy.user_has_workspace_access('00000000-0000-0000-0000-0000000000a1', 'akh_ws') AS w1,
       tenancy.user_has_workspace_access('00000000-0000-0000-0000-0000000000a3', 'akh_ws') AS w3_of_o2,
       tenancy.user_has_workspace_access('00000000-0000-0000-0000-0000000000a4', 'akh_ws') AS w4_orphan,
       tenancy.user_has_workspace_access(2::bigint, 'akh_proj') AS p2,
       tenancy.user_has_workspace_access(3::bigint, 'akh_proj') AS p3_of_o2;
-- no role (a key holds scopes): the role helpers answer NULL / false, the scopes answer
SELECT tenancy.user_workspace_role('00000000-0000-0000-0000-0000000000a1', 'akh_ws') AS role,
       tenancy.user_has_scope_role('akh_ws', '00000000-0000-0000-0000-0000000000a1', 'owner') AS owner,
       tenancy.caller_has_scope('reports:read') AS reports,
       tenancy.current_user_id() AS user_id;
-- a scope of text tenants derived from the organization is not served: nothing
SELECT tenancy.user_workspaces_text('akh_doc') AS docs;
-- w2 moves to o2: seen at the next statement, its project with it
UPDATE akh.workspaces SET org_id = '00000000-0000-0000-0000-0000000000f2'
 WHERE id = '00000000-0000-0000-0000-0000000000a2';
SELECT * FROM akh.reach();
-- a new workspace of o1, and TRUNCATE of the projects
INSERT INTO akh.workspaces VALUES ('00000000-0000-0000-0000-0000000000a5', '00000000-0000-0000-0000-0000000000f1');
TRUNCATE akh.projects;
SELECT * FROM akh.reach();
ROLLBACK;

-- the rollback undid them all
BEGIN;
SELECT akh.become('org1');
SELECT * FROM akh.reach();
COMMIT;

-- a key of a child scope reaches its tenant and below, nothing above
BEGIN;
SELECT akh.become('ws3');
SELECT * FROM akh.reach();
COMMIT;

-- the parent removed: the organization's key reaches no workspace any more
SELECT tenancy.unregister_scope_parent('akh_ws');
BEGIN;
SELECT akh.become('org1');
SELECT * FROM akh.reach();
COMMIT;

-- without a key the helpers answer for the user as before (no user: nothing)
SELECT tenancy.user_workspaces('akh_org') AS orgs, tenancy.caller_api_key_id() AS key_id;
-- the other parents removed: nothing of this test derives any more
SELECT tenancy.unregister_scope_parent('akh_proj') AS proj, tenancy.unregister_scope_parent('akh_doc') AS doc;
