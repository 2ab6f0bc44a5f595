-- hostile_audit_read_tenants: a member of workspace a2 reads no row of
-- workspace b2 from the log by any path: a direct SELECT, audit_history, a
-- partition, a view it owns, a function that leaks what it is shown,
-- statistics, a prepared statement run after the membership or the
-- reading grant is revoked, or by switching off row level security
-- (docs/audit.md, "Reading the log").
SET client_min_messages = warning;
CREATE ROLE hart_app;
CREATE ROLE "Hart; ""reader"" x";  -- a hostile role name
CREATE ROLE hart_role_with_a_name_of_sixty_three_bytes_xxxxxxxxxxxxxxxxxxxx;
CREATE SCHEMA hart AUTHORIZATION hart_app;
RESET client_min_messages;

-- user ...01 belongs to a2 only; b2 has its own user ...02.
CREATE TABLE hart.members (workspace_id uuid, user_id uuid, role text);
SELECT tenancy.register_membership('hart.members', 'workspace_id', 'user_id', 'role');
INSERT INTO hart.members VALUES
  ('00000000-0000-0000-0000-0000000000a2', 'aaaaaaaa-0000-0000-0000-000000000001', 'owner'),
  ('00000000-0000-0000-0000-0000000000b2', 'aaaaaaaa-0000-0000-0000-000000000002', 'owner');
CREATE TABLE hart.notes (id int PRIMARY KEY, workspace_id uuid NOT NULL, secret text);
SELECT tenancy.enable_audit('hart.notes');
INSERT INTO hart.notes VALUES (1, '00000000-0000-0000-0000-0000000000a2', 'a2 note'),
                              (2, '00000000-0000-0000-0000-0000000000b2', 'b2 secret');
UPDATE hart.notes SET secret = 'b2 secret, changed' WHERE id = 2;
ANALYZE tenancy.audit_log;
SELECT tenancy.grant_audit_read('hart_app');

-- b2's rows, as the member of a2 reads them: none by any path.
SET ROLE hart_app;
SET request.jwt.claims = '{"sub": "aaaaaaaa-0000-0000-0000-000000000001"}';
SELECT count(*) AS direct FROM tenancy.audit_log
 WHERE tenant_id = '00000000-0000-0000-0000-0000000000b2' OR new_values::text LIKE '%b2%';
SELECT count(*) AS history FROM tenancy.audit_history('hart.notes', '{"id": 2}');
SELECT count(*) AS partition FROM tenancy.audit_log_default
 WHERE tenant_id = '00000000-0000-0000-0000-0000000000b2';
-- its own rows it does read
SELECT count(*) AS own FROM tenancy.audit_history('hart.notes', '{"id": 1}');
-- a view it owns runs with its rights, and its policy reads the caller's claims
CREATE VIEW hart.everything AS SELECT * FROM tenancy.audit_log;
CREATE VIEW hart.everything_invoker WITH (security_invoker) AS SELECT * FROM tenancy.audit_log;
SELECT count(*) AS own_view FROM hart.everything
 WHERE tenant_id = '00000000-0000-0000-0000-0000000000b2';
SELECT count(*) AS invoker_view FROM hart.everything_invoker
 WHERE tenant_id = '00000000-0000-0000-0000-0000000000b2';
-- a function in its WHERE clause that keeps what it is shown: row level
-- security filters before it runs (the function is not leakproof)
CREATE TABLE hart.seen (v jsonb);
CREATE FUNCTION hart.keep(v jsonb) RETURNS boolean LANGUAGE plpgsql COST 0.0001 AS $$
BEGIN
  INSERT INTO hart.seen VALUES (v);
  RETURN true;
END $$;
-- (counted: this test's rows; others' tests may log rows for the same tenant id)
SELECT count(*) FILTER (WHERE schema_name = 'hart') AS kept FROM tenancy.audit_entries WHERE hart.keep(to_jsonb(audit_entries));
SELECT count(*) AS leaked FROM hart.seen WHERE v->>'tenant_id' <> '00000000-0000-0000-0000-0000000000a2'
                                             OR v->>'tenant_id' IS NULL;
-- no statistics of the log (most common values would show other tenants')
SELECT count(*) AS stats FROM pg_stats WHERE schemaname = 'tenancy' AND tablename LIKE 'audit_log%';
-- row level security cannot be switched off, the policies not changed
SET row_security = off;
SELECT (regress.caught('SELECT count(*) FROM tenancy.audit_log')).state AS row_security_off;
RESET row_security;
SELECT call, (regress.caught(call)).state
  FROM (VALUES
    ('ALTER TABLE tenancy.audit_log DISABLE ROW LEVEL SECURITY'),
    ('ALTER POLICY tenancy_audit_read ON tenancy.audit_log USING (true)'),
    ('DROP POLICY tenancy_audit_read ON tenancy.audit_log'),
    ($$INSERT INTO tenancy.audit_readers VALUES ('hart_app', NULL)$$),
    ($$UPDATE tenancy.audit_readers SET member_roles = NULL$$),
    ($$DELETE FROM tenancy.audit_readers$$),
    ('CREATE POLICY mine ON tenancy.audit_log FOR SELECT USING (true)'),
    ($$SELECT tenancy.grant_audit_read('hart_app')$$),
    ('UPDATE tenancy.audit_log SET tenant_id = NULL'),
    ('DELETE FROM tenancy.audit_log'),
    ('INSERT INTO tenancy.audit_log (relation, op, db_user, tenant_id)
      VALUES (1, $x$INSERT$x$, $x$x$x$, $x$00000000-0000-0000-0000-0000000000a2$x$)'),
    ($$INSERT INTO tenancy.audit_relation (schema_name, table_name) VALUES ('hart', 'forged')$$),
    ($$UPDATE tenancy.audit_relation SET table_name = 'forged'$$)
  ) v(call);

-- Prepared statements: planned while the member may read, run after the
-- membership is revoked, they read nothing.
PREPARE own_rows AS SELECT count(*) FROM tenancy.audit_entries
 WHERE tenant_id = '00000000-0000-0000-0000-0000000000a2' AND schema_name = 'hart';
PREPARE own_history AS SELECT count(*) FROM tenancy.audit_history('hart.notes', '{"id": 1}');
EXECUTE own_rows;
EXECUTE own_history;
RESET ROLE;
DELETE FROM hart.members WHERE user_id = 'aaaaaaaa-0000-0000-0000-000000000001';
SET ROLE hart_app;
EXECUTE own_rows;
EXECUTE own_history;
SELECT count(*) AS views_after FROM hart.everything;
-- and after the reading grant is revoked, they fail
RESET ROLE;
INSERT INTO hart.members VALUES
  ('00000000-0000-0000-0000-0000000000a2', 'aaaaaaaa-0000-0000-0000-000000000001', 'owner');
SELECT tenancy.revoke_audit_read('hart_app');
SET ROLE hart_app;
SELECT (regress.caught('EXECUTE own_rows')).state AS prepared_after_revoke;
SELECT (regress.caught('EXECUTE own_history')).state AS history_after_revoke;
SELECT (regress.caught('SELECT count(*) FROM hart.everything')).state AS view_after_revoke;
DEALLOCATE own_rows;
DEALLOCATE own_history;
RESET ROLE;

-- Hostile role names: quoted as identifiers, recorded as they are.
SELECT tenancy.grant_audit_read('"Hart; ""reader"" x"');
SELECT tenancy.grant_audit_read('hart_role_with_a_name_of_sixty_three_bytes_xxxxxxxxxxxxxxxxxxxx');
SELECT reader, octet_length(reader::text) AS bytes FROM tenancy.audit_readers
 WHERE reader::text LIKE '%Hart%' OR reader::text LIKE 'hart_role%' ORDER BY 2;
SET ROLE "Hart; ""reader"" x";
SELECT array_agg(DISTINCT tenant_id) AS reads FROM tenancy.audit_log;
RESET ROLE;
SELECT tenancy.revoke_audit_read('"Hart; ""reader"" x"');
SELECT tenancy.revoke_audit_read('hart_role_with_a_name_of_sixty_three_bytes_xxxxxxxxxxxxxxxxxxxx');
SELECT count(*) AS readers_left FROM tenancy.audit_readers
 WHERE reader::text LIKE '%Hart%' OR reader::text LIKE 'hart_role%';
-- a reader role dropped without revoke_audit_read (DROP OWNED takes its
-- grants) leaves a row naming no role: it matches nobody, and every other
-- reader still reads
CREATE ROLE hart_dropped;
SELECT tenancy.grant_audit_read('hart_dropped');
DROP OWNED BY hart_dropped;
DROP ROLE hart_dropped;
SELECT tenancy.grant_audit_read('hart_app');
SET ROLE hart_app;
SELECT count(*) > 0 AS still_reads FROM tenancy.audit_entries WHERE schema_name = 'hart';
RESET ROLE;
DELETE FROM tenancy.audit_readers WHERE NOT EXISTS (SELECT 1 FROM pg_roles r WHERE r.oid = reader);
SELECT tenancy.revoke_audit_read('hart_app');

RESET request.jwt.claims;
SET client_min_messages = warning;
DROP SCHEMA hart CASCADE;
DROP ROLE hart_app, "Hart; ""reader"" x",
          hart_role_with_a_name_of_sixty_three_bytes_xxxxxxxxxxxxxxxxxxxx;
