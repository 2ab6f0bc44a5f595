-- access_membership_policies: enable_isolation on a named scope's own
-- membership table gives it the membership table's policies in that scope
-- (docs/isolation.md "The membership table"): members read the memberships
-- of their tenants, only members whose role in the scope is one of its
-- manager_roles write them, nobody writes the row of the user they are. In
-- a scope of bigint tenants and text users with roles from a table, under
-- hostile names, and in a scope derived from a parent (the parent's
-- managers manage). Bad input is a clear error and changes nothing.
CREATE SCHEMA amp;
SET search_path = amp, public;
SET client_min_messages = warning;
CREATE ROLE amp_app;
RESET client_min_messages;
GRANT USAGE ON SCHEMA amp TO amp_app;

-- organizations (uuid) of text users
CREATE TABLE org_members (org_id uuid, user_id text COLLATE "C", role text, other_org uuid);
CREATE INDEX ON org_members (user_id);
INSERT INTO org_members VALUES
  ('00000000-0000-0000-0000-0000000000a1', 'user_boss', 'admin', NULL),
  ('00000000-0000-0000-0000-0000000000a1', 'user_staff', 'member', NULL);
SELECT tenancy.register_membership('org_members', 'org_id', 'user_id', 'role',
                                   manager_roles => '{admin}', scope => 'organization');
-- projects (bigint) of the organizations, with members of their own whose
-- roles live in a table; hostile table and column names
CREATE TABLE projects (id bigint PRIMARY KEY, org_id uuid);
CREATE INDEX ON projects (org_id);
INSERT INTO projects VALUES (1, '00000000-0000-0000-0000-0000000000a1'), (2, NULL);
CREATE TABLE project_roles (id int PRIMARY KEY, name text);
INSERT INTO project_roles VALUES (1, 'lead'), (2, 'viewer');
CREATE TABLE "Project Members" ("Pro""ject" bigint, "user id" text COLLATE "C", "role;id" int);
CREATE INDEX ON "Project Members" ("user id");
GRANT SELECT, INSERT, UPDATE, DELETE ON "Project Members" TO amp_app;
-- project 1: user_lead leads, user_view views; project 2: user_lead views, user_other leads
INSERT INTO "Project Members" VALUES
  (1, 'user_lead', 1), (1, 'user_view', 2), (2, 'user_lead', 2), (2, 'user_other', 1);
SELECT tenancy.register_membership('amp."Project Members"', 'Pro"ject', 'user id', 'role;id',
                                   manager_roles => '{lead,admin}', scope => 'project',
                                   role_table => 'project_roles');

-- Left out, the scope is the registration's: the policies call the
-- project scope's helpers of its types.
SELECT * FROM tenancy.enable_isolation('amp."Project Members"', 'Pro"ject');
SELECT relid, tenant_column, policy_kind, scope FROM tenancy.isolated_tables
 WHERE relid = 'amp."Project Members"'::regclass;

-- The viewer reads the memberships of its project only...
SELECT regress.as_user('user_view');
SET ROLE amp_app;
SELECT * FROM "Project Members" ORDER BY 1, 2;
-- ...and cannot raise itself, add itself or anyone, or remove others.
UPDATE "Project Members" SET "role;id" = 1 WHERE "user id" = 'user_view';
INSERT INTO "Project Members" VALUES (1, 'user_view', 1);
INSERT INTO "Project Members" VALUES (1, 'user_friend', 1);
DELETE FROM "Project Members" WHERE "role;id" = 1;
RESET ROLE;

-- The lead manages the other members of its project...
SELECT regress.as_user('user_lead');
SET ROLE amp_app;
INSERT INTO "Project Members" VALUES (1, 'user_new', 2);
UPDATE "Project Members" SET "role;id" = 1 WHERE "user id" = 'user_new';
-- ...but not its own row, not in project 2 where it only views, and it
-- cannot move a membership there.
UPDATE "Project Members" SET "role;id" = 2 WHERE "user id" = 'user_lead' AND "Pro""ject" = 1;
INSERT INTO "Project Members" VALUES (1, 'user_lead', 1);
INSERT INTO "Project Members" VALUES (2, 'user_friend', 2);
UPDATE "Project Members" SET "role;id" = 2 WHERE "Pro""ject" = 2;
UPDATE "Project Members" SET "Pro""ject" = 2 WHERE "user id" = 'user_new';
RESET ROLE;
-- No user: nothing.
SELECT regress.as_user(NULL);
SET ROLE amp_app;
DELETE FROM "Project Members";
RESET ROLE;
SELECT * FROM "Project Members" ORDER BY 1, 2;

-- Derived memberships manage too: the project scope derives from the
-- organizations, whose admins reach project 1 as 'admin' (a manager role
-- of the scope); a plain organization member does not manage.
SELECT tenancy.register_scope_parent('project', 'organization', 'projects', 'id', 'org_id');
SELECT regress.as_user('user_boss');
SET ROLE amp_app;
INSERT INTO "Project Members" VALUES (1, 'user_hired', 2);
INSERT INTO "Project Members" VALUES (1, 'user_boss', 1);
RESET ROLE;
SELECT regress.as_user('user_staff');
SET ROLE amp_app;
SELECT count(*) AS staff_reads FROM "Project Members";
INSERT INTO "Project Members" VALUES (1, 'user_staff', 1);
RESET ROLE;

-- A demotion is seen at the next statement: demoted, the lead writes nothing.
UPDATE "Project Members" SET "role;id" = 2 WHERE "user id" = 'user_lead' AND "Pro""ject" = 1;
SELECT regress.as_user('user_lead');
SET ROLE amp_app;
INSERT INTO "Project Members" VALUES (1, 'user_late', 2);
RESET ROLE;
UPDATE "Project Members" SET "role;id" = 1 WHERE "user id" = 'user_lead' AND "Pro""ject" = 1;
-- The last manager may leave, as in the default scope; project 2 (of no
-- organization) then has no manager: only the table's owner writes there.
SELECT regress.as_user('user_other');
SET ROLE amp_app;
DELETE FROM "Project Members" WHERE "user id" = 'user_other';
INSERT INTO "Project Members" VALUES (2, 'user_friend', 2);
RESET ROLE;

-- manager_roles is the scope's, read at each statement: registered again
-- (same scope and columns), viewers manage.
SELECT tenancy.register_membership('amp."Project Members"', 'Pro"ject', 'user id', 'role;id',
                                   manager_roles => '{viewer}', scope => 'project',
                                   role_table => 'project_roles');
SELECT regress.as_user('user_view');
SET ROLE amp_app;
INSERT INTO "Project Members" VALUES (1, 'user_guest', 2);
RESET ROLE;
SELECT * FROM "Project Members" ORDER BY 1, 2;

-- Bad input: a clear error, and nothing changes.
CREATE TABLE team_members (team_id uuid, user_id text COLLATE "C", role text);
SELECT tenancy.register_membership('team_members', 'team_id', 'user_id', 'role', scope => 'team');
SELECT * FROM regress.caught($$SELECT tenancy.enable_isolation('amp.org_members', 'org_id', scope => NULL)$$);
SELECT * FROM regress.caught($$SELECT tenancy.enable_isolation(NULL, 'org_id', scope => 'organization')$$);
SELECT * FROM regress.caught($$SELECT tenancy.enable_isolation('amp.org_members', NULL, scope => 'organization')$$);
-- a scope nobody registered: the hint names both ways to make one
SELECT * FROM regress.caught($$SELECT tenancy.enable_isolation('amp.org_members', 'org_id', scope => 'nope')$$);
-- another scope of the same id type
SELECT * FROM regress.caught($$SELECT tenancy.enable_isolation('amp.org_members', 'org_id', scope => 'team')$$);
-- a column other than the registered tenant column
SELECT * FROM regress.caught($$SELECT tenancy.enable_isolation('amp.org_members', 'other_org')$$);
-- through a key
SELECT * FROM regress.caught($$SELECT tenancy.enable_isolation('amp.org_members', through => 'org_id')$$);
-- a scope's mapping: a derived scope's, and one of a derived-only scope
-- (it has no membership table to isolate)
CREATE TABLE sites (slug text COLLATE "C" PRIMARY KEY, org_id uuid);
CREATE INDEX ON sites (org_id);
SELECT tenancy.register_scope_parent('site', 'organization', 'sites', 'slug', 'org_id');
SELECT * FROM regress.caught($$SELECT tenancy.enable_isolation('amp.projects', 'id', scope => 'project')$$);
SELECT * FROM regress.caught($$SELECT tenancy.enable_isolation('amp.sites', 'slug', scope => 'site')$$);
SELECT * FROM regress.caught($$SELECT tenancy.enable_isolation('amp.sites', 'org_id', scope => 'organization')$$);
-- a table several scopes register: its rows grant memberships in each
CREATE TABLE shared_members (a_id uuid, b_id uuid, user_id text COLLATE "C", role text);
SELECT tenancy.register_membership('shared_members', 'a_id', 'user_id', 'role', scope => 'shared_a');
SELECT tenancy.register_membership('shared_members', 'b_id', 'user_id', 'role', scope => 'shared_b');
SELECT * FROM regress.caught($$SELECT tenancy.enable_isolation('amp.shared_members', 'a_id')$$);
-- registered without a role column: nobody could manage
SELECT tenancy.register_membership('team_members', 'team_id', 'user_id', scope => 'team');
SELECT * FROM regress.caught($$SELECT tenancy.enable_isolation('amp.team_members', 'team_id')$$);
SELECT count(*) AS policies FROM pg_policy
 WHERE polrelid IN ('org_members'::regclass, 'projects'::regclass, 'sites'::regclass,
                    'shared_members'::regclass, 'team_members'::regclass);
SELECT count(*) AS recorded FROM tenancy.isolated_tables
 WHERE relid IN ('org_members'::regclass, 'projects'::regclass, 'sites'::regclass,
                 'shared_members'::regclass, 'team_members'::regclass);

-- An isolated membership table keeps its registration's scope and columns:
-- another scope, or another tenant or user column, is refused until
-- disable_isolation (its policies check managers by them).
SELECT * FROM regress.caught($$SELECT tenancy.register_membership('amp."Project Members"', 'Pro"ject', 'user id', 'role;id', scope => 'team', role_table => 'amp.project_roles')$$);
ALTER TABLE "Project Members" ADD COLUMN other_project bigint, ADD COLUMN other_user text COLLATE "C";
SELECT * FROM regress.caught($$SELECT tenancy.register_membership('amp."Project Members"', 'other_project', 'user id', 'role;id', scope => 'project', role_table => 'amp.project_roles')$$);
SELECT * FROM regress.caught($$SELECT tenancy.register_membership('amp."Project Members"', 'Pro"ject', 'other_user', 'role;id', scope => 'project', role_table => 'amp.project_roles')$$);
SELECT scope, membership, tenant_column, user_column FROM tenancy.membership_registration
 WHERE scope IN ('project', 'team') ORDER BY scope;
-- a table isolated as a tenant table, or through a key, is refused in any scope
CREATE TABLE notes (org_id uuid, user_id text COLLATE "C", role text);
SELECT count(*) AS statements FROM tenancy.enable_isolation('notes', 'org_id', scope => 'organization');
SELECT * FROM regress.caught($$SELECT tenancy.register_membership('amp.notes', 'org_id', 'user_id', 'role', scope => 'team')$$);
-- and an isolated table is refused as a scope's mapping
SELECT * FROM regress.caught($$SELECT tenancy.register_scope_parent('desk', 'organization', 'amp.notes', 'role', 'org_id')$$);
SELECT count(*) AS desk_scopes FROM tenancy.scope_parent WHERE scope = 'desk';
SELECT count(*) AS statements FROM tenancy.disable_isolation('amp."Project Members"');
SELECT tenancy.register_membership('amp."Project Members"', 'other_project', 'user id', 'role;id',
                                   scope => 'project', role_table => 'amp.project_roles');

-- Clean up (a superuser removes registrations by hand: docs/access.md).
SELECT tenancy.unregister_scope_parent('project'), tenancy.unregister_scope_parent('site');
DELETE FROM tenancy.membership_registration
 WHERE scope IN ('organization', 'project', 'team', 'shared_a', 'shared_b');
RESET search_path;
DROP SCHEMA amp CASCADE;
DROP ROLE amp_app;
SELECT regress.as_user(NULL);
