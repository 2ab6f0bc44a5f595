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
-- Runs sql (one value) with setting set to value for the transaction and
-- returns what it returned ('<NULL>' for NULL) or the error it raised as
-- SQLSTATE | message | detail | hint; 'TOKEN LEAKED: ...' when secret shows
-- anywhere in the error, its context included. For the claims tests.
CREATE FUNCTION regress.with_setting(setting text, value text, sql text, secret text DEFAULT 'TOKENSECRET')
RETURNS text LANGUAGE plpgsql AS $$
DECLARE st text; msg text; det text; hin text; ctx text; result text;
BEGIN
  PERFORM set_config(setting, value, true);
  EXECUTE sql INTO result;
  RETURN coalesce(result, '<NULL>');
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT,
                          det = PG_EXCEPTION_DETAIL, hin = PG_EXCEPTION_HINT,
                          ctx = PG_EXCEPTION_CONTEXT;
  IF position(secret IN concat_ws('|', msg, det, hin, ctx)) > 0 THEN
    RETURN 'TOKEN LEAKED: ' || concat_ws(' | ', st, msg, det, hin, ctx);
  END IF;
  RETURN format('%s | %s | %s | %s', st, msg, det, hin);
END $$;
-- The access tests' caller: sets request.jwt.claims (session-wide) to a
-- token with sub who, and org_id org when given; no claims for a NULL who.
CREATE FUNCTION regress.as_user(who text, org text DEFAULT NULL) RETURNS void
LANGUAGE sql AS $$
  SELECT set_config('request.jwt.claims',
    CASE WHEN who IS NULL THEN ''
         WHEN org IS NULL THEN json_build_object('sub', who)::text
         ELSE json_build_object('sub', who, 'org_id', org)::text END, false)
$$;
-- Runs sql (one value) with sub as the claims' user for the transaction,
-- as regress.with_setting reports it.
CREATE FUNCTION regress.run_as_user(sub text, sql text) RETURNS text LANGUAGE sql AS $$
  SELECT regress.with_setting('request.jwt.claims', json_build_object('sub', sub)::text, sql)
$$;
-- The membership change triggers (tenancy_membership_*) on the tables of
-- schema nsp, in a stable order.
CREATE FUNCTION regress.membership_triggers(nsp name)
RETURNS TABLE (tbl regclass, tgname name, enabled "char") LANGUAGE sql AS $$
  SELECT t.tgrelid::regclass, t.tgname, t.tgenabled FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
   WHERE c.relnamespace = nsp::regnamespace AND t.tgname LIKE 'tenancy_membership_%'
   ORDER BY t.tgrelid::regclass::text, t.tgname
$$;
-- The hierarchy tests' tenant table: docs (id, workspace_id, body) in the
-- current schema, three rows per row of workspaces (id, name), indexed on
-- workspace_id and analyzed; returns the plan of the per-row helper with
-- sequential scans off, where the planner support must give an index
-- condition.
CREATE FUNCTION regress.workspace_docs_plan() RETURNS SETOF text
LANGUAGE plpgsql SET enable_seqscan = off AS $$
BEGIN
  CREATE TABLE docs (id int, workspace_id uuid, body text);
  CREATE INDEX ON docs (workspace_id);
  INSERT INTO docs SELECT g, w.id, w.name FROM generate_series(1, 3) g CROSS JOIN workspaces w;
  ANALYZE docs;
  RETURN QUERY EXECUTE 'EXPLAIN (COSTS OFF) SELECT * FROM docs WHERE tenancy.user_has_workspace_access(workspace_id)';
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
