\echo
\echo '=== The extension ==='
\echo 'CREATE EXTENSION tenancy puts everything in schema tenancy.'
SELECT tenancy.version() AS version;
SELECT extname, extversion, extnamespace::regnamespace AS schema, extrelocatable AS relocatable
  FROM pg_extension WHERE extname = 'tenancy';
\echo 'What PUBLIC may call (read-only functions only):'
SELECT p.oid::regprocedure AS public_function
  FROM pg_proc p
 WHERE p.pronamespace = 'tenancy'::regnamespace
   AND has_function_privilege('public', p.oid, 'EXECUTE')
 ORDER BY p.oid::regprocedure::text;
