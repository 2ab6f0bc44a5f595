-- core: the extension installs into schema tenancy, not relocatable.
CREATE EXTENSION tenancy;
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
