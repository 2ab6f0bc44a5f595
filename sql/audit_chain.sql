-- audit_chain: sealing, verification, and tampering found.
CREATE TABLE ledger (id int PRIMARY KEY, workspace_id uuid, amount int);
SELECT tenancy.enable_audit('ledger');
INSERT INTO ledger SELECT g, CASE WHEN g % 2 = 0 THEN '00000000-0000-0000-0000-0000000000f0'::uuid
                                  ELSE '00000000-0000-0000-0000-0000000000f1'::uuid END, g
  FROM generate_series(1, 6) g;

-- Two seals: the inserts, then the update. A seal records one anchor per
-- chain it extends and rewrites no log row (their ctids stay).
CREATE TEMP TABLE before_seal AS SELECT id, ctid AS old_ctid FROM tenancy.audit_log;
SELECT tenancy.seal_audit() > 0 AS sealed;
SELECT tenancy.seal_audit() AS sealed_again;
SELECT count(*) AS rows_rewritten FROM tenancy.audit_log l JOIN before_seal b USING (id) WHERE l.ctid <> b.old_ctid;
UPDATE ledger SET amount = amount * 10 WHERE id <= 2;
SELECT tenancy.seal_audit() AS sealed_update;
SELECT a.tenant_id, a.rows FROM tenancy.audit_anchor a
 WHERE a.tenant_id::text LIKE '00000000-0000-0000-0000-0000000000f_' ORDER BY a.tenant_id, a.end_txid, a.end_id;
SELECT * FROM tenancy.verify_audit('00000000-0000-0000-0000-0000000000f0');
SELECT * FROM tenancy.verify_audit('00000000-0000-0000-0000-0000000000f1');
SELECT * FROM tenancy.verify_audit('00000000-0000-0000-0000-0000000000ff');
SELECT count(*) AS chains_with_problems FROM tenancy.verify_audit() WHERE first_bad_id IS NOT NULL;

-- the rows of tenant f0, in chain order: 1-3 sealed by the first seal, 4 by the second
CREATE TEMP TABLE f0 AS
  SELECT id, row_number() OVER (ORDER BY txid, id) AS n FROM tenancy.audit_log
   WHERE tenant_id = '00000000-0000-0000-0000-0000000000f0';

-- Each tamper is tried in a transaction that is rolled back afterwards. A
-- tamper fails the seal range that holds it: first_bad_id is that range's
-- first row.
-- An edited value, in the first range and in the second:
BEGIN;
UPDATE tenancy.audit_log SET new_values = '{"amount": 1}'
 WHERE id = (SELECT id FROM f0 WHERE n = 2);
SELECT first_bad_id = (SELECT id FROM f0 WHERE n = 1) AS edit_found
  FROM tenancy.verify_audit('00000000-0000-0000-0000-0000000000f0');
ROLLBACK;
BEGIN;
UPDATE tenancy.audit_log SET old_values = '{"amount": 1}'
 WHERE id = (SELECT id FROM f0 WHERE n = 4);
SELECT first_bad_id = (SELECT id FROM f0 WHERE n = 4) AS edit_in_second_range_found
  FROM tenancy.verify_audit('00000000-0000-0000-0000-0000000000f0');
ROLLBACK;
-- A row moved to another tenant:
BEGIN;
UPDATE tenancy.audit_log SET tenant_id = '00000000-0000-0000-0000-0000000000f1'
 WHERE id = (SELECT id FROM f0 WHERE n = 2);
SELECT tenant_id, first_bad_id IS NOT NULL AS found FROM tenancy.verify_audit()
 WHERE tenant_id::text LIKE '00000000-0000-0000-0000-0000000000f_' ORDER BY 1;
ROLLBACK;
-- A removed row:
BEGIN;
DELETE FROM tenancy.audit_log WHERE id = (SELECT id FROM f0 WHERE n = 2);
SELECT first_bad_id = (SELECT id FROM f0 WHERE n = 1) AS removal_found
  FROM tenancy.verify_audit('00000000-0000-0000-0000-0000000000f0');
ROLLBACK;
-- The removed last row (the id it had):
BEGIN;
DELETE FROM tenancy.audit_log WHERE id = (SELECT id FROM f0 ORDER BY n DESC LIMIT 1);
SELECT first_bad_id = (SELECT id FROM f0 ORDER BY n DESC LIMIT 1) AS tail_removal_found
  FROM tenancy.verify_audit('00000000-0000-0000-0000-0000000000f0');
ROLLBACK;
-- Two rows swapped (contents exchanged, ids kept):
BEGIN;
CREATE TEMP TABLE swap AS SELECT * FROM tenancy.audit_log
 WHERE id IN (SELECT id FROM f0 WHERE n IN (1, 2));
UPDATE tenancy.audit_log l SET new_values = s.new_values, old_values = s.old_values,
       record_key = s.record_key, op = s.op
  FROM swap s
 WHERE s.id <> l.id AND l.id IN (SELECT id FROM f0 WHERE n IN (1, 2));
SELECT first_bad_id = (SELECT id FROM f0 WHERE n = 1) AS swap_found
  FROM tenancy.verify_audit('00000000-0000-0000-0000-0000000000f0');
ROLLBACK;
-- A row forged into the sealed range (in the first seal's transaction):
BEGIN;
INSERT INTO tenancy.audit_log (logged_at, txid, relation, tenant_id, op, db_user)
SELECT logged_at, txid, relation, tenant_id, 'DELETE', db_user
  FROM tenancy.audit_log WHERE id = (SELECT id FROM f0 WHERE n = 1);
SELECT first_bad_id = (SELECT max(id) FROM tenancy.audit_log) AS forged_row_found
  FROM tenancy.verify_audit('00000000-0000-0000-0000-0000000000f0');
ROLLBACK;
-- A removed anchor: the rows it covered are in the sealed range but no seal's.
BEGIN;
DELETE FROM tenancy.audit_anchor
 WHERE tenant_id = '00000000-0000-0000-0000-0000000000f0'
   AND end_id = (SELECT id FROM f0 WHERE n = 4);
SELECT first_bad_id = (SELECT id FROM f0 WHERE n = 4) AS anchor_removal_found
  FROM tenancy.verify_audit('00000000-0000-0000-0000-0000000000f0');
ROLLBACK;
SELECT count(*) AS chains_with_problems FROM tenancy.verify_audit() WHERE first_bad_id IS NOT NULL;

-- Rows written after a seal are sealed by the next one and extend the chain.
INSERT INTO ledger VALUES (7, '00000000-0000-0000-0000-0000000000f0', 7);
SELECT tenancy.seal_audit() AS sealed_new;
SELECT rows_checked, rows_erased, first_bad_id FROM tenancy.verify_audit('00000000-0000-0000-0000-0000000000f0');

-- The log's transaction numbering in a database where it began: the
-- server's own (offset 0, stored by the first write).
SELECT xid_offset, tenancy.audit_xid_offset() AS computed FROM tenancy.audit_install;
SELECT max(txid) <= pg_current_xact_id() AS txids_are_the_servers FROM tenancy.audit_log;

-- A caller's search_path cannot shadow what sealing uses: with a function
-- ahead of pg_catalog that would stop every seal, rows still seal.
CREATE SCHEMA shadow;
CREATE FUNCTION shadow.pg_snapshot_xmin(pg_snapshot) RETURNS xid8 LANGUAGE sql AS $$ SELECT '1'::xid8 $$;
CREATE TABLE shadowed (id int PRIMARY KEY);
SELECT tenancy.enable_audit('shadowed');
INSERT INTO shadowed VALUES (1);
SET search_path = shadow, pg_catalog, public;
SELECT tenancy.seal_audit() > 0 AS sealed;
RESET search_path;
SELECT count(*) FILTER (WHERE first_bad_id IS NOT NULL) AS bad_chains FROM tenancy.verify_audit();
DROP TABLE shadowed;
DROP SCHEMA shadow CASCADE;
