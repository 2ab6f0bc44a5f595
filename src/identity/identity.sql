-- identity.sql: who is asking (SPEC part 1).

CREATE FUNCTION tenancy.current_user_id() RETURNS uuid
LANGUAGE c STABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'current_user_id';
COMMENT ON FUNCTION tenancy.current_user_id() IS
  'The caller''s user id: claim tenancy.user_claim (default sub) of the JSON claims in setting tenancy.claims_setting (default request.jwt.claims), else request.jwt.claim.sub; NULL when unset';

CREATE FUNCTION tenancy.current_user_id_text() RETURNS text
LANGUAGE c STABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'current_user_id_text';
COMMENT ON FUNCTION tenancy.current_user_id_text() IS
  'The caller''s user id as any string (Clerk''s user_2abc..., Auth0''s auth0|123): the same claim as current_user_id(), a JSON string of 1 to 255 ASCII characters; NULL when unset';

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

-- Whether objects owned by role may stand in schema auth next to the
-- wrappers: the extension's owner, superusers, and the caller itself (a
-- role granted install_auth_compat, calling again over what it made). The
-- owner of a schema can drop and replace what is in it; the owner of a
-- function decides what it returns. Exact roles, not membership: a
-- superuser is a member of every role.
CREATE FUNCTION tenancy.auth_owner_is_trusted(role oid) RETURNS boolean
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
RETURN role = (SELECT e.extowner FROM pg_extension e WHERE e.extname = 'tenancy')
       OR role = (SELECT r.oid FROM pg_roles r WHERE r.rolname = current_user)
       OR coalesce((SELECT r.rolsuper FROM pg_roles r WHERE r.oid = role), false);

-- Supabase-style wrappers. SQL functions, so the planner inlines them and a
-- policy written with auth.uid() costs what tenancy.current_user_id() costs.
-- An existing schema auth, or an existing auth.uid, auth.jwt or auth.role
-- (any arguments), owned by another role is refused: a role with CREATE on
-- the database could otherwise squat them before the DBA installs.
CREATE FUNCTION tenancy.install_auth_compat() RETURNS SETOF text
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  squatted text;
  squatter regrole;
BEGIN
  SELECT 'schema auth', n.nspowner INTO squatted, squatter
    FROM pg_namespace n
   WHERE n.nspname = 'auth' AND NOT tenancy.auth_owner_is_trusted(n.nspowner);
  IF squatted IS NULL THEN
    SELECT format('function %s', p.oid::regprocedure), p.proowner INTO squatted, squatter
      FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
     WHERE n.nspname = 'auth' AND p.proname IN ('uid', 'jwt', 'role')
       AND NOT tenancy.auth_owner_is_trusted(p.proowner)
     ORDER BY p.oid::regprocedure::text LIMIT 1;
  END IF;
  IF squatted IS NOT NULL THEN
    RAISE EXCEPTION '% is owned by role %, not by the extension''s owner, a superuser or the caller',
                    squatted, squatter
      USING ERRCODE = '42501',
            DETAIL = 'Its owner decides what auth.uid(), auth.jwt() and auth.role() return.',
            HINT = 'Check what schema auth holds, drop it or change its owner, then call '
                   'tenancy.install_auth_compat() again.';
  END IF;
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
  'Creates auth.uid(), auth.jwt(), auth.role() (and schema auth) over tenancy''s cached claims; never replaces an existing function; refuses a schema auth or functions there owned by another role than the extension''s owner, a superuser or the caller; returns what it created';
