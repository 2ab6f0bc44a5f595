-- report.sql: tenancy.isolation_report (SPEC part 3) and what it reads:
-- which relations hold tenant rows, their references, roots and policies.

-- Whether rel holds tenant rows: isolated by tenancy, or with a column
-- named in tenancy.tenant_columns.
CREATE FUNCTION tenancy.holds_tenant_rows(rel regclass)
RETURNS boolean LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
RETURN EXISTS (SELECT 1 FROM tenancy.isolated_tables i WHERE i.relid = rel)
    OR (tenancy.isolation_record_of(rel)).relid IS NOT NULL
    OR EXISTS (SELECT 1 FROM pg_attribute a
                WHERE a.attrelid = rel AND a.attnum > 0 AND NOT a.attisdropped
                  AND a.attname = ANY (tenancy.tenant_column_names()));

-- The tables holding tenant rows that a view or materialized view reads,
-- directly or through the views it reads, by name.
CREATE FUNCTION tenancy.tenant_sources(rel regclass)
RETURNS regclass[] LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
  WITH RECURSIVE reads(relid) AS (
    SELECT rel::oid
    UNION
    SELECT d.refobjid
      FROM reads s
      JOIN pg_class c ON c.oid = s.relid AND c.relkind IN ('v', 'm')
      JOIN pg_rewrite w ON w.ev_class = c.oid
      JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = w.oid
                      AND d.refclassid = 'pg_class'::regclass AND d.refobjid <> c.oid
  )
  SELECT coalesce(array_agg(r.relid::regclass ORDER BY r.relid::regclass::text), '{}')
    FROM reads r JOIN pg_class c ON c.oid = r.relid
   WHERE r.relid <> rel AND c.relkind IN ('r', 'p', 'm') AND tenancy.holds_tenant_rows(r.relid)
$$;

-- The single-column foreign keys from rel to other tables holding tenant
-- rows: the column a table without a tenant column could be isolated
-- through.
CREATE FUNCTION tenancy.tenant_references(rel regclass, OUT through name, OUT parent regclass)
RETURNS SETOF record LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT a.attname, k.confrelid::regclass
    FROM pg_constraint k JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = k.conkey[1]
   WHERE k.conrelid = rel AND k.contype = 'f' AND cardinality(k.conkey) = 1 AND k.confrelid <> rel
     AND tenancy.holds_tenant_rows(k.confrelid)
   ORDER BY a.attname, k.confrelid::regclass::text
$$;

-- When rel is the tenant registry itself (workspaces, companies): the
-- column of rel that a tenant column of another table references.
CREATE FUNCTION tenancy.tenant_root_key(rel regclass)
RETURNS name LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT pa.attname
    FROM pg_constraint k
    JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = k.conkey[1]
    JOIN pg_attribute pa ON pa.attrelid = k.confrelid AND pa.attnum = k.confkey[1]
   WHERE k.confrelid = rel AND k.contype = 'f' AND cardinality(k.conkey) = 1 AND k.conrelid <> rel
     AND a.attname = ANY (tenancy.tenant_column_names())
   ORDER BY pa.attnum LIMIT 1
$$;

-- The permissive policies on rel whose expressions never reference its
-- column col: they do not filter by this table's tenant (an unqualified
-- name inside a subquery binds to the subquery's table). Read from the
-- column dependencies PostgreSQL records for each policy expression.
CREATE FUNCTION tenancy.policies_ignoring(rel regclass, col name)
RETURNS name[] LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT coalesce(array_agg(p.polname ORDER BY p.polname), '{}')
    FROM pg_policy p
   WHERE p.polrelid = rel AND p.polpermissive
     AND NOT EXISTS (
       SELECT 1 FROM pg_depend d JOIN pg_attribute a ON a.attrelid = rel AND a.attnum = d.refobjsubid
        WHERE d.classid = 'pg_policy'::regclass AND d.objid = p.oid
          AND d.refclassid = 'pg_class'::regclass AND d.refobjid = rel AND a.attname = col)
$$;

-- The call that isolates rel as recorded, for the report's fixes.
CREATE FUNCTION tenancy.isolation_call(rel regclass, rec tenancy.isolated_tables, extra text DEFAULT '')
RETURNS text LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
RETURN format('SELECT tenancy.enable_isolation(%L, %s => %L%s%s)', rel::text,
              CASE rec.policy_kind WHEN 'through' THEN 'through' ELSE 'tenant_column' END,
              rec.tenant_column,
              CASE WHEN rec.policy_kind <> 'through' AND rec.scope <> 'workspace'
                   THEN format(', scope => %L', rec.scope) ELSE '' END,
              extra);

CREATE FUNCTION tenancy.isolation_report(schemas name[] DEFAULT '{public}')
RETURNS TABLE (table_name regclass, tenant_columns name[], rls_enabled boolean,
               rls_forced boolean, policies int, missing_commands text[],
               tenant_index boolean, problems text[], kind text, isolation text, scope text)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
  WITH config AS (SELECT tenancy.tenant_column_names() AS names),
  objects AS (
    SELECT c.oid, c.relkind, c.relrowsecurity, c.relforcerowsecurity, c.relowner, c.relacl,
           ((r.rec).relid IS NOT NULL) AS isolated, r.rec,
           (SELECT g.reason FROM tenancy.global_tables g WHERE g.relid = c.oid) AS global_reason,
           (SELECT i.relid FROM tenancy.isolated_tables i WHERE i.tenant_view = c.oid) AS filters,
           ARRAY(SELECT a.attname FROM pg_attribute a
                  WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                    AND (a.attname = ANY (config.names)
                         OR (a.attname = (r.rec).tenant_column AND (r.rec).policy_kind <> 'through'))
                  ORDER BY array_position(config.names, a.attname) NULLS FIRST) AS tenant_columns,
           (SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid)::int AS policies,
           ARRAY(SELECT cmd FROM unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE']) AS cmd
                  WHERE NOT EXISTS (
                    SELECT 1 FROM pg_policy p
                     WHERE p.polrelid = c.oid AND p.polpermissive
                       AND p.polcmd IN ('*', CASE cmd WHEN 'SELECT' THEN 'r' WHEN 'INSERT' THEN 'a'
                                                      WHEN 'UPDATE' THEN 'w' ELSE 'd' END)))
             AS missing_commands,
           coalesce((SELECT o.option_value::boolean FROM pg_options_to_table(c.reloptions) o
                      WHERE o.option_name = 'security_invoker'), false) AS security_invoker
      FROM pg_class c
      JOIN pg_namespace n ON n.oid = c.relnamespace
      CROSS JOIN config
      LEFT JOIN LATERAL (
        SELECT i AS rec FROM tenancy.isolation_record_of(c.oid) i WHERE c.relkind IN ('r', 'p') AND i.relid IS NOT NULL
        UNION ALL
        SELECT i AS rec FROM tenancy.isolated_tables i WHERE c.relkind = 'm' AND i.relid = c.oid) r ON true
     WHERE c.relkind IN ('r', 'p', 'v', 'm') AND n.nspname = ANY (schemas)
  ),
  judged AS (
    SELECT o.*,
           -- a partial index does not serve the policies
           EXISTS (SELECT 1 FROM pg_index i JOIN pg_attribute a
                     ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
                    WHERE i.indrelid = o.oid AND i.indpred IS NULL
                      AND (a.attname = ANY (o.tenant_columns) OR a.attname = (o.rec).tenant_column))
             AS tenant_index,
           CASE WHEN o.relkind IN ('v', 'm') THEN tenancy.tenant_sources(o.oid) END AS sources,
           ARRAY(SELECT format('%s (%I)', t.parent, t.through) FROM tenancy.tenant_references(o.oid) t)
             AS references_to,
           (SELECT t.through FROM tenancy.tenant_references(o.oid) t LIMIT 1) AS first_through,
           CASE WHEN o.relkind IN ('r', 'p') AND cardinality(o.tenant_columns) = 0 AND NOT o.isolated
                THEN tenancy.tenant_root_key(o.oid) END AS root_key,
           CASE WHEN o.relkind IN ('r', 'p')
                THEN tenancy.policies_ignoring(o.oid, coalesce((o.rec).tenant_column, o.tenant_columns[1]))
                END AS ignoring,
           ARRAY(SELECT quote_ident(p.polname) FROM pg_policy p
                  WHERE p.polrelid = o.oid AND p.polpermissive AND o.isolated AND o.relkind IN ('r', 'p')
                    AND p.polname NOT IN ('tenancy_select', 'tenancy_insert', 'tenancy_update', 'tenancy_delete')
                  ORDER BY p.polname) AS other_permissive,
           ARRAY(SELECT DISTINCT CASE a.grantee WHEN 0 THEN 'PUBLIC' ELSE a.grantee::regrole::text END
                  FROM aclexplode(o.relacl) a
                 WHERE o.relkind = 'm' AND a.grantee <> o.relowner AND a.privilege_type = 'SELECT')
             AS direct_readers
      FROM objects o
  ),
  table_problems AS (
    SELECT j.oid, array_remove(ARRAY[
           CASE WHEN cardinality(j.tenant_columns) = 0 AND NOT j.isolated AND j.global_reason IS NULL
                     AND cardinality(j.references_to) > 0
                THEN format('leaks: no tenant column, references tenant tables %s; fix: %s',
                            array_to_string(j.references_to, ', '),
                            format('SELECT tenancy.enable_isolation(%L, through => %L)', j.oid::regclass::text, j.first_through)) END,
           CASE WHEN cardinality(j.tenant_columns) = 0 AND NOT j.isolated AND j.global_reason IS NULL
                     AND cardinality(j.references_to) = 0 AND j.root_key IS NOT NULL
                THEN format('leaks: tenant root (other tables'' tenant columns reference its %I), not isolated; fix: %s',
                            j.root_key,
                            format('SELECT tenancy.enable_isolation(%L, tenant_column => %L)', j.oid::regclass::text, j.root_key)) END,
           CASE WHEN cardinality(j.tenant_columns) = 0 AND NOT j.isolated AND j.global_reason IS NULL
                     AND cardinality(j.references_to) = 0 AND j.root_key IS NULL
                THEN format('global: no tenant column and no foreign key to a tenant table, readable by every tenant; if shared on purpose: SELECT tenancy.mark_global(%L, reason => ...)',
                            j.oid::regclass::text) END,
           CASE WHEN cardinality(j.tenant_columns) > 1
                THEN 'more than one tenant column: ' || array_to_string(j.tenant_columns, ', ') END,
           CASE WHEN (cardinality(j.tenant_columns) > 0 OR j.isolated) AND NOT j.relrowsecurity
                THEN 'row level security disabled' END,
           CASE WHEN j.relrowsecurity AND j.policies = 0
                THEN 'row level security enabled without policies' END,
           CASE WHEN j.relrowsecurity AND j.policies > 0 AND cardinality(j.missing_commands) > 0
                THEN 'commands without a policy: ' || array_to_string(j.missing_commands, ', ') END,
           CASE WHEN (cardinality(j.tenant_columns) > 0 OR j.isolated) AND NOT j.tenant_index
                THEN 'no index leading with the tenant column' END,
           CASE WHEN (j.rec).policy_kind = 'through' AND (tenancy.isolation_record_of((j.rec).through_parent)).relid IS NULL
                THEN format('isolated through %s, which is no longer isolated (the policies still filter by the tenancy it had); fix: isolate %s again',
                            (j.rec).through_parent, (j.rec).through_parent) END,
           CASE WHEN (j.rec).policy_kind = 'through' AND NOT EXISTS (
                       SELECT 1 FROM pg_constraint k JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = k.conkey[1]
                        WHERE k.conrelid = j.oid AND k.contype = 'f' AND k.confrelid = (j.rec).through_parent
                          AND cardinality(k.conkey) = 1 AND a.attname = (j.rec).tenant_column)
                THEN format('the foreign key from %I to %s is gone: rows whose parent is missing are visible to nobody; fix: add it again',
                            (j.rec).tenant_column, (j.rec).through_parent) END,
           CASE WHEN j.isolated AND cardinality((tenancy.access_table_scopes(j.oid)).owner_scopes) > 0
                     AND NOT tenancy.has_owner_guard(j.oid)
                THEN format('owner table of scope %s without its guard trigger: a member can make themself a tenant''s owner; fix: %s',
                            array_to_string((tenancy.access_table_scopes(j.oid)).owner_scopes, ', '),
                            tenancy.isolation_call(j.oid, j.rec)) END,
           CASE WHEN cardinality(j.other_permissive) > 0
                THEN format('other permissive policies, OR''d with tenancy''s: %s; fix: %s',
                            array_to_string(j.other_permissive, ', '),
                            tenancy.isolation_call(j.oid, j.rec, ', replace => true')) END,
           CASE WHEN cardinality(j.ignoring) > 0 AND (cardinality(j.tenant_columns) > 0 OR j.isolated)
                THEN format('policies that never reference the tenant column %I (they filter nothing by this table''s tenant): %s',
                            coalesce((j.rec).tenant_column, j.tenant_columns[1]),
                            (SELECT string_agg(quote_ident(n), ', ') FROM unnest(j.ignoring) n)) END], NULL) AS problems
      FROM judged j WHERE j.relkind IN ('r', 'p')
  ),
  relation_problems AS (
    SELECT j.oid, array_remove(ARRAY[
           CASE WHEN j.relkind = 'v' AND j.filters IS NULL AND NOT j.security_invoker AND cardinality(j.sources) > 0
                THEN format('reads tenant tables %s with its owner''s rights: every reader sees every tenant; fix: ALTER VIEW %s SET (security_invoker = true)',
                            array_to_string(j.sources, ', '), j.oid::regclass) END,
           CASE WHEN j.relkind = 'm' AND NOT j.isolated AND cardinality(j.sources) > 0
                THEN format('materialized view of tenant tables %s: every role that can read it sees every tenant; fix: %s',
                            array_to_string(j.sources, ', '),
                            CASE WHEN cardinality(j.tenant_columns) > 0
                                 THEN format('SELECT tenancy.enable_isolation(%L, tenant_column => %L)',
                                             j.oid::regclass::text, j.tenant_columns[1])
                                 ELSE 'select a tenant column into it, then tenancy.enable_isolation(materialized view, tenant_column => ...)' END) END,
           CASE WHEN j.relkind = 'm' AND j.isolated AND cardinality(j.direct_readers) > 0
                THEN format('readable directly, bypassing %s, by: %s', (j.rec).tenant_view,
                            array_to_string(j.direct_readers, ', ')) END,
           CASE WHEN j.relkind = 'm' AND j.isolated AND NOT EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = (j.rec).tenant_view)
                THEN format('its filtering view is gone; fix: tenancy.disable_isolation(%L) and enable_isolation again', j.oid::regclass::text) END,
           CASE WHEN j.relkind = 'm' AND j.isolated AND NOT j.tenant_index
                THEN 'no index leading with the tenant column' END], NULL) AS problems
      FROM judged j WHERE j.relkind IN ('v', 'm')
  )
  SELECT j.oid::regclass, j.tenant_columns,
         CASE WHEN j.relkind IN ('r', 'p') THEN j.relrowsecurity END,
         CASE WHEN j.relkind IN ('r', 'p') THEN j.relforcerowsecurity END,
         CASE WHEN j.relkind IN ('r', 'p') THEN j.policies END,
         CASE WHEN j.relkind IN ('r', 'p') THEN j.missing_commands END,
         CASE WHEN j.relkind IN ('r', 'p', 'm') THEN j.tenant_index END,
         coalesce(t.problems, v.problems),
         CASE j.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'partitioned table'
                        WHEN 'v' THEN 'view' ELSE 'materialized view' END,
         CASE WHEN (j.rec).policy_kind = 'through'
              THEN format('through %I to %s', (j.rec).tenant_column, (j.rec).through_parent)
              WHEN (j.rec).policy_kind = 'materialized view'
              THEN format('read through %s', (j.rec).tenant_view)
              WHEN (j.rec).policy_kind IS NOT NULL
              THEN format('%s column %I', (j.rec).policy_kind, (j.rec).tenant_column)
              WHEN j.filters IS NOT NULL THEN format('filters %s by the caller''s workspaces', j.filters::regclass)
              WHEN j.global_reason IS NOT NULL THEN format('global: %s', j.global_reason)
              WHEN j.relkind = 'v' AND j.security_invoker THEN 'security_invoker' END,
         (j.rec).scope
    FROM judged j
    LEFT JOIN table_problems t ON t.oid = j.oid
    LEFT JOIN relation_problems v ON v.oid = j.oid
   ORDER BY j.oid::regclass::text
$$;
COMMENT ON FUNCTION tenancy.isolation_report(name[]) IS
  'One row per table, view and materialized view in the schemas: tenancy, row level security, policies, problems';
