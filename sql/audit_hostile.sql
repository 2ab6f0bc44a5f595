-- audit_hostile: quotes, spaces, mixed case, backslashes and 63-byte names.
CREATE SCHEMA "Audit ""Zone""";
CREATE TABLE "Audit ""Zone"""."Odd 'Table'" (
  "Key ""Id""" int PRIMARY KEY,
  "Work Space" uuid,
  "it's\secret" text,
  "Plain" text,
  c_abcdefghij_abcdefghij_abcdefghij_abcdefghij_abcdefghij_abcdefg text);
SELECT tenancy.enable_audit('"Audit ""Zone"""."Odd ''Table''"', '{"it''s\\secret"}', 'Work Space');
SELECT * FROM tenancy.audited_tables WHERE table_name::text LIKE '%Odd%';
INSERT INTO "Audit ""Zone"""."Odd 'Table'" VALUES
  (1, '00000000-0000-0000-0000-00000000000e', 'hidden', 'shown', 'long');
UPDATE "Audit ""Zone"""."Odd 'Table'" SET "Plain" = 'changed', "it's\secret" = 'still hidden';
UPDATE "Audit ""Zone"""."Odd 'Table'"
   SET c_abcdefghij_abcdefghij_abcdefghij_abcdefghij_abcdefghij_abcdefg = 'longer';
SELECT schema_name, table_name, op, tenant_id, record_key, old_values, new_values
  FROM tenancy.audit_entries WHERE table_name = 'Odd ''Table''' ORDER BY id;
SELECT count(*) AS leaks FROM tenancy.audit_log l WHERE l::text LIKE '%hidden%';
