-- core.sql: what every capability stands on.

COMMENT ON SCHEMA tenancy IS 'tenancy: multi-tenant SaaS toolkit';

CREATE FUNCTION tenancy.version() RETURNS text
LANGUAGE c STABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'version';
COMMENT ON FUNCTION tenancy.version() IS 'The version of the loaded tenancy library';

-- Checks that tbl is an ordinary or partitioned table the caller owns (or
-- whose owning role the caller belongs to), raising a clear error otherwise;
-- kind_detail and kind_hint say, for the calling capability, why other kinds
-- are refused. Shared by isolation and audit.
CREATE FUNCTION tenancy.check_owned_table(tbl regclass, kind_detail text, kind_hint text DEFAULT NULL)
RETURNS void LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  kind "char";
  owner oid;
BEGIN
  IF tbl IS NULL THEN
    RAISE EXCEPTION 'table must not be NULL' USING ERRCODE = '22004';
  END IF;
  SELECT c.relkind, c.relowner INTO kind, owner FROM pg_class c WHERE c.oid = tbl;
  IF kind IS NULL THEN
    RAISE EXCEPTION 'relation with OID % does not exist', tbl::oid USING ERRCODE = '42P01';
  END IF;
  IF kind NOT IN ('r', 'p') AND kind_hint IS NULL THEN
    RAISE EXCEPTION '% is not a table', tbl USING ERRCODE = '42809', DETAIL = kind_detail;
  ELSIF kind NOT IN ('r', 'p') THEN
    RAISE EXCEPTION '% is not a table', tbl
      USING ERRCODE = '42809', DETAIL = kind_detail, HINT = kind_hint;
  END IF;
  IF NOT pg_has_role(owner, 'USAGE') THEN
    RAISE EXCEPTION 'must be owner of table %', tbl USING ERRCODE = '42501';
  END IF;
END $$;

-- The attnum and type of tbl's column col, raising 42703 when tbl has no
-- such column (with missing_hint, if given), or, when writable, when the
-- column is generated (the message then says so). Shared by every call
-- that names a column (check_uuid_column, through_key_of,
-- enable_soft_delete, create_tenant's attributes).
CREATE FUNCTION tenancy.existing_column(tbl regclass, col name, missing_hint text DEFAULT NULL,
                                        writable boolean DEFAULT false,
                                        OUT col_num smallint, OUT col_type regtype)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  message text := format('column %s of %s does not exist%s', quote_ident(col), tbl,
                         CASE WHEN writable THEN ' or is generated' ELSE '' END);
BEGIN
  SELECT a.attnum, a.atttypid::regtype INTO col_num, col_type
    FROM pg_attribute a
   WHERE a.attrelid = tbl AND a.attname = col AND a.attnum > 0 AND NOT a.attisdropped
     AND (NOT writable OR a.attgenerated = '');
  IF col_num IS NULL AND missing_hint IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = '42703', MESSAGE = message;
  ELSIF col_num IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = '42703', MESSAGE = message, HINT = missing_hint;
  END IF;
END $$;

-- The attnum of tbl's uuid column col (a tenant column), raising a clear
-- error when it is missing (with missing_hint, if given) or not a uuid.
-- Shared by isolation and audit.
CREATE FUNCTION tenancy.check_uuid_column(tbl regclass, col name, missing_hint text DEFAULT NULL)
RETURNS smallint LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  col_num smallint;
  col_type regtype;
BEGIN
  SELECT c.col_num, c.col_type INTO col_num, col_type FROM tenancy.existing_column(tbl, col, missing_hint) c;
  IF col_type <> 'uuid'::regtype THEN
    RAISE EXCEPTION 'column % of % is of type %, not uuid', quote_ident(col), tbl, col_type
      USING ERRCODE = '42804';
  END IF;
  RETURN col_num;
END $$;
