-- audit_reading: application roles read the log rows of their tenants
-- only, through row level security and tenancy.grant_audit_read(); a
-- record's history through tenancy.audit_history() (docs/audit.md,
-- "Reading the log").
SET client_min_messages = warning;
CREATE ROLE ar_app;        -- the application's role, as PostgREST's authenticated
CREATE ROLE ar_admin_app;  -- an application role that reads as owner or admin only
CREATE ROLE ar_by_hand;    -- granted SELECT by hand, without a policy
CREATE ROLE ar_bypass BYPASSRLS;
CREATE SCHEMA ar;
GRANT USAGE ON SCHEMA ar TO ar_app, ar_admin_app;
RESET client_min_messages;

-- user ...01: owner of workspace a1, viewer of b1; user ...02: owner of b1.
-- Nobody belongs to c1.
CREATE TABLE ar.members (workspace_id uuid, user_id uuid, role text);
SELECT tenancy.register_membership('ar.members', 'workspace_id', 'user_id', 'role');
INSERT INTO ar.members VALUES
  ('00000000-0000-0000-0000-0000000000a1', 'aaaaaaaa-0000-0000-0000-000000000001', 'owner'),
  ('00000000-0000-0000-0000-0000000000b1', 'aaaaaaaa-0000-0000-0000-000000000001', 'viewer'),
  ('00000000-0000-0000-0000-0000000000b1', 'aaaaaaaa-0000-0000-0000-000000000002', 'owner');

CREATE TABLE ar.docs (id int PRIMARY KEY, workspace_id uuid NOT NULL, title text);
SELECT tenancy.enable_audit('ar.docs');
CREATE TABLE ar.lines (doc int, line int, workspace_id uuid NOT NULL, body text,
                       PRIMARY KEY (doc, line));
SELECT tenancy.enable_audit('ar.lines');
CREATE TABLE ar.notes (id int PRIMARY KEY, workspace_id uuid NOT NULL);  -- keys like docs'
SELECT tenancy.enable_audit('ar.notes');
CREATE TABLE ar.tags (tag text, workspace_id uuid);  -- no primary key
SELECT tenancy.enable_audit('ar.tags');
INSERT INTO ar.docs VALUES (1, '00000000-0000-0000-0000-0000000000a1', 'a one'),
                           (2, '00000000-0000-0000-0000-0000000000b1', 'b two'),
                           (3, '00000000-0000-0000-0000-0000000000c1', 'c three');
UPDATE ar.docs SET title = title || '!' WHERE id IN (1, 2);
DELETE FROM ar.docs WHERE id = 3;
INSERT INTO ar.notes VALUES (1, '00000000-0000-0000-0000-0000000000a1');
INSERT INTO ar.lines VALUES (1, 1, '00000000-0000-0000-0000-0000000000a1', 'x'),
                            (1, 2, '00000000-0000-0000-0000-0000000000a1', 'y');
UPDATE ar.lines SET body = 'z' WHERE doc = 1 AND line = 2;
TRUNCATE ar.tags;  -- logged with tenant_id NULL

-- Row level security is on for the log and its partitions, not forced: the
-- owner (here the superuser) reads every row.
SELECT bool_and(c.relrowsecurity) AS rls, bool_or(c.relforcerowsecurity) AS forced
  FROM tenancy.relation_tree('tenancy.audit_log') t JOIN pg_class c ON c.oid = t.relid;
SELECT count(*) AS owner_reads FROM tenancy.audit_entries WHERE schema_name = 'ar';

-- SELECT granted by hand shows no row: rows are given by policies only.
GRANT SELECT ON tenancy.audit_log TO ar_by_hand;
SET ROLE ar_by_hand;
SET request.jwt.claims = '{"sub": "aaaaaaaa-0000-0000-0000-000000000001"}';
SELECT count(*) AS by_hand_reads FROM tenancy.audit_log;
RESET ROLE;
REVOKE SELECT ON tenancy.audit_log FROM ar_by_hand;

-- grant_audit_read: SELECT on the log and every partition, and a row of
-- tenancy.audit_readers, which the one policy of each relation (made by
-- CREATE EXTENSION, copied to partitions) reads.
SELECT tenancy.grant_audit_read('ar_app');
SELECT reader, member_roles FROM tenancy.audit_readers WHERE reader = 'ar_app'::regrole;
SELECT polname, polcmd, polpermissive, polroles::regrole[] AS roles,
       pg_get_expr(polqual, polrelid) AS qual
  FROM pg_policy WHERE polrelid = 'tenancy.audit_log'::regclass;
SELECT bool_and(has_table_privilege('ar_app', t.relid, 'SELECT')) AS selects,
       bool_and((SELECT array_agg(p.polname) FROM pg_policy p WHERE p.polrelid = t.relid)
                = '{tenancy_audit_read}') AS one_policy_each
  FROM tenancy.relation_tree('tenancy.audit_log') t;
-- nothing else: no write, no other role
SELECT has_table_privilege('ar_app', 'tenancy.audit_log', 'INSERT, UPDATE, DELETE, TRUNCATE') AS writes,
       has_table_privilege('ar_admin_app', 'tenancy.audit_log', 'SELECT') AS others;

-- The member of a1 and b1 reads their rows, not c1's nor the NULL tenant's.
SET ROLE ar_app;
SELECT table_name, op, tenant_id, record_key, old_values, new_values
  FROM tenancy.audit_entries WHERE schema_name = 'ar' AND table_name <> 'notes' ORDER BY txid, id;
-- the owner of b1 reads b1's
SET request.jwt.claims = '{"sub": "aaaaaaaa-0000-0000-0000-000000000002"}';
SELECT table_name, op, tenant_id, record_key FROM tenancy.audit_entries
 WHERE schema_name = 'ar' AND table_name <> 'notes' ORDER BY txid, id;
-- no user, an unknown user: nothing
RESET request.jwt.claims;
SELECT count(*) AS no_user_reads FROM tenancy.audit_log;
SET request.jwt.claims = '{"sub": "aaaaaaaa-0000-0000-0000-0000000000ff"}';
SELECT count(*) AS stranger_reads FROM tenancy.audit_log;
RESET ROLE;

-- A membership granted or revoked is seen by the next statement.
SET ROLE ar_app;
SET request.jwt.claims = '{"sub": "aaaaaaaa-0000-0000-0000-000000000002"}';
SELECT array_agg(DISTINCT tenant_id) AS tenants FROM tenancy.audit_entries WHERE schema_name = 'ar';
RESET ROLE;
INSERT INTO ar.members VALUES
  ('00000000-0000-0000-0000-0000000000a1', 'aaaaaaaa-0000-0000-0000-000000000002', 'viewer');
SET ROLE ar_app;
SELECT array_agg(DISTINCT tenant_id ORDER BY tenant_id) AS tenants FROM tenancy.audit_entries
 WHERE schema_name = 'ar';
RESET ROLE;
DELETE FROM ar.members WHERE user_id = 'aaaaaaaa-0000-0000-0000-000000000002';
SET ROLE ar_app;
SELECT count(*) AS after_revocation FROM tenancy.audit_log;
RESET ROLE;

-- member_roles: ar_admin_app reads only where the user is owner or admin.
SELECT tenancy.grant_audit_read('ar_admin_app', '{owner,admin}');
SELECT member_roles FROM tenancy.audit_readers WHERE reader = 'ar_admin_app'::regrole;
SET ROLE ar_admin_app;
SET request.jwt.claims = '{"sub": "aaaaaaaa-0000-0000-0000-000000000001"}';
SELECT array_agg(DISTINCT tenant_id) AS owner_or_admin_of FROM tenancy.audit_log;
RESET ROLE;
-- granting again replaces the restriction; still one row
SELECT tenancy.grant_audit_read('ar_admin_app');
SELECT count(*) AS rows, bool_and(member_roles IS NULL) AS unrestricted
  FROM tenancy.audit_readers WHERE reader = 'ar_admin_app'::regrole;
SET ROLE ar_admin_app;
SELECT array_agg(DISTINCT tenant_id ORDER BY tenant_id) AS member_of FROM tenancy.audit_log;
RESET ROLE;

-- Partitions made later carry the grant, row level security and policies.
SELECT premake AS premake_was FROM tenancy.partition_config
 WHERE parent = 'tenancy.audit_log'::regclass \gset
SELECT tenancy.partition_by_time('tenancy.audit_log', 'logged_at', '1 month',
                                 premake => :premake_was + 2) > 0 AS made_partitions;
SELECT bool_and(c.relrowsecurity) AS rls,
       bool_and(has_table_privilege('ar_app', t.relid, 'SELECT')) AS selects,
       bool_and((SELECT array_agg(p.polname) FROM pg_policy p WHERE p.polrelid = t.relid)
                = '{tenancy_audit_read}') AS one_policy_each,
       bool_and(EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = t.relid
                           AND pg_get_indexdef(i.indexrelid)
                               LIKE '%(tenancy.audit_key_hash(record_key), tenant_id)'))
         AS history_index
  FROM tenancy.relation_tree('tenancy.audit_log') t JOIN pg_class c ON c.oid = t.relid
 WHERE c.relkind = 'r';
SELECT tenancy.partition_by_time('tenancy.audit_log', 'logged_at', '1 month',
                                 premake => :premake_was) = 0 AS premake_back;

-- audit_history: a record's rows, oldest first, as the caller may read them.
SET ROLE ar_app;
SET request.jwt.claims = '{"sub": "aaaaaaaa-0000-0000-0000-000000000001"}';
-- (not ar.notes' row of the same key and tenant)
SELECT op, tenant_id, old_values, new_values FROM tenancy.audit_history('ar.docs', '{"id": 1}');
SELECT op, old_values, new_values FROM tenancy.audit_history('ar.lines', '{"line": 2, "doc": 1}');
-- inlined into the calling query (a SQL function without SET): no scan of
-- a function's result
RESET ROLE;
CREATE FUNCTION pg_temp.plan_of(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE line text; plan text := '';
BEGIN
  FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) ' || q LOOP plan := plan || line || E'\n'; END LOOP;
  RETURN plan;
END $$;
SET ROLE ar_app;
SELECT plan NOT LIKE '%Function Scan on audit_history%' AS inlined
  FROM pg_temp.plan_of($$SELECT * FROM tenancy.audit_history('ar.docs', '{"id": 1}')$$) plan;
-- a number is a number however it is written
SELECT count(*) AS same_key FROM tenancy.audit_history('ar.docs', '{"id": 1.0}');
-- keys that share a code are told apart by the jsonb: 1.4 rounds to 1
SELECT tenancy.audit_key_hash('{"id": 1.4}') = tenancy.audit_key_hash('{"id": 1}') AS code_shared,
       (SELECT count(*) FROM tenancy.audit_history('ar.docs', '{"id": 1.4}')) AS rows_of_1_4;
-- one integer column: codes ordered like the ids (a bulk statement's
-- entries land side by side); other keys: jsonb's hash
SELECT tenancy.audit_key_hash('{"id": -5}') < tenancy.audit_key_hash('{"id": 1}')
       AND tenancy.audit_key_hash('{"id": 1}') < tenancy.audit_key_hash('{"id": 2}') AS ordered,
       tenancy.audit_key_hash('{"id": 5000000000}') = jsonb_hash_extended('{"id": 5000000000}', 0)
       AND tenancy.audit_key_hash('{"id": "x"}') = jsonb_hash_extended('{"id": "x"}', 0)
       AND tenancy.audit_key_hash('{"doc": 1, "line": 2}') = jsonb_hash_extended('{"doc": 1, "line": 2}', 0)
         AS hashed_otherwise;
-- c1's record: nothing for a member of a1 and b1
SELECT count(*) AS other_tenant FROM tenancy.audit_history('ar.docs', '{"id": 3}');
RESET ROLE;
-- the owner reads every row of it
SELECT op, tenant_id, old_values, new_values FROM tenancy.audit_history('ar.docs', '{"id": 3}');
-- An index serves it under row level security: the key's hash and the
-- policy's tenants are both index conditions (a condition on the jsonb
-- itself would only filter the rows of all the reader's tenants).
SET ROLE ar_app;
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM tenancy.audit_log_default l
 WHERE tenancy.audit_key_hash(l.record_key) = tenancy.audit_key_hash('{"id": 1}') AND l.record_key = '{"id": 1}';
RESET enable_seqscan;
RESET ROLE;

-- Bad input: a clear error, nothing read.
SELECT call, (regress.caught(call)).*
  FROM (VALUES
    ($$SELECT tenancy.audit_history(NULL, '{"id": 1}')$$),
    ($$SELECT tenancy.audit_history('ar.docs', NULL)$$),
    ($$SELECT tenancy.audit_history('ar.docs', '1')$$),
    ($$SELECT tenancy.audit_history('ar.docs', '[1]')$$),
    ($$SELECT tenancy.audit_history('ar.docs', '{}')$$),
    ($$SELECT tenancy.audit_history('ar.docs', '{"ID": 1}')$$),
    ($$SELECT tenancy.audit_history('ar.lines', '{"doc": 1, "line": 2, "body": "z"}')$$),
    ($$SELECT tenancy.audit_history('ar.tags', '{"tag": "x"}')$$),
    ($$SELECT tenancy.grant_audit_read(NULL)$$),
    ($$SELECT tenancy.grant_audit_read(424242::oid::regrole)$$),
    ($$SELECT tenancy.grant_audit_read('ar_bypass')$$),
    ($$SELECT tenancy.grant_audit_read('ar_app', '{}')$$),
    ($$SELECT tenancy.grant_audit_read('ar_app', '{owner,NULL}')$$),
    ($$SELECT tenancy.revoke_audit_read(NULL)$$)) v(call);
-- the failed calls changed nothing
SELECT reader, member_roles FROM tenancy.audit_readers
 WHERE reader IN ('ar_app'::regrole, 'ar_bypass'::regrole);
-- only the log's owner grants reading
SET ROLE ar_app;
SELECT (regress.caught($$SELECT tenancy.grant_audit_read('ar_app')$$)).state AS not_owner;
RESET ROLE;

-- A partitioned table with a hostile name: its history holds the rows
-- logged under the parent's name and those written to a partition by its
-- own; a partition's, only its own. Hostile key column names in the hint.
CREATE TABLE ar."Part ""x""; t" ("Key ""q""; x" int, workspace_id uuid NOT NULL, v int,
                                PRIMARY KEY ("Key ""q""; x", workspace_id)) PARTITION BY LIST (workspace_id);
CREATE TABLE ar.part_a1 PARTITION OF ar."Part ""x""; t" FOR VALUES IN ('00000000-0000-0000-0000-0000000000a1');
SELECT tenancy.enable_audit('ar."Part ""x""; t"');
INSERT INTO ar."Part ""x""; t" VALUES (7, '00000000-0000-0000-0000-0000000000a1', 1);
UPDATE ar.part_a1 SET v = 2;
SET ROLE ar_app;
SELECT op FROM tenancy.audit_history('ar."Part ""x""; t"',
                                     '{"Key \"q\"; x": 7, "workspace_id": "00000000-0000-0000-0000-0000000000a1"}');
SELECT op FROM tenancy.audit_history('ar.part_a1',
                                     '{"Key \"q\"; x": 7, "workspace_id": "00000000-0000-0000-0000-0000000000a1"}');
SELECT (regress.caught($$SELECT tenancy.audit_history('ar."Part ""x""; t"', '{"key": 7}')$$)).*;
RESET ROLE;
-- the relation ids: none for a table never audited, nor for a dropped
-- one's OID; looking adds nothing to the dictionary
SELECT count(*) AS names_before FROM tenancy.audit_relation \gset
SELECT tenancy._audit_relation_ids('ar.members') AS never_audited,
       tenancy._audit_relation_ids(4242424242::oid::regclass) AS no_such_table,
       tenancy._audit_relation_ids(NULL) IS NULL AS null_is_null,
       cardinality(tenancy._audit_relation_ids('ar."Part ""x""; t"')) AS parent_and_partition;
SELECT count(*) = :names_before AS nothing_added FROM tenancy.audit_relation;

-- revoke_audit_read: no reader row, no SELECT left anywhere.
SELECT tenancy.revoke_audit_read('ar_app');
SELECT tenancy.revoke_audit_read('ar_app');  -- again: nothing to do
SELECT count(*) AS readers_left FROM tenancy.audit_readers WHERE reader = 'ar_app'::regrole;
SELECT bool_or(has_table_privilege('ar_app', t.relid, 'SELECT')) AS selects_left
  FROM tenancy.relation_tree('tenancy.audit_log') t;
SET ROLE ar_app;
SELECT (regress.caught('SELECT count(*) FROM tenancy.audit_log')).state AS revoked_reader;
RESET ROLE;

SELECT tenancy.revoke_audit_read('ar_admin_app');
RESET request.jwt.claims;
SET client_min_messages = warning;
DROP SCHEMA ar CASCADE;
DROP ROLE ar_app, ar_admin_app, ar_by_hand, ar_bypass;
