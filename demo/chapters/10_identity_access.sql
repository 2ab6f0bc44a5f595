\echo
\echo '=== Identity and access ==='
\echo 'A membership table: ann works in Acme and Globex, bob in Globex and Initech.'
CREATE TABLE demo_members (
  workspace_id uuid NOT NULL,
  user_id uuid NOT NULL,
  role text NOT NULL,
  status text NOT NULL DEFAULT 'active',
  PRIMARY KEY (user_id, workspace_id));
CREATE TABLE demo_workspaces (id uuid PRIMARY KEY, name text NOT NULL);
INSERT INTO demo_workspaces VALUES
  ('ac3e0000-0000-0000-0000-000000000001', 'Acme'),
  ('910be000-0000-0000-0000-000000000002', 'Globex'),
  ('1417ec40-0000-0000-0000-000000000003', 'Initech');
INSERT INTO demo_members VALUES
  ('ac3e0000-0000-0000-0000-000000000001', 'a0000000-0000-0000-0000-00000000a001', 'owner', 'active'),
  ('910be000-0000-0000-0000-000000000002', 'a0000000-0000-0000-0000-00000000a001', 'viewer', 'active'),
  ('910be000-0000-0000-0000-000000000002', 'b0000000-0000-0000-0000-00000000b0b0', 'owner', 'active'),
  ('1417ec40-0000-0000-0000-000000000003', 'b0000000-0000-0000-0000-00000000b0b0', 'editor', 'active'),
  ('ac3e0000-0000-0000-0000-000000000001', 'b0000000-0000-0000-0000-00000000b0b0', 'editor', 'invited');

\echo 'Register it once; tenancy installs the triggers that keep every cache fresh.'
SELECT tenancy.register_membership('demo_members', 'workspace_id', 'user_id', 'role', 'status');

\echo 'A tenant table under row level security, policies in the array form.'
CREATE TABLE demo_projects (id int PRIMARY KEY, workspace_id uuid NOT NULL, title text NOT NULL);
CREATE INDEX ON demo_projects (workspace_id);
INSERT INTO demo_projects VALUES
  (1, 'ac3e0000-0000-0000-0000-000000000001', 'Acme rocket'),
  (2, 'ac3e0000-0000-0000-0000-000000000001', 'Acme anvil'),
  (3, '910be000-0000-0000-0000-000000000002', 'Globex dome'),
  (4, '1417ec40-0000-0000-0000-000000000003', 'Initech TPS reports');
ALTER TABLE demo_projects ENABLE ROW LEVEL SECURITY;
CREATE POLICY demo_select ON demo_projects FOR SELECT
  USING (workspace_id = ANY (tenancy.user_workspaces()));
CREATE POLICY demo_update ON demo_projects FOR UPDATE
  USING (tenancy.user_has_workspace_role(workspace_id, 'owner', 'editor'));
CREATE ROLE demo_app;
GRANT SELECT, UPDATE ON demo_projects TO demo_app;
GRANT SELECT ON demo_workspaces TO demo_app;
-- demo_app gets no privilege on demo_members: the helpers do not need it

\echo
\echo 'ann asks, the way PostgREST sets her claims for one transaction:'
BEGIN;
SET LOCAL ROLE demo_app;
SELECT set_config('request.jwt.claims',
  '{"sub": "a0000000-0000-0000-0000-00000000a001", "role": "authenticated"}', true) IS NOT NULL AS claims_set;
SELECT tenancy.current_user_id() AS who, tenancy.current_claim('role') AS claim_role;
SELECT w.name, tenancy.user_has_workspace_access(w.id) AS access,
       tenancy.user_workspace_role(w.id) AS role
  FROM demo_workspaces w ORDER BY w.name;
SELECT id, title FROM demo_projects ORDER BY id;
\echo 'She may update only where she is owner or editor (Acme), not where she views (Globex):'
UPDATE demo_projects SET title = title || ' (edited)' RETURNING id, title;
COMMIT;

\echo 'bob asks on the same connection, next transaction (his Acme invitation is not active):'
BEGIN;
SET LOCAL ROLE demo_app;
SELECT set_config('request.jwt.claims', '{"sub": "b0000000-0000-0000-0000-00000000b0b0"}', true) IS NOT NULL AS claims_set;
SELECT w.name, tenancy.user_has_workspace_access(w.id) AS access,
       tenancy.user_workspace_role(w.id) AS role
  FROM demo_workspaces w ORDER BY w.name;
SELECT id, title FROM demo_projects ORDER BY id;
COMMIT;

\echo 'With no claims at all, nothing is visible:'
BEGIN;
SET LOCAL ROLE demo_app;
SELECT tenancy.current_user_id() AS who, count(*) AS visible FROM demo_projects;
COMMIT;

\echo
\echo 'Clerk and Supabase tokens name the organization the user is working in (org_id).'
\echo 'A superuser names that claim once; ann then sees her active organization only:'
SET tenancy.active_tenant_claim = 'org_id';
BEGIN;
SET LOCAL ROLE demo_app;
SELECT set_config('request.jwt.claims',
  '{"sub": "a0000000-0000-0000-0000-00000000a001", "org_id": "ac3e0000-0000-0000-0000-000000000001"}', true) IS NOT NULL AS claims_set;
SELECT tenancy.user_workspaces() AS active_only;
SELECT id, title FROM demo_projects ORDER BY id;
COMMIT;
\echo 'A token naming an organization she is not in (Initech) gives no access at all:'
BEGIN;
SET LOCAL ROLE demo_app;
SELECT set_config('request.jwt.claims',
  '{"sub": "a0000000-0000-0000-0000-00000000a001", "org_id": "1417ec40-0000-0000-0000-000000000003"}', true) IS NOT NULL AS claims_set;
SELECT count(*) AS visible FROM demo_projects;
COMMIT;
RESET tenancy.active_tenant_claim;

\echo
\echo 'Revocation: ann leaves Globex. Her next statement no longer sees it.'
SET request.jwt.claims = '{"sub": "a0000000-0000-0000-0000-00000000a001"}';
SELECT tenancy.user_workspaces() AS ann_before;
DELETE FROM demo_members
 WHERE user_id = 'a0000000-0000-0000-0000-00000000a001'
   AND workspace_id = '910be000-0000-0000-0000-000000000002';
SELECT tenancy.user_workspaces() AS ann_after;
SET ROLE demo_app;
SELECT id, title FROM demo_projects ORDER BY id;
RESET ROLE;
\echo 'The cache answered from memory, and was emptied once by the revocation:'
SELECT * FROM tenancy.cache_stats();
RESET request.jwt.claims;

\echo
\echo 'Any id type: Clerk users (text ids like user_2abc...) in bigint accounts, as a named scope.'
CREATE TABLE demo_account_members (account_id bigint NOT NULL, user_id text NOT NULL,
                                   PRIMARY KEY (account_id, user_id));
INSERT INTO demo_account_members VALUES (7, 'user_2abcClerk'), (9, 'user_2abcClerk'), (9, 'user_2xyzOther');
SELECT tenancy.register_membership('demo_account_members', 'account_id', 'user_id', scope => 'account');
SET request.jwt.claims = '{"sub": "user_2abcClerk"}';
SELECT tenancy.current_user_id_text() AS clerk_user,
       tenancy.user_workspaces_bigint('account') AS accounts,
       tenancy.user_has_workspace_access(9::bigint, 'account') AS in_9,
       tenancy.user_has_workspace_access(8::bigint, 'account') AS in_8;
\echo 'A uuid where the scope holds bigint ids is refused, never converted:'
\set ON_ERROR_STOP 0
SELECT tenancy.user_workspaces('account');
\set ON_ERROR_STOP 1
RESET request.jwt.claims;
DELETE FROM tenancy.membership_registration WHERE scope = 'account';
DROP TABLE demo_account_members;

\echo
\echo 'Roles from a table with permissions (seed 003: team_members.role_id -> custom_roles), and owners on the tenant row:'
CREATE TABLE demo_companies (id uuid PRIMARY KEY, owner_id uuid NOT NULL);
CREATE TABLE demo_custom_roles (id int PRIMARY KEY, name text NOT NULL, permissions jsonb NOT NULL);
CREATE TABLE demo_team_members (company_id uuid NOT NULL, user_id uuid NOT NULL, role_id int NOT NULL,
                                PRIMARY KEY (user_id, company_id));
INSERT INTO demo_companies VALUES ('c0000000-0000-0000-0000-0000000000c1', 'a0000000-0000-0000-0000-00000000a0a0');
INSERT INTO demo_custom_roles VALUES (1, 'dispatcher', '{"jobs_view_all": true, "manage_team": false}');
INSERT INTO demo_team_members VALUES ('c0000000-0000-0000-0000-0000000000c1', 'b0000000-0000-0000-0000-00000000b0b0', 1);
SELECT tenancy.register_membership('demo_team_members', 'company_id', 'user_id', role_column => 'role_id',
         role_table => 'demo_custom_roles', permissions_column => 'permissions',
         owner_table => 'demo_companies', owner_column => 'owner_id',
         owner_permissions => '{jobs_view_all,manage_team}', scope => 'company');
SET request.jwt.claims = '{"sub": "b0000000-0000-0000-0000-00000000b0b0"}';
SELECT tenancy.user_has_permission('c0000000-0000-0000-0000-0000000000c1'::uuid, 'jobs_view_all', 'company') AS bob_views_jobs,
       tenancy.user_has_permission('c0000000-0000-0000-0000-0000000000c1'::uuid, 'manage_team', 'company') AS bob_manages;
\echo 'The role loses jobs_view_all: the next statement sees it.'
UPDATE demo_custom_roles SET permissions = '{"manage_team": false}' WHERE id = 1;
SELECT tenancy.user_has_permission('c0000000-0000-0000-0000-0000000000c1'::uuid, 'jobs_view_all', 'company') AS bob_views_jobs;
SET request.jwt.claims = '{"sub": "a0000000-0000-0000-0000-00000000a0a0"}';
\echo 'The owner (companies.owner_id) has no member row, and counts as a member with the owner permissions:'
SELECT tenancy.user_workspaces_with_permission('manage_team', 'company') AS owner_manages;
\echo 'Isolating the companies table itself: members read their company, and the owner column is guarded.'
SELECT tenancy.enable_isolation('demo_companies', 'id', scope => 'company');
GRANT SELECT, UPDATE ON demo_companies TO demo_app;
SET request.jwt.claims = '{"sub": "b0000000-0000-0000-0000-00000000b0b0"}';
SET ROLE demo_app;
\echo 'bob (a dispatcher, not a manager) tries to make himself the owner:'
\set ON_ERROR_STOP 0
UPDATE demo_companies SET owner_id = 'b0000000-0000-0000-0000-00000000b0b0';
\set ON_ERROR_STOP 1
RESET ROLE;
\echo 'The owner hands the company to bob; from the next statement bob manages it:'
SET request.jwt.claims = '{"sub": "a0000000-0000-0000-0000-00000000a0a0"}';
SET ROLE demo_app;
UPDATE demo_companies SET owner_id = 'b0000000-0000-0000-0000-00000000b0b0';
RESET ROLE;
SET request.jwt.claims = '{"sub": "b0000000-0000-0000-0000-00000000b0b0"}';
SELECT tenancy.user_workspaces_with_permission('manage_team', 'company') AS bob_manages;
RESET request.jwt.claims;
SELECT tenancy.disable_isolation('demo_companies');
DELETE FROM tenancy.membership_registration WHERE scope = 'company';
DROP TABLE demo_team_members, demo_custom_roles, demo_companies;

\echo
\echo 'Two levels: organizations own workspaces, and a member of the organization reaches all of them.'
\echo 'cat is an admin of the Umbrella organization (Acme and Initech) and a member of no workspace:'
CREATE TABLE demo_org_members (org_id uuid NOT NULL, user_id uuid NOT NULL, role text NOT NULL,
                               PRIMARY KEY (user_id, org_id));
CREATE TABLE demo_org_workspaces (workspace_id uuid PRIMARY KEY, org_id uuid NOT NULL);
CREATE INDEX ON demo_org_workspaces (org_id);
INSERT INTO demo_org_members VALUES ('0a000000-0000-0000-0000-0000000000a1', 'c0000000-0000-0000-0000-00000000c0c0', 'admin');
INSERT INTO demo_org_workspaces VALUES
  ('ac3e0000-0000-0000-0000-000000000001', '0a000000-0000-0000-0000-0000000000a1'),
  ('1417ec40-0000-0000-0000-000000000003', '0a000000-0000-0000-0000-0000000000a1');
SELECT tenancy.register_membership('demo_org_members', 'org_id', 'user_id', 'role', scope => 'organization');
SELECT tenancy.register_scope_parent('workspace', 'organization', 'demo_org_workspaces', 'workspace_id', 'org_id');
BEGIN;
SET LOCAL ROLE demo_app;
SELECT set_config('request.jwt.claims', '{"sub": "c0000000-0000-0000-0000-00000000c0c0"}', true) IS NOT NULL AS claims_set;
SELECT id, title, tenancy.user_workspace_role(workspace_id) AS her_role FROM demo_projects ORDER BY id;
COMMIT;
\echo 'Initech moves to another organization: her next statement no longer reaches it.'
UPDATE demo_org_workspaces SET org_id = '0a000000-0000-0000-0000-0000000000a2'
 WHERE workspace_id = '1417ec40-0000-0000-0000-000000000003';
BEGIN;
SET LOCAL ROLE demo_app;
SELECT set_config('request.jwt.claims', '{"sub": "c0000000-0000-0000-0000-00000000c0c0"}', true) IS NOT NULL AS claims_set;
SELECT id, title FROM demo_projects ORDER BY id;
COMMIT;
SELECT tenancy.unregister_scope_parent('workspace');
DELETE FROM tenancy.membership_registration WHERE scope = 'organization';
DROP TABLE demo_org_workspaces, demo_org_members;

DROP TABLE demo_projects, demo_workspaces, demo_members;
DROP ROLE demo_app;
