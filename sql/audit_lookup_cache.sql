-- audit_lookup_cache: the audit trigger keeps the OIDs of the log, its id
-- sequence, tenancy.audit_install, tenancy.audit_relation and schema
-- tenancy per backend (src/audit/log_oids_pg.hpp), and each audited
-- relation's id in tenancy.audit_relation; renaming, dropping or recreating any of
-- them between two statements of this backend is seen by the next one,
-- as a lookup by name would see it. Each change is rolled back.
CREATE SCHEMA alc;
CREATE TABLE alc.items (id int PRIMARY KEY, workspace_id uuid, v int);
SELECT tenancy.enable_audit('alc.items');
-- the cache is filled
INSERT INTO alc.items VALUES (1, '00000000-0000-0000-0000-0000000000a3', 1);
SELECT count(*) AS logged FROM tenancy.audit_entries WHERE schema_name = 'alc';

-- The id sequence renamed and another made under its name: ids come from
-- the new one; dropped: the trigger says so.
BEGIN;
ALTER SEQUENCE tenancy.audit_log_id_seq RENAME TO audit_log_id_seq_moved;
CREATE SEQUENCE tenancy.audit_log_id_seq START 900000000;
INSERT INTO alc.items VALUES (2, '00000000-0000-0000-0000-0000000000a3', 2);
SELECT id >= 900000000 AS from_new_sequence FROM tenancy.audit_entries
 WHERE schema_name = 'alc' AND record_key = '{"id": 2}';
DROP SEQUENCE tenancy.audit_log_id_seq;
SELECT * FROM regress.caught($$INSERT INTO alc.items VALUES (3, '00000000-0000-0000-0000-0000000000a3', 3)$$);
ROLLBACK;
-- rolled back: the original sequence again
INSERT INTO alc.items VALUES (4, '00000000-0000-0000-0000-0000000000a3', 4);
SELECT id < 900000000 AS from_original_sequence FROM tenancy.audit_entries
 WHERE schema_name = 'alc' AND record_key = '{"id": 4}';

-- The log renamed: writes fail rather than go to the renamed table; a log
-- made under the name (without partitions) is the one written to.
BEGIN;
ALTER TABLE tenancy.audit_log RENAME TO audit_log_moved;
SELECT * FROM regress.caught($$INSERT INTO alc.items VALUES (5, '00000000-0000-0000-0000-0000000000a3', 5)$$);
CREATE TABLE tenancy.audit_log (LIKE tenancy.audit_log_moved) PARTITION BY RANGE (logged_at);
SELECT * FROM regress.caught($$INSERT INTO alc.items VALUES (6, '00000000-0000-0000-0000-0000000000a3', 6)$$);
ROLLBACK;

-- tenancy.audit_install renamed, then back within the transaction.
BEGIN;
ALTER TABLE tenancy.audit_install RENAME TO audit_install_moved;
SELECT * FROM regress.caught($$INSERT INTO alc.items VALUES (7, '00000000-0000-0000-0000-0000000000a3', 7)$$);
ALTER TABLE tenancy.audit_install_moved RENAME TO audit_install;
INSERT INTO alc.items VALUES (7, '00000000-0000-0000-0000-0000000000a3', 7);
ROLLBACK;

-- Schema tenancy renamed: no log is found under the name any more.
BEGIN;
ALTER SCHEMA tenancy RENAME TO tenancy_moved;
SELECT * FROM regress.caught($$INSERT INTO alc.items VALUES (8, '00000000-0000-0000-0000-0000000000a3', 8)$$);
ROLLBACK;

-- The relation's dictionary id (src/audit/relation_dictionary_pg.hpp) is
-- cached too: the table renamed, its schema renamed (which invalidates no
-- table), or the dictionary truncated, the next statement logs the names
-- the relation has then. Each rename adds a dictionary row; none changes,
-- so rows logged before keep the names they were logged under, and their
-- chains verify after the rename (the hash covers those names).
SELECT tenancy.seal_audit() > 0 AS sealed;
ALTER TABLE alc.items RENAME TO items_renamed;
INSERT INTO alc.items_renamed VALUES (10, '00000000-0000-0000-0000-0000000000a3', 10);
ALTER SCHEMA alc RENAME TO alc_renamed;
INSERT INTO alc_renamed.items_renamed VALUES (11, '00000000-0000-0000-0000-0000000000a3', 11);
SELECT schema_name, table_name, record_key FROM tenancy.audit_entries
 WHERE schema_name LIKE 'alc%' ORDER BY id;
SELECT schema_name, table_name FROM tenancy.audit_relation WHERE schema_name LIKE 'alc%' ORDER BY id;
SELECT tenancy.seal_audit() > 0 AS sealed;
SELECT rows_checked, first_bad_id FROM tenancy.verify_audit('00000000-0000-0000-0000-0000000000a3');
-- audit_history follows the current name (and erase_audit's record with it)
SELECT op, new_values FROM tenancy.audit_history('alc_renamed.items_renamed', '{"id": 11}');
SELECT count(*) AS under_old_names FROM tenancy.audit_history('alc_renamed.items_renamed', '{"id": 9}');
-- a dictionary row changed by its owner is found as tampering
BEGIN;
UPDATE tenancy.audit_relation SET table_name = 'other' WHERE table_name = 'items_renamed';
SELECT first_bad_id IS NOT NULL AS renamed_entry_found
  FROM tenancy.verify_audit('00000000-0000-0000-0000-0000000000a3');
ROLLBACK;
-- the dictionary truncated (and the log with it): the cached id is not used
BEGIN;
TRUNCATE tenancy.audit_log, tenancy.audit_relation, tenancy.audit_anchor, tenancy.audit_chain,
         tenancy.audit_seal_state;
INSERT INTO alc_renamed.items_renamed VALUES (12, '00000000-0000-0000-0000-0000000000a3', 12);
SELECT schema_name, table_name, record_key FROM tenancy.audit_entries;
ROLLBACK;
ALTER SCHEMA alc_renamed RENAME TO alc;
ALTER TABLE alc.items_renamed RENAME TO items;

-- After all that, the log is written as before, with every row counted.
INSERT INTO alc.items VALUES (9, '00000000-0000-0000-0000-0000000000a3', 9);
SELECT record_key FROM tenancy.audit_entries WHERE schema_name = 'alc' ORDER BY id;

SET client_min_messages = warning;
DROP SCHEMA alc CASCADE;
RESET client_min_messages;
