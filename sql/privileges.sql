-- privileges: runs last. Audits everything the extension installed.

-- Every object in schema tenancy belongs to the extension.
SELECT c.oid::regclass AS not_owned_by_extension
  FROM pg_class c
 WHERE c.relnamespace = 'tenancy'::regnamespace
   AND NOT EXISTS (SELECT 1 FROM pg_depend d
                    WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                      AND d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e')
   AND c.relkind IN ('r', 'p', 'v', 'S', 'm')
   AND NOT c.relispartition;
SELECT p.oid::regprocedure AS not_owned_by_extension
  FROM pg_proc p
 WHERE p.pronamespace = 'tenancy'::regnamespace
   AND NOT EXISTS (SELECT 1 FROM pg_depend d
                    WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid
                      AND d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e');

-- PUBLIC may execute only read-only functions, named here one by one.
-- A new function with PUBLIC EXECUTE fails this test until it is judged.
SELECT p.oid::regprocedure AS public_executable
  FROM pg_proc p
 WHERE p.pronamespace = 'tenancy'::regnamespace
   AND has_function_privilege('public', p.oid, 'EXECUTE')
 ORDER BY p.oid::regprocedure::text;

-- No table, view or sequence of the extension is writable by PUBLIC.
SELECT c.oid::regclass AS public_writable
  FROM pg_class c
 WHERE c.relnamespace = 'tenancy'::regnamespace
   AND c.relkind IN ('r', 'p', 'v', 'S')
   AND (has_table_privilege('public', c.oid, 'INSERT')
        OR has_table_privilege('public', c.oid, 'UPDATE')
        OR has_table_privilege('public', c.oid, 'DELETE')
        OR has_table_privilege('public', c.oid, 'TRUNCATE'));

-- SECURITY DEFINER functions pin search_path to pg_catalog, pg_temp.
SELECT p.oid::regprocedure AS definer_without_pinned_path
  FROM pg_proc p
 WHERE p.pronamespace = 'tenancy'::regnamespace AND p.prosecdef
   AND NOT coalesce(p.proconfig @> ARRAY['search_path=pg_catalog, pg_temp'], false);
