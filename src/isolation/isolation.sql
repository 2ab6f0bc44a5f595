-- isolation.sql: enable_isolation, disable_isolation, isolation_report
-- (SPEC part 3). Partitions made later are isolated by the event trigger in
-- src/core/new_partitions.sql.
--
-- The catalog is the record: the four policies are named tenancy_select,
-- tenancy_insert, tenancy_update, tenancy_delete; the comment on
-- tenancy_select says whether tenancy enabled or forced row level security
-- on that table, and an index tenancy created carries a comment saying so.
-- pg_dump keeps all of it, and disable_isolation reads it back.

CREATE FUNCTION tenancy.tenant_column_names() RETURNS name[]
LANGUAGE c STABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'tenant_column_names';
COMMENT ON FUNCTION tenancy.tenant_column_names() IS
  'The parsed value of tenancy.tenant_columns';

-- The tenant column tenancy isolated rel on (from its tenancy_select
-- policy's comment), or NULL when rel is not isolated by tenancy.
CREATE FUNCTION tenancy.isolation_column_of(rel regclass)
RETURNS name LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
RETURN (SELECT (parse_ident(substring(obj_description(p.oid, 'pg_policy')
                                      FROM '^tenancy: isolation on (.*?);')))[1]
          FROM pg_policy p WHERE p.polrelid = rel AND p.polname = 'tenancy_select');

-- rel and, when partitioned, all its partitions at every level.
-- (pg_partition_tree returns no rows for a table that is not partitioned.)
CREATE FUNCTION tenancy.relation_tree(rel regclass, OUT relid regclass, OUT level int)
RETURNS SETOF record LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT t.relid, t.level FROM pg_partition_tree(rel) t
  UNION
  SELECT rel, 0
$$;

CREATE FUNCTION tenancy.enable_isolation(
  tbl regclass,
  tenant_column name DEFAULT 'workspace_id',
  force boolean DEFAULT true,
  create_index boolean DEFAULT true)
RETURNS SETOF text LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  predicate text := format('(%I = ANY (tenancy.user_workspaces()))', tenant_column);
  col_num smallint;
  isolated_on name;
  rel record;
  pol record;
  note text;
  stmt text;
  index_oid oid;
BEGIN
  PERFORM tenancy.check_owned_table(tbl,
    'Isolation applies to ordinary and partitioned tables only.',
    'Isolate the tables a view reads, and create the view WITH (security_invoker).');
  IF tenant_column IS NULL OR force IS NULL OR create_index IS NULL THEN
    RAISE EXCEPTION 'tenant_column, force and create_index must not be NULL' USING ERRCODE = '22004';
  END IF;
  col_num := tenancy.check_uuid_column(tbl, tenant_column,
    'Name the tenant column: tenancy.enable_isolation(tbl, tenant_column => ...).');
  -- Serialises concurrent calls (ALTER TABLE and CREATE POLICY take this
  -- lock anyway); the statements below see what a concurrent call committed.
  EXECUTE format('LOCK TABLE %s IN ACCESS EXCLUSIVE MODE', tbl);

  isolated_on := tenancy.isolation_column_of(tbl);
  IF isolated_on IS NOT NULL AND isolated_on <> tenant_column THEN
    RAISE EXCEPTION '% is already isolated on column %', tbl, quote_ident(isolated_on)
      USING ERRCODE = '55000',
            HINT = 'Run tenancy.disable_isolation() first to change the tenant column.';
  END IF;

  -- Deepest partitions first and the parent last, each relation's policies
  -- before its ALTER TABLEs: the event trigger those fire then finds every
  -- relation below already isolated and does nothing.
  FOR rel IN
    SELECT t.relid, c.relrowsecurity AS was_enabled, c.relforcerowsecurity AS was_forced
      FROM tenancy.relation_tree(tbl) t JOIN pg_class c ON c.oid = t.relid
     ORDER BY t.level DESC, t.relid::text
  LOOP
    note := CASE WHEN NOT rel.was_enabled THEN ' enabled row level security;' ELSE '' END
         || CASE WHEN force AND NOT rel.was_forced THEN ' forced row level security;' ELSE '' END;
    FOR pol IN
      SELECT * FROM (VALUES
        ('tenancy_select', 'SELECT', format('USING %s', predicate)),
        ('tenancy_insert', 'INSERT', format('WITH CHECK %s', predicate)),
        ('tenancy_update', 'UPDATE', format('USING %s WITH CHECK %s', predicate, predicate)),
        ('tenancy_delete', 'DELETE', format('USING %s', predicate))) AS p(name, command, clauses)
    LOOP
      CONTINUE WHEN EXISTS (SELECT 1 FROM pg_policy p
                             WHERE p.polrelid = rel.relid AND p.polname = pol.name);
      stmt := format('CREATE POLICY %I ON %s FOR %s %s', pol.name, rel.relid, pol.command, pol.clauses);
      EXECUTE stmt;
      RETURN NEXT stmt;
      IF pol.name = 'tenancy_select' THEN
        EXECUTE format('COMMENT ON POLICY tenancy_select ON %s IS %L', rel.relid,
                       format('tenancy: isolation on %s;%s', quote_ident(tenant_column), note));
      END IF;
    END LOOP;
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

  IF create_index AND NOT EXISTS (
       SELECT 1 FROM pg_index i WHERE i.indrelid = tbl AND i.indkey[0] = col_num) THEN
    stmt := format('CREATE INDEX ON %s (%I)', tbl, tenant_column);
    EXECUTE stmt;
    RETURN NEXT stmt;
    SELECT i.indexrelid INTO index_oid FROM pg_index i
     WHERE i.indrelid = tbl AND i.indkey[0] = col_num;
    EXECUTE format('COMMENT ON INDEX %s IS %L', index_oid::regclass,
                   'tenancy: tenant index created by enable_isolation');
  END IF;
END $$;
COMMENT ON FUNCTION tenancy.enable_isolation(regclass, name, boolean, boolean) IS
  'Puts a table and all its partitions under the four tenancy policies';

CREATE FUNCTION tenancy.disable_isolation(tbl regclass)
RETURNS SETOF text LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  part regclass;
  note text;
  pol name;
  stmt text;
  idx regclass;
BEGIN
  PERFORM tenancy.check_owned_table(tbl,
    'Isolation applies to ordinary and partitioned tables only.',
    'Isolate the tables a view reads, and create the view WITH (security_invoker).');
  EXECUTE format('LOCK TABLE %s IN ACCESS EXCLUSIVE MODE', tbl);

  FOR part IN
    SELECT t.relid FROM tenancy.relation_tree(tbl) t ORDER BY t.level, t.relid::text
  LOOP -- the parent first, so the event trigger never copies policies back
    SELECT obj_description(p.oid, 'pg_policy') INTO note
      FROM pg_policy p WHERE p.polrelid = part AND p.polname = 'tenancy_select';
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
    IF note LIKE '%forced row level security;%' THEN
      stmt := format('ALTER TABLE %s NO FORCE ROW LEVEL SECURITY', part);
      EXECUTE stmt;
      RETURN NEXT stmt;
    END IF;
    IF note LIKE '%enabled row level security;%' THEN
      stmt := format('ALTER TABLE %s DISABLE ROW LEVEL SECURITY', part);
      EXECUTE stmt;
      RETURN NEXT stmt;
    END IF;
  END LOOP;

  FOR idx IN
    SELECT i.indexrelid FROM pg_index i
     WHERE i.indrelid = tbl
       AND obj_description(i.indexrelid, 'pg_class') = 'tenancy: tenant index created by enable_isolation'
  LOOP
    stmt := format('DROP INDEX %s', idx);
    EXECUTE stmt;
    RETURN NEXT stmt;
  END LOOP;
END $$;
COMMENT ON FUNCTION tenancy.disable_isolation(regclass) IS
  'Removes exactly what tenancy.enable_isolation added';

CREATE FUNCTION tenancy.isolation_report(schemas name[] DEFAULT '{public}')
RETURNS TABLE (table_name regclass, tenant_columns name[], rls_enabled boolean,
               rls_forced boolean, policies int, missing_commands text[],
               tenant_index boolean, problems text[])
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
  WITH config AS (SELECT tenancy.tenant_column_names() AS names),
  tables AS (
    SELECT c.oid, c.relrowsecurity, c.relforcerowsecurity,
           ARRAY(SELECT a.attname FROM pg_attribute a
                  WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                    AND a.attname = ANY (config.names)
                  ORDER BY array_position(config.names, a.attname)) AS tenant_columns,
           (SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid)::int AS policies,
           ARRAY(SELECT cmd FROM unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE']) AS cmd
                  WHERE NOT EXISTS (
                    SELECT 1 FROM pg_policy p
                     WHERE p.polrelid = c.oid AND p.polpermissive
                       AND p.polcmd IN ('*', CASE cmd WHEN 'SELECT' THEN 'r' WHEN 'INSERT' THEN 'a'
                                                      WHEN 'UPDATE' THEN 'w' ELSE 'd' END)))
             AS missing_commands
      FROM pg_class c
      JOIN pg_namespace n ON n.oid = c.relnamespace
      CROSS JOIN config
     WHERE c.relkind IN ('r', 'p') AND n.nspname = ANY (schemas)
  ),
  judged AS (
    SELECT t.*,
           EXISTS (SELECT 1 FROM pg_index i JOIN pg_attribute a
                     ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
                    WHERE i.indrelid = t.oid AND a.attname = ANY (t.tenant_columns)) AS tenant_index
      FROM tables t
  )
  SELECT j.oid::regclass, j.tenant_columns, j.relrowsecurity, j.relforcerowsecurity, j.policies,
         j.missing_commands, j.tenant_index,
         array_remove(ARRAY[
           CASE WHEN cardinality(j.tenant_columns) = 0 THEN 'no tenant column' END,
           CASE WHEN cardinality(j.tenant_columns) > 1
                THEN 'more than one tenant column: ' || array_to_string(j.tenant_columns, ', ') END,
           CASE WHEN cardinality(j.tenant_columns) > 0 AND NOT j.relrowsecurity
                THEN 'row level security disabled' END,
           CASE WHEN j.relrowsecurity AND j.policies = 0
                THEN 'row level security enabled without policies' END,
           CASE WHEN j.relrowsecurity AND j.policies > 0 AND cardinality(j.missing_commands) > 0
                THEN 'commands without a policy: ' || array_to_string(j.missing_commands, ', ') END,
           CASE WHEN cardinality(j.tenant_columns) > 0 AND NOT j.tenant_index
                THEN 'no index leading with the tenant column' END], NULL)
    FROM judged j
   ORDER BY j.oid::regclass::text
$$;
COMMENT ON FUNCTION tenancy.isolation_report(name[]) IS
  'One row per table in the schemas: tenant columns, row level security, policies, problems';
