-- access_register: register_membership() validates its table and columns
-- and installs the change triggers.

CREATE FUNCTION pg_temp.fields(sql text) RETURNS text LANGUAGE sql AS $$
  SELECT CASE WHEN e.state IS NULL THEN 'no error'
              ELSE format('%s | %s | %s | %s', e.state, e.message, e.detail, e.hint) END
    FROM regress.caught(sql) e
$$;

CREATE TYPE member_state AS ENUM ('invited', 'active', 'left');
CREATE TABLE team_members (
  company_id uuid NOT NULL,
  user_id uuid NOT NULL,
  role text,
  status text NOT NULL DEFAULT 'active',
  state member_state,
  enabled boolean,
  joined_at timestamptz,
  wrong_user numeric
);

-- Before registration the helpers say so (a user is needed to ask).
SET request.jwt.claims = '{"sub": "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"}';
SELECT pg_temp.fields($$SELECT tenancy.user_workspaces()$$);
RESET request.jwt.claims;

-- NULL arguments.
SELECT pg_temp.fields($$SELECT tenancy.register_membership(NULL, 'company_id', 'user_id')$$);
SELECT pg_temp.fields($$SELECT tenancy.register_membership('team_members', NULL, 'user_id')$$);
SELECT pg_temp.fields($$SELECT tenancy.register_membership('team_members', 'company_id', NULL)$$);
SELECT pg_temp.fields($$SELECT tenancy.register_membership('team_members', 'company_id', 'user_id', NULL, 'status', NULL)$$);
-- Missing columns, system columns, wrong types, one column twice.
SELECT pg_temp.fields($$SELECT tenancy.register_membership('team_members', 'workspace_id', 'user_id')$$);
SELECT pg_temp.fields($$SELECT tenancy.register_membership('team_members', 'company_id', 'ctid')$$);
SELECT pg_temp.fields($$SELECT tenancy.register_membership('team_members', 'company_id', 'USER_ID')$$);
SELECT pg_temp.fields($$SELECT tenancy.register_membership('team_members', 'company_id', 'wrong_user')$$);
SELECT pg_temp.fields($$SELECT tenancy.register_membership('team_members', 'user_id', 'user_id')$$);
SELECT pg_temp.fields($$SELECT tenancy.register_membership('team_members', 'company_id', 'user_id', 'joined_at')$$);
SELECT pg_temp.fields($$SELECT tenancy.register_membership('team_members', 'company_id', 'user_id', 'nope')$$);
SELECT pg_temp.fields($$SELECT tenancy.register_membership('team_members', 'company_id', 'user_id', 'role', 'joined_at')$$);
SELECT pg_temp.fields($$SELECT tenancy.register_membership('team_members', 'company_id', 'user_id', 'role', 'status', '{}')$$);
SELECT pg_temp.fields($$SELECT tenancy.register_membership('team_members', 'company_id', 'user_id', 'role', 'status', '{active,NULL}')$$);
SELECT pg_temp.fields($$SELECT tenancy.register_membership('team_members', 'company_id', 'user_id', 'role', 'state', '{active,gone}')$$);
-- Wrong argument types are refused by the signature.
SELECT tenancy.register_membership('team_members', 'company_id', 'user_id', 'role', 'status', 'active');
SELECT tenancy.register_membership(42::regclass, 'company_id', 'user_id');

-- Wrong relation kinds.
CREATE VIEW team_members_view AS SELECT * FROM team_members;
CREATE MATERIALIZED VIEW team_members_mat AS SELECT * FROM team_members;
CREATE TABLE team_members_part (company_id uuid, user_id uuid) PARTITION BY HASH (user_id);
CREATE SEQUENCE team_members_seq;
SELECT pg_temp.fields($$SELECT tenancy.register_membership('team_members_view', 'company_id', 'user_id')$$);
SELECT pg_temp.fields($$SELECT tenancy.register_membership('team_members_mat', 'company_id', 'user_id')$$);
SELECT pg_temp.fields($$SELECT tenancy.register_membership('team_members_part', 'company_id', 'user_id')$$);
SELECT pg_temp.fields($$SELECT tenancy.register_membership('team_members_seq', 'company_id', 'user_id')$$);

-- Not executable by PUBLIC; granted, still only for the table's owner.
CREATE ROLE register_plain;
SET ROLE register_plain;
SELECT pg_temp.fields($$SELECT tenancy.register_membership('team_members', 'company_id', 'user_id')$$);
RESET ROLE;
GRANT EXECUTE ON FUNCTION tenancy.register_membership(regclass, name, name, name, name, text[], text[], text, regclass, name, name, regclass, name, text, text[]) TO register_plain;
SET ROLE register_plain;
SELECT pg_temp.fields($$SELECT tenancy.register_membership('team_members', 'company_id', 'user_id')$$);
RESET ROLE;

-- A good registration: stored once, triggers ENABLE ALWAYS.
SELECT tenancy.register_membership('team_members', 'company_id', 'user_id', 'role', 'status');
SELECT membership, tenant_column, user_column, role_column, status_column, active_statuses
  FROM tenancy.membership_registration;
SELECT tgname, tgenabled, tgtype FROM pg_trigger
 WHERE tgrelid = 'team_members'::regclass AND NOT tgisinternal ORDER BY tgname;
-- The registration is dumped with the extension's configuration.
SELECT 'tenancy.membership_registration'::regclass = ANY (extconfig::regclass[]) AS dumped
  FROM pg_extension WHERE extname = 'tenancy';
-- Again: replaced, not duplicated. Statuses are normalised by the column's type.
SELECT tenancy.register_membership('team_members', 'company_id', 'user_id', 'role', 'enabled', '{true}');
SELECT membership, status_column, active_statuses FROM tenancy.membership_registration;
SELECT tenancy.register_membership('team_members', 'company_id', 'user_id', 'role', 'state', '{active}');
SELECT count(*) AS triggers FROM pg_trigger WHERE tgrelid = 'team_members'::regclass AND NOT tgisinternal;
-- The trigger function is only for triggers.
SELECT pg_temp.fields($$SELECT tenancy.membership_changed()$$);

-- A table owned by a non-superuser who was granted the function (and who
-- owns the registered table it replaces: hostile_access_registration).
CREATE TABLE owned_members (w uuid, u uuid);
ALTER TABLE owned_members OWNER TO register_plain;
ALTER TABLE team_members OWNER TO register_plain;
SET ROLE register_plain;
SELECT tenancy.register_membership('owned_members', 'w', 'u');
RESET ROLE;
ALTER TABLE team_members OWNER TO CURRENT_USER;
SELECT membership FROM tenancy.membership_registration;
-- Moving the registration moves the triggers.
SELECT tgrelid::regclass, tgname FROM pg_trigger
 WHERE tgname LIKE 'tenancy_membership_%' ORDER BY tgrelid::regclass::text, tgname;

-- Hostile identifiers: quotes, spaces, mixed case, 63-byte names.
CREATE SCHEMA "Odd ""Schema""";
CREATE TABLE "Odd ""Schema""".";DROP TABLE x;" (
  "Company Id" uuid,
  "user""id" uuid,
  "Rôle; DROP" text,
  "abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij123" text
);
SELECT tenancy.register_membership('"Odd ""Schema""".";DROP TABLE x;"', 'Company Id', 'user"id',
  'Rôle; DROP', 'abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij123', '{on}');
SELECT membership, tenant_column, user_column, role_column, status_column
  FROM tenancy.membership_registration;
SELECT tgname, tgenabled FROM pg_trigger
 WHERE tgrelid = '"Odd ""Schema""".";DROP TABLE x;"'::regclass ORDER BY tgname;
INSERT INTO "Odd ""Schema""".";DROP TABLE x;" VALUES
  ('10000000-0000-0000-0000-000000000001', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 'owner', 'on');
SET request.jwt.claims = '{"sub": "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"}';
SELECT tenancy.user_workspaces(), tenancy.user_workspace_role('10000000-0000-0000-0000-000000000001');
RESET request.jwt.claims;

-- A registered table that loses a column, or goes, says what to do.
DROP VIEW team_members_view;
DROP MATERIALIZED VIEW team_members_mat;
SELECT tenancy.register_membership('team_members', 'company_id', 'user_id', 'role', 'status');
ALTER TABLE team_members DROP COLUMN role;
SET request.jwt.claims = '{"sub": "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"}';
SELECT pg_temp.fields($$SELECT tenancy.user_workspaces()$$);
DROP TABLE team_members;
SELECT pg_temp.fields($$SELECT tenancy.user_has_workspace_access('10000000-0000-0000-0000-000000000001')$$);
RESET request.jwt.claims;

DROP SCHEMA "Odd ""Schema""" CASCADE;
DROP TABLE team_members_part, owned_members;
DROP SEQUENCE team_members_seq;
DROP TYPE member_state;
REVOKE ALL ON FUNCTION tenancy.register_membership(regclass, name, name, name, name, text[], text[], text, regclass, name, name, regclass, name, text, text[]) FROM register_plain;
DROP ROLE register_plain;
