-- soft_delete: enable_soft_delete turns a DELETE by application roles into
-- setting the deleted column (as the table's owner, so it never fails under
-- row level security), hides deleted rows from every role but the restorers
-- who ask for them, logs the soft delete as a DELETE, and purges deleted
-- rows after purge_after. Restrictive policies cannot do the first part: the
-- seeds' UPDATE of deleted_at fails (shown below).
SET client_min_messages = warning;
CREATE ROLE sdel_app;
CREATE ROLE sdel_stranger;
RESET client_min_messages;
CREATE SCHEMA sdel;
GRANT USAGE ON SCHEMA sdel TO sdel_app;
CREATE TABLE sdel.members (workspace_id uuid NOT NULL, user_id uuid NOT NULL, role text NOT NULL,
                           PRIMARY KEY (user_id, workspace_id));
-- workspace ...a1: viewer ...b1, admin ...b2; workspace ...a2: admin ...b3
INSERT INTO sdel.members VALUES
  ('00000000-0000-0000-0000-0000000000a1', '00000000-0000-0000-0000-0000000000b1', 'viewer'),
  ('00000000-0000-0000-0000-0000000000a1', '00000000-0000-0000-0000-0000000000b2', 'admin'),
  ('00000000-0000-0000-0000-0000000000a2', '00000000-0000-0000-0000-0000000000b3', 'admin');
SELECT tenancy.register_membership('sdel.members', 'workspace_id', 'user_id', 'role');

CREATE TABLE sdel.items (id int PRIMARY KEY, workspace_id uuid NOT NULL, name text NOT NULL,
                         deleted_at timestamptz);
CREATE UNIQUE INDEX items_name ON sdel.items (workspace_id, name);
GRANT SELECT, INSERT, UPDATE, DELETE ON sdel.items TO sdel_app;
INSERT INTO sdel.items VALUES
  (1, '00000000-0000-0000-0000-0000000000a1', 'one', NULL),
  (2, '00000000-0000-0000-0000-0000000000a1', 'two', NULL),
  (3, '00000000-0000-0000-0000-0000000000a2', 'three', NULL);

-- Runs sql as sdel_app with the given user's claims (and show_deleted):
-- the rows it changed, or its error.
CREATE FUNCTION pg_temp.as_user(usr text, sql text, show_deleted boolean DEFAULT false) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE changed bigint;
BEGIN
  PERFORM set_config('request.jwt.claims', format('{"sub": "%s"}', usr), true);
  PERFORM set_config('tenancy.show_deleted', show_deleted::text, true);
  SET LOCAL ROLE sdel_app;
  EXECUTE sql;
  GET DIAGNOSTICS changed = ROW_COUNT;
  RESET ROLE;
  RETURN format('%s rows', changed);
EXCEPTION WHEN OTHERS THEN
  RETURN format('%s: %s', SQLSTATE, SQLERRM);
END $$;
-- The names of the items the user sees.
CREATE FUNCTION pg_temp.seen(usr text, show_deleted boolean DEFAULT false) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE names text;
BEGIN
  PERFORM set_config('request.jwt.claims', format('{"sub": "%s"}', usr), true);
  PERFORM set_config('tenancy.show_deleted', show_deleted::text, true);
  SET LOCAL ROLE sdel_app;
  SELECT coalesce(string_agg(name, ',' ORDER BY id), '-') INTO names FROM sdel.items;
  RESET ROLE;
  RETURN names;
END $$;
-- Every item as the superuser sees it: deleted or not.
CREATE FUNCTION pg_temp.items() RETURNS TABLE (id int, name text, deleted boolean)
LANGUAGE sql AS $$ SELECT id, name, deleted_at IS NOT NULL FROM sdel.items ORDER BY id $$;

SELECT * FROM tenancy.enable_isolation('sdel.items');

-- The seeds' way: a restrictive policy hiding deleted rows. The member's
-- soft-delete UPDATE fails: the new row would be hidden from it.
CREATE POLICY seed_hide_deleted ON sdel.items AS RESTRICTIVE FOR SELECT USING (deleted_at IS NULL);
SELECT pg_temp.as_user('00000000-0000-0000-0000-0000000000b1',
  'UPDATE sdel.items SET deleted_at = now() WHERE id = 1');
DROP POLICY seed_hide_deleted ON sdel.items;

-- enable_soft_delete: three restrictive policies and the trigger; the
-- unique index that counts deleted rows is reported with its replacement.
\set VERBOSITY default
SELECT * FROM tenancy.enable_soft_delete('sdel.items', restore_roles => '{admin}', purge_after => '30 days');
\set VERBOSITY terse
SELECT * FROM tenancy.soft_delete_tables WHERE relid = 'sdel.items'::regclass;
-- a second call changes nothing
SELECT * FROM tenancy.enable_soft_delete('sdel.items', restore_roles => '{admin}', purge_after => '30 days');

SELECT tenancy.enable_audit('sdel.items');

-- The viewer deletes: the row stays, deleted, and disappears from its
-- reads. The DELETE reports 0 rows and RETURNING returns none (the row was
-- not removed; docs/soft-delete.md).
SELECT pg_temp.as_user('00000000-0000-0000-0000-0000000000b1', 'DELETE FROM sdel.items WHERE id = 1');
SELECT pg_temp.seen('00000000-0000-0000-0000-0000000000b1');
SELECT * FROM pg_temp.items();
-- The log shows a DELETE by the viewer, with the row as it was.
SELECT op, actor_id, db_user, record_key, old_values, new_values
  FROM tenancy.audit_log WHERE relation = ANY (tenancy._audit_relation_ids('sdel.items')) ORDER BY id;

-- Deleted rows: hidden from the viewer even when it asks, hidden from the
-- admin unless it asks; the viewer cannot restore them, nor update or
-- delete them; the admin of another workspace never sees them.
SELECT pg_temp.seen('00000000-0000-0000-0000-0000000000b1', show_deleted => true);
SELECT pg_temp.seen('00000000-0000-0000-0000-0000000000b2');
SELECT pg_temp.seen('00000000-0000-0000-0000-0000000000b2', show_deleted => true);
SELECT pg_temp.seen('00000000-0000-0000-0000-0000000000b3', show_deleted => true);
SELECT pg_temp.as_user('00000000-0000-0000-0000-0000000000b1',
  'UPDATE sdel.items SET deleted_at = NULL WHERE id = 1', true);
SELECT pg_temp.as_user('00000000-0000-0000-0000-0000000000b1', 'UPDATE sdel.items SET name = ''x'' WHERE id = 1', true);
SELECT pg_temp.as_user('00000000-0000-0000-0000-0000000000b1', 'DELETE FROM sdel.items WHERE id = 1', true);
-- Without WHERE, its UPDATE reaches only live rows: the deleted one stays.
SELECT pg_temp.as_user('00000000-0000-0000-0000-0000000000b1', 'UPDATE sdel.items SET deleted_at = NULL', true);
-- Nor can it set the column itself (backdated, purge would remove the row
-- at once): only DELETE deletes, at now().
SELECT pg_temp.as_user('00000000-0000-0000-0000-0000000000b1',
  $$UPDATE sdel.items SET deleted_at = now() - interval '1 year'$$, true);
SELECT * FROM pg_temp.items();

-- A deleted row is never deleted again under row level security, not even
-- by a restorer that sees it: it stays until purge.
SELECT pg_temp.as_user('00000000-0000-0000-0000-0000000000b2', 'DELETE FROM sdel.items WHERE id = 1', true);
SELECT * FROM pg_temp.items();

-- The admin restores it with a plain UPDATE, logged as an UPDATE.
SELECT pg_temp.as_user('00000000-0000-0000-0000-0000000000b2',
  'UPDATE sdel.items SET deleted_at = NULL WHERE id = 1', true);
SELECT pg_temp.seen('00000000-0000-0000-0000-0000000000b1');
SELECT op, old_values ? 'deleted_at' AS old_deleted_at, new_values FROM tenancy.audit_log
 WHERE relation = ANY (tenancy._audit_relation_ids('sdel.items')) ORDER BY id DESC LIMIT 1;

-- Changing the restore roles alters the two policies that name them.
SELECT * FROM tenancy.enable_soft_delete('sdel.items', restore_roles => '{admin,viewer}', purge_after => '30 days');
SELECT * FROM tenancy.enable_soft_delete('sdel.items', restore_roles => '{admin}', purge_after => '30 days');

-- Purge: deleted rows older than purge_after go, newer ones and live rows
-- stay. (Times are relative to now(): no date in the expected output.)
SELECT pg_temp.as_user('00000000-0000-0000-0000-0000000000b1', 'DELETE FROM sdel.items WHERE id IN (1, 2)');
UPDATE sdel.items SET deleted_at = now() - interval '40 days' WHERE id = 1;
CALL tenancy.purge_soft_deleted();
SELECT * FROM pg_temp.items();
-- ...also when run_maintenance runs (one line there calls it).
UPDATE sdel.items SET deleted_at = now() - interval '31 days' WHERE id = 2;
CALL tenancy.run_maintenance();
SELECT * FROM pg_temp.items();

-- The unique index, replaced as the warning said, lets a deleted row's
-- name be used again.
DELETE FROM sdel.items WHERE id = 3;
CREATE UNIQUE INDEX ON sdel.items (workspace_id, name) WHERE deleted_at IS NULL;
DROP INDEX sdel.items_name;
INSERT INTO sdel.items VALUES (4, '00000000-0000-0000-0000-0000000000a2', 'three', NULL);
SELECT * FROM pg_temp.items();

-- Errors, each changing nothing.
CREATE TABLE sdel.open_items (id int, workspace_id uuid, deleted_at timestamptz, gone date);
CREATE VIEW sdel.items_view AS SELECT * FROM sdel.items;
SELECT * FROM regress.caught($$SELECT tenancy.enable_soft_delete('sdel.open_items')$$);
SELECT * FROM regress.caught($$SELECT tenancy.enable_soft_delete('sdel.items_view')$$);
SELECT * FROM regress.caught($$SELECT tenancy.enable_soft_delete('sdel.items', 'missing')$$);
SELECT * FROM regress.caught($$SELECT tenancy.enable_soft_delete('sdel.items', 'name')$$);
SELECT * FROM regress.caught($$SELECT tenancy.enable_soft_delete('sdel.items', NULL)$$);
SELECT * FROM regress.caught($$SELECT tenancy.enable_soft_delete('sdel.items', restore_roles => '{}')$$);
SELECT * FROM regress.caught($$SELECT tenancy.enable_soft_delete('sdel.items', restore_roles => '{admin,NULL}')$$);
SELECT * FROM regress.caught($$SELECT tenancy.enable_soft_delete('sdel.items', purge_after => '-1 day')$$);
ALTER TABLE sdel.items ADD COLUMN removed_at timestamptz;
SELECT * FROM regress.caught($$SELECT tenancy.enable_soft_delete('sdel.items', 'removed_at', '{admin}')$$);
GRANT EXECUTE ON FUNCTION tenancy.enable_soft_delete(regclass, name, text[], interval) TO sdel_stranger;
GRANT USAGE ON SCHEMA sdel TO sdel_stranger;
SET ROLE sdel_stranger;
SELECT * FROM regress.caught($$SELECT tenancy.enable_soft_delete('sdel.items')$$);
RESET ROLE;
SELECT * FROM tenancy.soft_delete_tables WHERE relid::text LIKE 'sdel.%';

-- A partitioned table with hostile names: the partitions carry the
-- policies (read directly, they hide deleted rows too), the trigger is
-- cloned to them, and the log of the parent shows the DELETE.
CREATE TABLE sdel."Part; Items" (id int, workspace_id uuid NOT NULL, "gone ""at" timestamptz)
  PARTITION BY LIST (id);
CREATE TABLE sdel."Part; Items 1" PARTITION OF sdel."Part; Items" FOR VALUES IN (1);
CREATE TABLE sdel."Part; Items 2" PARTITION OF sdel."Part; Items" FOR VALUES IN (2);
GRANT SELECT, DELETE ON sdel."Part; Items", sdel."Part; Items 1" TO sdel_app;
INSERT INTO sdel."Part; Items" VALUES (1, '00000000-0000-0000-0000-0000000000a1', NULL),
                                      (2, '00000000-0000-0000-0000-0000000000a1', NULL);
SELECT count(*) > 0 AS isolated FROM tenancy.enable_isolation('sdel."Part; Items"');
SELECT tenancy.enable_audit('sdel."Part; Items"');
SELECT * FROM tenancy.enable_soft_delete('sdel."Part; Items"', 'gone "at');
SELECT * FROM regress.caught($$SELECT tenancy.enable_soft_delete('sdel."Part; Items 1"', 'gone "at')$$);
SELECT pg_temp.as_user('00000000-0000-0000-0000-0000000000b1', 'DELETE FROM sdel."Part; Items" WHERE id = 1');
SELECT pg_temp.as_user('00000000-0000-0000-0000-0000000000b1', 'SELECT * FROM sdel."Part; Items 1"');
SELECT pg_temp.as_user('00000000-0000-0000-0000-0000000000b1', 'SELECT * FROM sdel."Part; Items"');
SELECT id, "gone ""at" IS NOT NULL AS deleted FROM sdel."Part; Items" ORDER BY id;
SELECT op, old_values->'id' AS id FROM tenancy.audit_log
 WHERE relation = ANY (tenancy._audit_relation_ids('sdel."Part; Items"')) ORDER BY id;

-- disable_soft_delete removes the trigger and policies; deleted rows keep
-- their column and are seen again.
SELECT * FROM tenancy.disable_soft_delete('sdel."Part; Items"');
SELECT pg_temp.as_user('00000000-0000-0000-0000-0000000000b1', 'SELECT * FROM sdel."Part; Items"');
SELECT * FROM tenancy.soft_delete_tables WHERE relid::text LIKE 'sdel.%';
SELECT * FROM tenancy.disable_soft_delete('sdel."Part; Items"');

SELECT tenancy.disable_audit('sdel.items');
SELECT tenancy.disable_audit('sdel."Part; Items"');
DROP SCHEMA sdel CASCADE;
SELECT count(*) FROM tenancy.soft_delete_tables;
DELETE FROM tenancy.membership_registration;
REVOKE EXECUTE ON FUNCTION tenancy.enable_soft_delete(regclass, name, text[], interval) FROM sdel_stranger;
DROP ROLE sdel_app;
DROP ROLE sdel_stranger;
