\echo
\echo '=== Soft delete and creating a tenant (docs/soft-delete.md) ==='
\echo 'Members with roles: ann owns Acme, bob edits in Acme.'
CREATE TABLE sd_members (workspace_id uuid NOT NULL, user_id uuid NOT NULL, role text NOT NULL,
                         PRIMARY KEY (user_id, workspace_id));
CREATE TABLE sd_workspaces (id uuid PRIMARY KEY, name text NOT NULL);
INSERT INTO sd_workspaces VALUES ('ac3e0000-0000-0000-0000-000000000001', 'Acme');
INSERT INTO sd_members VALUES
  ('ac3e0000-0000-0000-0000-000000000001', 'a0000000-0000-0000-0000-00000000a001', 'owner'),
  ('ac3e0000-0000-0000-0000-000000000001', 'b0000000-0000-0000-0000-00000000b0b0', 'editor');
SELECT tenancy.register_membership('sd_members', 'workspace_id', 'user_id', 'role');
CREATE TABLE sd_docs (id int PRIMARY KEY, workspace_id uuid NOT NULL, title text NOT NULL,
                      deleted_at timestamptz);
INSERT INTO sd_docs VALUES (1, 'ac3e0000-0000-0000-0000-000000000001', 'Rocket plan'),
                           (2, 'ac3e0000-0000-0000-0000-000000000001', 'Anvil plan');
CREATE ROLE sd_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON sd_docs, sd_workspaces, sd_members TO sd_app;
SELECT count(*) AS statements FROM tenancy.enable_isolation('sd_docs');
SELECT count(*) AS statements FROM tenancy.enable_isolation('sd_workspaces', 'id');
SELECT count(*) AS statements FROM tenancy.enable_isolation('sd_members');

\echo 'One call: DELETE becomes setting deleted_at; owners restore; purged after 30 days.'
SELECT * FROM tenancy.enable_soft_delete('sd_docs', restore_roles => '{owner}', purge_after => '30 days');
SELECT tenancy.enable_audit('sd_docs');

\echo 'bob deletes the anvil plan: it disappears from his reads (the DELETE reports 0 rows: nothing was removed).'
BEGIN;
SET LOCAL ROLE sd_app;
SELECT set_config('request.jwt.claims', '{"sub": "b0000000-0000-0000-0000-00000000b0b0"}', true) IS NOT NULL AS bob;
DELETE FROM sd_docs WHERE id = 2;
SELECT id, title FROM sd_docs ORDER BY id;
\echo 'bob asks to see deleted rows: he is no restorer, he sees none.'
SET LOCAL tenancy.show_deleted = on;
SELECT id, title FROM sd_docs ORDER BY id;
COMMIT;

\echo 'The row is still there, and the log shows bob''s DELETE:'
SELECT id, title, deleted_at IS NOT NULL AS deleted FROM sd_docs ORDER BY id;
SELECT op, actor_id, old_values->>'title' AS title FROM tenancy.audit_entries
 WHERE table_name = 'sd_docs' ORDER BY id;

\echo 'ann, an owner, restores it:'
BEGIN;
SET LOCAL ROLE sd_app;
SELECT set_config('request.jwt.claims', '{"sub": "a0000000-0000-0000-0000-00000000a001"}', true) IS NOT NULL AS ann;
SET LOCAL tenancy.show_deleted = on;
UPDATE sd_docs SET deleted_at = NULL WHERE id = 2 RETURNING id, title;
COMMIT;

\echo 'Creating a tenant: bob cannot insert a workspace (he is no member of it yet)...'
SELECT tenancy.allow_tenant_creation('sd_workspaces');
GRANT EXECUTE ON FUNCTION tenancy.create_tenant(jsonb) TO sd_app;
BEGIN;
SET LOCAL ROLE sd_app;
SELECT set_config('request.jwt.claims', '{"sub": "b0000000-0000-0000-0000-00000000b0b0"}', true) IS NOT NULL AS bob;
SAVEPOINT refused;
\set ON_ERROR_STOP 0
INSERT INTO sd_workspaces VALUES (gen_random_uuid(), 'Bob Inc');
\set ON_ERROR_STOP 1
ROLLBACK TO refused;
\echo '...but create_tenant makes it and him its owner, in one statement:'
SELECT tenancy.create_tenant('{"name": "Bob Inc"}') IS NOT NULL AS created;
SELECT w.name, tenancy.user_workspace_role(w.id) AS his_role FROM sd_workspaces w ORDER BY w.name;
COMMIT;

SELECT tenancy.disable_audit('sd_docs');
DELETE FROM tenancy.tenant_creation;
REVOKE EXECUTE ON FUNCTION tenancy.create_tenant(jsonb) FROM sd_app;
DROP TABLE sd_docs, sd_workspaces, sd_members;
DROP ROLE sd_app;
