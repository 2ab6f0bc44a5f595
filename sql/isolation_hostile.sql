-- isolation_hostile: quotes, spaces, mixed case and 63-byte names.
CREATE SCHEMA "Tenant ""Data""";
CREATE TABLE "Tenant ""Data"""."Weird ""Items"" Table" ("Work Space" uuid, "Id" int);
SELECT * FROM tenancy.enable_isolation('"Tenant ""Data"""."Weird ""Items"" Table"', 'Work Space');
SELECT * FROM tenancy.enable_isolation('"Tenant ""Data"""."Weird ""Items"" Table"', 'Work Space');
SELECT polname, pg_get_expr(polqual, polrelid)
  FROM pg_policy WHERE polrelid = '"Tenant ""Data"""."Weird ""Items"" Table"'::regclass ORDER BY 1;
SELECT * FROM tenancy.disable_isolation('"Tenant ""Data"""."Weird ""Items"" Table"');

-- 63-byte table and column names (the longest PostgreSQL keeps).
CREATE TABLE t_abcdefghij_abcdefghij_abcdefghij_abcdefghij_abcdefghij_abcdef
  (ws_abcdefghij_abcdefghij_abcdefghij_abcdefghij_abcdefghij_abcde uuid);
SELECT octet_length(relname) AS table_name_bytes FROM pg_class WHERE relname LIKE 't\_abcdefghij\_%';
SELECT * FROM tenancy.enable_isolation('t_abcdefghij_abcdefghij_abcdefghij_abcdefghij_abcdefghij_abcdef',
  'ws_abcdefghij_abcdefghij_abcdefghij_abcdefghij_abcdefghij_abcde');
SELECT count(*) FROM tenancy.disable_isolation('t_abcdefghij_abcdefghij_abcdefghij_abcdefghij_abcdefghij_abcdef');

-- A name that looks like SQL is only ever a name.
CREATE TABLE hostile_canary (id int);
CREATE TABLE "x; DROP TABLE hostile_canary; --" (workspace_id uuid);
SELECT count(*) FROM tenancy.enable_isolation('"x; DROP TABLE hostile_canary; --"');
SELECT count(*) FROM tenancy.disable_isolation('"x; DROP TABLE hostile_canary; --"');
SELECT to_regclass('hostile_canary') IS NOT NULL AS canary_still_there;
