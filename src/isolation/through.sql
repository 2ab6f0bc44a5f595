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
-- tenancy.user_workspaces() (of the recorded scope), or, for a table
-- isolated through a parent, the check that its parent row meets the
-- parent's condition (tenancy.through_check). Columns are qualified by
-- tenancy_parent_<depth> below the top level, so no name in a subquery
-- binds to a column of another table. NULL when rel is not isolated.
CREATE FUNCTION tenancy.tenant_condition(rel regclass, depth int DEFAULT 0)
RETURNS text LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  rec tenancy.isolated_tables;
  col text;
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
  RETURN (tenancy.through_check(col, depth + 1, rec.through_parent, rec.through_key, parent_condition)).checked;
END $$;

-- The check of the through policies (src/isolation/through_check_pg.cpp):
-- worth parent_visible; its support function lets an index on key answer
-- it by key = ANY (parent_keys), which tenancy writes to mean the same.
CREATE FUNCTION tenancy.through_keys_check_support(internal) RETURNS internal
LANGUAGE c STRICT
AS 'MODULE_PATHNAME', 'through_keys_check_support';

CREATE FUNCTION tenancy.through_keys_check(key "any", parent_keys anyarray, parent_visible boolean)
RETURNS boolean
LANGUAGE c STABLE PARALLEL SAFE
SUPPORT tenancy.through_keys_check_support
AS 'MODULE_PATHNAME', 'through_keys_check';
COMMENT ON FUNCTION tenancy.through_keys_check("any", anyarray, boolean) IS
  'parent_visible; in a policy of a table isolated through a key, where key = ANY (parent_keys) means the same, an index on key may answer it by that condition';

-- Whether col (an expression naming a row's through column) leads to a
-- parent row that meets parent_condition, the parent being read as
-- tenancy_parent_<depth>: exists_condition, the EXISTS (one probe of the
-- parent's key per row); checked, the same question as
-- tenancy.through_keys_check(col, <the keys of the parent rows that meet
-- it>, <that EXISTS>), which an index on col answers with the key list
-- (an InitPlan, once per statement) and anything else with the EXISTS.
-- Both forms come from the one parent_condition: that is what makes the
-- check exact.
CREATE FUNCTION tenancy.through_check(col text, depth int, parent regclass, parent_key name,
                                      parent_condition text,
                                      OUT checked text, OUT exists_condition text)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT format('tenancy.through_keys_check(%s, ARRAY(SELECT %I.%I FROM %s %I WHERE %s), %s)',
                col, alias, parent_key, parent, alias, parent_condition, e.exists_condition),
         e.exists_condition
    FROM (SELECT format('tenancy_parent_%s', depth) AS alias) a,
         LATERAL (SELECT format('EXISTS (SELECT FROM %s %I WHERE %I.%I = %s AND %s)',
                                parent, a.alias, a.alias, parent_key, col, parent_condition)
                           AS exists_condition) e
$$;

-- The conditions of the policies on rel (tbl or one of its partitions),
-- isolated through its column through, whose foreign key leads to
-- parent_key of parent: the row's parent exists and meets the parent's own
-- condition. row_condition, for WITH CHECK, is the EXISTS: per new row one
-- probe of the parent's key (WITH CHECK reads no index of rel). scan_condition,
-- for USING, is the check (tenancy.through_check): a scan reads only the
-- visible parents' rows through an index on the column, a point lookup
-- probes its row's parent. The row's column is qualified with rel's name,
-- every parent column with tenancy_parent_<depth>: no name binds to
-- another table's column.
CREATE FUNCTION tenancy.through_condition(rel regclass, through name, parent regclass, parent_key name,
                                          OUT scan_condition text, OUT row_condition text)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  rel_name name := (SELECT c.relname FROM pg_class c WHERE c.oid = rel);
BEGIN
  IF rel_name = 'tenancy_parent_1' THEN
    RAISE EXCEPTION 'a table named tenancy_parent_1 cannot be isolated through a key'
      USING ERRCODE = '42712',
            DETAIL = 'Its policies name the parent row tenancy_parent_1.',
            HINT = 'Rename the table, then call enable_isolation again.';
  END IF;
  SELECT format('(%s)', c.checked), format('(%s)', c.exists_condition)
    INTO scan_condition, row_condition
    FROM tenancy.through_check(format('%I.%I', rel_name, through), 1, parent, parent_key,
                               tenancy.tenant_condition(parent, 1)) c;
END $$;
