-- access_role_owner_tables: the tables whose rows decide what members may
-- do, beside the membership table (docs/isolation.md "Roles and owner
-- tables"). enable_isolation gives a registered roles table with a tenant
-- column the managers-only policies (members read their tenants' roles,
-- only managers write them); it refuses a roles table without one, and
-- register_membership refuses one isolated otherwise. An isolated owner
-- table is accepted and gets the owner guard (what the guard refuses:
-- sql/access_owner_guard.sql). In the default scope, under hostile names,
-- and in a named scope. Bad input is a clear error and changes nothing.
CREATE SCHEMA "ro;le";
SET search_path = "ro;le", public;
SET client_min_messages = warning;
CREATE ROLE aro_app;
RESET client_min_messages;
GRANT USAGE ON SCHEMA "ro;le" TO aro_app;

-- seed 003's shape: boss is an Admin (a manager) of c1, staff a Viewer of
-- c1 and of c2, own owns c2; hostile table and column names
CREATE TABLE "Com""panies" ("i d" uuid PRIMARY KEY, "Owner" uuid);
INSERT INTO "Com""panies" VALUES
  ('00000000-0000-0000-0000-0000000000c1', NULL),
  ('00000000-0000-0000-0000-0000000000c2', 'eeeeeeee-0000-0000-0000-000000000005');
CREATE TABLE "Cus'tom Roles" (id int PRIMARY KEY, "Com pany" uuid, name text, perms text[]);
INSERT INTO "Cus'tom Roles" VALUES
  (1, '00000000-0000-0000-0000-0000000000c1', 'admin', '{manage_team}'),
  (2, '00000000-0000-0000-0000-0000000000c1', 'Viewer', '{}'),
  (3, '00000000-0000-0000-0000-0000000000c2', 'Viewer', '{}');
CREATE TABLE members (company_id uuid, user_id uuid, role_id int);
CREATE INDEX ON members (user_id);
INSERT INTO members VALUES
  ('00000000-0000-0000-0000-0000000000c1', 'bbbbbbbb-0000-0000-0000-000000000001', 1),
  ('00000000-0000-0000-0000-0000000000c1', 'dddddddd-0000-0000-0000-000000000002', 2),
  ('00000000-0000-0000-0000-0000000000c2', 'dddddddd-0000-0000-0000-000000000002', 3);
GRANT SELECT, INSERT, UPDATE, DELETE ON "Com""panies", "Cus'tom Roles" TO aro_app;
SELECT tenancy.register_membership('members', 'company_id', 'user_id', 'role_id',
                                   role_table => '"ro;le"."Cus''tom Roles"', permissions_column => 'perms',
                                   owner_table => '"ro;le"."Com""panies"', owner_column => 'Owner');

-- A roles table without the named tenant column, or in another scope, or through a key
SELECT * FROM regress.caught($$SELECT tenancy.enable_isolation('"ro;le"."Cus''tom Roles"')$$);
SELECT * FROM regress.caught($$SELECT tenancy.enable_isolation('"ro;le"."Cus''tom Roles"', 'Com pany', scope => 'other')$$);
SELECT * FROM regress.caught($$SELECT tenancy.enable_isolation('"ro;le"."Cus''tom Roles"', through => 'Com pany')$$);
SELECT count(*) AS isolated FROM tenancy.isolated_tables
 WHERE relid IN ('"Com""panies"'::regclass, '"Cus''tom Roles"'::regclass);
SELECT count(*) AS policies FROM pg_policy
 WHERE polrelid IN ('"Com""panies"'::regclass, '"Cus''tom Roles"'::regclass);

-- The roles table with its tenant column: the managers-only policies.
SELECT * FROM tenancy.enable_isolation('"ro;le"."Cus''tom Roles"', 'Com pany');
SELECT relid, tenant_column, policy_kind, scope FROM tenancy.isolated_tables
 WHERE relid = '"Cus''tom Roles"'::regclass;

-- A viewer reads its companies' roles, and cannot grant its role a
-- permission, rename it to a manager role, add a role or remove one.
SELECT regress.as_user('dddddddd-0000-0000-0000-000000000002');
SET ROLE aro_app;
SELECT id, name, perms FROM "Cus'tom Roles" ORDER BY id;
UPDATE "Cus'tom Roles" SET perms = '{manage_team}' WHERE id = 2;
UPDATE "Cus'tom Roles" SET name = 'admin' WHERE id = 3;
SELECT * FROM regress.caught($$INSERT INTO "ro;le"."Cus'tom Roles" VALUES (4, '00000000-0000-0000-0000-0000000000c2', 'admin', '{}')$$);
DELETE FROM "Cus'tom Roles";
RESET ROLE;
SELECT tenancy.user_has_permission('00000000-0000-0000-0000-0000000000c1', 'manage_team') AS viewer_manages;
SELECT id, name, perms FROM "Cus'tom Roles" ORDER BY id;

-- The admin of c1 writes c1's roles, and not c2's.
SELECT regress.as_user('bbbbbbbb-0000-0000-0000-000000000001');
SET ROLE aro_app;
SELECT id, name FROM "Cus'tom Roles" ORDER BY id;
UPDATE "Cus'tom Roles" SET perms = '{reports}' WHERE id = 2;
INSERT INTO "Cus'tom Roles" VALUES (4, '00000000-0000-0000-0000-0000000000c1', 'Lead', '{}');
SELECT * FROM regress.caught($$INSERT INTO "ro;le"."Cus'tom Roles" VALUES (5, '00000000-0000-0000-0000-0000000000c2', 'Lead', '{}')$$);
SELECT * FROM regress.caught($$UPDATE "ro;le"."Cus'tom Roles" SET "Com pany" = '00000000-0000-0000-0000-0000000000c2' WHERE id = 4$$);
DELETE FROM "Cus'tom Roles" WHERE id = 4;
RESET ROLE;
SELECT id, name, perms FROM "Cus'tom Roles" ORDER BY id;
SELECT regress.as_user('dddddddd-0000-0000-0000-000000000002');
SELECT tenancy.user_has_permission('00000000-0000-0000-0000-0000000000c1', 'reports') AS viewer_reports;

-- Registered again in its scope, the isolated roles table is accepted.
SELECT tenancy.register_membership('members', 'company_id', 'user_id', 'role_id',
                                   role_table => '"ro;le"."Cus''tom Roles"', permissions_column => 'perms',
                                   owner_table => '"ro;le"."Com""panies"', owner_column => 'Owner');

-- register_membership accepts an owner table isolated before it named it,
-- and puts the owner guard on it; it refuses a roles table isolated in
-- another scope, and one isolated as a tenant table, the registration
-- staying as it was.
SELECT tenancy.register_membership('members', 'company_id', 'user_id', 'role_id',
                                   role_table => '"ro;le"."Cus''tom Roles"', permissions_column => 'perms');
SELECT count(*) AS statements FROM tenancy.enable_isolation('"ro;le"."Com""panies"', 'i d');
SELECT tgname FROM pg_trigger WHERE tgrelid = '"Com""panies"'::regclass AND NOT tgisinternal ORDER BY 1;
SELECT tenancy.register_membership('"ro;le".members', 'company_id', 'user_id', 'role_id', role_table => '"ro;le"."Cus''tom Roles"', owner_table => '"ro;le"."Com""panies"', owner_column => 'Owner');
SELECT tgname FROM pg_trigger WHERE tgrelid = '"Com""panies"'::regclass AND NOT tgisinternal ORDER BY 1;
SELECT * FROM regress.caught($$SELECT tenancy.register_membership('"ro;le".members', 'company_id', 'user_id', 'role_id', scope => 'firm', role_table => '"ro;le"."Cus''tom Roles"')$$);
SELECT count(*) AS statements FROM tenancy.disable_isolation('"ro;le"."Cus''tom Roles"');
SELECT tenancy.register_membership('members', 'company_id', 'user_id');
SELECT count(*) AS statements FROM tenancy.enable_isolation('"ro;le"."Cus''tom Roles"', 'Com pany');
SELECT relid, policy_kind FROM tenancy.isolated_tables WHERE relid = '"Cus''tom Roles"'::regclass;
SELECT * FROM regress.caught($$SELECT tenancy.register_membership('"ro;le".members', 'company_id', 'user_id', 'role_id', role_table => '"ro;le"."Cus''tom Roles"')$$);
SELECT scope, role_column, role_table, owner_table FROM tenancy.membership_registration;
SELECT count(*) AS statements FROM tenancy.disable_isolation('"ro;le"."Cus''tom Roles"');
SELECT count(*) AS statements FROM tenancy.disable_isolation('"ro;le"."Com""panies"');

-- A named scope: its roles table is isolated in that scope by default, its
-- managers write it; the default scope may not then register it, and a
-- roles table two scopes register is refused.
DELETE FROM tenancy.membership_registration WHERE scope = 'workspace';
SELECT tenancy.register_membership('members', 'company_id', 'user_id', 'role_id', scope => 'firm',
                                   role_table => '"ro;le"."Cus''tom Roles"');
SELECT * FROM tenancy.enable_isolation('"ro;le"."Cus''tom Roles"', 'Com pany');
SELECT * FROM regress.caught($$SELECT tenancy.register_membership('"ro;le".members', 'company_id', 'user_id', 'role_id', role_table => '"ro;le"."Cus''tom Roles"')$$);
-- nor may another scope register it as its membership table (its policies
-- would let managers write their own memberships)
SELECT * FROM regress.caught($$SELECT tenancy.register_membership('"ro;le"."Cus''tom Roles"', 'Com pany', 'name', scope => 'other')$$);
SELECT regress.as_user('dddddddd-0000-0000-0000-000000000002');
SET ROLE aro_app;
UPDATE "Cus'tom Roles" SET name = 'admin' WHERE id = 2;
RESET ROLE;
SELECT regress.as_user('bbbbbbbb-0000-0000-0000-000000000001');
SET ROLE aro_app;
UPDATE "Cus'tom Roles" SET name = 'Guest' WHERE id = 2;
RESET ROLE;
SELECT id, name FROM "Cus'tom Roles" ORDER BY id;
SELECT count(*) AS statements FROM tenancy.disable_isolation('"ro;le"."Cus''tom Roles"');
SELECT tenancy.register_membership('members', 'company_id', 'user_id', 'role_id',
                                   role_table => '"ro;le"."Cus''tom Roles"');
SELECT * FROM regress.caught($$SELECT tenancy.enable_isolation('"ro;le"."Cus''tom Roles"', 'Com pany')$$);
SELECT count(*) AS isolated FROM tenancy.isolated_tables WHERE relid = '"Cus''tom Roles"'::regclass;

-- Bad input: NULLs.
SELECT * FROM regress.caught($$SELECT tenancy.enable_isolation(NULL, 'Com pany')$$);
SELECT * FROM regress.caught($$SELECT tenancy.enable_isolation('"ro;le"."Cus''tom Roles"', NULL)$$);

-- Clean up (a superuser removes registrations by hand: docs/access.md).
DELETE FROM tenancy.membership_registration;
RESET search_path;
DROP SCHEMA "ro;le" CASCADE;
DROP ROLE aro_app;
SELECT regress.as_user(NULL);
