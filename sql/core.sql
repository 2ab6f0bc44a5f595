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
-- Delegation to a table owner as docs/partitions.md tells a DBA to grant
-- it: the partition calls, their internal helpers and the two
-- configuration tables, plus the routines named in extra.
CREATE FUNCTION regress.grant_partition_calls(grantees text, VARIADIC extra name[] DEFAULT '{}')
RETURNS void LANGUAGE plpgsql AS $$
DECLARE f regprocedure;
BEGIN
  FOR f IN SELECT p.oid FROM pg_proc p WHERE p.pronamespace = 'tenancy'::regnamespace
             AND (p.proname LIKE '\_partition\_%' OR p.proname LIKE '\_purge\_%'
                  OR p.proname IN ('partition_by_time', 'partition_by_tenant', 'add_tenant_partition',
                                   'set_retention', 'run_maintenance', 'partition_status', 'purge',
                                   '_audit_suppress')
                  OR p.proname = ANY (extra))
  LOOP
    EXECUTE format('GRANT EXECUTE ON ROUTINE %s TO %s', f, grantees);
  END LOOP;
  EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON tenancy.partition_config, '
                 'tenancy.partition_state TO %s', grantees);
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
