-- identity.sql: who is asking (SPEC part 1).

CREATE FUNCTION tenancy.current_user_id() RETURNS uuid
LANGUAGE c STABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'current_user_id';
COMMENT ON FUNCTION tenancy.current_user_id() IS
  'The caller''s user id: claim tenancy.user_claim (default sub) of the JSON claims in setting tenancy.claims_setting (default request.jwt.claims), else request.jwt.claim.sub; NULL when unset';

CREATE FUNCTION tenancy.current_claims() RETURNS jsonb
LANGUAGE c STABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'current_claims';
COMMENT ON FUNCTION tenancy.current_claims() IS
  'The caller''s whole claims object, or NULL';

CREATE FUNCTION tenancy.current_claim(name text) RETURNS text
LANGUAGE c STABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'current_claim';
COMMENT ON FUNCTION tenancy.current_claim(text) IS
  'One top-level claim as text (as ->> gives it), or NULL';

-- Supabase-style wrappers. SQL functions, so the planner inlines them and a
-- policy written with auth.uid() costs what tenancy.current_user_id() costs.
CREATE FUNCTION tenancy.install_auth_compat() RETURNS SETOF text
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF to_regnamespace('auth') IS NULL THEN
    CREATE SCHEMA auth;
    GRANT USAGE ON SCHEMA auth TO PUBLIC;
    RETURN NEXT 'schema auth';
  END IF;
  IF to_regprocedure('auth.uid()') IS NULL THEN
    CREATE FUNCTION auth.uid() RETURNS uuid
      LANGUAGE sql STABLE PARALLEL SAFE
      AS 'SELECT tenancy.current_user_id()';
    RETURN NEXT 'function auth.uid()';
  END IF;
  IF to_regprocedure('auth.jwt()') IS NULL THEN
    CREATE FUNCTION auth.jwt() RETURNS jsonb
      LANGUAGE sql STABLE PARALLEL SAFE
      AS 'SELECT tenancy.current_claims()';
    RETURN NEXT 'function auth.jwt()';
  END IF;
  IF to_regprocedure('auth.role()') IS NULL THEN
    CREATE FUNCTION auth.role() RETURNS text
      LANGUAGE sql STABLE PARALLEL SAFE
      AS 'SELECT tenancy.current_claim(''role'')';
    RETURN NEXT 'function auth.role()';
  END IF;
END
$$;
COMMENT ON FUNCTION tenancy.install_auth_compat() IS
  'Creates auth.uid(), auth.jwt(), auth.role() (and schema auth) over tenancy''s cached claims; never replaces an existing function; returns what it created';
