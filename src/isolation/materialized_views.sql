-- materialized_views.sql: isolating a materialized view behind a
-- security-barrier view, and undoing it.

-- A materialized view cannot carry policies: its application roles lose
-- direct access and read it through a security-barrier view in the same
-- schema, <name>_isolated, that keeps the caller's workspaces' rows. The
-- view runs with its owner's rights (it must read the materialized view the
-- readers may no longer read) and evaluates tenancy.user_workspaces() (of
-- the scope) as the caller. Each role that could SELECT the materialized
-- view may SELECT the view instead. Idempotent.
CREATE FUNCTION tenancy.isolate_materialized_view(mv regclass, tenant_column name, create_index boolean,
                                                  scope text)
RETURNS SETOF text LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  mv_name name;
  mv_schema name;
  view_name text;
  recorded tenancy.isolated_tables;
  grantee record;
  view_oid oid;
  index_oid oid;
  stmt text;
BEGIN
  SELECT c.relname, n.nspname INTO mv_name, mv_schema
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = mv;
  IF NOT pg_has_role((SELECT c.relowner FROM pg_class c WHERE c.oid = mv), 'USAGE') THEN
    RAISE EXCEPTION 'must be owner of materialized view %', mv USING ERRCODE = '42501';
  END IF;
  PERFORM tenancy.check_tenant_id_column(mv, tenant_column, scope,
    'Name the tenant column: tenancy.enable_isolation(tbl, tenant_column => ...).');
  PERFORM tenancy.check_isolation_scope(scope, mv, tenant_column);
  -- LOCK TABLE refuses materialized views: concurrent calls serialise on
  -- this lock instead, and the second sees the first's record
  PERFORM pg_advisory_xact_lock((hashtext('tenancy.isolation')::bigint << 32) | mv::oid::bigint);
  SELECT i.* INTO recorded FROM tenancy.isolated_tables i WHERE i.relid = mv;
  IF recorded.relid IS NOT NULL AND recorded.tenant_column <> tenant_column THEN
    RAISE EXCEPTION '% is already isolated on column %', mv, quote_ident(recorded.tenant_column)
      USING ERRCODE = '55000',
            HINT = 'Run tenancy.disable_isolation() first to change the tenant column.';
  ELSIF recorded.relid IS NOT NULL AND recorded.scope <> scope THEN
    RAISE EXCEPTION '% is already isolated in scope %', mv, quote_literal(recorded.scope)
      USING ERRCODE = '55000',
            HINT = 'Run tenancy.disable_isolation() first to change the scope.';
  ELSIF recorded.relid IS NOT NULL THEN
    RETURN;
  END IF;
  view_name := mv_name || '_isolated';
  IF octet_length(view_name) >= 64 THEN
    RAISE EXCEPTION 'the name of the view for % would be longer than 63 bytes', mv
      USING ERRCODE = '42622',
            HINT = 'Rename the materialized view to at most 54 bytes, then call enable_isolation again.';
  END IF;

  stmt := format('CREATE VIEW %I.%I WITH (security_barrier) AS SELECT * FROM %s WHERE %I = ANY (%s)',
                 mv_schema, view_name, mv, tenant_column, tenancy.scope_tenants_call(scope));
  EXECUTE stmt;
  RETURN NEXT stmt;
  view_oid := format('%I.%I', mv_schema, view_name)::regclass;
  FOR grantee IN
    SELECT DISTINCT a.grantee, bool_or(a.privilege_type = 'SELECT') AS reads
      FROM pg_class c, aclexplode(c.relacl) a
     WHERE c.oid = mv AND a.grantee <> c.relowner
     GROUP BY a.grantee ORDER BY a.grantee
  LOOP
    IF grantee.reads THEN
      stmt := format('GRANT SELECT ON %s TO %s', view_oid::regclass,
                     CASE grantee.grantee WHEN 0 THEN 'PUBLIC' ELSE grantee.grantee::regrole::text END);
      EXECUTE stmt;
      RETURN NEXT stmt;
    END IF;
    stmt := format('REVOKE ALL ON %s FROM %s', mv,
                   CASE grantee.grantee WHEN 0 THEN 'PUBLIC' ELSE grantee.grantee::regrole::text END);
    EXECUTE stmt;
    RETURN NEXT stmt;
  END LOOP;
  IF create_index AND NOT EXISTS (
       SELECT 1 FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
        WHERE i.indrelid = mv AND a.attname = tenant_column AND i.indpred IS NULL) THEN
    stmt := format('CREATE INDEX ON %s (%I)', mv, tenant_column);
    EXECUTE stmt;
    RETURN NEXT stmt;
    SELECT i.indexrelid INTO index_oid FROM pg_index i
      JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
     WHERE i.indrelid = mv AND a.attname = tenant_column AND i.indpred IS NULL
     ORDER BY i.indexrelid DESC LIMIT 1;
  END IF;
  INSERT INTO tenancy.isolated_tables (relid, tenant_column, policy_kind, enabled_rls, forced_rls,
                                       tenant_index, tenant_view, scope)
  VALUES (mv, tenant_column, 'materialized view', false, false, index_oid, view_oid, scope);
END $$;

-- Undoes isolate_materialized_view: the roles that may read the view may
-- read the materialized view again, the view and the index it made are
-- dropped.
CREATE FUNCTION tenancy.release_materialized_view(mv regclass)
RETURNS SETOF text LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  recorded tenancy.isolated_tables;
  grantee oid;
  stmt text;
BEGIN
  IF NOT pg_has_role((SELECT c.relowner FROM pg_class c WHERE c.oid = mv), 'USAGE') THEN
    RAISE EXCEPTION 'must be owner of materialized view %', mv USING ERRCODE = '42501';
  END IF;
  PERFORM pg_advisory_xact_lock((hashtext('tenancy.isolation')::bigint << 32) | mv::oid::bigint);
  SELECT i.* INTO recorded FROM tenancy.isolated_tables i WHERE i.relid = mv;
  IF recorded.tenant_view IS NULL THEN
    RETURN;
  END IF;
  IF EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = recorded.tenant_view) THEN
    FOR grantee IN
      SELECT DISTINCT a.grantee FROM pg_class c, aclexplode(c.relacl) a
       WHERE c.oid = recorded.tenant_view AND a.grantee <> c.relowner AND a.privilege_type = 'SELECT'
       ORDER BY a.grantee
    LOOP
      stmt := format('GRANT SELECT ON %s TO %s', mv,
                     CASE grantee WHEN 0 THEN 'PUBLIC' ELSE grantee::regrole::text END);
      EXECUTE stmt;
      RETURN NEXT stmt;
    END LOOP;
    stmt := format('DROP VIEW %s', recorded.tenant_view);
    EXECUTE stmt;
    RETURN NEXT stmt;
  END IF;
  IF recorded.tenant_index IS NOT NULL
     AND EXISTS (SELECT 1 FROM pg_index i WHERE i.indexrelid = recorded.tenant_index AND i.indrelid = mv) THEN
    stmt := format('DROP INDEX %s', recorded.tenant_index);
    EXECUTE stmt;
    RETURN NEXT stmt;
  END IF;
  DELETE FROM tenancy.isolated_tables i WHERE i.relid = mv;
END $$;
