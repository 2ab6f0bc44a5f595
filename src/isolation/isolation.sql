-- isolation.sql: enable_isolation, disable_isolation, isolation_report
-- (SPEC part 3). Partitions made later are isolated by the event trigger in
-- src/module/new_partitions.sql.
--
-- The record is tenancy.isolated_tables: per relation on which
-- enable_isolation created the tenancy policies, the tenant column, the
-- policy shape, whether it enabled or forced row level security there, and
-- on the table named in the call the index it created. pg_dump keeps it
-- (configuration table) and disable_isolation reads it back. Names are
-- stored as names: never read back out of a comment or an expression.

CREATE FUNCTION tenancy.tenant_column_names() RETURNS name[]
LANGUAGE c STABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'tenant_column_names';
COMMENT ON FUNCTION tenancy.tenant_column_names() IS
  'The parsed value of tenancy.tenant_columns';

CREATE TABLE tenancy.isolated_tables (
  relid regclass PRIMARY KEY,
  tenant_column name NOT NULL,
  -- 'tenant': members work in their workspaces' rows; 'membership': the
  -- registered membership table, where only managers write (docs/isolation.md)
  policy_kind text NOT NULL CHECK (policy_kind IN ('tenant', 'membership')),
  enabled_rls boolean NOT NULL, -- enable_isolation enabled row level security
  forced_rls boolean NOT NULL,  -- enable_isolation forced it
  tenant_index regclass         -- the index enable_isolation created, if any
);
COMMENT ON TABLE tenancy.isolated_tables IS
  'What tenancy.enable_isolation() made on each relation, for disable_isolation (kept by pg_dump)';
SELECT pg_catalog.pg_extension_config_dump('tenancy.isolated_tables', '');

-- Delegation, as for partition sets: everyone may read the record (what
-- pg_policy and pg_class already show); a DBA who grants enable_isolation
-- and disable_isolation to table owners also grants them INSERT, UPDATE,
-- DELETE here, and row level security limits each to the tables it owns.
ALTER TABLE tenancy.isolated_tables ENABLE ROW LEVEL SECURITY;
CREATE POLICY readable ON tenancy.isolated_tables FOR SELECT USING (true);
CREATE POLICY owner_writes ON tenancy.isolated_tables
  USING (coalesce(pg_catalog.pg_has_role(current_user,
           (SELECT c.relowner FROM pg_catalog.pg_class c WHERE c.oid OPERATOR(pg_catalog.=) relid),
           'USAGE'), false))
  WITH CHECK (coalesce(pg_catalog.pg_has_role(current_user,
           (SELECT c.relowner FROM pg_catalog.pg_class c WHERE c.oid OPERATOR(pg_catalog.=) relid),
           'USAGE'), false));

-- A dropped table takes its record with it (its OID may be reused).
CREATE FUNCTION tenancy.forget_dropped_isolation() RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  DELETE FROM tenancy.isolated_tables i
   USING pg_event_trigger_dropped_objects() d
   WHERE d.classid = 'pg_class'::regclass AND d.objsubid = 0 AND i.relid = d.objid;
END $$;
CREATE EVENT TRIGGER tenancy_forget_dropped_isolation ON sql_drop
  WHEN TAG IN ('DROP TABLE', 'DROP SCHEMA', 'DROP OWNED')
  EXECUTE FUNCTION tenancy.forget_dropped_isolation();

-- The record that applies to rel: its own, or, for a partition that got
-- the tenancy policies copied from its parent (partitions tenancy makes
-- itself), its nearest isolated ancestor's. NULL when rel carries no
-- tenancy_select policy.
CREATE FUNCTION tenancy.isolation_record_of(rel regclass)
RETURNS tenancy.isolated_tables LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT i.*
    FROM (SELECT rel AS relid, 0::bigint AS depth
          UNION ALL
          SELECT a.relid, a.depth FROM pg_partition_ancestors(rel) WITH ORDINALITY AS a(relid, depth)) a
    JOIN tenancy.isolated_tables i ON i.relid = a.relid
   WHERE EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = rel AND p.polname = 'tenancy_select')
   ORDER BY a.depth LIMIT 1
$$;

-- The tenant column tenancy isolated rel on, or NULL when rel is not
-- isolated by tenancy.
CREATE FUNCTION tenancy.isolation_column_of(rel regclass)
RETURNS name LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
RETURN (SELECT r.tenant_column FROM tenancy.isolation_record_of(rel) r);

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

-- The four policies enable_isolation makes on tbl, as (name, command,
-- clauses). A tenant table: members of a workspace work in its rows. The
-- registered membership table (member_column set): members read their
-- workspaces' memberships; only a member whose role is one of the
-- registration's manager_roles writes them, and never the row of the user
-- they are (nobody edits their own role).
CREATE FUNCTION tenancy.isolation_policies(tenant_column name, member_column name,
                                           OUT name text, OUT command text, OUT clauses text)
RETURNS SETOF record LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
  WITH p AS (
    SELECT format('(%I = ANY (tenancy.user_workspaces()))', tenant_column) AS member,
           format('tenancy.user_has_workspace_role(%I, VARIADIC (SELECT tenancy.membership_manager_roles()))',
                  tenant_column) AS manager,
           CASE WHEN member_column IS NOT NULL
                THEN format('(%I IS DISTINCT FROM tenancy.current_user_id())', member_column) END AS not_self
  )
  SELECT v.* FROM p, LATERAL (VALUES
    ('tenancy_select', 'SELECT', format('USING %s', p.member)),
    ('tenancy_insert', 'INSERT', format('WITH CHECK %s', p.member)),
    ('tenancy_update', 'UPDATE', format('USING %s WITH CHECK %s', p.member, p.member)),
    ('tenancy_delete', 'DELETE', format('USING %s', p.member))) AS v(name, command, clauses)
   WHERE member_column IS NULL
  UNION ALL
  SELECT v.* FROM p, LATERAL (VALUES
    ('tenancy_select', 'SELECT', format('USING %s', p.member)),
    ('tenancy_insert', 'INSERT', format('WITH CHECK (%s AND %s)', p.manager, p.not_self)),
    ('tenancy_update', 'UPDATE', format('USING (%s) WITH CHECK (%s AND %s)', p.manager, p.manager, p.not_self)),
    ('tenancy_delete', 'DELETE', format('USING (%s)', p.manager))) AS v(name, command, clauses)
   WHERE member_column IS NOT NULL
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
  col_num smallint;
  member record;
  kind text;
  recorded tenancy.isolated_tables;
  rel record;
  pol record;
  created boolean;
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

  SELECT * INTO member FROM tenancy.membership_columns(tbl);
  kind := CASE WHEN member.user_column IS NULL THEN 'tenant' ELSE 'membership' END;
  IF kind = 'membership' AND member.role_column IS NULL THEN
    RAISE EXCEPTION '% is the registered membership table, registered without a role column', tbl
      USING ERRCODE = '55000',
            DETAIL = 'Its policies let only members whose role is one of the registration''s manager_roles write memberships.',
            HINT = 'Call tenancy.register_membership() again with role_column, then enable_isolation.';
  END IF;
  recorded := tenancy.isolation_record_of(tbl);
  IF recorded.tenant_column IS NOT NULL AND recorded.tenant_column <> tenant_column THEN
    RAISE EXCEPTION '% is already isolated on column %', tbl, quote_ident(recorded.tenant_column)
      USING ERRCODE = '55000',
            HINT = 'Run tenancy.disable_isolation() first to change the tenant column.';
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
    created := false;
    FOR pol IN SELECT * FROM tenancy.isolation_policies(tenant_column, member.user_column) LOOP
      CONTINUE WHEN EXISTS (SELECT 1 FROM pg_policy p
                             WHERE p.polrelid = rel.relid AND p.polname = pol.name);
      stmt := format('CREATE POLICY %I ON %s FOR %s %s', pol.name, rel.relid, pol.command, pol.clauses);
      EXECUTE stmt;
      RETURN NEXT stmt;
      created := true;
    END LOOP;
    IF created THEN
      INSERT INTO tenancy.isolated_tables AS i (relid, tenant_column, policy_kind, enabled_rls, forced_rls)
      VALUES (rel.relid, tenant_column, kind, NOT rel.was_enabled, force AND NOT rel.was_forced)
      ON CONFLICT (relid) DO UPDATE
        SET tenant_column = excluded.tenant_column, policy_kind = excluded.policy_kind,
            enabled_rls = excluded.enabled_rls, forced_rls = excluded.forced_rls, tenant_index = NULL;
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

  IF create_index AND NOT EXISTS (
       SELECT 1 FROM pg_index i WHERE i.indrelid = tbl AND i.indkey[0] = col_num) THEN
    stmt := format('CREATE INDEX ON %s (%I)', tbl, tenant_column);
    EXECUTE stmt;
    RETURN NEXT stmt;
    SELECT i.indexrelid INTO index_oid FROM pg_index i
     WHERE i.indrelid = tbl AND i.indkey[0] = col_num;
    UPDATE tenancy.isolated_tables i SET tenant_index = index_oid WHERE i.relid = tbl;
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
  recorded tenancy.isolated_tables;
  root tenancy.isolated_tables;
  pol name;
  stmt text;
BEGIN
  PERFORM tenancy.check_owned_table(tbl,
    'Isolation applies to ordinary and partitioned tables only.',
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
