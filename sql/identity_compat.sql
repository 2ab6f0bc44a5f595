-- identity_compat: install_auth_compat() creates Supabase's auth.uid(),
-- auth.jwt() and auth.role() over the cached claims, replacing nothing.

-- Not executable by PUBLIC: it creates objects.
CREATE ROLE compat_plain;
SET ROLE compat_plain;
SELECT tenancy.install_auth_compat();
RESET ROLE;

SELECT * FROM tenancy.install_auth_compat();
-- A second call creates nothing.
SELECT * FROM tenancy.install_auth_compat();

SET request.jwt.claims = '{"sub": "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "role": "authenticated"}';
SELECT auth.uid(), auth.role(), auth.jwt() ->> 'sub' AS jwt_sub;
-- Any role may call them.
SET ROLE compat_plain;
SELECT auth.uid(), auth.role();
RESET ROLE;
-- Thin SQL wrappers: inlined into the caller's query.
EXPLAIN (VERBOSE, COSTS OFF) SELECT auth.uid();
SELECT p.oid::regprocedure, provolatile, proparallel, (SELECT lanname FROM pg_language WHERE oid = prolang) AS language
  FROM pg_proc p WHERE pronamespace = 'auth'::regnamespace ORDER BY p.oid::regprocedure::text;

-- An existing function is never replaced; only the missing ones are made.
DROP FUNCTION auth.jwt();
DROP FUNCTION auth.role();
CREATE FUNCTION auth.role() RETURNS text LANGUAGE sql AS $$SELECT 'mine'$$;
SELECT * FROM tenancy.install_auth_compat();
SELECT auth.role();

DROP SCHEMA auth CASCADE;
RESET request.jwt.claims;
DROP ROLE compat_plain;
