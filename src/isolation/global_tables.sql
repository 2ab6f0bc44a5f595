-- global_tables.sql: tables shared by every tenant on purpose (reference
-- data: countries, plans, price categories). isolation_report lists a table
-- with no tenant column and no foreign key to a tenant table as "global",
-- a problem until its owner says so here, with the reason.

CREATE TABLE tenancy.global_tables (
  relid regclass PRIMARY KEY,
  reason text NOT NULL CHECK (reason <> '')
);
COMMENT ON TABLE tenancy.global_tables IS
  'Tables marked shared by every tenant on purpose (tenancy.mark_global), read by isolation_report (kept by pg_dump)';
SELECT pg_catalog.pg_extension_config_dump('tenancy.global_tables', '');

-- As tenancy.isolated_tables: readable by all, written by the owner of the
-- table a row names (the DBA grants INSERT, UPDATE, DELETE to owners).
ALTER TABLE tenancy.global_tables ENABLE ROW LEVEL SECURITY;
CREATE POLICY readable ON tenancy.global_tables FOR SELECT USING (true);
CREATE POLICY owner_writes ON tenancy.global_tables
  USING (tenancy.caller_owns_relation(relid)) WITH CHECK (tenancy.caller_owns_relation(relid));


-- Marks tbl as shared by every tenant on purpose, or changes the reason.
-- Refused for a table with a configured tenant column (isolate it) or one
-- already isolated.
CREATE FUNCTION tenancy.mark_global(tbl regclass, reason text)
RETURNS void LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  tenant_column name;
BEGIN
  PERFORM tenancy.check_owned_table(tbl,
    'Only tables are marked global; views are reported by what they read.');
  IF reason IS NULL OR reason = '' THEN
    RAISE EXCEPTION 'reason must not be NULL or empty' USING ERRCODE = '22004',
      HINT = 'Say why every tenant may read the table, e.g. ''country codes''.';
  END IF;
  SELECT a.attname INTO tenant_column FROM pg_attribute a
   WHERE a.attrelid = tbl AND a.attnum > 0 AND NOT a.attisdropped
     AND a.attname = ANY (tenancy.tenant_column_names())
   ORDER BY a.attnum LIMIT 1;
  IF tenant_column IS NOT NULL
     OR EXISTS (SELECT 1 FROM tenancy.isolated_tables i WHERE i.relid = tbl) THEN
    RAISE EXCEPTION '% holds tenant rows', tbl USING ERRCODE = '55000',
      DETAIL = CASE WHEN tenant_column IS NULL THEN 'It is isolated by tenancy.enable_isolation().'
                    ELSE format('It has the tenant column %s.', quote_ident(tenant_column)) END,
      HINT = 'Tables holding tenant rows are isolated with tenancy.enable_isolation(), not marked global.';
  END IF;
  INSERT INTO tenancy.global_tables AS g (relid, reason) VALUES (tbl, reason)
  ON CONFLICT (relid) DO UPDATE SET reason = excluded.reason;
END $$;
COMMENT ON FUNCTION tenancy.mark_global(regclass, text) IS
  'Marks a table as shared by every tenant on purpose (isolation_report stops listing it as a problem)';

CREATE FUNCTION tenancy.unmark_global(tbl regclass)
RETURNS boolean LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  PERFORM tenancy.check_owned_table(tbl,
    'Only tables are marked global; views are reported by what they read.');
  DELETE FROM tenancy.global_tables g WHERE g.relid = tbl;
  RETURN FOUND;
END $$;
COMMENT ON FUNCTION tenancy.unmark_global(regclass) IS
  'Removes the mark tenancy.mark_global set; returns whether there was one';
