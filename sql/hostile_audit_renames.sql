-- hostile_audit_renames: an excluded or redacted column renamed or dropped
-- after enable_audit is never logged in clear (the hash chain would keep it
-- forever): the table's changes are refused (42703) until enable_audit names
-- its columns again (issue 10, defect 7).
CREATE SCHEMA hostile_aren;
CREATE TABLE hostile_aren.accounts (
  id int PRIMARY KEY, login text, password text, "Pin Code" text);
SELECT tenancy.enable_audit('hostile_aren.accounts', '{password}',
                            redact_columns => '{"Pin Code"}');
INSERT INTO hostile_aren.accounts VALUES (1, 'ann', 'Secret-1', 'Pin-1');

-- renaming the excluded column: writes are refused, nothing is logged
ALTER TABLE hostile_aren.accounts RENAME COLUMN password TO pass_word;
SELECT * FROM regress.caught($$INSERT INTO hostile_aren.accounts VALUES (2, 'bob', 'Secret-2', 'Pin-2')$$);
SELECT * FROM regress.caught($$UPDATE hostile_aren.accounts SET pass_word = 'Secret-3'$$);
SELECT * FROM regress.caught($$DELETE FROM hostile_aren.accounts$$);
-- audited again under the new name, its values stay out of the log
SELECT tenancy.enable_audit('hostile_aren.accounts', '{pass_word}',
                            redact_columns => '{"Pin Code"}');
UPDATE hostile_aren.accounts SET pass_word = 'Secret-4', login = 'ann2';

-- renaming the redacted column: the same
ALTER TABLE hostile_aren.accounts RENAME COLUMN "Pin Code" TO pin;
SELECT * FROM regress.caught($$UPDATE hostile_aren.accounts SET pin = 'Pin-5'$$);
SELECT tenancy.enable_audit('hostile_aren.accounts', '{pass_word}', redact_columns => '{pin}');
UPDATE hostile_aren.accounts SET pin = 'Pin-6';

-- dropping the excluded column refuses writes until it is configured away
-- or a column of that name exists again; one added again is excluded again
ALTER TABLE hostile_aren.accounts DROP COLUMN pass_word;
SELECT * FROM regress.caught($$INSERT INTO hostile_aren.accounts VALUES (7, 'cy', 'Pin-7')$$);
ALTER TABLE hostile_aren.accounts ADD COLUMN pass_word text;
INSERT INTO hostile_aren.accounts VALUES (8, 'di', 'Pin-8', 'Secret-8');

SELECT op, record_key, old_values, new_values FROM tenancy.audit_entries
 WHERE schema_name = 'hostile_aren' AND table_name = 'accounts' ORDER BY id;
SELECT count(*) AS leaks FROM tenancy.audit_entries l
 WHERE l.schema_name = 'hostile_aren' AND l.table_name = 'accounts'
   AND (l::text LIKE '%Secret%' OR l::text LIKE '%Pin-%');
SELECT count(*) AS rows_kept FROM hostile_aren.accounts;
DROP SCHEMA hostile_aren CASCADE;
