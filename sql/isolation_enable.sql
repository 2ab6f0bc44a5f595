-- isolation_enable: enable_isolation / disable_isolation on plain tables,
-- what each user then sees, idempotence, and exact removal.
SET client_min_messages = warning;
CREATE ROLE iso_owner;
CREATE ROLE iso_app;
CREATE ROLE iso_other;
GRANT USAGE ON SCHEMA tenancy TO iso_owner, iso_app, iso_other;
GRANT CREATE ON SCHEMA public TO iso_owner;  -- CREATE INDEX needs it
GRANT EXECUTE ON FUNCTION tenancy.enable_isolation(regclass, name, boolean, boolean, name, boolean, text),
                          tenancy.disable_isolation(regclass) TO iso_owner, iso_other;
-- with the record of what they make (row level security: own tables only)
GRANT INSERT, UPDATE, DELETE ON tenancy.isolated_tables TO iso_owner, iso_other;
RESET client_min_messages;

CREATE TABLE members (workspace_id uuid NOT NULL, user_id uuid NOT NULL);
INSERT INTO members VALUES
  ('00000000-0000-0000-0000-00000000000a', '00000000-0000-0000-0000-0000000000a1'),
  ('00000000-0000-0000-0000-00000000000b', '00000000-0000-0000-0000-0000000000a1'),
  ('00000000-0000-0000-0000-00000000000b', '00000000-0000-0000-0000-0000000000b2');
SELECT tenancy.register_membership('members', 'workspace_id', 'user_id');

CREATE TABLE items (id int PRIMARY KEY, workspace_id uuid NOT NULL, body text);
ALTER TABLE items OWNER TO iso_owner;
GRANT SELECT, INSERT, UPDATE, DELETE ON items TO iso_app;
INSERT INTO items VALUES
  (1, '00000000-0000-0000-0000-00000000000a', 'a1'),
  (2, '00000000-0000-0000-0000-00000000000b', 'b1'),
  (3, '00000000-0000-0000-0000-00000000000c', 'c1');

-- The first call returns what it ran; the second changes nothing.
SET ROLE iso_owner;
SELECT * FROM tenancy.enable_isolation('items');
SELECT * FROM tenancy.enable_isolation('items');
RESET ROLE;
SELECT polname, polcmd, pg_get_expr(polqual, polrelid) AS using_expr,
       pg_get_expr(polwithcheck, polrelid) AS check_expr
  FROM pg_policy WHERE polrelid = 'items'::regclass ORDER BY polname;
SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE oid = 'items'::regclass;

-- What each user sees, per transaction as PostgREST sets claims.
SET ROLE iso_app;
BEGIN;
SELECT set_config('request.jwt.claims', '{"sub":"00000000-0000-0000-0000-0000000000a1"}', true);
SELECT id, body FROM items ORDER BY id;
COMMIT;
BEGIN;
SELECT set_config('request.jwt.claims', '{"sub":"00000000-0000-0000-0000-0000000000b2"}', true);
SELECT id, body FROM items ORDER BY id;
-- writes into a foreign workspace are refused
INSERT INTO items VALUES (4, '00000000-0000-0000-0000-00000000000a', 'sneaky');
ROLLBACK;
BEGIN;
SELECT set_config('request.jwt.claims', '{"sub":"00000000-0000-0000-0000-0000000000b2"}', true);
UPDATE items SET workspace_id = '00000000-0000-0000-0000-00000000000c' WHERE id = 2;
ROLLBACK;
-- no claims: no rows
SELECT count(*) FROM items;
RESET ROLE;

-- FORCE: the owner is subject to the policies too.
SET ROLE iso_owner;
SELECT count(*) AS owner_sees_without_claims FROM items;
RESET ROLE;

-- The index is used for the array form.
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT * FROM items WHERE workspace_id = ANY (tenancy.user_workspaces());
RESET enable_seqscan;

-- disable_isolation removes exactly what was added.
SET ROLE iso_owner;
SELECT * FROM tenancy.disable_isolation('items');
SELECT * FROM tenancy.disable_isolation('items');
RESET ROLE;
SELECT count(*) AS policies FROM pg_policy WHERE polrelid = 'items'::regclass;
SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE oid = 'items'::regclass;
SELECT indexrelid::regclass FROM pg_index WHERE indrelid = 'items'::regclass ORDER BY 1;

-- What was there before is kept: RLS already enabled, a user policy, an
-- index already leading with the tenant column, force => false.
CREATE TABLE notes (workspace_id uuid, id int, body text);
CREATE INDEX notes_ws_id ON notes (workspace_id, id);
ALTER TABLE notes ENABLE ROW LEVEL SECURITY;
CREATE POLICY notes_admin ON notes FOR ALL TO iso_other USING (true);
SELECT * FROM tenancy.enable_isolation('notes', force => false);
SELECT * FROM tenancy.disable_isolation('notes');
SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE oid = 'notes'::regclass;
SELECT polname FROM pg_policy WHERE polrelid = 'notes'::regclass;
SELECT indexrelid::regclass FROM pg_index WHERE indrelid = 'notes'::regclass;

-- create_index => false leaves indexes alone.
SELECT * FROM tenancy.enable_isolation('items', create_index => false);
SELECT * FROM tenancy.disable_isolation('items');
