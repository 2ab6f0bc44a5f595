-- partition_retention_default: retention reaches the rows in a default
-- partition (issue 10, defect 14). Rows too old for any partition to be
-- made for them sit in the default; run_maintenance removes those whose
-- whole step ends before now() - keep, by the parent's action: drop deletes
-- them, detach and archive move them into <parent>_expired, in committed
-- batches of 10000 rows.
\set SHOW_CONTEXT never
CREATE SCHEMA part_expire;
CREATE SCHEMA "Expired Data";
SET search_path = part_expire, public;
-- Daily sets with today's partition and a default, kept for 10 days.
CREATE TABLE e_drop (at timestamptz, v int) PARTITION BY RANGE (at);
CREATE TABLE "E Detach" (at timestamptz, v int, doubled int GENERATED ALWAYS AS (v * 2) STORED)
    PARTITION BY RANGE (at);
CREATE TABLE e_archive (at date, v int) PARTITION BY RANGE (at);
SELECT t AS parent, tenancy.partition_by_time(t, 'at', '1 day', 0) AS made
  FROM unnest('{e_drop,"\"E Detach\"",e_archive}'::regclass[]) t;
SELECT tenancy.set_retention('e_drop', '10 days');
SELECT tenancy.set_retention('"E Detach"', '10 days', 'detach');
SELECT tenancy.set_retention('e_archive', '10 days', 'archive', 'Expired Data');
-- 30 and 20 days old: expired (their days never get a partition); one row
-- a century ahead (outside the premake window) and one without a time stay.
INSERT INTO e_drop VALUES (now() - interval '30 days', 1), (now() - interval '20 days', 2),
                          (now() + interval '100 years', 3), (NULL, 4);
INSERT INTO "E Detach" (at, v) SELECT now() - interval '20 days', i FROM generate_series(1, 20001) i;
INSERT INTO "E Detach" (at, v) VALUES (now() + interval '100 years', 0);
INSERT INTO e_archive VALUES (current_date - 30, 1), (current_date + 36500, 2);
CALL tenancy.run_maintenance('e_drop');
CALL tenancy.run_maintenance('"E Detach"');
CALL tenancy.run_maintenance('e_archive');
SELECT parent, default_rows, last_error FROM tenancy.partition_status()
 WHERE parent IN ('e_drop'::regclass, '"E Detach"'::regclass, 'e_archive'::regclass) ORDER BY parent::text;
-- drop: deleted
SELECT v FROM e_drop ORDER BY v;
-- detach: moved into part_expire."E Detach_expired", a plain table owned
-- like the parent, generated values kept, in three committed batches
SELECT count(*) AS moved, count(DISTINCT xmin::text) AS batches, bool_and(doubled = v * 2) AS values_kept
  FROM "E Detach_expired";
SELECT c.relnamespace::regnamespace, c.relname, c.relkind, c.relispartition, c.relowner = p.relowner AS parent_owner
  FROM pg_class c, pg_class p WHERE c.relname = 'E Detach_expired' AND p.oid = '"E Detach"'::regclass;
SELECT v FROM "E Detach" ORDER BY v;
-- archive: moved into the archive schema; a later run appends to it
SELECT v FROM "Expired Data".e_archive_expired ORDER BY v;
INSERT INTO e_archive VALUES (current_date - 40, 5);
CALL tenancy.run_maintenance('e_archive');
SELECT v FROM "Expired Data".e_archive_expired ORDER BY v;
SELECT v FROM e_archive ORDER BY v;

-- A parent name of 60 bytes with a quote: <parent>_expired is cut to 62
-- bytes with a hash of the whole name, like partition names.
CREATE TABLE "e_long 'quoted' name_abcdefghij_abcdefghij_abcdefghij_abcdef" (at timestamptz, v int)
    PARTITION BY RANGE (at);
SELECT tenancy.partition_by_time('"e_long ''quoted'' name_abcdefghij_abcdefghij_abcdefghij_abcdef"', 'at', '1 day', 0)
    AS made;
SELECT tenancy.set_retention('"e_long ''quoted'' name_abcdefghij_abcdefghij_abcdefghij_abcdef"', '10 days', 'detach');
INSERT INTO "e_long 'quoted' name_abcdefghij_abcdefghij_abcdefghij_abcdef" VALUES (now() - interval '30 days', 1);
CALL tenancy.run_maintenance('"e_long ''quoted'' name_abcdefghij_abcdefghij_abcdefghij_abcdef"');
SELECT c.relname, octet_length(c.relname) AS bytes, (SELECT count(*) FROM part_expire."e_long 'quoted' name_abcdefghij_abcdefghij_ab_1d95f6e2_expired") AS moved
  FROM pg_class c WHERE c.relnamespace = 'part_expire'::regnamespace AND c.relname LIKE 'e\_long%expired';

-- A relation of that name that cannot take the rows: the step fails, is
-- recorded, and nothing moves.
CREATE TABLE e_blocked (at timestamptz, v int) PARTITION BY RANGE (at);
SELECT tenancy.partition_by_time('e_blocked', 'at', '1 day', 0) AS made;
SELECT tenancy.set_retention('e_blocked', '10 days', 'detach');
CREATE VIEW e_blocked_expired AS SELECT 1 AS one;
INSERT INTO e_blocked VALUES (now() - interval '30 days', 1);
CALL tenancy.run_maintenance('e_blocked');
SELECT last_error FROM tenancy.partition_status() WHERE parent = 'e_blocked'::regclass;
DROP VIEW e_blocked_expired;
CREATE TABLE e_blocked_expired (at timestamptz);
CALL tenancy.run_maintenance('e_blocked');
SELECT last_error FROM tenancy.partition_status() WHERE parent = 'e_blocked'::regclass;
SELECT count(*) AS still_in_default FROM e_blocked;
-- with the columns, the DBA's own table takes them
ALTER TABLE e_blocked_expired ADD COLUMN v int;
CALL tenancy.run_maintenance('e_blocked');
SELECT last_error FROM tenancy.partition_status() WHERE parent = 'e_blocked'::regclass;
SELECT v FROM e_blocked_expired;
-- retention off: old rows stay in the default
SELECT tenancy.set_retention('e_blocked', NULL);
INSERT INTO e_blocked VALUES (now() - interval '30 days', 2);
CALL tenancy.run_maintenance('e_blocked');
SELECT v FROM e_blocked;

DELETE FROM tenancy.partition_state WHERE parent IN (SELECT parent FROM tenancy.partition_config
                                                      WHERE parent::text ~ '^("?e_|"E )');
DELETE FROM tenancy.partition_config WHERE parent::text ~ '^("?e_|"E )';
RESET search_path;
DROP SCHEMA part_expire, "Expired Data" CASCADE;
