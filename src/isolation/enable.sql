-- enable.sql: tenancy.enable_isolation and tenancy.disable_isolation
-- (SPEC part 3).

CREATE FUNCTION tenancy.enable_isolation(
  tbl regclass,
  tenant_column name DEFAULT 'workspace_id',
  force boolean DEFAULT true,
  create_index boolean DEFAULT true,
  through name DEFAULT NULL,
  replace boolean DEFAULT false,
  scope text DEFAULT 'workspace')
RETURNS SETOF text LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  filter_column name := coalesce(through, tenant_column);
  col_num smallint;
  member record;
  through_parent regclass;   -- through: the referenced table and column
  through_key name;
  table_scope text := scope; -- through: the parent's
  kind text;
  recorded tenancy.isolated_tables;
  rel record;
  pol record;
  created boolean;
  scan_condition text;       -- through: the policies' USING and WITH CHECK
  row_condition text;
  stmt text;
  index_oid oid;
BEGIN
  IF tbl IS NOT NULL AND (SELECT c.relkind FROM pg_class c WHERE c.oid = tbl) = 'm' THEN
    IF tenant_column IS NULL OR create_index IS NULL THEN
      RAISE EXCEPTION 'tenant_column and create_index must not be NULL' USING ERRCODE = '22004';
    END IF;
    IF through IS NOT NULL THEN
      RAISE EXCEPTION 'a materialized view is isolated on its own tenant column, not through a key'
        USING ERRCODE = '22023', HINT = 'Select the tenant column into the materialized view.';
    END IF;
    RETURN QUERY SELECT * FROM tenancy.isolate_materialized_view(tbl, tenant_column, create_index, scope);
    RETURN;
  END IF;
  PERFORM tenancy.check_owned_table(tbl,
    'Isolation applies to ordinary and partitioned tables and materialized views only.',
    'Isolate the tables a view reads, and create the view WITH (security_invoker).');
  IF tenant_column IS NULL OR force IS NULL OR create_index IS NULL OR replace IS NULL THEN
    RAISE EXCEPTION 'tenant_column, force, create_index and replace must not be NULL' USING ERRCODE = '22004';
  END IF;
  IF through IS NULL THEN
    -- the registered membership table is isolated in its registration's
    -- scope: the default 'workspace' stands for it (checked again below,
    -- once the lock makes the registration stable)
    SELECT * INTO member FROM tenancy.membership_columns(tbl);
    IF member.scope IS NOT NULL AND scope = 'workspace' THEN
      table_scope := member.scope;
    END IF;
    -- a registered roles table likewise (the first of its scopes: several
    -- are refused), and nothing else may be
    IF member.scope IS NULL AND scope = 'workspace' THEN
      table_scope := coalesce((tenancy.access_table_scopes(tbl)).role_scopes[1], scope);
    END IF;
    PERFORM tenancy.check_access_table_isolation(tbl, tenant_column, table_scope, through);
    col_num := tenancy.check_tenant_id_column(tbl, tenant_column, table_scope,
      'Name the tenant column: tenancy.enable_isolation(tbl, tenant_column => ...), or the column whose foreign key leads to an isolated parent: through => ....');
  END IF;
  PERFORM tenancy.check_isolation_scope(table_scope, tbl, CASE WHEN through IS NULL THEN tenant_column END);
  -- Serialises concurrent calls (ALTER TABLE and CREATE POLICY take this
  -- lock anyway); the statements below see what a concurrent call committed.
  EXECUTE format('LOCK TABLE %s IN ACCESS EXCLUSIVE MODE', tbl);

  SELECT * INTO member FROM tenancy.membership_columns(tbl);
  kind := CASE WHEN member.user_column IS NOT NULL THEN 'membership'
               WHEN through IS NOT NULL THEN 'through'
               WHEN cardinality((tenancy.access_table_scopes(tbl)).role_scopes) > 0 THEN 'roles'
               ELSE 'tenant' END;
  PERFORM tenancy.check_membership_isolation(tbl, tenant_column, table_scope, through);
  PERFORM tenancy.check_access_table_isolation(tbl, tenant_column, table_scope, through);
  IF through IS NOT NULL THEN
    -- The parents the column's keys reference, locked against a concurrent
    -- enable_isolation or disable_isolation on them (which hold ACCESS
    -- EXCLUSIVE): the next statement reads their isolation as committed.
    FOR rel IN
      SELECT DISTINCT k.confrelid::regclass AS relid
        FROM pg_constraint k JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = k.conkey[1]
       WHERE k.conrelid = tbl AND k.contype = 'f' AND cardinality(k.conkey) = 1 AND a.attname = through
       ORDER BY 1
    LOOP
      EXECUTE format('LOCK TABLE %s IN ACCESS SHARE MODE', rel.relid);
    END LOOP;
    SELECT k.parent, k.parent_key INTO through_parent, through_key FROM tenancy.through_key_of(tbl, through) k;
    SELECT a.attnum INTO col_num FROM pg_attribute a WHERE a.attrelid = tbl AND a.attname = through;
    -- rows follow their parent row's tenancy, so the parent's scope; the
    -- default 'workspace' stands for "the parent's"
    table_scope := (tenancy.isolation_record_of(through_parent)).scope;
    IF scope <> 'workspace' AND scope <> table_scope THEN
      RAISE EXCEPTION '% is isolated in scope %, and % through it takes that scope', through_parent,
                      quote_literal(table_scope), tbl
        USING ERRCODE = '22023', HINT = 'Leave scope out.';
    END IF;
  END IF;
  recorded := tenancy.isolation_record_of(tbl);
  IF recorded.tenant_column IS NOT NULL AND recorded.tenant_column <> filter_column THEN
    RAISE EXCEPTION '% is already isolated on column %', tbl, quote_ident(recorded.tenant_column)
      USING ERRCODE = '55000',
            HINT = 'Run tenancy.disable_isolation() first to change the tenant column.';
  END IF;
  IF recorded.scope IS NOT NULL AND recorded.scope <> table_scope THEN
    RAISE EXCEPTION '% is already isolated in scope %', tbl, quote_literal(recorded.scope)
      USING ERRCODE = '55000',
            HINT = 'Run tenancy.disable_isolation() first to change the scope.';
  END IF;
  IF recorded.policy_kind IS NOT NULL AND recorded.policy_kind <> kind THEN
    RAISE EXCEPTION '% is isolated with the policies of a % table, not of a % table', tbl,
                    recorded.policy_kind, kind
      USING ERRCODE = '55000',
            HINT = 'Run tenancy.disable_isolation() and then tenancy.enable_isolation() again.';
  END IF;
  -- Deepest partitions first and the parent last, each relation's policies
  -- before its ALTER TABLEs: the event trigger those fire then finds every
  -- relation below already isolated and does nothing.
  FOR rel IN
    SELECT t.relid, c.relrowsecurity AS was_enabled, c.relforcerowsecurity AS was_forced
      FROM tenancy.relation_tree(tbl) t JOIN pg_class c ON c.oid = t.relid
     ORDER BY t.level DESC, t.relid::text
  LOOP
    IF replace THEN
      -- other permissive policies are OR'd with tenancy's: they would widen it
      FOR pol IN
        SELECT p.polname FROM pg_policy p
         WHERE p.polrelid = rel.relid AND p.polpermissive
           AND p.polname NOT IN ('tenancy_select', 'tenancy_insert', 'tenancy_update', 'tenancy_delete')
         ORDER BY p.polname
      LOOP
        stmt := format('DROP POLICY %I ON %s', pol.polname, rel.relid);
        EXECUTE stmt;
        RETURN NEXT stmt;
      END LOOP;
    END IF;
    created := false;
    IF kind = 'through' THEN
      SELECT * INTO scan_condition, row_condition
        FROM tenancy.through_condition(rel.relid, through, through_parent, through_key);
    END IF;
    FOR pol IN
      SELECT * FROM tenancy.isolation_policies(tenant_column, member.user_column, table_scope, kind = 'roles')
       WHERE kind <> 'through'
      UNION ALL
      SELECT v.* FROM (VALUES
        ('tenancy_select', 'SELECT', format('USING %s', scan_condition)),
        ('tenancy_insert', 'INSERT', format('WITH CHECK %s', row_condition)),
        ('tenancy_update', 'UPDATE', format('USING %s WITH CHECK %s', scan_condition, row_condition)),
        ('tenancy_delete', 'DELETE', format('USING %s', scan_condition))) AS v(name, command, clauses)
       WHERE kind = 'through'
    LOOP
      CONTINUE WHEN EXISTS (SELECT 1 FROM pg_policy p
                             WHERE p.polrelid = rel.relid AND p.polname = pol.name);
      stmt := format('CREATE POLICY %I ON %s FOR %s %s', pol.name, rel.relid, pol.command, pol.clauses);
      EXECUTE stmt;
      RETURN NEXT stmt;
      created := true;
    END LOOP;
    IF created THEN
      INSERT INTO tenancy.isolated_tables AS i (relid, tenant_column, policy_kind, enabled_rls, forced_rls,
                                                through_parent, through_key, scope)
      VALUES (rel.relid, filter_column, kind, NOT rel.was_enabled, force AND NOT rel.was_forced,
              through_parent, through_key, table_scope)
      ON CONFLICT (relid) DO UPDATE
        SET tenant_column = excluded.tenant_column, policy_kind = excluded.policy_kind, scope = excluded.scope,
            enabled_rls = excluded.enabled_rls, forced_rls = excluded.forced_rls, tenant_index = NULL,
            through_parent = excluded.through_parent, through_key = excluded.through_key, tenant_view = NULL;
    END IF;
    IF NOT rel.was_enabled THEN
      stmt := format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', rel.relid);
      EXECUTE stmt;
      RETURN NEXT stmt;
    END IF;
    IF force AND NOT rel.was_forced THEN
      stmt := format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', rel.relid);
      EXECUTE stmt;
      RETURN NEXT stmt;
    END IF;
  END LOOP;

  -- an owner table: its policies let members write it, the guard keeps
  -- them from making themselves a tenant's owner
  IF cardinality((tenancy.access_table_scopes(tbl)).owner_scopes) > 0 THEN
    RETURN QUERY SELECT * FROM tenancy.guard_owner_table(tbl);
  END IF;

  -- a partial index does not serve the policies: it is not counted
  IF create_index AND NOT EXISTS (
       SELECT 1 FROM pg_index i WHERE i.indrelid = tbl AND i.indkey[0] = col_num AND i.indpred IS NULL) THEN
    stmt := format('CREATE INDEX ON %s (%I)', tbl, filter_column);
    EXECUTE stmt;
    RETURN NEXT stmt;
    SELECT i.indexrelid INTO index_oid FROM pg_index i
     WHERE i.indrelid = tbl AND i.indkey[0] = col_num AND i.indpred IS NULL
     ORDER BY i.indexrelid DESC LIMIT 1;
    UPDATE tenancy.isolated_tables i SET tenant_index = index_oid WHERE i.relid = tbl;
  END IF;
END $$;
COMMENT ON FUNCTION tenancy.enable_isolation(regclass, name, boolean, boolean, name, boolean, text) IS
  'Puts a table and all its partitions under the four tenancy policies, or a materialized view behind a filtering view';

CREATE FUNCTION tenancy.disable_isolation(tbl regclass)
RETURNS SETOF text LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  part regclass;
  recorded tenancy.isolated_tables;
  root tenancy.isolated_tables;
  pol name;
  stmt text;
BEGIN
  IF tbl IS NOT NULL AND (SELECT c.relkind FROM pg_class c WHERE c.oid = tbl) = 'm' THEN
    RETURN QUERY SELECT * FROM tenancy.release_materialized_view(tbl);
    RETURN;
  END IF;
  PERFORM tenancy.check_owned_table(tbl,
    'Isolation applies to ordinary and partitioned tables and materialized views only.',
    'Isolate the tables a view reads, and create the view WITH (security_invoker).');
  EXECUTE format('LOCK TABLE %s IN ACCESS EXCLUSIVE MODE', tbl);

  root := tenancy.isolation_record_of(tbl);
  FOR part IN
    SELECT t.relid FROM tenancy.relation_tree(tbl) t ORDER BY t.level, t.relid::text
  LOOP -- the parent first, so the event trigger never copies policies back
    recorded := tenancy.isolation_record_of(part);
    FOR pol IN
      SELECT p.polname FROM pg_policy p
       WHERE p.polrelid = part
         AND p.polname IN ('tenancy_select', 'tenancy_insert', 'tenancy_update', 'tenancy_delete')
       ORDER BY p.polname
    LOOP
      stmt := format('DROP POLICY %I ON %s', pol, part);
      EXECUTE stmt;
      RETURN NEXT stmt;
    END LOOP;
    IF recorded.forced_rls THEN
      stmt := format('ALTER TABLE %s NO FORCE ROW LEVEL SECURITY', part);
      EXECUTE stmt;
      RETURN NEXT stmt;
    END IF;
    IF recorded.enabled_rls THEN
      stmt := format('ALTER TABLE %s DISABLE ROW LEVEL SECURITY', part);
      EXECUTE stmt;
      RETURN NEXT stmt;
    END IF;
  END LOOP;

  IF EXISTS (SELECT FROM pg_trigger t
              WHERE t.tgrelid = tbl AND t.tgname = 'tenancy_owner_guard' AND t.tgparentid = 0) THEN
    stmt := format('DROP TRIGGER tenancy_owner_guard ON %s', tbl);
    EXECUTE stmt;
    RETURN NEXT stmt;
  END IF;
  IF root.tenant_index IS NOT NULL
     AND EXISTS (SELECT 1 FROM pg_index i WHERE i.indexrelid = root.tenant_index AND i.indrelid = tbl) THEN
    stmt := format('DROP INDEX %s', root.tenant_index);
    EXECUTE stmt;
    RETURN NEXT stmt;
  END IF;
  DELETE FROM tenancy.isolated_tables i WHERE i.relid IN (SELECT t.relid FROM tenancy.relation_tree(tbl) t);
END $$;
COMMENT ON FUNCTION tenancy.disable_isolation(regclass) IS
  'Removes exactly what tenancy.enable_isolation added';
