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
  IF kind NOT IN ('r', 'p') THEN
    RAISE EXCEPTION '% is not a table', tbl
      USING ERRCODE = '42809', DETAIL = coalesce(kind_detail, ''), HINT = coalesce(kind_hint, '');
  END IF;
  IF NOT pg_has_role(owner, 'USAGE') THEN
    RAISE EXCEPTION 'must be owner of table %', tbl USING ERRCODE = '42501';
  END IF;
END $$;
