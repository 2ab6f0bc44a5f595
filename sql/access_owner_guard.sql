-- access_owner_guard: an isolated owner (tenant) table keeps the
-- tenant-table policies, and its guard trigger keeps members from making
-- themselves a tenant's owner (docs/isolation.md "Roles and owner tables").
-- Setting or changing the owner column, changing the key and deleting take
-- a manager of the tenant (of both tenants for a key), nobody makes
-- themself the owner; callers not subject to row level security write
-- freely. Default scope with uuid ids, a named scope with bigint tenants,
-- text users and 63-byte hostile names; re-registration with another owner
-- column; disable_isolation; the report.
CREATE SCHEMA "gu;ard";
SET search_path = "gu;ard", public;
SET client_min_messages = warning;
CREATE ROLE aog_app;
CREATE ROLE aog_owner;
RESET client_min_messages;
GRANT USAGE ON SCHEMA "gu;ard" TO aog_app, aog_owner;

-- boss is an admin of c1 and c4, staff a viewer of c1 and c3, own owns c1
-- through the owner column; c3 and c4 have no tenant row
CREATE TABLE "Com""panies" ("i d" uuid PRIMARY KEY, "Own er" uuid, name text);
INSERT INTO "Com""panies" VALUES
  ('00000000-0000-0000-0000-0000000000c1', 'eeeeeeee-0000-0000-0000-000000000005', 'one'),
  ('00000000-0000-0000-0000-0000000000c2', NULL, 'two');
CREATE TABLE members (company_id uuid, user_id uuid, role text);
CREATE INDEX ON members (user_id);
INSERT INTO members VALUES
  ('00000000-0000-0000-0000-0000000000c1', 'bbbbbbbb-0000-0000-0000-000000000001', 'admin'),
  ('00000000-0000-0000-0000-0000000000c4', 'bbbbbbbb-0000-0000-0000-000000000001', 'admin'),
  ('00000000-0000-0000-0000-0000000000c1', 'dddddddd-0000-0000-0000-000000000002', 'viewer'),
  ('00000000-0000-0000-0000-0000000000c3', 'dddddddd-0000-0000-0000-000000000002', 'viewer');
GRANT SELECT, INSERT, UPDATE, DELETE ON "Com""panies" TO aog_app, aog_owner;
ALTER TABLE "Com""panies" OWNER TO aog_owner;
SELECT tenancy.register_membership('members', 'company_id', 'user_id', 'role',
                                   owner_table => '"gu;ard"."Com""panies"', owner_column => 'Own er');

-- enable_isolation: the tenant-table policies and the guard; once.
SELECT * FROM tenancy.enable_isolation('"gu;ard"."Com""panies"', 'i d');
SELECT * FROM tenancy.enable_isolation('"gu;ard"."Com""panies"', 'i d');
SELECT * FROM tenancy.enable_isolation('"gu;ard"."Com""panies"', 'i d', replace => true);
SELECT tgname, tgtype FROM pg_trigger WHERE tgrelid = '"Com""panies"'::regclass AND NOT tgisinternal ORDER BY 1;
SELECT relid, tenant_column, policy_kind, scope FROM tenancy.isolated_tables WHERE relid = '"Com""panies"'::regclass;
SELECT table_name, problems, isolation FROM tenancy.isolation_report('{gu;ard}') WHERE table_name = '"Com""panies"'::regclass;

-- A viewer reads its tenant's row and renames it, and cannot set the owner
-- (UPDATE, UPDATE ... FROM, INSERT ... ON CONFLICT DO UPDATE), move the
-- row to another tenant of theirs, insert a row with an owner, or delete.
SELECT regress.as_user('dddddddd-0000-0000-0000-000000000002');
SET ROLE aog_app;
UPDATE "Com""panies" SET name = 'One' RETURNING "i d", "Own er", name;
SELECT * FROM regress.caught($$UPDATE "gu;ard"."Com""panies" SET "Own er" = 'dddddddd-0000-0000-0000-000000000002'$$);
SELECT * FROM regress.caught($$UPDATE "gu;ard"."Com""panies" SET "Own er" = NULL$$);
SELECT * FROM regress.caught($$UPDATE "gu;ard"."Com""panies" c SET "Own er" = v.u FROM (VALUES ('dddddddd-0000-0000-0000-000000000002'::uuid)) v(u)$$);
SELECT * FROM regress.caught($$INSERT INTO "gu;ard"."Com""panies" VALUES ('00000000-0000-0000-0000-0000000000c1', NULL, 'x') ON CONFLICT ("i d") DO UPDATE SET "Own er" = 'dddddddd-0000-0000-0000-000000000002'$$);
SELECT * FROM regress.caught($$UPDATE "gu;ard"."Com""panies" SET "i d" = '00000000-0000-0000-0000-0000000000c3'$$);
SELECT * FROM regress.caught($$INSERT INTO "gu;ard"."Com""panies" VALUES ('00000000-0000-0000-0000-0000000000c3', 'dddddddd-0000-0000-0000-000000000002', 'mine')$$);
SELECT * FROM regress.caught($$DELETE FROM "gu;ard"."Com""panies"$$);
INSERT INTO "Com""panies" VALUES ('00000000-0000-0000-0000-0000000000c3', NULL, 'three');
RESET ROLE;
SELECT "i d", "Own er", name FROM "Com""panies" ORDER BY 1;
SELECT tenancy.user_has_workspace_role('00000000-0000-0000-0000-0000000000c1', 'owner') AS viewer_owns;

-- The admin of c1 gives the ownership to staff (not to itself); staff, the
-- owner, is a manager through the owner role; the old owner loses c1.
SELECT regress.as_user('bbbbbbbb-0000-0000-0000-000000000001');
SET ROLE aog_app;
SELECT * FROM regress.caught($$UPDATE "gu;ard"."Com""panies" SET "Own er" = 'bbbbbbbb-0000-0000-0000-000000000001'$$);
UPDATE "Com""panies" SET "Own er" = 'dddddddd-0000-0000-0000-000000000002' RETURNING "i d", "Own er";
RESET ROLE;
SELECT regress.as_user('dddddddd-0000-0000-0000-000000000002');
SELECT tenancy.user_has_workspace_role('00000000-0000-0000-0000-0000000000c1', 'owner') AS staff_owns;
SELECT regress.as_user('eeeeeeee-0000-0000-0000-000000000005');
SELECT tenancy.user_has_workspace_access('00000000-0000-0000-0000-0000000000c1') AS old_owner_in_c1;

-- A key change takes a manager of both tenants: the admin of c1 cannot move
-- c1 (and its owner) onto c3, but can onto c4, which it also manages.
SELECT regress.as_user('bbbbbbbb-0000-0000-0000-000000000001');
SET ROLE aog_app;
SELECT * FROM regress.caught($$UPDATE "gu;ard"."Com""panies" SET "i d" = '00000000-0000-0000-0000-0000000000c3' WHERE "i d" = '00000000-0000-0000-0000-0000000000c1'$$);
UPDATE "Com""panies" SET "i d" = '00000000-0000-0000-0000-0000000000c4' WHERE "i d" = '00000000-0000-0000-0000-0000000000c1' RETURNING "i d", "Own er";
RESET ROLE;
SELECT regress.as_user('dddddddd-0000-0000-0000-000000000002');
SELECT tenancy.user_workspace_role('00000000-0000-0000-0000-0000000000c4') AS staff_in_c4;

-- The owner hands the ownership on and deletes nothing it does not manage;
-- the admin deletes a row of a tenant it manages.
SET ROLE aog_app;
UPDATE "Com""panies" SET "Own er" = 'eeeeeeee-0000-0000-0000-000000000005' WHERE "i d" = '00000000-0000-0000-0000-0000000000c4' RETURNING "i d", "Own er";
SELECT * FROM regress.caught($$DELETE FROM "gu;ard"."Com""panies" WHERE "i d" = '00000000-0000-0000-0000-0000000000c3'$$);
RESET ROLE;
SELECT regress.as_user('bbbbbbbb-0000-0000-0000-000000000001');
SET ROLE aog_app;
DELETE FROM "Com""panies" WHERE "i d" = '00000000-0000-0000-0000-0000000000c4' RETURNING "i d";
RESET ROLE;

-- Not subject to row level security, the guard lets everything through:
-- the superuser, and the table's owner without FORCE (with FORCE it is
-- subject to the policies and to the guard alike).
UPDATE "Com""panies" SET "Own er" = 'bbbbbbbb-0000-0000-0000-000000000001' WHERE "i d" = '00000000-0000-0000-0000-0000000000c3';
SELECT regress.as_user('dddddddd-0000-0000-0000-000000000002');
SET ROLE aog_owner;
SELECT * FROM regress.caught($$UPDATE "gu;ard"."Com""panies" SET "Own er" = NULL WHERE "i d" = '00000000-0000-0000-0000-0000000000c3'$$);
ALTER TABLE "Com""panies" NO FORCE ROW LEVEL SECURITY;
UPDATE "Com""panies" SET "Own er" = NULL WHERE "i d" = '00000000-0000-0000-0000-0000000000c3' RETURNING "i d", "Own er";
ALTER TABLE "Com""panies" FORCE ROW LEVEL SECURITY;
RESET ROLE;

-- A guard dropped by hand is a problem in the report; registering the
-- scope again puts it back.
DROP TRIGGER tenancy_owner_guard ON "Com""panies";
SELECT problems FROM tenancy.isolation_report('{gu;ard}') WHERE table_name = '"Com""panies"'::regclass;
SELECT tenancy.register_membership('members', 'company_id', 'user_id', 'role',
                                   owner_table => '"gu;ard"."Com""panies"', owner_column => 'Own er');
SELECT tgname FROM pg_trigger WHERE tgrelid = '"Com""panies"'::regclass AND NOT tgisinternal ORDER BY 1;

-- disable_isolation removes the guard with the policies.
SELECT * FROM tenancy.disable_isolation('"gu;ard"."Com""panies"');
SELECT tgname FROM pg_trigger WHERE tgrelid = '"Com""panies"'::regclass AND NOT tgisinternal ORDER BY 1;

-- A named scope: bigint tenants, text users, a 63-byte table and owner
-- column with quotes, a space and a semicolon. Registered after the table
-- is isolated: register_membership puts the guard on.
DELETE FROM tenancy.membership_registration;
SELECT 'Fi"rms; ' || repeat('t', 55) AS firms, 'Own''er ' || repeat('o', 56) AS owner_col,
       'Co''owner ' || repeat('c', 54) AS co_owner \gset
SELECT octet_length(:'firms') AS table_bytes, octet_length(:'owner_col') AS column_bytes,
       octet_length(:'co_owner') AS co_bytes;
CREATE TABLE :"firms" (id bigint PRIMARY KEY, :"owner_col" text COLLATE "C", :"co_owner" text COLLATE "C");
INSERT INTO :"firms" VALUES (7, 'user_own', 'user_co'), (8, NULL, NULL);
CREATE TABLE firm_members (firm_id bigint, user_id text COLLATE "C", role text);
INSERT INTO firm_members VALUES (7, 'user_lead', 'lead'), (7, 'user_view', 'viewer'), (8, 'user_view', 'viewer');
GRANT SELECT, INSERT, UPDATE, DELETE ON :"firms" TO aog_app;
SELECT tenancy.register_membership('firm_members', 'firm_id', 'user_id', 'role', scope => 'firm',
                                   manager_roles => '{lead,owner}');
SELECT count(*) AS statements FROM tenancy.enable_isolation(format('"gu;ard".%I', :'firms')::regclass, 'id', scope => 'firm');
SELECT count(*) AS triggers FROM pg_trigger WHERE tgrelid = format('"gu;ard".%I', :'firms')::regclass AND tgname = 'tenancy_owner_guard';
SELECT tenancy.register_membership('firm_members', 'firm_id', 'user_id', 'role', scope => 'firm',
                                   manager_roles => '{lead,owner}',
                                   owner_table => format('"gu;ard".%I', :'firms')::regclass, owner_column => :'owner_col');
SELECT tgname FROM pg_trigger WHERE tgrelid = format('"gu;ard".%I', :'firms')::regclass AND NOT tgisinternal ORDER BY 1;

SELECT regress.as_user('user_view');
SET ROLE aog_app;
SELECT * FROM regress.caught(format('UPDATE "gu;ard".%I SET %I = %L WHERE id = 7', :'firms', :'owner_col', 'user_view'));
SELECT * FROM regress.caught(format('UPDATE "gu;ard".%I SET id = 9 WHERE id = 8', :'firms'));
UPDATE :"firms" SET :"co_owner" = 'user_view' WHERE id = 7 RETURNING id;
RESET ROLE;
SELECT regress.as_user('user_lead');
SET ROLE aog_app;
SELECT * FROM regress.caught(format('UPDATE "gu;ard".%I SET %I = %L WHERE id = 7', :'firms', :'owner_col', 'user_lead'));
UPDATE :"firms" SET :"owner_col" = 'user_view' WHERE id = 7 RETURNING id;
RESET ROLE;
SELECT regress.as_user('user_view');
SELECT tenancy.user_has_scope_role('firm', 7::bigint, 'owner') AS view_owns_7;

-- Registered again with the other owner column: that one is guarded, the
-- first one no longer grants anything and is a plain column.
SELECT tenancy.register_membership('firm_members', 'firm_id', 'user_id', 'role', scope => 'firm',
                                   manager_roles => '{lead,owner}',
                                   owner_table => format('"gu;ard".%I', :'firms')::regclass, owner_column => :'co_owner');
SELECT regress.as_user('user_view');
SET ROLE aog_app;
SELECT * FROM regress.caught(format('UPDATE "gu;ard".%I SET %I = %L WHERE id = 8', :'firms', :'co_owner', 'user_view'));
UPDATE :"firms" SET :"owner_col" = 'user_other' WHERE id = 8 RETURNING id;
RESET ROLE;
SELECT regress.as_user('user_other');
SELECT tenancy.user_has_workspace_access(8::bigint, 'firm') AS first_column_owner_in_8;
SELECT count(*) AS triggers FROM pg_trigger WHERE tgrelid = format('"gu;ard".%I', :'firms')::regclass AND tgname = 'tenancy_owner_guard';

-- Clean up (a superuser removes registrations by hand: docs/access.md).
DELETE FROM tenancy.membership_registration;
RESET search_path;
DROP SCHEMA "gu;ard" CASCADE;
DROP ROLE aog_app;
DROP ROLE aog_owner;
SELECT regress.as_user(NULL);
