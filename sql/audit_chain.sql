-- audit_chain: sealing, verification, and tampering found.
CREATE TABLE ledger (id int PRIMARY KEY, workspace_id uuid, amount int);
SELECT tenancy.enable_audit('ledger');
INSERT INTO ledger SELECT g, CASE WHEN g % 2 = 0 THEN '00000000-0000-0000-0000-0000000000f0'::uuid
                                  ELSE '00000000-0000-0000-0000-0000000000f1'::uuid END, g
  FROM generate_series(1, 6) g;
UPDATE ledger SET amount = amount * 10 WHERE id <= 2;

SELECT tenancy.seal_audit() > 0 AS sealed;
SELECT tenancy.seal_audit() AS sealed_again;
SELECT count(*) AS unsealed FROM tenancy.audit_log WHERE row_hash IS NULL;
SELECT * FROM tenancy.verify_audit('00000000-0000-0000-0000-0000000000f0');
SELECT * FROM tenancy.verify_audit('00000000-0000-0000-0000-0000000000f1');
SELECT * FROM tenancy.verify_audit('00000000-0000-0000-0000-0000000000ff');
SELECT count(*) AS chains_with_problems FROM tenancy.verify_audit() WHERE first_bad_id IS NOT NULL;

-- the rows of tenant f0, in chain order
CREATE TEMP TABLE f0 AS
  SELECT id, row_number() OVER (ORDER BY txid, id) AS n FROM tenancy.audit_log
   WHERE tenant_id = '00000000-0000-0000-0000-0000000000f0';

-- Each tamper is tried in a transaction that is rolled back afterwards.
-- An edited value:
BEGIN;
UPDATE tenancy.audit_log SET new_values = '{"amount": 1}'
 WHERE id = (SELECT id FROM f0 WHERE n = 2);
SELECT first_bad_id = (SELECT id FROM f0 WHERE n = 2) AS edit_found
  FROM tenancy.verify_audit('00000000-0000-0000-0000-0000000000f0');
ROLLBACK;
-- A row moved to another tenant:
BEGIN;
UPDATE tenancy.audit_log SET tenant_id = '00000000-0000-0000-0000-0000000000f1'
 WHERE id = (SELECT id FROM f0 WHERE n = 2);
SELECT tenant_id, first_bad_id IS NOT NULL AS found FROM tenancy.verify_audit()
 WHERE tenant_id::text LIKE '00000000-0000-0000-0000-0000000000f_' ORDER BY 1;
ROLLBACK;
-- A removed row (the successor is the first bad one):
BEGIN;
DELETE FROM tenancy.audit_log WHERE id = (SELECT id FROM f0 WHERE n = 2);
SELECT first_bad_id = (SELECT id FROM f0 WHERE n = 3) AS removal_found
  FROM tenancy.verify_audit('00000000-0000-0000-0000-0000000000f0');
ROLLBACK;
-- The removed last row:
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
-- A forged row with a correctly computed hash cannot extend a chain silently:
BEGIN;
UPDATE tenancy.audit_log SET row_hash = NULL WHERE id = (SELECT id FROM f0 WHERE n = 1);
SELECT first_bad_id = (SELECT id FROM f0 WHERE n = 1) AS unsealing_found
  FROM tenancy.verify_audit('00000000-0000-0000-0000-0000000000f0');
ROLLBACK;
SELECT count(*) AS chains_with_problems FROM tenancy.verify_audit() WHERE first_bad_id IS NOT NULL;

-- Rows written after a seal are sealed by the next one and extend the chain.
INSERT INTO ledger VALUES (7, '00000000-0000-0000-0000-0000000000f0', 7);
SELECT tenancy.seal_audit() AS sealed_new;
SELECT rows_checked, first_bad_id FROM tenancy.verify_audit('00000000-0000-0000-0000-0000000000f0');

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
