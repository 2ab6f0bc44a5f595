-- access_roles_id_types: roles, permissions and tenant owners in scopes
-- whose ids are text or bigint (docs/access.md "Roles and permissions",
-- "Id types"): the typed permission helpers, owners matched in the user
-- column's type, wrong-type calls, freshness and the planner support.

CREATE SCHEMA roles_ids;
-- as: the claims of one transaction, one value back (or the error's fields)

-- Text users, bigint tenants, roles keyed by integer with text[] permissions.
-- user_ann: Admin of 10, Viewer of 20, owner of 30. User_ann (another user
-- by one byte) owns 40. user_bob: Viewer of 10.
CREATE TABLE roles_ids.accounts (id bigint PRIMARY KEY, owner_id text COLLATE "C");
CREATE INDEX ON roles_ids.accounts (owner_id);
INSERT INTO roles_ids.accounts VALUES (10, NULL), (20, 'user_bob'), (30, 'user_ann'), (40, 'User_ann');
CREATE TABLE roles_ids.account_roles (id int PRIMARY KEY, name text NOT NULL, permissions text[]);
INSERT INTO roles_ids.account_roles VALUES
  (1, 'Admin', '{view,manage}'), (2, 'Viewer', '{view}');
CREATE TABLE roles_ids.account_members (
  account_id bigint NOT NULL, user_id text NOT NULL, role_id int,
  PRIMARY KEY (user_id, account_id));
INSERT INTO roles_ids.account_members VALUES
  (10, 'user_ann', 1), (20, 'user_ann', 2), (10, 'user_bob', 2);
SELECT tenancy.register_membership('roles_ids.account_members', 'account_id', 'user_id', 'role_id',
                                   role_table => 'roles_ids.account_roles',
                                   permissions_column => 'permissions',
                                   owner_table => 'roles_ids.accounts', owner_column => 'owner_id',
                                   owner_permissions => '{view,manage,billing}',
                                   scope => 'acct');

SELECT regress.run_as_user('user_ann', $$SELECT tenancy.user_workspaces_with_permission_bigint('view', 'acct')::text$$);
SELECT regress.run_as_user('user_ann', $$SELECT tenancy.user_workspaces_with_permission_bigint('manage', 'acct')::text$$);
SELECT regress.run_as_user('user_ann', $$SELECT tenancy.user_workspaces_with_permission_bigint('billing', 'acct')::text$$);
SELECT regress.run_as_user('User_ann', $$SELECT tenancy.user_workspaces_with_permission_bigint('billing', 'acct')::text$$);
SELECT regress.run_as_user('user_bob', $$SELECT tenancy.user_workspaces_with_permission_bigint('view', 'acct')::text$$);
SELECT regress.run_as_user('user_ann', $$SELECT tenancy.user_workspaces_bigint('acct')::text$$);
SELECT regress.run_as_user('user_ann', $$SELECT tenancy.user_workspace_role(30::bigint, 'acct')$$);
-- the per-row form, bigint and text arguments
SELECT a.id,
       regress.run_as_user('user_ann', format($$SELECT tenancy.user_has_permission(%s::bigint, 'manage', 'acct')::text$$, a.id)) AS manage,
       regress.run_as_user('user_ann', format($$SELECT tenancy.user_has_permission(%L, 'view', 'acct')::text$$, a.id)) AS view_text_arg
  FROM roles_ids.accounts a ORDER BY a.id;
-- NULLs and no user answer false / nothing
SELECT regress.run_as_user('user_ann', $$SELECT tenancy.user_has_permission(NULL::bigint, 'view', 'acct')::text$$);
SELECT regress.run_as_user('user_ann', $$SELECT tenancy.user_has_permission(10::bigint, NULL, 'acct')::text$$);
SELECT regress.with_setting('request.jwt.claims', '', $$SELECT tenancy.user_workspaces_with_permission_bigint('view', 'acct')::text$$);
-- the wrong type for the scope: 42804, naming the call to make
SELECT regress.run_as_user('user_ann', $$SELECT tenancy.user_workspaces_with_permission('view', 'acct')::text$$);
SELECT regress.run_as_user('user_ann', $$SELECT tenancy.user_workspaces_with_permission_text('view', 'acct')::text$$);
SELECT regress.run_as_user('user_ann', $$SELECT tenancy.user_has_permission('00000000-0000-0000-0000-00000000000a'::uuid, 'view', 'acct')::text$$);
-- a text argument that is not an integer: 22P02, as for the other helpers
SELECT regress.run_as_user('user_ann', $$SELECT tenancy.user_has_permission('ten', 'view', 'acct')::text$$);

-- Freshness: a change of owner or of a role's permissions is seen at the next statement.
UPDATE roles_ids.accounts SET owner_id = 'user_ann' WHERE id = 40;
SELECT regress.run_as_user('user_ann', $$SELECT tenancy.user_workspaces_with_permission_bigint('billing', 'acct')::text$$);
UPDATE roles_ids.account_roles SET permissions = '{view,billing}' WHERE id = 2;
SELECT regress.run_as_user('user_bob', $$SELECT tenancy.user_workspaces_with_permission_bigint('billing', 'acct')::text$$);

-- Integer users, text tenants, roles keyed by text with jsonb permissions.
-- User 1: lead of alpha, owner of beta and Alpha (distinct texts, byte order).
CREATE TABLE roles_ids.crews (slug text PRIMARY KEY, owner_id bigint);
INSERT INTO roles_ids.crews VALUES ('alpha', 2), ('beta', 1), ('Alpha', 1), ('gamma', NULL);
CREATE TABLE roles_ids.crew_roles (key text PRIMARY KEY, name text NOT NULL, permissions jsonb);
INSERT INTO roles_ids.crew_roles VALUES ('lead', 'Lead', '{"deploy": true}'), ('guest', 'Guest', '{}');
CREATE TABLE roles_ids.crew_members (crew text, user_id bigint, role_key text);
CREATE INDEX ON roles_ids.crew_members (user_id);
INSERT INTO roles_ids.crew_members VALUES ('alpha', 1, 'lead'), ('gamma', 1, 'guest'), ('alpha', 2, 'guest');
SELECT tenancy.register_membership('roles_ids.crew_members', 'crew', 'user_id', 'role_key',
                                   role_table => 'roles_ids.crew_roles',
                                   permissions_column => 'permissions',
                                   owner_table => 'roles_ids.crews', owner_column => 'owner_id',
                                   owner_permissions => '{deploy}',
                                   scope => 'crew');
SELECT regress.run_as_user('1', $$SELECT tenancy.user_workspaces_with_permission_text('deploy', 'crew')::text$$);
SELECT regress.run_as_user('1', $$SELECT tenancy.user_workspaces_text('crew')::text$$);
SELECT regress.run_as_user('2', $$SELECT tenancy.user_workspaces_with_permission_text('deploy', 'crew')::text$$);
SELECT c.slug,
       regress.run_as_user('1', format($$SELECT tenancy.user_has_permission(%L, 'deploy', 'crew')::text$$, c.slug)) AS deploy,
       regress.run_as_user('1', format($$SELECT tenancy.user_workspace_role(%L, 'crew')$$, c.slug)) AS role
  FROM roles_ids.crews c ORDER BY c.slug COLLATE "C";
-- a near miss names no tenant of the user
SELECT regress.run_as_user('1', $$SELECT tenancy.user_has_permission('BETA', 'deploy', 'crew')::text$$);
SELECT regress.run_as_user('1', $$SELECT tenancy.user_has_permission(7::bigint, 'deploy', 'crew')::text$$);
-- the owner claim must be an integer in an integer user scope
SELECT regress.run_as_user('user_1', $$SELECT tenancy.user_workspaces_with_permission_text('deploy', 'crew')::text$$);
DELETE FROM roles_ids.crews WHERE slug = 'beta';
SELECT regress.run_as_user('1', $$SELECT tenancy.user_workspaces_with_permission_text('deploy', 'crew')::text$$);

-- The per-row permission helper becomes an index condition for bigint and
-- text (in a text scope) tenant columns.
CREATE TABLE roles_ids.invoices (id int, account_id bigint);
CREATE INDEX ON roles_ids.invoices (account_id);
CREATE TABLE roles_ids.deploys (id int, crew text);
CREATE INDEX ON roles_ids.deploys (crew);
SET enable_seqscan = off;
SET enable_bitmapscan = off;
EXPLAIN (COSTS OFF) SELECT * FROM roles_ids.invoices WHERE tenancy.user_has_permission(account_id, 'view', 'acct');
EXPLAIN (COSTS OFF) SELECT * FROM roles_ids.deploys WHERE tenancy.user_has_permission(crew, 'deploy', 'crew');
RESET enable_seqscan;
RESET enable_bitmapscan;
-- a text argument in a bigint scope stays a filter: its text form is converted per row
EXPLAIN (COSTS OFF) SELECT * FROM roles_ids.deploys WHERE tenancy.user_has_permission(crew, 'view', 'acct');
INSERT INTO roles_ids.invoices VALUES (1, 10), (2, 20), (3, 30), (4, 40);
SELECT regress.run_as_user('user_bob', $$SELECT array_agg(id ORDER BY id)::text FROM roles_ids.invoices WHERE tenancy.user_has_permission(account_id, 'billing', 'acct')$$);

-- Registration: the owner column has the user column's type, and a text
-- one a deterministic collation (ICU ones: a server without ICU has none
-- to refuse).
CREATE TABLE roles_ids.bad_accounts (id bigint PRIMARY KEY, owner_id uuid);
SELECT * FROM regress.caught($$SELECT tenancy.register_membership('roles_ids.account_members', 'account_id', 'user_id', 'role_id', role_table => 'roles_ids.account_roles', owner_table => 'roles_ids.bad_accounts', owner_column => 'owner_id', scope => 'acct')$$);
CREATE FUNCTION roles_ids.nondeterministic_refused(OUT state text, OUT message text) LANGUAGE plpgsql AS $$
BEGIN
  state := '42804';
  message := 'owner column "owner_ci" has a nondeterministic collation';
  BEGIN
    CREATE COLLATION roles_ids.case_blind (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
  EXCEPTION WHEN feature_not_supported THEN
    RETURN; -- no ICU
  END;
  ALTER TABLE roles_ids.accounts ADD COLUMN owner_ci text COLLATE roles_ids.case_blind;
  SELECT c.state, c.message INTO state, message FROM regress.caught(
    $q$SELECT tenancy.register_membership('roles_ids.account_members', 'account_id', 'user_id', 'role_id',
         role_table => 'roles_ids.account_roles', owner_table => 'roles_ids.accounts',
         owner_column => 'owner_ci', scope => 'acct')$q$) c;
END $$;
SELECT * FROM roles_ids.nondeterministic_refused();
-- both refused calls left the registration as it was
SELECT owner_column, owner_permissions FROM tenancy.membership_registration WHERE scope = 'acct';

DELETE FROM tenancy.membership_registration WHERE scope IN ('acct', 'crew');
SET client_min_messages = warning; -- what the schema holds differs with ICU
DROP SCHEMA roles_ids CASCADE;
RESET client_min_messages;
