-- hostile_access_role_names: roles tables, owners and scope parents whose
-- schema, table and column names hold quotes, semicolons, spaces, mixed
-- case and 63 bytes (docs/security.md): registration quotes every name,
-- the helpers answer, the change triggers land on the right tables, and a
-- missing column is named exactly in the error.

CREATE SCHEMA "Hostile; ""Acc"" names";
SET search_path = "Hostile; ""Acc"" names", public;

-- 63-byte names (the longest PostgreSQL keeps) for the roles table, its
-- columns, the role column, the tenant table and its owner column, and
-- 63-byte role names in the rows, owner_role and parent_roles
CREATE TABLE "Ro""les; DROP TABLE x; --rrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrr" (
  "Id Col" int PRIMARY KEY,
  "nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn" text NOT NULL,
  "Perm;Issionsppppppppppppppppppppppppppppppppppppppppppppppppppp" jsonb);
INSERT INTO "Ro""les; DROP TABLE x; --rrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrr" VALUES
  (1, 'Ad"min; xaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', '{"billing": true, "jobs view": true}'), (2, 'Viewer', '{"jobs view": true}');
CREATE TABLE "Org Members" ("Org ""Id""" uuid, "User;Id" uuid, "Role Idiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiii" int,
  PRIMARY KEY ("User;Id", "Org ""Id"""));
INSERT INTO "Org Members" VALUES
  ('00000000-0000-0000-0000-0000000000a1', 'aaaaaaaa-0000-0000-0000-000000000001', 1),
  ('00000000-0000-0000-0000-0000000000a1', 'bbbbbbbb-0000-0000-0000-000000000002', 2);
CREATE TABLE "Orgsggggggggggggggggggggggggggggggggggggggggggggggggggggggggggg" ("ID" uuid PRIMARY KEY,
  "oooooooooooooooooooooooooooooooooooooooooooooooooooooooooooooow" uuid);
INSERT INTO "Orgsggggggggggggggggggggggggggggggggggggggggggggggggggggggggggg" VALUES
  ('00000000-0000-0000-0000-0000000000a2', 'cccccccc-0000-0000-0000-000000000003');
CREATE TABLE "Work Spaces" ("ID" uuid PRIMARY KEY, "Org;Id" uuid);
CREATE INDEX ON "Work Spaces" ("Org;Id");
INSERT INTO "Work Spaces" VALUES
  ('00000000-0000-0000-0000-0000000000f1', '00000000-0000-0000-0000-0000000000a1'),
  ('00000000-0000-0000-0000-0000000000f2', '00000000-0000-0000-0000-0000000000a2');
CREATE TABLE "ws.members" ("Workspace Id" uuid, "User Id" uuid, "Ro le" text,
  PRIMARY KEY ("User Id", "Workspace Id"));
CREATE INDEX ON "Orgsggggggggggggggggggggggggggggggggggggggggggggggggggggggggggg" ("oooooooooooooooooooooooooooooooooooooooooooooooooooooooooooooow");

-- a roles table without the named column: the error names it, nothing is registered
SELECT state, message FROM regress.caught($$
  SELECT tenancy.register_membership('"Org Members"', 'Org "Id"', 'User;Id', 'Role Idiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiii',
    scope => 'hostile_org', role_table => '"Ro""les; DROP TABLE x; --rrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrr"',
    role_name_column => 'nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnX',
    permissions_column => 'Perm;Issionsppppppppppppppppppppppppppppppppppppppppppppppppppp')$$);
SELECT count(*) AS registered FROM tenancy.membership_registration WHERE scope = 'hostile_org';

SELECT tenancy.register_membership('"Org Members"', 'Org "Id"', 'User;Id', 'Role Idiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiii',
  scope => 'hostile_org', role_table => '"Ro""les; DROP TABLE x; --rrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrr"',
  role_name_column => 'nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn',
  permissions_column => 'Perm;Issionsppppppppppppppppppppppppppppppppppppppppppppppppppp',
  owner_table => '"Orgsggggggggggggggggggggggggggggggggggggggggggggggggggggggggggg"',
  owner_column => 'oooooooooooooooooooooooooooooooooooooooooooooooooooooooooooooow',
  owner_role => 'Own"er; xoooooooooooooooooooooooooooooooooooooooooooooooooooooo', owner_permissions => '{billing}');
SELECT tenancy.register_membership('"ws.members"', 'Workspace Id', 'User Id', 'Ro le');
-- parent_roles of 63 bytes: the Admin and owner roles reach the workspaces, Viewer does not
SELECT tenancy.register_scope_parent('workspace', 'hostile_org', '"Work Spaces"', 'ID', 'Org;Id',
  parent_roles => ARRAY['Ad"min; xaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', 'Own"er; xoooooooooooooooooooooooooooooooooooooooooooooooooooooo']);

-- the change triggers sit on every table the cache reads, and only there
SELECT t.tgrelid::regclass AS tbl, count(*) AS triggers
  FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
 WHERE c.relnamespace = '"Hostile; ""Acc"" names"'::regnamespace AND t.tgname LIKE 'tenancy_membership_%'
 GROUP BY 1 ORDER BY 1::text;

-- ann (Admin of a1) reaches f1 through the organization with its permissions;
-- cat owns a2 and reaches f2 as its owner
SELECT regress.as_user('aaaaaaaa-0000-0000-0000-000000000001');
SELECT tenancy.user_workspaces('hostile_org') AS orgs, tenancy.user_workspaces() AS workspaces;
SELECT tenancy.user_workspace_role('00000000-0000-0000-0000-0000000000f1') AS role,
       tenancy.user_has_permission('00000000-0000-0000-0000-0000000000f1', 'jobs view') AS jobs_view,
       tenancy.user_has_permission('00000000-0000-0000-0000-0000000000f1', 'billing') AS billing;
-- bob, a Viewer of a1, is not among parent_roles: no workspace, no permission
SELECT regress.as_user('bbbbbbbb-0000-0000-0000-000000000002');
SELECT tenancy.user_workspaces() AS workspaces,
       tenancy.user_has_permission('00000000-0000-0000-0000-0000000000f1', 'jobs view') AS jobs_view,
       tenancy.user_has_permission('00000000-0000-0000-0000-0000000000f1', 'billing') AS billing;
SELECT regress.as_user('cccccccc-0000-0000-0000-000000000003');
SELECT tenancy.user_workspaces() AS workspaces,
       tenancy.user_workspace_role('00000000-0000-0000-0000-0000000000f2') AS role,
       tenancy.user_has_permission('00000000-0000-0000-0000-0000000000f2', 'billing') AS billing;

-- a change through a hostile name reaches the cache at the next statement
UPDATE "Ro""les; DROP TABLE x; --rrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrr" SET "Perm;Issionsppppppppppppppppppppppppppppppppppppppppppppppppppp" = '{}' WHERE "Id Col" = 1;
SELECT regress.as_user('aaaaaaaa-0000-0000-0000-000000000001');
SELECT tenancy.user_has_permission('00000000-0000-0000-0000-0000000000f1', 'jobs view') AS jobs_view;
UPDATE "Work Spaces" SET "Org;Id" = NULL WHERE "ID" = '00000000-0000-0000-0000-0000000000f1';
SELECT tenancy.user_workspaces() AS workspaces;

SELECT regress.as_user(NULL);
SELECT tenancy.unregister_scope_parent('workspace');
DELETE FROM tenancy.membership_registration WHERE scope <> 'workspace';
DELETE FROM tenancy.scope_parent;
RESET search_path;
DROP SCHEMA "Hostile; ""Acc"" names" CASCADE;
