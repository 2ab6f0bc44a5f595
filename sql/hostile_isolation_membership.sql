-- hostile_isolation_membership: enable_isolation on the registered
-- membership table gives it the membership table's policies. Members read
-- the memberships of their workspaces; only members whose role is one of
-- the registration's manager_roles (default owner, admin) write them; and
-- nobody writes the row of the user they are, so nobody raises their own role.
SET client_min_messages = warning;
CREATE ROLE hmem_app;
RESET client_min_messages;
CREATE SCHEMA hmem;
GRANT USAGE ON SCHEMA hmem TO hmem_app;
CREATE TABLE hmem.members (workspace_id uuid NOT NULL, user_id uuid NOT NULL, role text NOT NULL);
CREATE INDEX ON hmem.members (user_id);
GRANT SELECT, INSERT, UPDATE, DELETE ON hmem.members TO hmem_app;
-- workspace ...a1: viewer ...b1, admin ...b2, owner ...b3; workspace ...a2: ...b2 is a viewer
INSERT INTO hmem.members VALUES
  ('00000000-0000-0000-0000-0000000000a1', '00000000-0000-0000-0000-0000000000b1', 'viewer'),
  ('00000000-0000-0000-0000-0000000000a1', '00000000-0000-0000-0000-0000000000b2', 'admin'),
  ('00000000-0000-0000-0000-0000000000a1', '00000000-0000-0000-0000-0000000000b3', 'owner'),
  ('00000000-0000-0000-0000-0000000000a2', '00000000-0000-0000-0000-0000000000b2', 'viewer'),
  ('00000000-0000-0000-0000-0000000000a2', '00000000-0000-0000-0000-0000000000b4', 'owner');
SELECT tenancy.register_membership('hmem.members', 'workspace_id', 'user_id', 'role');
SELECT * FROM tenancy.enable_isolation('hmem.members');
SELECT relid, tenant_column, policy_kind FROM tenancy.isolated_tables WHERE relid = 'hmem.members'::regclass;

-- Runs sql as hmem_app with the given user's claims: the rows it changed, or its error.
CREATE FUNCTION pg_temp.as_user(usr text, sql text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE changed bigint;
BEGIN
  PERFORM set_config('request.jwt.claims', CASE WHEN usr IS NULL THEN '' ELSE format('{"sub": "%s"}', usr) END, true);
  SET LOCAL ROLE hmem_app;
  EXECUTE sql;
  GET DIAGNOSTICS changed = ROW_COUNT;
  RESET ROLE;
  RETURN format('%s rows', changed);
EXCEPTION WHEN OTHERS THEN
  RETURN format('%s: %s', SQLSTATE, SQLERRM);
END $$;
CREATE FUNCTION pg_temp.members() RETURNS TABLE (workspace_id uuid, user_id uuid, role text)
LANGUAGE sql AS $$ SELECT * FROM hmem.members ORDER BY 1, 2, 3 $$;

-- The viewer reads its workspace's memberships only...
SELECT pg_temp.as_user('00000000-0000-0000-0000-0000000000b1', 'SELECT * FROM hmem.members');
-- ...and cannot make itself owner, add itself elsewhere, or remove others.
SELECT pg_temp.as_user('00000000-0000-0000-0000-0000000000b1',
  $$UPDATE hmem.members SET role = 'owner' WHERE user_id = '00000000-0000-0000-0000-0000000000b1'$$);
SELECT pg_temp.as_user('00000000-0000-0000-0000-0000000000b1',
  $$INSERT INTO hmem.members VALUES ('00000000-0000-0000-0000-0000000000a1', '00000000-0000-0000-0000-0000000000b1', 'owner')$$);
SELECT pg_temp.as_user('00000000-0000-0000-0000-0000000000b1',
  $$DELETE FROM hmem.members WHERE role = 'owner'$$);

-- The admin manages the other members of its workspace...
SELECT pg_temp.as_user('00000000-0000-0000-0000-0000000000b2',
  $$UPDATE hmem.members SET role = 'editor' WHERE user_id = '00000000-0000-0000-0000-0000000000b1'$$);
SELECT pg_temp.as_user('00000000-0000-0000-0000-0000000000b2',
  $$INSERT INTO hmem.members VALUES ('00000000-0000-0000-0000-0000000000a1', '00000000-0000-0000-0000-0000000000b5', 'viewer')$$);
-- ...but not its own row, not by adding itself again, not in a workspace
-- where it is only a viewer, and it cannot move a membership there.
SELECT pg_temp.as_user('00000000-0000-0000-0000-0000000000b2',
  $$UPDATE hmem.members SET role = 'owner' WHERE user_id = '00000000-0000-0000-0000-0000000000b2'$$);
SELECT pg_temp.as_user('00000000-0000-0000-0000-0000000000b2',
  $$INSERT INTO hmem.members VALUES ('00000000-0000-0000-0000-0000000000a1', '00000000-0000-0000-0000-0000000000b2', 'owner')$$);
SELECT pg_temp.as_user('00000000-0000-0000-0000-0000000000b2',
  $$UPDATE hmem.members SET role = 'viewer' WHERE workspace_id = '00000000-0000-0000-0000-0000000000a2'$$);
SELECT pg_temp.as_user('00000000-0000-0000-0000-0000000000b2',
  $$UPDATE hmem.members SET workspace_id = '00000000-0000-0000-0000-0000000000a2'
     WHERE user_id = '00000000-0000-0000-0000-0000000000b1'$$);
-- No user: nothing.
SELECT pg_temp.as_user(NULL, 'DELETE FROM hmem.members');
SELECT * FROM pg_temp.members();

-- The manager roles are the registration's: with only owners managing,
-- the admin no longer writes.
SELECT tenancy.register_membership('hmem.members', 'workspace_id', 'user_id', 'role',
                                   manager_roles => '{owner}');
SELECT pg_temp.as_user('00000000-0000-0000-0000-0000000000b2',
  $$DELETE FROM hmem.members WHERE user_id = '00000000-0000-0000-0000-0000000000b5'$$);
SELECT pg_temp.as_user('00000000-0000-0000-0000-0000000000b3',
  $$DELETE FROM hmem.members WHERE user_id = '00000000-0000-0000-0000-0000000000b5'$$);
SELECT * FROM regress.caught($$SELECT tenancy.register_membership('hmem.members', 'workspace_id', 'user_id', 'role', manager_roles => '{}')$$);
SELECT * FROM regress.caught($$SELECT tenancy.register_membership('hmem.members', 'workspace_id', 'user_id', 'role', manager_roles => '{owner,NULL}')$$);
SELECT * FROM regress.caught($$SELECT tenancy.register_membership('hmem.members', 'workspace_id', 'user_id', 'role', manager_roles => NULL)$$);

-- Registered without a role column, nobody could manage: refused.
SELECT count(*) FROM tenancy.disable_isolation('hmem.members');
SELECT tenancy.register_membership('hmem.members', 'workspace_id', 'user_id');
SELECT * FROM regress.caught($$SELECT tenancy.enable_isolation('hmem.members')$$);
SELECT count(*) AS policies FROM pg_policy WHERE polrelid = 'hmem.members'::regclass;

-- A table isolated as a tenant table is refused as the membership table.
CREATE TABLE hmem.tenant_items (workspace_id uuid NOT NULL, user_id uuid NOT NULL, role text);
SELECT count(*) FROM tenancy.enable_isolation('hmem.tenant_items');
SELECT * FROM regress.caught($$SELECT tenancy.register_membership('hmem.tenant_items', 'workspace_id', 'user_id', 'role')$$);
SELECT membership FROM tenancy.membership_registration;

-- Once the registration moved, the old membership table's policies are not
-- taken for a tenant table's: enable_isolation asks to start again.
SELECT tenancy.register_membership('hmem.members', 'workspace_id', 'user_id', 'role');
SELECT count(*) FROM tenancy.enable_isolation('hmem.members');
SELECT count(*) FROM tenancy.disable_isolation('hmem.tenant_items');
SELECT tenancy.register_membership('hmem.tenant_items', 'workspace_id', 'user_id', 'role');
SELECT * FROM regress.caught($$SELECT tenancy.enable_isolation('hmem.members')$$);

-- Dropping the tables drops their records (a later table may reuse an OID).
CREATE TEMP TABLE hmem_recorded AS
  SELECT relid::oid AS relid FROM tenancy.isolated_tables WHERE relid::text LIKE 'hmem.%';
SELECT count(*) AS recorded FROM hmem_recorded;
DROP SCHEMA hmem CASCADE;
SELECT count(*) AS records_left FROM tenancy.isolated_tables i JOIN hmem_recorded r ON r.relid = i.relid::oid;
DROP TABLE hmem_recorded;
DROP ROLE hmem_app;
