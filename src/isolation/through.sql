-- through.sql: isolation through a foreign key (a table with no tenant
-- column follows its parent row's tenancy; docs/isolation.md).

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
