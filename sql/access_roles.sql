-- access_roles: roles from a table, permissions and tenant owners
-- (docs/access.md "Roles and permissions"). The shape of seed 003:
-- team_members.role_id -> custom_roles(id, name, permissions jsonb),
-- companies.owner_id.

CREATE SCHEMA access_roles;
SET search_path = access_roles, public;

-- ann: Admin of c1, Viewer of c2, owner of c3. bob: Tech of c1, Quirky of
-- c2. cat: owner of c1, a member of c2 with a role whose permissions are a
-- JSON scalar, and of c3 with no role. dan: a member of c1 whose role is gone.
CREATE TABLE companies (id uuid PRIMARY KEY, name text NOT NULL, owner_id uuid);
CREATE INDEX ON companies (owner_id);
INSERT INTO companies VALUES
  ('00000000-0000-0000-0000-0000000000c1', 'c1', 'cccccccc-0000-0000-0000-000000000003'),
  ('00000000-0000-0000-0000-0000000000c2', 'c2', NULL),
  ('00000000-0000-0000-0000-0000000000c3', 'c3', 'aaaaaaaa-0000-0000-0000-000000000001');
CREATE TABLE custom_roles (id uuid PRIMARY KEY, company_id uuid, name text NOT NULL, permissions jsonb);
INSERT INTO custom_roles VALUES
  ('00000000-0000-0000-0000-0000000000a1', '00000000-0000-0000-0000-0000000000c1', 'Admin',
   '{"jobs_view_all": true, "manage_team": true}'),
  -- false grants nothing
  ('00000000-0000-0000-0000-0000000000a2', '00000000-0000-0000-0000-0000000000c1', 'Tech',
   '{"jobs_view_all": false, "jobs_view_own": true}'),
  -- an array of strings
  ('00000000-0000-0000-0000-0000000000a3', '00000000-0000-0000-0000-0000000000c2', 'Viewer',
   '["jobs_view_all", "reports", 7]'),
  -- the string "true" grants, as the seed's permissions->>'x' = 'true' reads it; 1 and null do not
  ('00000000-0000-0000-0000-0000000000a4', '00000000-0000-0000-0000-0000000000c2', 'Quirky',
   '{"jobs_view_all": "true", "manage_team": 1, "reports": null, "nested": {"reports": true}}'),
  ('00000000-0000-0000-0000-0000000000a5', '00000000-0000-0000-0000-0000000000c2', 'Scalar',
   '"jobs_view_all"');
CREATE TABLE team_members (company_id uuid, user_id uuid, role_id uuid, status text);
CREATE INDEX ON team_members (user_id);
INSERT INTO team_members VALUES
  ('00000000-0000-0000-0000-0000000000c1', 'aaaaaaaa-0000-0000-0000-000000000001', '00000000-0000-0000-0000-0000000000a1', 'active'),
  ('00000000-0000-0000-0000-0000000000c2', 'aaaaaaaa-0000-0000-0000-000000000001', '00000000-0000-0000-0000-0000000000a3', 'active'),
  ('00000000-0000-0000-0000-0000000000c1', 'bbbbbbbb-0000-0000-0000-000000000002', '00000000-0000-0000-0000-0000000000a2', 'active'),
  ('00000000-0000-0000-0000-0000000000c2', 'bbbbbbbb-0000-0000-0000-000000000002', '00000000-0000-0000-0000-0000000000a4', 'active'),
  -- an inactive membership grants nothing, whatever its role
  ('00000000-0000-0000-0000-0000000000c3', 'bbbbbbbb-0000-0000-0000-000000000002', '00000000-0000-0000-0000-0000000000a1', 'left'),
  ('00000000-0000-0000-0000-0000000000c2', 'cccccccc-0000-0000-0000-000000000003', '00000000-0000-0000-0000-0000000000a5', 'active'),
  ('00000000-0000-0000-0000-0000000000c3', 'cccccccc-0000-0000-0000-000000000003', NULL, 'active'),
  ('00000000-0000-0000-0000-0000000000c1', 'dddddddd-0000-0000-0000-000000000004', '00000000-0000-0000-0000-0000000000ff', 'active');

-- What the current user holds in each company: role, and whether it grants
-- the permissions the test uses.
CREATE FUNCTION pg_temp.grants() RETURNS TABLE (company text, role text, view_all boolean,
                                                 manage boolean, reports boolean)
LANGUAGE sql AS $$
  SELECT c.name, tenancy.user_workspace_role(c.id),
         tenancy.user_has_permission(c.id, 'jobs_view_all'),
         tenancy.user_has_permission(c.id, 'manage_team'),
         tenancy.user_has_permission(c.id, 'reports')
    FROM access_roles.companies c
   WHERE tenancy.user_has_workspace_access(c.id) ORDER BY c.name
$$;
CREATE FUNCTION pg_temp.view_all() RETURNS text[] LANGUAGE sql AS $$
  SELECT array_agg(c.name ORDER BY c.name) FROM access_roles.companies c
   WHERE c.id = ANY (tenancy.user_workspaces_with_permission('jobs_view_all'))
$$;
SELECT tenancy.register_membership('team_members', 'company_id', 'user_id', 'role_id', 'status',
                                   role_table => 'custom_roles', permissions_column => 'permissions',
                                   owner_table => 'companies', owner_column => 'owner_id',
                                   owner_role => 'owner', owner_permissions => '{jobs_view_all,manage_team}');
SELECT role_table, role_name_column, permissions_column, owner_table, owner_column, owner_role,
       owner_permissions
  FROM tenancy.membership_registration;
-- the roles and tenant tables carry the membership table's triggers, ENABLE ALWAYS
SELECT * FROM regress.membership_triggers('access_roles');

SELECT regress.as_user('aaaaaaaa-0000-0000-0000-000000000001');
SELECT * FROM pg_temp.grants();
SELECT pg_temp.view_all();
SELECT regress.as_user('bbbbbbbb-0000-0000-0000-000000000002');
SELECT * FROM pg_temp.grants();
SELECT pg_temp.view_all();
SELECT regress.as_user('cccccccc-0000-0000-0000-000000000003');
SELECT * FROM pg_temp.grants();
SELECT pg_temp.view_all();
SELECT regress.as_user('dddddddd-0000-0000-0000-000000000004');
SELECT * FROM pg_temp.grants();
-- the role helpers compare the role's name
SELECT tenancy.user_has_workspace_role('00000000-0000-0000-0000-0000000000c1', 'Admin', 'owner') AS dan_admin;
SELECT regress.as_user('aaaaaaaa-0000-0000-0000-000000000001');
SELECT tenancy.user_has_workspace_role('00000000-0000-0000-0000-0000000000c1', 'Admin') AS ann_admin,
       tenancy.user_has_workspace_role('00000000-0000-0000-0000-0000000000c3', 'owner') AS ann_owner;
-- NULL tenant or permission, no user: false, empty
SELECT tenancy.user_has_permission(NULL, 'jobs_view_all') AS null_tenant,
       tenancy.user_has_permission('00000000-0000-0000-0000-0000000000c1', NULL) AS null_permission,
       tenancy.user_workspaces_with_permission(NULL) AS null_array;
SELECT regress.as_user(NULL);
SELECT tenancy.user_has_permission('00000000-0000-0000-0000-0000000000c1', 'jobs_view_all') AS no_user,
       tenancy.user_workspaces_with_permission('jobs_view_all') AS no_user_array;
-- the scoped forms; a NULL scope is an error, not "no access"
SELECT regress.as_user('aaaaaaaa-0000-0000-0000-000000000001');
SELECT tenancy.user_has_permission('00000000-0000-0000-0000-0000000000c1', 'manage_team', 'workspace') AS scoped,
       tenancy.user_workspaces_with_permission('reports', 'workspace') AS scoped_array;
SELECT * FROM regress.caught($$SELECT tenancy.user_has_permission(NULL, 'x', NULL)$$);
SELECT * FROM regress.caught($$SELECT tenancy.user_workspaces_with_permission('x', 'nosuchscope')$$);
-- the active tenant claim narrows the permissions too
SET tenancy.active_tenant_claim = 'org_id';
SET request.jwt.claims = '{"sub": "aaaaaaaa-0000-0000-0000-000000000001", "org_id": "00000000-0000-0000-0000-0000000000c2"}';
SELECT pg_temp.view_all();
RESET tenancy.active_tenant_claim;

-- Never stale: each change to the roles or tenant table is seen by the next statement.
SELECT regress.as_user('aaaaaaaa-0000-0000-0000-000000000001');
UPDATE custom_roles SET permissions = permissions - 'jobs_view_all' WHERE name = 'Admin';
SELECT * FROM pg_temp.grants();
UPDATE custom_roles SET name = 'Manager' WHERE name = 'Admin';
SELECT * FROM pg_temp.grants();
-- ann's membership now points at another role
UPDATE team_members SET role_id = '00000000-0000-0000-0000-0000000000a2'
 WHERE user_id = 'aaaaaaaa-0000-0000-0000-000000000001' AND company_id = '00000000-0000-0000-0000-0000000000c1';
SELECT * FROM pg_temp.grants();
-- the owner changes hands; a company is inserted, then deleted
UPDATE companies SET owner_id = 'bbbbbbbb-0000-0000-0000-000000000002' WHERE name = 'c3';
SELECT * FROM pg_temp.grants();
INSERT INTO companies VALUES ('00000000-0000-0000-0000-0000000000c4', 'c4', 'aaaaaaaa-0000-0000-0000-000000000001');
SELECT pg_temp.view_all();
DELETE FROM companies WHERE name = 'c4';
SELECT pg_temp.view_all();
-- a logical replication apply worker runs as replica: still seen
SET session_replication_role = replica;
UPDATE custom_roles SET permissions = '["jobs_view_all"]' WHERE name = 'Tech';
RESET session_replication_role;
SELECT pg_temp.view_all();
-- rolled back: never seen
BEGIN;
DELETE FROM custom_roles WHERE name = 'Tech';
ROLLBACK;
SELECT pg_temp.view_all();
-- TRUNCATE: the memberships stay, their roles and permissions go
TRUNCATE custom_roles;
SELECT * FROM pg_temp.grants();

-- As an index condition, in a query and in a policy (constant permission).
CREATE TABLE jobs (id int, company_id uuid);
INSERT INTO jobs SELECT g, ('00000000-0000-0000-0000-0000000000c' || (g % 4 + 1))::uuid
  FROM generate_series(1, 4000) g;
CREATE INDEX jobs_company ON jobs (company_id);
ANALYZE jobs;
INSERT INTO custom_roles VALUES
  ('00000000-0000-0000-0000-0000000000a2', '00000000-0000-0000-0000-0000000000c1', 'Tech', '["jobs_view_all"]');
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT count(*) FROM jobs WHERE tenancy.user_has_permission(company_id, 'jobs_view_all');
EXPLAIN (COSTS OFF) SELECT count(*) FROM jobs WHERE tenancy.user_has_permission(company_id, 'jobs_view_all', 'workspace');
SELECT count(*) FROM jobs WHERE tenancy.user_has_permission(company_id, 'jobs_view_all');
SELECT count(*) FROM jobs WHERE company_id = ANY (tenancy.user_workspaces_with_permission('jobs_view_all'));
CREATE ROLE access_roles_app;
GRANT USAGE ON SCHEMA access_roles TO access_roles_app;
GRANT SELECT ON jobs TO access_roles_app;
ALTER TABLE jobs ENABLE ROW LEVEL SECURITY;
CREATE POLICY view_all ON jobs FOR SELECT USING (tenancy.user_has_permission(company_id, 'jobs_view_all'));
SET ROLE access_roles_app;
EXPLAIN (COSTS OFF) SELECT id FROM jobs WHERE id < 100;
SELECT count(*) FROM jobs;
SELECT regress.as_user('bbbbbbbb-0000-0000-0000-000000000002');
SELECT count(*) FROM jobs;
RESET ROLE;
RESET enable_seqscan;

-- Memory: the permission lists count in the cache's byte bound. A user
-- whose lists alone exceed tenancy.membership_cache_size is answered, not kept.
UPDATE custom_roles SET permissions = (SELECT jsonb_agg('permission_number_' || g) FROM generate_series(1, 4000) g)
 WHERE name = 'Tech';
SET tenancy.membership_cache_size = '64kB';
SELECT tenancy.cache_reset();
SELECT regress.as_user('aaaaaaaa-0000-0000-0000-000000000001');
SELECT tenancy.user_has_permission('00000000-0000-0000-0000-0000000000c1', 'permission_number_4000') AS granted;
SELECT entries FROM tenancy.cache_stats() WHERE cache = 'memberships';
RESET tenancy.membership_cache_size;
SELECT tenancy.user_has_permission('00000000-0000-0000-0000-0000000000c1', 'permission_number_4000') AS granted;
SELECT entries FROM tenancy.cache_stats() WHERE cache = 'memberships';

-- A scope that grants no permissions: a clear error, not "no access".
CREATE TABLE plain_members (project uuid, member uuid);
SELECT tenancy.register_membership('plain_members', 'project', 'member', scope => 'plain');
SELECT * FROM regress.caught($$SELECT tenancy.user_has_permission('00000000-0000-0000-0000-0000000000c1', 'x', 'plain')$$);
SELECT * FROM regress.caught($$SELECT tenancy.user_workspaces_with_permission('x', 'plain')$$);
DELETE FROM tenancy.membership_registration WHERE scope = 'plain';
DROP TABLE plain_members;

-- Registering again elsewhere moves the triggers: tables no registration
-- reads any more lose theirs. Hostile names are quoted.
CREATE TABLE "Roles; ""x""" ("Id" bigint PRIMARY KEY, "Name" text, "Perms" text[]);
INSERT INTO "Roles; ""x""" VALUES (1, 'Lead', '{jobs_view_all,NULL,reports}');
CREATE TABLE "Members ""2""" (company_id uuid, user_id uuid, "Role" bigint);
INSERT INTO "Members ""2""" VALUES
  ('00000000-0000-0000-0000-0000000000c1', 'aaaaaaaa-0000-0000-0000-000000000001', 1);
SELECT tenancy.register_membership('"Members ""2"""', 'company_id', 'user_id', 'Role',
                                   role_table => '"Roles; ""x"""', role_name_column => 'Name',
                                   permissions_column => 'Perms');
SELECT * FROM regress.membership_triggers('access_roles');
SELECT * FROM pg_temp.grants();

-- Bad input: a clear error naming what is wrong, and nothing registered.
CREATE VIEW roles_view AS SELECT * FROM custom_roles;
CREATE TABLE roles_no_key (id uuid, name text, permissions jsonb);
CREATE TABLE roles_text_key (id text PRIMARY KEY, name text);
CREATE TABLE roles_two_keys (id uuid, company_id uuid, name text, PRIMARY KEY (id, company_id));
CREATE TABLE companies_bigint (id bigint PRIMARY KEY, owner_id uuid);
CREATE TABLE companies_text_owner (id uuid PRIMARY KEY, owner_id text);
CREATE FUNCTION pg_temp.bad(args text) RETURNS TABLE (state text, message text, detail text, hint text)
LANGUAGE sql AS $$
  SELECT * FROM regress.caught(format(
    'SELECT tenancy.register_membership(%L, %L, %L, %s)', 'access_roles.team_members', 'company_id', 'user_id', args))
$$;
SELECT * FROM pg_temp.bad($$role_table => 'custom_roles'$$);
SELECT * FROM pg_temp.bad($$permissions_column => 'permissions'$$);
SELECT * FROM pg_temp.bad($$'role_id', role_table => 'roles_view'$$);
SELECT * FROM pg_temp.bad($$'role_id', role_table => 'roles_no_key'$$);
SELECT * FROM pg_temp.bad($$'role_id', role_table => 'roles_two_keys'$$);
SELECT * FROM pg_temp.bad($$'role_id', role_table => 'roles_text_key'$$);
SELECT * FROM pg_temp.bad($$'role_id', role_table => 'custom_roles', role_name_column => NULL$$);
SELECT * FROM pg_temp.bad($$'role_id', role_table => 'custom_roles', role_name_column => 'title'$$);
SELECT * FROM pg_temp.bad($$'role_id', role_table => 'custom_roles', role_name_column => 'company_id'$$);
SELECT * FROM pg_temp.bad($$'role_id', role_table => 'custom_roles', permissions_column => 'name'$$);
SELECT * FROM pg_temp.bad($$'role_id', role_table => 'custom_roles', permissions_column => 'perms'$$);
SELECT * FROM pg_temp.bad($$owner_table => 'companies'$$);
SELECT * FROM pg_temp.bad($$owner_column => 'owner_id'$$);
SELECT * FROM pg_temp.bad($$owner_table => 'companies', owner_column => 'owner'$$);
SELECT * FROM pg_temp.bad($$owner_table => 'companies_text_owner', owner_column => 'owner_id'$$);
SELECT * FROM pg_temp.bad($$owner_table => 'companies_bigint', owner_column => 'owner_id'$$);
SELECT * FROM pg_temp.bad($$owner_table => 'roles_view', owner_column => 'company_id'$$);
SELECT * FROM pg_temp.bad($$owner_table => 'companies', owner_column => 'owner_id', owner_role => NULL$$);
SELECT * FROM pg_temp.bad($$owner_table => 'companies', owner_column => 'owner_id', owner_permissions => NULL$$);
SELECT * FROM pg_temp.bad($$owner_table => 'companies', owner_column => 'owner_id', owner_permissions => '{a,NULL}'$$);
-- still the registration above, its triggers where they were
SELECT membership, role_table, owner_table FROM tenancy.membership_registration;
SELECT * FROM regress.membership_triggers('access_roles');

-- Dropped or changed after registration: the helpers say what changed.
DROP VIEW roles_view;
SELECT tenancy.register_membership('team_members', 'company_id', 'user_id', 'role_id', 'status',
                                   role_table => 'custom_roles', permissions_column => 'permissions',
                                   owner_table => 'companies', owner_column => 'owner_id');
SELECT regress.as_user('aaaaaaaa-0000-0000-0000-000000000001');
ALTER TABLE companies DROP COLUMN owner_id;
SELECT * FROM regress.caught($$SELECT tenancy.user_workspaces()$$);
ALTER TABLE custom_roles ALTER COLUMN permissions TYPE text;
SELECT * FROM regress.caught($$SELECT tenancy.user_workspaces()$$);
DROP TABLE custom_roles;
SELECT * FROM regress.caught($$SELECT tenancy.user_workspaces()$$);

SELECT regress.as_user(NULL);
DELETE FROM tenancy.membership_registration;
DROP SCHEMA access_roles CASCADE;
DROP ROLE access_roles_app;
