-- soft_delete.sql: enable_soft_delete, disable_soft_delete and the purge
-- of soft-deleted rows (issue 12 item 4, docs/soft-delete.md).
--
-- On an isolated table, a DELETE by application roles becomes setting the
-- deleted column (the BEFORE DELETE trigger of src/isolation/soft_delete_pg.cpp),
-- three restrictive policies hide soft-deleted rows from every role but the
-- restorers who ask to see them (tenancy.show_deleted), and maintenance
-- removes them for good after purge_after.

CREATE FUNCTION tenancy.soft_delete_trigger() RETURNS trigger
LANGUAGE c AS 'MODULE_PATHNAME', 'soft_delete_trigger';
COMMENT ON FUNCTION tenancy.soft_delete_trigger() IS
  'BEFORE DELETE row trigger of soft-deleted tables: sets the deleted column instead, as the table''s owner';

-- Read by the soft-delete policies, as any role.
CREATE FUNCTION tenancy.showing_deleted() RETURNS boolean
LANGUAGE c STABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'showing_deleted';
COMMENT ON FUNCTION tenancy.showing_deleted() IS
  'The value of tenancy.show_deleted: restorers see soft-deleted rows while it is on';

CREATE TABLE tenancy.soft_delete_tables (
  relid regclass PRIMARY KEY,
  deleted_column name NOT NULL,
  restore_roles text[] NOT NULL,
  purge_after interval   -- NULL: soft-deleted rows are kept until removed by hand
);
COMMENT ON TABLE tenancy.soft_delete_tables IS
  'What tenancy.enable_soft_delete() set up on each table, for disable_soft_delete and maintenance (kept by pg_dump)';
SELECT pg_catalog.pg_extension_config_dump('tenancy.soft_delete_tables', '');

-- Delegated as tenancy.isolated_tables is: readable by all, written by
-- enable/disable_soft_delete as their caller, limited to the tables it owns.
ALTER TABLE tenancy.soft_delete_tables ENABLE ROW LEVEL SECURITY;
CREATE POLICY readable ON tenancy.soft_delete_tables FOR SELECT USING (true);
CREATE POLICY owner_writes ON tenancy.soft_delete_tables
  USING (tenancy.caller_owns_relation(relid)) WITH CHECK (tenancy.caller_owns_relation(relid));


-- The three restrictive policies, as (name, command, clauses). Rows whose
-- column is set are read and updated (restored) only by a member with one
-- of restore_roles in the row's workspace, while tenancy.show_deleted is on;
-- only such a member writes a row with the column set (others would
-- backdate it, and purge would remove it early): others delete with DELETE,
-- whose trigger sets now(). No role under row level security deletes them
-- (only purge, as the owner).
CREATE FUNCTION tenancy.soft_delete_policies(tenant_column name, deleted_column name,
                                             restore_roles text[],
                                             OUT name text, OUT command text, OUT clauses text)
RETURNS SETOF record LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
  WITH p AS (
    SELECT format('(%I IS NULL OR (tenancy.showing_deleted() AND tenancy.user_has_workspace_role(%I, VARIADIC %L::text[])))',
                  deleted_column, tenant_column, restore_roles) AS visible
  )
  SELECT v.* FROM p, LATERAL (VALUES
    ('tenancy_soft_delete_select', 'SELECT', format('USING %s', p.visible)),
    ('tenancy_soft_delete_update', 'UPDATE', format('USING %s WITH CHECK %s', p.visible, p.visible)),
    ('tenancy_soft_delete_delete', 'DELETE', format('USING (%I IS NULL)', deleted_column)))
    AS v(name, command, clauses)
$$;

-- Checks enable_soft_delete's arguments; returns tbl's tenant column.
CREATE FUNCTION tenancy._soft_delete_check(tbl regclass, deleted_column name, restore_roles text[],
                                           purge_after interval)
RETURNS name LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  col_type regtype;
  recorded tenancy.isolated_tables;
BEGIN
  PERFORM tenancy.check_owned_table(tbl,
    'Soft delete applies to ordinary and partitioned tables only.',
    'Enable it on the table the view reads.');
  IF deleted_column IS NULL OR restore_roles IS NULL THEN
    RAISE EXCEPTION 'deleted_column and restore_roles must not be NULL' USING ERRCODE = '22004';
  END IF;
  IF cardinality(restore_roles) = 0 OR array_position(restore_roles, NULL) IS NOT NULL THEN
    RAISE EXCEPTION 'restore_roles must name at least one role and no NULL'
      USING ERRCODE = '22023',
            HINT = 'Name the membership roles that may see and restore deleted rows, e.g. ''{owner,admin}''.';
  END IF;
  IF purge_after <= interval '0' THEN
    RAISE EXCEPTION 'purge_after must be a positive interval' USING ERRCODE = '22023',
      HINT = 'Soft-deleted rows are removed that long after their deletion, e.g. ''30 days''; NULL keeps them.';
  END IF;
  IF (SELECT c.relispartition FROM pg_class c WHERE c.oid = tbl) THEN
    RAISE EXCEPTION '% is a partition', tbl USING ERRCODE = '42809',
      HINT = 'Enable soft delete on the partitioned table: its partitions follow.';
  END IF;
  col_type := (tenancy.existing_column(tbl, deleted_column,
    'Add it first: ALTER TABLE ... ADD COLUMN deleted_at timestamptz.')).col_type;
  IF col_type NOT IN ('timestamptz'::regtype, 'timestamp'::regtype) THEN
    RAISE EXCEPTION 'column % of % is of type %, not timestamptz', quote_ident(deleted_column), tbl, col_type
      USING ERRCODE = '42804', HINT = 'The deleted column holds when the row was deleted: timestamptz.';
  END IF;
  recorded := tenancy.isolation_record_of(tbl);
  IF recorded.relid IS DISTINCT FROM tbl OR recorded.policy_kind <> 'tenant' THEN
    RAISE EXCEPTION '% is not isolated by tenancy as a tenant table', tbl
      USING ERRCODE = '55000',
            DETAIL = 'Soft-deleted rows are hidden from every role but the workspace''s restorers.',
            HINT = 'Run tenancy.enable_isolation() on it first.';
  END IF;
  RETURN recorded.tenant_column;
END $$;

CREATE FUNCTION tenancy.enable_soft_delete(
  tbl regclass,
  deleted_column name DEFAULT 'deleted_at',
  restore_roles text[] DEFAULT '{owner,admin}',
  purge_after interval DEFAULT NULL)
RETURNS SETOF text LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  tenant_column name;
  recorded tenancy.soft_delete_tables;
  rel regclass;
  pol record;
  idx record;
  stmt text;
BEGIN
  tenant_column := tenancy._soft_delete_check(tbl, deleted_column, restore_roles, purge_after);
  EXECUTE format('LOCK TABLE %s IN ACCESS EXCLUSIVE MODE', tbl);
  SELECT * INTO recorded FROM tenancy.soft_delete_tables s WHERE s.relid = tbl;
  IF recorded.deleted_column <> deleted_column THEN
    RAISE EXCEPTION '% already soft-deletes with column %', tbl, quote_ident(recorded.deleted_column)
      USING ERRCODE = '55000', HINT = 'Run tenancy.disable_soft_delete() first to change the column.';
  END IF;

  FOR rel IN SELECT t.relid FROM tenancy.relation_tree(tbl) t ORDER BY t.level, t.relid::text LOOP
    FOR pol IN SELECT * FROM tenancy.soft_delete_policies(tenant_column, deleted_column, restore_roles) LOOP
      IF NOT EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = rel AND p.polname = pol.name) THEN
        stmt := format('CREATE POLICY %I ON %s AS RESTRICTIVE FOR %s %s', pol.name, rel, pol.command, pol.clauses);
      ELSIF recorded.restore_roles IS DISTINCT FROM restore_roles AND pol.command <> 'DELETE' THEN
        stmt := format('ALTER POLICY %I ON %s %s', pol.name, rel, pol.clauses);
      ELSE
        CONTINUE;
      END IF;
      EXECUTE stmt;
      RETURN NEXT stmt;
    END LOOP;
  END LOOP;
  IF NOT EXISTS (SELECT 1 FROM pg_trigger g WHERE g.tgrelid = tbl AND g.tgname = 'tenancy_soft_delete') THEN
    stmt := format('CREATE TRIGGER tenancy_soft_delete BEFORE DELETE ON %s FOR EACH ROW '
                   'EXECUTE FUNCTION tenancy.soft_delete_trigger(%L)', tbl, deleted_column);
    EXECUTE stmt;
    RETURN NEXT stmt;
  END IF;
  INSERT INTO tenancy.soft_delete_tables AS s VALUES (tbl, deleted_column, restore_roles, purge_after)
  ON CONFLICT (relid) DO UPDATE SET restore_roles = excluded.restore_roles, purge_after = excluded.purge_after;

  -- Unique indexes that count soft-deleted rows are reported, not rebuilt:
  -- a rebuild locks the table for its whole build, and foreign keys may
  -- depend on the constraint.
  FOR idx IN
    SELECT i.indexrelid::regclass AS name,
           (SELECT string_agg(pg_get_indexdef(i.indexrelid, k, true), ', ' ORDER BY k)
              FROM generate_series(1, i.indnkeyatts) k) AS keys
      FROM pg_index i
     WHERE i.indrelid = tbl AND i.indisunique AND NOT i.indisprimary AND i.indpred IS NULL
     ORDER BY i.indexrelid::regclass::text
  LOOP
    RAISE WARNING 'unique index % counts soft-deleted rows', idx.name
      USING DETAIL = 'A deleted row still takes its key: the key cannot be used again until the row is purged.',
            HINT = format('Replace it: CREATE UNIQUE INDEX CONCURRENTLY ON %s (%s) WHERE %I IS NULL; then drop %s.',
                          tbl, idx.keys, deleted_column, idx.name);
  END LOOP;
END $$;
COMMENT ON FUNCTION tenancy.enable_soft_delete(regclass, name, text[], interval) IS
  'Turns DELETE on an isolated table into setting the deleted column; deleted rows are hidden, restorable and purged';

CREATE FUNCTION tenancy.disable_soft_delete(tbl regclass)
RETURNS SETOF text LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  part regclass;
  pol name;
  stmt text;
BEGIN
  PERFORM tenancy.check_owned_table(tbl,
    'Soft delete applies to ordinary and partitioned tables only.',
    'Enable it on the table the view reads.');
  EXECUTE format('LOCK TABLE %s IN ACCESS EXCLUSIVE MODE', tbl);
  IF EXISTS (SELECT 1 FROM pg_trigger g WHERE g.tgrelid = tbl AND g.tgname = 'tenancy_soft_delete') THEN
    stmt := format('DROP TRIGGER tenancy_soft_delete ON %s', tbl);
    EXECUTE stmt;
    RETURN NEXT stmt;
  END IF;
  FOR part IN SELECT t.relid FROM tenancy.relation_tree(tbl) t ORDER BY t.level, t.relid::text LOOP
    FOR pol IN
      SELECT p.polname FROM pg_policy p
       WHERE p.polrelid = part
         AND p.polname IN ('tenancy_soft_delete_select', 'tenancy_soft_delete_update', 'tenancy_soft_delete_delete')
       ORDER BY p.polname
    LOOP
      stmt := format('DROP POLICY %I ON %s', pol, part);
      EXECUTE stmt;
      RETURN NEXT stmt;
    END LOOP;
  END LOOP;
  DELETE FROM tenancy.soft_delete_tables s WHERE s.relid = tbl;
END $$;
COMMENT ON FUNCTION tenancy.disable_soft_delete(regclass) IS
  'Removes the soft-delete trigger and policies; soft-deleted rows keep their deleted column and become visible';

-- The ordinary tables purge_soft_deleted works on, for tbl (or every
-- soft-deleted table with purge_after) whose owner the caller has the
-- privileges of: each table, or each leaf partition, with its column and age.
CREATE FUNCTION tenancy._soft_delete_purge_targets(tbl regclass,
                                                   OUT leaves regclass[], OUT columns name[], OUT ages interval[])
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT coalesce(array_agg(t.relid ORDER BY t.relid::text), '{}'),
         coalesce(array_agg(s.deleted_column ORDER BY t.relid::text), '{}'),
         coalesce(array_agg(s.purge_after ORDER BY t.relid::text), '{}')
    FROM tenancy.soft_delete_tables s
    CROSS JOIN LATERAL tenancy.relation_tree(s.relid) t
    JOIN pg_class c ON c.oid = t.relid
   WHERE s.purge_after IS NOT NULL AND (tbl IS NULL OR s.relid = tbl)
     AND c.relkind = 'r' AND pg_has_role(c.relowner, 'USAGE')
$$;

-- Removes soft-deleted rows older than each table's purge_after with
-- tenancy.purge (committed batches, as the owner). run_maintenance calls it.
--
-- It COMMITs (through purge), so it cannot pin search_path: its body
-- resolves nothing on the caller's path (every function schema-qualified,
-- no operator, types qualified).
CREATE PROCEDURE tenancy.purge_soft_deleted(tbl regclass DEFAULT NULL)
LANGUAGE plpgsql AS $$
DECLARE
    leaves pg_catalog.regclass[];
    columns pg_catalog.name[];
    ages pg_catalog.interval[];
    i pg_catalog.int4;
BEGIN
    SELECT t.leaves, t.columns, t.ages INTO leaves, columns, ages
      FROM tenancy._soft_delete_purge_targets(tbl) t;
    FOR i IN 1 .. pg_catalog.cardinality(leaves) LOOP
        CALL tenancy.purge(leaves[i], columns[i], ages[i]);
    END LOOP;
END
$$;
COMMENT ON PROCEDURE tenancy.purge_soft_deleted(regclass) IS
  'Removes soft-deleted rows older than their table''s purge_after, in committed batches';
