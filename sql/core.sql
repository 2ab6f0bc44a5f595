-- core: the extension installs into schema tenancy, not relocatable.
CREATE EXTENSION tenancy;

-- For the regress files that follow (each formats it its own way): runs sql
-- and returns the error it raised, or all NULL when it raised none.
CREATE SCHEMA regress;
GRANT USAGE ON SCHEMA regress TO PUBLIC;
CREATE FUNCTION regress.caught(sql text, OUT state text, OUT message text,
                               OUT detail text, OUT hint text)
LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE sql;
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT,
                          detail = PG_EXCEPTION_DETAIL, hint = PG_EXCEPTION_HINT;
END $$;
SELECT tenancy.version() = extversion AS version_matches
  FROM pg_extension WHERE extname = 'tenancy';
SELECT extrelocatable, extnamespace::regnamespace AS schema
  FROM pg_extension WHERE extname = 'tenancy';
-- cannot be moved
ALTER EXTENSION tenancy SET SCHEMA public;
-- version() is STABLE (the loaded library can change), strict, parallel safe
SELECT provolatile, proisstrict, proparallel
  FROM pg_proc WHERE oid = 'tenancy.version()'::regprocedure;
-- a second CREATE is refused, IF NOT EXISTS is a no-op
CREATE EXTENSION tenancy;
CREATE EXTENSION IF NOT EXISTS tenancy;
