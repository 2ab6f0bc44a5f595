-- audit_reading_permission: grant_audit_read(reader, permission => ...)
-- lets a reader role read the log rows of only those tenants where a role
-- of the current user grants the permission (docs/audit.md, "Reading the
-- log"; permissions: docs/access.md "Roles and permissions").
SET client_min_messages = warning;
CREATE ROLE arp_app;   -- reads where the user holds audit.read
CREATE ROLE arp_all;   -- reads every tenant of the user
CREATE SCHEMA arp;
GRANT USAGE ON SCHEMA arp TO arp_app, arp_all;
RESET client_min_messages;

-- user ...01: Auditor of d7, Member of d8. Only Auditor grants audit.read.
CREATE TABLE arp.roles (id int PRIMARY KEY, name text NOT NULL, permissions jsonb);
INSERT INTO arp.roles VALUES (1, 'Auditor', '{"audit.read": true}'), (2, 'Member', '{"jobs": true}');
CREATE TABLE arp.members (workspace_id uuid, user_id uuid, role_id int);
INSERT INTO arp.members VALUES
  ('00000000-0000-0000-0000-0000000000d7', 'aaaaaaaa-0000-0000-0000-000000000001', 1),
  ('00000000-0000-0000-0000-0000000000d8', 'aaaaaaaa-0000-0000-0000-000000000001', 2);
CREATE TABLE arp.docs (id int PRIMARY KEY, workspace_id uuid NOT NULL, title text);
SELECT tenancy.enable_audit('arp.docs');
INSERT INTO arp.docs VALUES (1, '00000000-0000-0000-0000-0000000000d7', 'one'),
                            (2, '00000000-0000-0000-0000-0000000000d8', 'two');

SELECT tenancy.register_membership('arp.members', 'workspace_id', 'user_id');
-- Under a membership that grants no permissions, a reader restricted to a
-- permission is refused reading (55000, as tenancy.user_has_permission
-- refuses the question there), rather than shown nothing.
SELECT tenancy.grant_audit_read('arp_app', permission => 'audit.read');
SET request.jwt.claims = '{"sub": "aaaaaaaa-0000-0000-0000-000000000001"}';
SET ROLE arp_app;
SELECT (regress.caught($$SELECT count(*) FROM tenancy.audit_log$$)).state AS no_permissions_registered;
RESET ROLE;
RESET request.jwt.claims;

SELECT tenancy.register_membership('arp.members', 'workspace_id', 'user_id', 'role_id',
                                   role_table => 'arp.roles', permissions_column => 'permissions');
SELECT tenancy.grant_audit_read('arp_app', permission => 'audit.read');
SELECT tenancy.grant_audit_read('arp_all');
SELECT reader, member_roles, permission FROM tenancy.audit_readers
 WHERE reader IN ('arp_app'::regrole, 'arp_all'::regrole) ORDER BY reader::text;
SET request.jwt.claims = '{"sub": "aaaaaaaa-0000-0000-0000-000000000001"}';
SET ROLE arp_app;
SELECT array_agg(DISTINCT tenant_id) AS with_permission FROM tenancy.audit_entries WHERE schema_name = 'arp';
SELECT count(*) AS history_d8 FROM tenancy.audit_history('arp.docs', '{"id": 2}');
SET ROLE arp_all;
SELECT array_agg(DISTINCT tenant_id ORDER BY tenant_id) AS member_of FROM tenancy.audit_entries
 WHERE schema_name = 'arp';
RESET ROLE;

-- The permission taken from the role is seen by the next statement.
UPDATE arp.roles SET permissions = '{}' WHERE name = 'Auditor';
SET ROLE arp_app;
SELECT count(*) AS after_permission_revoked FROM tenancy.audit_entries WHERE schema_name = 'arp';
RESET ROLE;
UPDATE arp.roles SET permissions = '{"audit.read": true}' WHERE name = 'Member';
SET ROLE arp_app;
SELECT array_agg(DISTINCT tenant_id) AS after_permission_granted FROM tenancy.audit_entries
 WHERE schema_name = 'arp';
RESET ROLE;

-- member_roles and a permission together: both must hold.
SELECT tenancy.grant_audit_read('arp_app', '{Auditor}', 'audit.read');
SET ROLE arp_app;
SELECT count(*) AS auditor_with_permission FROM tenancy.audit_entries WHERE schema_name = 'arp';
RESET ROLE;
UPDATE arp.roles SET permissions = '{"audit.read": true}' WHERE name = 'Auditor';
SET ROLE arp_app;
SELECT array_agg(DISTINCT tenant_id) AS auditor_again FROM tenancy.audit_entries WHERE schema_name = 'arp';
RESET ROLE;
-- Bad input: an empty permission; the reader's row is left as it was.
SELECT (regress.caught($$SELECT tenancy.grant_audit_read('arp_app', NULL, '')$$)).*;
SELECT member_roles, permission FROM tenancy.audit_readers WHERE reader = 'arp_app'::regrole;
-- the table refuses it too, whoever writes it
SELECT (regress.caught($$UPDATE tenancy.audit_readers SET permission = '' WHERE reader = 'arp_app'::regrole$$)).state;

-- granting again without a permission drops it
SELECT tenancy.grant_audit_read('arp_app');
SELECT member_roles, permission FROM tenancy.audit_readers WHERE reader = 'arp_app'::regrole;

SELECT tenancy.revoke_audit_read('arp_app');
SELECT tenancy.revoke_audit_read('arp_all');
RESET request.jwt.claims;
SET client_min_messages = warning;
DROP SCHEMA arp CASCADE;
DROP ROLE arp_app, arp_all;
