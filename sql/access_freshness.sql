-- access_freshness: the helpers see membership changes from the next
-- command of the changing transaction, never see rolled-back ones, and
-- follow TRUNCATE and replica-role changes. (Other sessions: isolation
-- specs in test/isolation/specs/access_*.spec.)

CREATE TABLE team_members (company_id uuid, user_id uuid, role text);
INSERT INTO team_members VALUES
  ('00000000-0000-0000-0000-000000000001', 'aaaaaaaa-0000-0000-0000-000000000001', 'owner'),
  ('00000000-0000-0000-0000-000000000002', 'aaaaaaaa-0000-0000-0000-000000000001', 'viewer');
SELECT tenancy.register_membership('team_members', 'company_id', 'user_id', 'role');
SET request.jwt.claims = '{"sub": "aaaaaaaa-0000-0000-0000-000000000001"}';
SELECT tenancy.user_workspaces();

-- Inside the changing transaction: from its next command.
BEGIN;
DELETE FROM team_members WHERE company_id = '00000000-0000-0000-0000-000000000002';
SELECT tenancy.user_workspaces();
INSERT INTO team_members VALUES
  ('00000000-0000-0000-0000-000000000003', 'aaaaaaaa-0000-0000-0000-000000000001', 'editor');
SELECT tenancy.user_workspaces();
-- a savepoint rolled back takes its change back with it
SAVEPOINT s;
UPDATE team_members SET role = 'admin' WHERE company_id = '00000000-0000-0000-0000-000000000001';
SELECT tenancy.user_workspace_role('00000000-0000-0000-0000-000000000001');
ROLLBACK TO SAVEPOINT s;
SELECT tenancy.user_workspace_role('00000000-0000-0000-0000-000000000001');
ROLLBACK;
-- the rolled-back transaction is never seen
SELECT tenancy.user_workspaces();

-- A change in a function called in the same statement is seen from the
-- next statement.
CREATE FUNCTION pg_temp.revoke_all() RETURNS void LANGUAGE sql AS
  $$DELETE FROM team_members WHERE user_id = 'aaaaaaaa-0000-0000-0000-000000000001'$$;
BEGIN;
SELECT pg_temp.revoke_all();
SELECT tenancy.user_workspaces();
ROLLBACK;
SELECT tenancy.user_workspaces();

-- Under session_replication_role = replica (logical replication apply)
-- the ENABLE ALWAYS triggers still fire.
SET session_replication_role = replica;
UPDATE team_members SET role = 'admin' WHERE company_id = '00000000-0000-0000-0000-000000000001';
RESET session_replication_role;
SELECT tenancy.user_workspace_role('00000000-0000-0000-0000-000000000001');

-- TRUNCATE (statement trigger), and rows added back.
TRUNCATE team_members;
SELECT tenancy.user_workspaces();
INSERT INTO team_members VALUES
  ('00000000-0000-0000-0000-000000000004', 'aaaaaaaa-0000-0000-0000-000000000001', 'owner');
SELECT tenancy.user_workspaces();
-- COPY fires the row trigger too.
COPY team_members FROM stdin;
00000000-0000-0000-0000-000000000005	aaaaaaaa-0000-0000-0000-000000000001	viewer
\.
SELECT tenancy.user_workspaces();

-- Each change is counted as an invalidation of a filled cache.
SELECT tenancy.cache_reset();
SELECT cardinality(tenancy.user_workspaces());
DELETE FROM team_members WHERE company_id = '00000000-0000-0000-0000-000000000005';
SELECT cardinality(tenancy.user_workspaces());
SELECT cache, hits, misses, invalidations, entries FROM tenancy.cache_stats() WHERE cache = 'memberships';

-- A new index on the user column is picked up (the table's relcache
-- invalidation also resets the cache), and answers stay the same.
CREATE INDEX ON team_members (user_id);
SELECT tenancy.user_workspaces();

RESET request.jwt.claims;
DROP TABLE team_members;
