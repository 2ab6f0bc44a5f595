-- audit_log: what enable_audit logs, and what it never logs.
SET client_min_messages = warning;
CREATE ROLE audit_writer;
CREATE ROLE audit_reader;
RESET client_min_messages;

CREATE TABLE orders (
  id int PRIMARY KEY,
  workspace_id uuid NOT NULL,
  body text,
  card_number text,      -- excluded: never logged
  api_secret text,       -- redacted: logged only as changed
  shape point            -- no equality operator: compared byte for byte
);
ALTER TABLE orders OWNER TO audit_writer;
SELECT tenancy.enable_audit('orders', exclude_columns => '{card_number}',
                            redact_columns => '{api_secret}');
SELECT * FROM tenancy.audited_tables WHERE table_name = 'orders'::regclass;
-- idempotent
SELECT tenancy.enable_audit('orders', exclude_columns => '{card_number}',
                            redact_columns => '{api_secret}');
SELECT count(*) AS audit_triggers FROM pg_trigger
 WHERE tgrelid = 'orders'::regclass AND tgname LIKE 'tenancy\_audit\_%';

-- Changes by an unprivileged writer (owner of orders, no right on the log).
SET ROLE audit_writer;
BEGIN;
SELECT set_config('request.jwt.claims', '{"sub":"00000000-0000-0000-0000-0000000000a1"}', true) IS NOT NULL AS claims;
INSERT INTO orders VALUES
  (1, '00000000-0000-0000-0000-00000000000a', 'first', '4111-1111', 'sk_live_1', '(1,1)'),
  (2, '00000000-0000-0000-0000-00000000000b', 'second', '4222-2222', NULL, '(2,2)');
UPDATE orders SET body = 'first, edited' WHERE id = 1;
UPDATE orders SET card_number = '4333-3333';          -- only an excluded column: no log
UPDATE orders SET body = body;                        -- nothing changed: no log
UPDATE orders SET api_secret = 'sk_live_2' WHERE id = 2;
UPDATE orders SET shape = '(9,9)' WHERE id = 1;
UPDATE orders SET id = 10 WHERE id = 1;               -- key change: old key in old_values
DELETE FROM orders WHERE id = 2;
COMMIT;
-- absent claims: actor NULL; malformed claims never block the write
INSERT INTO orders VALUES (3, '00000000-0000-0000-0000-00000000000a', 'no claims', NULL, NULL, NULL);
BEGIN;
SELECT set_config('request.jwt.claims', '{not json', true) IS NOT NULL AS claims;
INSERT INTO orders VALUES (4, '00000000-0000-0000-0000-00000000000a', 'bad claims', NULL, NULL, NULL);
COMMIT;
TRUNCATE orders;
-- the writer cannot touch the log
SELECT count(*) FROM tenancy.audit_log;
UPDATE tenancy.audit_log SET op = 'INSERT';
DELETE FROM tenancy.audit_log;
INSERT INTO tenancy.audit_log (relation, op, db_user)
  VALUES (1, 'INSERT', 'z');
-- nor the names its rows point to
INSERT INTO tenancy.audit_relation (schema_name, table_name) VALUES ('x', 'y');
UPDATE tenancy.audit_relation SET table_name = 'y';
RESET ROLE;

SELECT op, tenant_id, actor_id, db_user, record_key, old_values, new_values
  FROM tenancy.audit_entries WHERE table_name = 'orders' ORDER BY id;
-- the excluded column and its values appear nowhere, the secret's neither
-- (the card numbers are searched for whole: a random uuid or hash in the
-- row could hold their first digits)
SELECT count(*) AS leaks FROM tenancy.audit_log l
 WHERE l::text LIKE '%card_number%' OR l::text LIKE '%4111-1111%' OR l::text LIKE '%4333-3333%'
    OR l::text LIKE '%sk_live%';

-- A role granted SELECT by hand reads no row (row level security: readers
-- get their tenants' rows through grant_audit_read, see audit_reading), and
-- cannot change the log.
GRANT SELECT ON tenancy.audit_log TO audit_reader;
SET ROLE audit_reader;
SELECT count(*) AS rows_seen FROM tenancy.audit_log;
UPDATE tenancy.audit_log SET op = 'DELETE';
DELETE FROM tenancy.audit_log;
RESET ROLE;

-- Rollback leaves no log; a rolled-back savepoint leaves none of its part.
SELECT max(id) AS last_id FROM tenancy.audit_log \gset
BEGIN;
INSERT INTO orders VALUES (20, '00000000-0000-0000-0000-00000000000a', 'rolled back', NULL, NULL, NULL);
ROLLBACK;
BEGIN;
INSERT INTO orders VALUES (21, '00000000-0000-0000-0000-00000000000a', 'kept', NULL, NULL, NULL);
SAVEPOINT s;
INSERT INTO orders VALUES (22, '00000000-0000-0000-0000-00000000000a', 'undone', NULL, NULL, NULL);
ROLLBACK TO SAVEPOINT s;
COMMIT;
SELECT op, new_values->>'body' AS body FROM tenancy.audit_log WHERE id > :last_id ORDER BY id;

-- Bulk statements are fully logged, one log row per changed row.
SELECT max(id) AS last_id FROM tenancy.audit_log \gset
INSERT INTO orders SELECT g, '00000000-0000-0000-0000-00000000000c', 'bulk ' || g, NULL, NULL, NULL
  FROM generate_series(1000, 5999) g;
UPDATE orders SET body = body || '!' WHERE id BETWEEN 1000 AND 5999 AND id % 2 = 0;
DELETE FROM orders WHERE id BETWEEN 1000 AND 1999;
SELECT op, count(*), count(DISTINCT record_key) AS keys
  FROM tenancy.audit_log WHERE id > :last_id GROUP BY op ORDER BY op;
-- each update pairs the right old and new row
SELECT count(*) AS mismatched FROM tenancy.audit_log
 WHERE id > :last_id AND op = 'UPDATE'
   AND new_values->>'body' <> (old_values->>'body') || '!';

-- A table without a primary key is still audited (key NULL).
CREATE TABLE events_nokey (workspace_id uuid, what text);
SELECT tenancy.enable_audit('events_nokey');
INSERT INTO events_nokey VALUES ('00000000-0000-0000-0000-00000000000a', 'x');
UPDATE events_nokey SET what = 'y';
SELECT op, tenant_id, record_key, old_values, new_values FROM tenancy.audit_entries
 WHERE table_name = 'events_nokey' ORDER BY id;

-- Explicit tenant column; a table without one logs tenant NULL.
CREATE TABLE misc (id int PRIMARY KEY, owner_ws uuid, note text);
SELECT tenancy.enable_audit('misc', tenant_column => 'owner_ws');
CREATE TABLE lookup (code text PRIMARY KEY);
SELECT tenancy.enable_audit('lookup');
INSERT INTO misc VALUES (1, '00000000-0000-0000-0000-00000000000d', 'n');
INSERT INTO lookup VALUES ('EUR');
SELECT table_name, tenant_id, record_key FROM tenancy.audit_entries
 WHERE table_name IN ('misc', 'lookup') ORDER BY id;

-- disable_audit stops logging, keeps the log, and is idempotent.
SELECT count(*) AS before FROM tenancy.audit_entries WHERE table_name = 'lookup';
SELECT tenancy.disable_audit('lookup');
SELECT tenancy.disable_audit('lookup');
INSERT INTO lookup VALUES ('USD');
SELECT count(*) AS after FROM tenancy.audit_entries WHERE table_name = 'lookup';
SELECT count(*) AS triggers_left FROM pg_trigger WHERE tgrelid = 'lookup'::regclass;
-- enable again after disable works
SELECT tenancy.enable_audit('lookup');
INSERT INTO lookup VALUES ('GBP');
SELECT count(*) AS logging_again FROM tenancy.audit_entries WHERE table_name = 'lookup';
