-- isolated_tables.sql: the isolation record (SPEC part 3). Per relation on
-- which enable_isolation created the tenancy policies: the tenant column,
-- the policy shape, whether it enabled or forced row level security there,
-- and on the table named in the call the index it created. pg_dump keeps it
-- (configuration table) and disable_isolation reads it back. Names are
-- stored as names: never read back out of a comment or an expression.
-- Partitions made later are isolated by the event trigger in
-- src/module/new_partitions.sql.

CREATE FUNCTION tenancy.tenant_column_names() RETURNS name[]
LANGUAGE c STABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'tenant_column_names';
COMMENT ON FUNCTION tenancy.tenant_column_names() IS
  'The parsed value of tenancy.tenant_columns';

CREATE TABLE tenancy.isolated_tables (
  relid regclass PRIMARY KEY,
  -- the column the policies filter on: the tenant column, or for 'through'
  -- the column whose foreign key leads to the parent
  tenant_column name NOT NULL,
  -- 'tenant': members work in their workspaces' rows; 'membership': the
  -- registered membership table, and 'roles': a registered roles table,
  -- where only managers write; 'through': rows
  -- follow their parent row's tenancy; 'materialized view': read through a
  -- filtering view (docs/isolation.md)
  policy_kind text NOT NULL
    CHECK (policy_kind IN ('tenant', 'membership', 'roles', 'through', 'materialized view')),
  enabled_rls boolean NOT NULL, -- enable_isolation enabled row level security
  forced_rls boolean NOT NULL,  -- enable_isolation forced it
  tenant_index regclass,        -- the index enable_isolation created, if any
  through_parent regclass,      -- 'through': the referenced table
  through_key name,             -- 'through': the referenced column
  tenant_view regclass,         -- 'materialized view': the filtering view made
  -- the membership scope whose tenancy.user_workspaces(scope) the policies
  -- call; 'through': the parent's (docs/isolation.md)
  scope text NOT NULL DEFAULT 'workspace',
  CHECK ((policy_kind = 'through') = (through_parent IS NOT NULL AND through_key IS NOT NULL)),
  CHECK ((policy_kind = 'materialized view') = (tenant_view IS NOT NULL))
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
  USING (tenancy.caller_owns_relation(relid)) WITH CHECK (tenancy.caller_owns_relation(relid));


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
