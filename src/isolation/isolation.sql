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
  -- the column the policies filter on: the tenant column, or for 'through'
  -- the column whose foreign key leads to the parent
  tenant_column name NOT NULL,
  -- 'tenant': members work in their workspaces' rows; 'membership': the
  -- registered membership table, where only managers write; 'through': rows
  -- follow their parent row's tenancy; 'materialized view': read through a
  -- filtering view (docs/isolation.md)
  policy_kind text NOT NULL
    CHECK (policy_kind IN ('tenant', 'membership', 'through', 'materialized view')),
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

-- The four policies enable_isolation makes on tbl, as (name, command,
-- clauses). A tenant table: members of a workspace work in its rows. The
-- registered membership table (member_column set): members read their
-- workspaces' memberships; only a member whose role is one of the
-- registration's manager_roles writes them, and never the row of the user
-- they are (nobody edits their own role). A tenant table in a scope other
-- than 'workspace' reads that scope's memberships.
CREATE FUNCTION tenancy.isolation_policies(tenant_column name, member_column name,
                                           scope text DEFAULT 'workspace',
                                           OUT name text, OUT command text, OUT clauses text)
RETURNS SETOF record LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
  WITH p AS (
    -- the array helper of the scope's id type (user_workspaces[_text|_bigint])
    SELECT format('(%I = ANY (%s))', tenant_column, tenancy.scope_tenants_call(scope)) AS member,
           format('tenancy.user_has_workspace_role(%I, VARIADIC (SELECT tenancy.membership_manager_roles()))',
                  tenant_column) AS manager,
           CASE WHEN member_column IS NOT NULL
                THEN format('(%I IS DISTINCT FROM %s)', member_column, tenancy.scope_user_id_call(scope))
           END AS not_self
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

-- Refuses, changing nothing, a scope enable_isolation cannot isolate in:
-- NULL; a scope other than 'workspace' that is not registered (the default
-- scope may be registered after its tables are isolated); and, when col is
-- given, a column of rel whose type is not the type of the scope's
-- registered tenant column.
CREATE FUNCTION tenancy.check_isolation_scope(scope text, rel regclass, col name)
RETURNS void LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  scope_type regtype;
BEGIN
  IF scope IS NULL THEN
    RAISE EXCEPTION 'scope must not be NULL' USING ERRCODE = '22004',
      HINT = 'Leave scope out for the default scope ''workspace''.';
  END IF;
  scope_type := tenancy.scope_tenant_type(scope);
  IF scope_type IS NULL AND scope <> 'workspace' THEN
    RAISE EXCEPTION 'no membership table is registered for scope %', quote_literal(scope)
      USING ERRCODE = '55000',
            HINT = format('Call tenancy.register_membership(..., scope => %L) first.', scope);
  END IF;
  IF col IS NOT NULL AND scope_type IS NOT NULL AND scope_type IS DISTINCT FROM
     (SELECT a.atttypid FROM pg_attribute a WHERE a.attrelid = rel AND a.attname = col) THEN
    RAISE EXCEPTION 'column % of % does not hold the ids of scope %', quote_ident(col), rel,
                    quote_literal(scope)
      USING ERRCODE = '42804',
            DETAIL = format('The scope''s tenant ids are %s.', scope_type),
            HINT = 'Name the column that holds the scope''s tenant ids, or the scope it belongs to.';
  END IF;
END $$;

-- The foreign key that makes tbl's column through a way to a parent row:
-- a single-column key on that column to an isolated table (the first such by
-- name when there are several). Refuses, with what to do, a column without
-- one, a key to the table itself, and a parent that is not isolated.
CREATE FUNCTION tenancy.through_key_of(tbl regclass, through name,
                                       OUT parent regclass, OUT parent_key name)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  col_num smallint;
  fk record;
BEGIN
  col_num := (tenancy.existing_column(tbl, through,
    'Name the column whose foreign key leads to the parent: tenancy.enable_isolation(tbl, through => ...).')).col_num;
  SELECT k.confrelid::regclass AS parent, pa.attname AS parent_key,
         (tenancy.isolation_record_of(k.confrelid)).relid IS NOT NULL AS isolated
    INTO fk
    FROM pg_constraint k
    JOIN pg_attribute pa ON pa.attrelid = k.confrelid AND pa.attnum = k.confkey[1]
   WHERE k.conrelid = tbl AND k.contype = 'f' AND k.conkey = ARRAY[col_num]
   ORDER BY (tenancy.isolation_record_of(k.confrelid)).relid IS NULL, k.conname
   LIMIT 1;
  IF fk.parent IS NULL THEN
    RAISE EXCEPTION 'column % of % has no single-column foreign key', quote_ident(through), tbl
      USING ERRCODE = '42830',
            DETAIL = 'Isolation through a column follows its foreign key to the parent row.',
            HINT = 'Add the foreign key (ALTER TABLE ... ADD FOREIGN KEY), then call enable_isolation again.';
  END IF;
  IF fk.parent = tbl THEN
    RAISE EXCEPTION 'the foreign key on column % of % references the table itself', quote_ident(through), tbl
      USING ERRCODE = '22023',
            HINT = 'Isolate the table on its own tenant column instead.';
  END IF;
  IF NOT fk.isolated THEN
    RAISE EXCEPTION '%, which column % of % references, is not isolated', fk.parent, quote_ident(through), tbl
      USING ERRCODE = '55000',
            HINT = 'Isolate the parent first: tenancy.enable_isolation(parent, tenant_column => ...).';
  END IF;
  parent := fk.parent;
  parent_key := fk.parent_key;
END $$;

-- The condition a row of rel meets when it belongs to one of the caller's
-- workspaces, by rel's isolation record: its tenant column in
-- tenancy.user_workspaces() (of the recorded scope), or, for a table isolated through a parent, its
-- key among the keys of the parent rows that meet the parent's condition.
-- Columns are qualified by tenancy_parent_<depth> below the top level, so
-- no name in a subquery binds to a column of another table. The key list is
-- an uncorrelated subquery: computed once per statement and used as an
-- index condition, never stale. NULL when rel is not isolated.
CREATE FUNCTION tenancy.tenant_condition(rel regclass, depth int DEFAULT 0)
RETURNS text LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  rec tenancy.isolated_tables;
  col text;
  alias text := format('tenancy_parent_%s', depth + 1);
  parent_condition text;
BEGIN
  rec := tenancy.isolation_record_of(rel);
  IF rec.relid IS NULL THEN
    RETURN NULL;
  END IF;
  IF depth > 16 THEN
    RAISE EXCEPTION 'isolation through % goes more than 16 tables deep', rel USING ERRCODE = '54001';
  END IF;
  col := CASE WHEN depth = 0 THEN quote_ident(rec.tenant_column)
              ELSE format('%I.%I', format('tenancy_parent_%s', depth), rec.tenant_column) END;
  IF rec.policy_kind <> 'through' THEN
    RETURN format('(%s = ANY (%s))', col, tenancy.scope_tenants_call(rec.scope));
  END IF;
  parent_condition := tenancy.tenant_condition(rec.through_parent, depth + 1);
  IF parent_condition IS NULL THEN
    RETURN NULL;
  END IF;
  RETURN format('(%s = ANY (ARRAY(SELECT %I.%I FROM %s %I WHERE %s)))',
                col, alias, rec.through_key, rec.through_parent, alias, parent_condition);
END $$;

-- The planner hint of the through policies (src/isolation/through_hint_pg.cpp):
-- true; its support function gives the planner the index condition
-- key = ANY (parent_keys), or the query's own equality on key, which the
-- policy's EXISTS implies.
CREATE FUNCTION tenancy.through_keys_hint_support(internal) RETURNS internal
LANGUAGE c STRICT
AS 'MODULE_PATHNAME', 'through_keys_hint_support';

CREATE FUNCTION tenancy.through_keys_hint(key "any", parent_keys anyarray) RETURNS boolean
LANGUAGE c STABLE PARALLEL SAFE
SUPPORT tenancy.through_keys_hint_support
AS 'MODULE_PATHNAME', 'through_keys_hint';
COMMENT ON FUNCTION tenancy.through_keys_hint("any", anyarray) IS
  'true; in a policy of a table isolated through a key, tells the planner the rows it keeps have key = ANY (parent_keys)';

-- The conditions of the policies on rel (tbl or one of its partitions),
-- isolated through its column through, whose foreign key leads to
-- parent_key of parent: the row's parent exists and meets the parent's own
-- condition. row_condition, for WITH CHECK, is that EXISTS: per new row
-- one probe of the parent's key. scan_condition, for USING, is the hint and
-- that EXISTS: the hint lets the planner read only the visible parents'
-- rows through an index on the column, or only the row a point lookup
-- names (src/isolation/through_hint_pg.cpp); the EXISTS then probes per row
-- or, for many rows, hashes the visible keys once. The row's column is qualified with
-- rel's name inside the subquery, every parent column with
-- tenancy_parent_<depth>: no name binds to another table's column.
CREATE FUNCTION tenancy.through_condition(rel regclass, through name, parent regclass, parent_key name,
                                          OUT scan_condition text, OUT row_condition text)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  rel_name name := (SELECT c.relname FROM pg_class c WHERE c.oid = rel);
  parent_condition text := tenancy.tenant_condition(parent, 1);
BEGIN
  IF rel_name = 'tenancy_parent_1' THEN
    RAISE EXCEPTION 'a table named tenancy_parent_1 cannot be isolated through a key'
      USING ERRCODE = '42712',
            DETAIL = 'Its policies name the parent row tenancy_parent_1.',
            HINT = 'Rename the table, then call enable_isolation again.';
  END IF;
  row_condition := format('EXISTS (SELECT FROM %s tenancy_parent_1 WHERE tenancy_parent_1.%I = %I.%I AND %s)',
                          parent, parent_key, rel_name, through, parent_condition);
  scan_condition := format('(tenancy.through_keys_hint(%I, ARRAY(SELECT tenancy_parent_1.%I FROM %s tenancy_parent_1 WHERE %s)) AND %s)',
                           through, parent_key, parent, parent_condition, row_condition);
  row_condition := format('(%s)', row_condition);
END $$;

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
    col_num := tenancy.check_tenant_id_column(tbl, tenant_column, scope,
      'Name the tenant column: tenancy.enable_isolation(tbl, tenant_column => ...), or the column whose foreign key leads to an isolated parent: through => ....');
  END IF;
  PERFORM tenancy.check_isolation_scope(scope, tbl, CASE WHEN through IS NULL THEN tenant_column END);
  -- Serialises concurrent calls (ALTER TABLE and CREATE POLICY take this
  -- lock anyway); the statements below see what a concurrent call committed.
  EXECUTE format('LOCK TABLE %s IN ACCESS EXCLUSIVE MODE', tbl);

  SELECT * INTO member FROM tenancy.membership_columns(tbl);
  kind := CASE WHEN member.user_column IS NOT NULL THEN 'membership'
               WHEN through IS NOT NULL THEN 'through' ELSE 'tenant' END;
  IF cardinality(tenancy.membership_table_scopes(tbl)) > 0 THEN
    RAISE EXCEPTION '% is the registered membership table of scope %', tbl,
                    array_to_string(tenancy.membership_table_scopes(tbl), ', ')
      USING ERRCODE = '55000',
            DETAIL = 'Only the scope ''workspace'' gives its membership table the policies where managers write.',
            HINT = 'Leave it without tenancy isolation, or register it as the scope ''workspace''.';
  END IF;
  IF kind = 'membership' AND scope <> 'workspace' THEN
    RAISE EXCEPTION '% is the registered membership table of the scope ''workspace''', tbl
      USING ERRCODE = '22023', HINT = 'Leave scope out.';
  END IF;
  IF member.user_column IS NOT NULL AND through IS NOT NULL THEN
    RAISE EXCEPTION '% is the registered membership table, isolated on its own tenant column', tbl
      USING ERRCODE = '22023', HINT = 'Call tenancy.enable_isolation() without through.';
  END IF;
  IF kind = 'membership' AND member.role_column IS NULL THEN
    RAISE EXCEPTION '% is the registered membership table, registered without a role column', tbl
      USING ERRCODE = '55000',
            DETAIL = 'Its policies let only members whose role is one of the registration''s manager_roles write memberships.',
            HINT = 'Call tenancy.register_membership() again with role_column, then enable_isolation.';
  END IF;
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
      SELECT * FROM tenancy.isolation_policies(tenant_column, member.user_column, table_scope) WHERE kind <> 'through'
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
