-- hostile_identity_auth_squat: install_auth_compat() never builds on a
-- schema auth, or auth.uid / auth.jwt / auth.role functions, that another
-- role owns: that role would decide who every policy thinks the caller is.
SET client_min_messages = warning;
CREATE ROLE hauth_squatter;
RESET client_min_messages;
DO $$ BEGIN
  EXECUTE format('GRANT CREATE ON DATABASE %I TO hauth_squatter', current_database());
END $$;

-- A role with CREATE on the database squats schema auth and auth.uid().
SET ROLE hauth_squatter;
CREATE SCHEMA auth;
GRANT USAGE ON SCHEMA auth TO PUBLIC;
CREATE FUNCTION auth.uid() RETURNS uuid LANGUAGE sql
  AS $$SELECT 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid$$;
RESET ROLE;
SELECT * FROM regress.caught($$SELECT tenancy.install_auth_compat()$$);
-- nothing was made next to the squatter's function
SELECT p.oid::regprocedure, p.proowner::regrole
  FROM pg_proc p WHERE p.pronamespace = 'auth'::regnamespace ORDER BY p.oid::regprocedure::text;
DROP SCHEMA auth CASCADE;

-- The schema is the superuser's, but the squatter may create in it: its
-- functions are refused, whatever their arguments.
CREATE SCHEMA auth;
GRANT USAGE, CREATE ON SCHEMA auth TO hauth_squatter;
SET ROLE hauth_squatter;
CREATE FUNCTION auth.role(claim text DEFAULT 'role') RETURNS text LANGUAGE sql
  AS $$SELECT 'service_role'$$;
RESET ROLE;
SELECT * FROM regress.caught($$SELECT tenancy.install_auth_compat()$$);
SELECT count(*) AS functions_in_auth FROM pg_proc WHERE pronamespace = 'auth'::regnamespace;

-- Once the DBA has looked and removed it, the wrappers are made.
DROP FUNCTION auth.role(text);
REVOKE CREATE ON SCHEMA auth FROM hauth_squatter;
-- A role granted install_auth_compat creates nothing in a schema auth it may
-- not create in; over a schema auth of its own it builds (it could fill it
-- anyway), and the DBA then refuses to build on that schema.
GRANT EXECUTE ON FUNCTION tenancy.install_auth_compat() TO hauth_squatter;
SET ROLE hauth_squatter;
SELECT * FROM regress.caught($$SELECT tenancy.install_auth_compat()$$);
RESET ROLE;
SELECT count(*) AS functions_in_auth FROM pg_proc WHERE pronamespace = 'auth'::regnamespace;
SELECT * FROM tenancy.install_auth_compat();
SELECT p.oid::regprocedure, p.proowner::regrole = current_user::regrole AS owned_by_installer
  FROM pg_proc p WHERE p.pronamespace = 'auth'::regnamespace ORDER BY p.oid::regprocedure::text;

DROP SCHEMA auth CASCADE;
SET ROLE hauth_squatter;
CREATE SCHEMA auth;
SELECT * FROM tenancy.install_auth_compat();
SELECT * FROM tenancy.install_auth_compat();
RESET ROLE;
SELECT * FROM regress.caught($$SELECT tenancy.install_auth_compat()$$);
DROP SCHEMA auth CASCADE;
REVOKE EXECUTE ON FUNCTION tenancy.install_auth_compat() FROM hauth_squatter;
DO $$ BEGIN
  EXECUTE format('REVOKE CREATE ON DATABASE %I FROM hauth_squatter', current_database());
END $$;
DROP ROLE hauth_squatter;
