-- hostile_isolation_tenant_creation: with the tenant table isolated on its
-- id, a signed-in user cannot insert a tenant (it is not a member yet);
-- tenancy.create_tenant creates the row and makes the user its owner in one
-- statement. The caller chooses neither the id nor the user: it cannot
-- join an existing tenant, or make someone else a member.
SET client_min_messages = warning;
CREATE ROLE tcre_app;
CREATE ROLE tcre_stranger;
RESET client_min_messages;
CREATE SCHEMA tcre;
GRANT USAGE ON SCHEMA tcre TO tcre_app, tcre_stranger;
CREATE TABLE tcre.workspaces (id uuid PRIMARY KEY, name text NOT NULL,
                              plan text NOT NULL DEFAULT 'free',
                              slug text GENERATED ALWAYS AS (lower(name)) STORED);
CREATE TABLE tcre.members (workspace_id uuid NOT NULL, user_id uuid NOT NULL, role text NOT NULL,
                           status text NOT NULL, PRIMARY KEY (user_id, workspace_id));
CREATE TABLE tcre.items (workspace_id uuid NOT NULL, name text);
GRANT SELECT, INSERT, UPDATE, DELETE ON tcre.workspaces, tcre.members, tcre.items TO tcre_app;
-- workspace ...a1 exists, owned by ...b9
INSERT INTO tcre.workspaces (id, name) VALUES ('00000000-0000-0000-0000-0000000000a1', 'Existing');
INSERT INTO tcre.members VALUES
  ('00000000-0000-0000-0000-0000000000a1', '00000000-0000-0000-0000-0000000000b9', 'owner', 'active');
SELECT tenancy.register_membership('tcre.members', 'workspace_id', 'user_id', 'role', 'status', '{active}');
-- A second scope registered beside the default one: creation uses the
-- default scope's table only.
CREATE TABLE tcre.org_members (org_id uuid NOT NULL, member uuid NOT NULL);
SELECT tenancy.register_membership('tcre.org_members', 'org_id', 'member', scope => 'tcre_org');
SELECT count(*) > 0 AS isolated FROM tenancy.enable_isolation('tcre.workspaces', 'id');
SELECT count(*) > 0 AS isolated FROM tenancy.enable_isolation('tcre.members');
SELECT count(*) > 0 AS isolated FROM tenancy.enable_isolation('tcre.items');

-- Runs sql (one value) as role with the user's claims: its value, or its error.
CREATE FUNCTION pg_temp.as_user(role name, usr text, sql text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE result text;
BEGIN
  PERFORM set_config('request.jwt.claims', CASE WHEN usr IS NULL THEN '' ELSE format('{"sub": "%s"}', usr) END, true);
  EXECUTE format('SET LOCAL ROLE %I', role);
  EXECUTE sql INTO result;
  RESET ROLE;
  RETURN coalesce(result, '<NULL>');
EXCEPTION WHEN OTHERS THEN
  RETURN format('%s: %s', SQLSTATE, SQLERRM);
END $$;

-- Without it: the INSERT is refused, since the user is no member yet.
SELECT pg_temp.as_user('tcre_app', '00000000-0000-0000-0000-0000000000b1',
  $$INSERT INTO tcre.workspaces (id, name) VALUES (gen_random_uuid(), 'Mine') RETURNING name$$);

-- Not set up yet: 55000.
GRANT EXECUTE ON FUNCTION tenancy.create_tenant(jsonb) TO tcre_app;
SELECT pg_temp.as_user('tcre_app', '00000000-0000-0000-0000-0000000000b1',
  $$SELECT tenancy.create_tenant('{"name": "Mine"}')$$);
SELECT tenancy.allow_tenant_creation('tcre.workspaces');
SELECT * FROM tenancy.tenant_creation;

-- In one transaction: create, then work in the new tenant at once (the
-- membership cache sees the new membership in the same transaction).
CREATE FUNCTION pg_temp.create_and_use(usr text) RETURNS TABLE (step text, result text)
LANGUAGE plpgsql AS $$
DECLARE created uuid;
BEGIN
  PERFORM set_config('request.jwt.claims', format('{"sub": "%s"}', usr), true);
  SET LOCAL ROLE tcre_app;
  created := tenancy.create_tenant('{"name": "Mine", "plan": "pro"}');
  RETURN QUERY SELECT 'member of it', (created = ANY (tenancy.user_workspaces()))::text;
  RETURN QUERY SELECT 'its role', tenancy.user_workspace_role(created);
  RETURN QUERY SELECT 'sees it', (SELECT string_agg(w.name || '/' || w.plan || '/' || w.slug, ',')
                                    FROM tcre.workspaces w WHERE w.id = created);
  INSERT INTO tcre.items VALUES (created, 'first');
  RETURN QUERY SELECT 'its items', (SELECT count(*)::text FROM tcre.items i WHERE i.workspace_id = created);
  RETURN QUERY SELECT 'workspaces seen', (SELECT count(*)::text FROM tcre.workspaces);
  RESET ROLE;
END $$;
SELECT * FROM pg_temp.create_and_use('00000000-0000-0000-0000-0000000000b1');
-- One new workspace and one new membership: the caller's, as active owner.
SELECT w.name, m.user_id, m.role, m.status
  FROM tcre.workspaces w LEFT JOIN tcre.members m ON m.workspace_id = w.id ORDER BY w.name;

-- Hostile calls, each changing nothing: choosing the id (an existing
-- tenant's), columns that are not the table's (quoted, never run),
-- a generated column, a non-object, no signed-in user, a role not granted.
SELECT pg_temp.as_user('tcre_app', '00000000-0000-0000-0000-0000000000b2',
  $$SELECT tenancy.create_tenant('{"id": "00000000-0000-0000-0000-0000000000a1", "name": "Existing"}')$$);
SELECT pg_temp.as_user('tcre_app', '00000000-0000-0000-0000-0000000000b2',
  $$SELECT tenancy.create_tenant('{"name": "x", "name) SELECT 1; DROP TABLE tcre.items; --": 1}')$$);
SELECT pg_temp.as_user('tcre_app', '00000000-0000-0000-0000-0000000000b2',
  $$SELECT tenancy.create_tenant('{"name": "x", "user_id": "00000000-0000-0000-0000-0000000000b9"}')$$);
SELECT pg_temp.as_user('tcre_app', '00000000-0000-0000-0000-0000000000b2',
  $$SELECT tenancy.create_tenant('{"name": "x", "slug": "other"}')$$);
SELECT pg_temp.as_user('tcre_app', '00000000-0000-0000-0000-0000000000b2',
  $$SELECT tenancy.create_tenant('["name"]')$$);
SELECT pg_temp.as_user('tcre_app', NULL, $$SELECT tenancy.create_tenant('{"name": "x"}')$$);
SELECT pg_temp.as_user('tcre_stranger', '00000000-0000-0000-0000-0000000000b2',
  $$SELECT tenancy.create_tenant('{"name": "x"}')$$);
-- A NOT NULL column left out fails as the INSERT would, and leaves no membership.
SELECT pg_temp.as_user('tcre_app', '00000000-0000-0000-0000-0000000000b2',
  $$SELECT tenancy.create_tenant('{}')$$);
-- The user still cannot add itself to the existing tenant by hand.
SELECT pg_temp.as_user('tcre_app', '00000000-0000-0000-0000-0000000000b2',
  $$INSERT INTO tcre.members VALUES ('00000000-0000-0000-0000-0000000000a1', '00000000-0000-0000-0000-0000000000b2', 'owner', 'active') RETURNING role$$);
SELECT w.name, m.user_id, m.role FROM tcre.workspaces w LEFT JOIN tcre.members m ON m.workspace_id = w.id
 ORDER BY w.name;
SELECT count(*) FROM tcre.items;

-- The tenant table as the scope's owner table: its owner column names a
-- member, so the attributes cannot name one (the victim ...b9 is not made
-- an owner) and the column is set to the creator.
ALTER TABLE tcre.workspaces ADD COLUMN "Own er" uuid;
SELECT tenancy.register_membership('tcre.members', 'workspace_id', 'user_id', 'role', 'status', '{active}',
                                   owner_table => 'tcre.workspaces', owner_column => 'Own er');
SELECT pg_temp.as_user('tcre_app', '00000000-0000-0000-0000-0000000000b3',
  $$SELECT tenancy.create_tenant('{"name": "Owned", "Own er": "00000000-0000-0000-0000-0000000000b9"}')$$);
SELECT pg_temp.as_user('tcre_app', '00000000-0000-0000-0000-0000000000b3',
  $$SELECT tenancy.create_tenant('{"name": "Owned"}') IS NOT NULL$$);
SELECT w.name, w."Own er", m.user_id, m.role FROM tcre.workspaces w
  JOIN tcre.members m ON m.workspace_id = w.id WHERE w.name = 'Owned';
SELECT count(*) AS victim_owns FROM tcre.workspaces WHERE "Own er" = '00000000-0000-0000-0000-0000000000b9';
DELETE FROM tcre.members USING tcre.workspaces w WHERE w.id = workspace_id AND w.name = 'Owned';
DELETE FROM tcre.workspaces WHERE name = 'Owned';

-- allow_tenant_creation: only for the owner of both tables; a uuid key.
SELECT * FROM regress.caught($$SELECT tenancy.allow_tenant_creation('tcre.workspaces', 'name')$$);
SELECT * FROM regress.caught($$SELECT tenancy.allow_tenant_creation('tcre.workspaces', NULL)$$);
GRANT EXECUTE ON FUNCTION tenancy.allow_tenant_creation(regclass, name, text) TO tcre_stranger;
ALTER TABLE tcre.items OWNER TO tcre_stranger;
SET ROLE tcre_stranger;
SELECT * FROM regress.caught($$SELECT tenancy.allow_tenant_creation('tcre.items', 'workspace_id')$$);
RESET ROLE;
SELECT tenants FROM tenancy.tenant_creation;

DELETE FROM tenancy.tenant_creation;
DELETE FROM tenancy.membership_registration;
-- without the default scope's membership table: refused, nothing recorded
SELECT * FROM regress.caught($$SELECT tenancy.allow_tenant_creation('tcre.workspaces')$$);
SELECT count(*) AS recorded FROM tenancy.tenant_creation;
-- tenancy.create_tenant wrote into the default scope's table only
SELECT count(*) AS org_members FROM tcre.org_members;
DROP SCHEMA tcre CASCADE;
REVOKE EXECUTE ON FUNCTION tenancy.create_tenant(jsonb) FROM tcre_app;
REVOKE EXECUTE ON FUNCTION tenancy.allow_tenant_creation(regclass, name, text) FROM tcre_stranger;
DROP ROLE tcre_app;
DROP ROLE tcre_stranger;
