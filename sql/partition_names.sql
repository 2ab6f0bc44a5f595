-- partition_names: deterministic names, parents near 63 bytes (ASCII and
-- multibyte), and hostile identifiers everywhere dynamic SQL is built.
\set SHOW_CONTEXT never
CREATE SCHEMA "Odd Schema";
-- 60 bytes of ASCII: the parent part is cut and a hash keeps names distinct.
CREATE TABLE "Odd Schema".aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa (at date)
    PARTITION BY RANGE (at);
CREATE TABLE "Odd Schema".aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab (at date)
    PARTITION BY RANGE (at);
-- (Monthly: every partition made here fires the isolation capability's
-- event trigger, whose cost grows with the partitions of the parent.)
SELECT tenancy.partition_by_time('"Odd Schema".aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
                                 'at', '1 month', 0, '2020-01-01', true) > 0 AS made;
SELECT tenancy.partition_by_time('"Odd Schema".aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab',
                                 'at', '1 month', 0, '2020-01-01', true) > 0 AS made;
SELECT c.relname, octet_length(c.relname) AS bytes, i.inhparent::regclass
  FROM pg_class c JOIN pg_inherits i ON i.inhrelid = c.oid
 WHERE c.relnamespace = '"Odd Schema"'::regnamespace
   AND (c.relname LIKE '%default' OR c.relname LIKE '%p2020\_0_')
   AND c.relname LIKE 'aaaa%'
 ORDER BY 1;

-- Multibyte: 30 two-byte characters (60 bytes), cut on a character boundary.
CREATE TABLE "Odd Schema"."éééééééééééééééééééééééééééééé" (at timestamptz) PARTITION BY RANGE (at);
SELECT tenancy.partition_by_time('"Odd Schema"."éééééééééééééééééééééééééééééé"', 'at', '1 month', 0, '2020-01-01')
       > 0 AS made;
SELECT c.relname, octet_length(c.relname) AS bytes, c.relname = convert_from(convert_to(c.relname, 'UTF8'), 'UTF8') AS valid
  FROM pg_class c JOIN pg_inherits i ON i.inhrelid = c.oid
 WHERE i.inhparent = '"Odd Schema"."éééééééééééééééééééééééééééééé"'::regclass
   AND (c.relname LIKE '%default' OR c.relname LIKE '%p2020_0%')
 ORDER BY 1 LIMIT 3;

-- Hostile: quotes, spaces, mixed case, a semicolon in table, column and
-- role names; every statement tenancy builds must quote them.
CREATE ROLE "Robert'); DROP TABLE students;--";
CREATE TABLE "Odd Schema"."Ev""il; Table" ("Tenant Id" uuid NOT NULL, "At; x" timestamptz NOT NULL,
                                          "Note's" text DEFAULT 'it''s')
    PARTITION BY RANGE ("At; x");
CREATE INDEX ON "Odd Schema"."Ev""il; Table" ("Tenant Id");
GRANT SELECT ("Note's") ON "Odd Schema"."Ev""il; Table" TO "Robert'); DROP TABLE students;--";
ALTER TABLE "Odd Schema"."Ev""il; Table" ENABLE ROW LEVEL SECURITY;
CREATE POLICY "p'; --" ON "Odd Schema"."Ev""il; Table" TO "Robert'); DROP TABLE students;--"
    USING ("Note's" <> 'x''; DROP TABLE y; --');
SELECT tenancy.partition_by_time('"Odd Schema"."Ev""il; Table"', 'At; x', '1 month', 1, '2020-01-01') > 0 AS made;
INSERT INTO "Odd Schema"."Ev""il; Table" VALUES (gen_random_uuid(), '2020-01-02', 'hello');
SELECT tableoid::regclass, "Note's" FROM "Odd Schema"."Ev""il; Table";
SELECT policyname, roles, qual FROM pg_policies WHERE tablename = 'Ev"il; Table_p2020_01';
SELECT attname, attacl FROM pg_attribute
 WHERE attrelid = '"Odd Schema"."Ev""il; Table_p2020_01"'::regclass AND attacl IS NOT NULL;
-- rows in the default move out through maintenance, with the hostile names
INSERT INTO "Odd Schema"."Ev""il; Table" VALUES (gen_random_uuid(), '2019-12-31 23:00:00+00');
CALL tenancy.run_maintenance('"Odd Schema"."Ev""il; Table"');
SELECT tableoid::regclass, "Note's" FROM "Odd Schema"."Ev""il; Table" WHERE "At; x" < '2020-01-01 00:00+00';
SELECT last_error FROM tenancy.partition_status() WHERE parent = '"Odd Schema"."Ev""il; Table"'::regclass;

-- Tenant partitions of a hostile parent near 63 bytes.
CREATE TABLE "Odd Schema"."Tenant ""Profiles"" table with a very long name, nearly 63 b" ("Ws" uuid, v int)
    PARTITION BY LIST ("Ws");
SELECT tenancy.partition_by_tenant('"Odd Schema"."Tenant ""Profiles"" table with a very long name, nearly 63 b"', 'Ws');
SELECT tenancy.add_tenant_partition('"Odd Schema"."Tenant ""Profiles"" table with a very long name, nearly 63 b"',
                                    '0123456789ab-cdef-0123-456789abcdef'::uuid) AS child;
SELECT octet_length(relname) <= 63 AS fits FROM pg_class WHERE relname LIKE 'Tenant "Profiles"%t0123456789ab';
