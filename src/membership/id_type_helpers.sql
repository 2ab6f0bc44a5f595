-- id_type_helpers.sql: the access helpers for scopes whose tenant ids are
-- text or bigint (docs/access.md, "Id types"). A scope's ids are its
-- registered columns' types: uuid, text (or varchar), bigint (or integer).
-- Every helper has a bigint and a text form beside the uuid one; a text
-- argument is read as the scope's id in its text form (a literal resolves
-- to it, so `helper('...')` answers in every scope), a bigint one must match
-- the scope (42804 names its type). SQL cannot overload on the result
-- type: the array forms have their own names, user_workspaces_text() and
-- user_workspaces_bigint(). Planner support as for the uuid forms.

-- bigint tenant ids
CREATE FUNCTION tenancy.user_has_workspace_access(workspace_id bigint) RETURNS boolean
LANGUAGE c STABLE PARALLEL SAFE
SUPPORT tenancy.user_has_workspace_access_support
AS 'MODULE_PATHNAME', 'user_has_workspace_access_bigint';
COMMENT ON FUNCTION tenancy.user_has_workspace_access(bigint) IS
  'true iff the current user has an active membership in the tenant (bigint id); false for NULL or no user';

CREATE FUNCTION tenancy.user_has_workspace_access(workspace_id bigint, scope text) RETURNS boolean
LANGUAGE c STABLE PARALLEL SAFE
SUPPORT tenancy.user_has_workspace_access_support
AS 'MODULE_PATHNAME', 'user_has_scope_access_bigint';
COMMENT ON FUNCTION tenancy.user_has_workspace_access(bigint, text) IS
  'true iff the current user has an active membership in the tenant (bigint id) of the scope';

CREATE FUNCTION tenancy.user_workspaces_bigint() RETURNS bigint[]
LANGUAGE c STABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'user_workspaces_bigint';
COMMENT ON FUNCTION tenancy.user_workspaces_bigint() IS
  'The current user''s active tenants of the default scope, whose ids are bigint; sorted';

CREATE FUNCTION tenancy.user_workspaces_bigint(scope text) RETURNS bigint[]
LANGUAGE c STABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'user_scope_tenants_bigint';
COMMENT ON FUNCTION tenancy.user_workspaces_bigint(text) IS
  'The current user''s active tenants of the scope, whose ids are bigint; sorted';

CREATE FUNCTION tenancy.user_workspace_role(workspace_id bigint) RETURNS text
LANGUAGE c STABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'user_workspace_role_bigint';
COMMENT ON FUNCTION tenancy.user_workspace_role(bigint) IS
  'The current user''s role in the tenant (bigint id), the least one if several, or NULL';

CREATE FUNCTION tenancy.user_workspace_role(workspace_id bigint, scope text) RETURNS text
LANGUAGE c STABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'user_scope_role_bigint';
COMMENT ON FUNCTION tenancy.user_workspace_role(bigint, text) IS
  'The current user''s role in the tenant (bigint id) of the scope, or NULL';

CREATE FUNCTION tenancy.user_has_workspace_role(workspace_id bigint, VARIADIC roles text[]) RETURNS boolean
LANGUAGE c STABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'user_has_workspace_role_bigint';
COMMENT ON FUNCTION tenancy.user_has_workspace_role(bigint, text[]) IS
  'true iff the current user has an active membership in the tenant (bigint id) with one of the roles';

CREATE FUNCTION tenancy.user_has_scope_role(scope text, tenant_id bigint, VARIADIC roles text[]) RETURNS boolean
LANGUAGE c STABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'user_has_scope_role_bigint';
COMMENT ON FUNCTION tenancy.user_has_scope_role(text, bigint, text[]) IS
  'true iff the current user has an active membership in the tenant (bigint id) of the scope with one of the roles';

-- text tenant ids
CREATE FUNCTION tenancy.user_has_workspace_access(workspace_id text) RETURNS boolean
LANGUAGE c STABLE PARALLEL SAFE
SUPPORT tenancy.user_has_workspace_access_support
AS 'MODULE_PATHNAME', 'user_has_workspace_access_text';
COMMENT ON FUNCTION tenancy.user_has_workspace_access(text) IS
  'true iff the current user has an active membership in the tenant (text id); false for NULL or no user';

CREATE FUNCTION tenancy.user_has_workspace_access(workspace_id text, scope text) RETURNS boolean
LANGUAGE c STABLE PARALLEL SAFE
SUPPORT tenancy.user_has_workspace_access_support
AS 'MODULE_PATHNAME', 'user_has_scope_access_text';
COMMENT ON FUNCTION tenancy.user_has_workspace_access(text, text) IS
  'true iff the current user has an active membership in the tenant (text id) of the scope';

CREATE FUNCTION tenancy.user_workspaces_text() RETURNS text[]
LANGUAGE c STABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'user_workspaces_text';
COMMENT ON FUNCTION tenancy.user_workspaces_text() IS
  'The current user''s active tenants of the default scope, whose ids are text; sorted';

CREATE FUNCTION tenancy.user_workspaces_text(scope text) RETURNS text[]
LANGUAGE c STABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'user_scope_tenants_text';
COMMENT ON FUNCTION tenancy.user_workspaces_text(text) IS
  'The current user''s active tenants of the scope, whose ids are text; sorted';

CREATE FUNCTION tenancy.user_workspace_role(workspace_id text) RETURNS text
LANGUAGE c STABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'user_workspace_role_text';
COMMENT ON FUNCTION tenancy.user_workspace_role(text) IS
  'The current user''s role in the tenant (text id), the least one if several, or NULL';

CREATE FUNCTION tenancy.user_workspace_role(workspace_id text, scope text) RETURNS text
LANGUAGE c STABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'user_scope_role_text';
COMMENT ON FUNCTION tenancy.user_workspace_role(text, text) IS
  'The current user''s role in the tenant (text id) of the scope, or NULL';

CREATE FUNCTION tenancy.user_has_workspace_role(workspace_id text, VARIADIC roles text[]) RETURNS boolean
LANGUAGE c STABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'user_has_workspace_role_text';
COMMENT ON FUNCTION tenancy.user_has_workspace_role(text, text[]) IS
  'true iff the current user has an active membership in the tenant (text id) with one of the roles';

CREATE FUNCTION tenancy.user_has_scope_role(scope text, tenant_id text, VARIADIC roles text[]) RETURNS boolean
LANGUAGE c STABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'user_has_scope_role_text';
COMMENT ON FUNCTION tenancy.user_has_scope_role(text, text, text[]) IS
  'true iff the current user has an active membership in the tenant (text id) of the scope with one of the roles';

-- permissions (docs/access.md "Roles and permissions"), bigint and text tenant ids
CREATE FUNCTION tenancy.user_has_permission(tenant_id bigint, permission text) RETURNS boolean
LANGUAGE c STABLE PARALLEL SAFE
SUPPORT tenancy.user_has_permission_support
AS 'MODULE_PATHNAME', 'user_has_permission_bigint';
COMMENT ON FUNCTION tenancy.user_has_permission(bigint, text) IS
  'true iff a role the current user holds in the tenant (bigint id) grants the permission; false for NULL or no user';

CREATE FUNCTION tenancy.user_has_permission(tenant_id bigint, permission text, scope text) RETURNS boolean
LANGUAGE c STABLE PARALLEL SAFE
SUPPORT tenancy.user_has_permission_support
AS 'MODULE_PATHNAME', 'user_has_scope_permission_bigint';
COMMENT ON FUNCTION tenancy.user_has_permission(bigint, text, text) IS
  'true iff a role the current user holds in the tenant (bigint id) of the scope grants the permission';

CREATE FUNCTION tenancy.user_workspaces_with_permission_bigint(permission text) RETURNS bigint[]
LANGUAGE c STABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'user_workspaces_with_permission_bigint';
COMMENT ON FUNCTION tenancy.user_workspaces_with_permission_bigint(text) IS
  'The current user''s tenants of the default scope, whose ids are bigint, in which a role of theirs grants the permission; sorted';

CREATE FUNCTION tenancy.user_workspaces_with_permission_bigint(permission text, scope text) RETURNS bigint[]
LANGUAGE c STABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'user_scope_tenants_with_permission_bigint';
COMMENT ON FUNCTION tenancy.user_workspaces_with_permission_bigint(text, text) IS
  'The current user''s tenants of the scope, whose ids are bigint, in which a role of theirs grants the permission; sorted';

CREATE FUNCTION tenancy.user_has_permission(tenant_id text, permission text) RETURNS boolean
LANGUAGE c STABLE PARALLEL SAFE
SUPPORT tenancy.user_has_permission_support
AS 'MODULE_PATHNAME', 'user_has_permission_text';
COMMENT ON FUNCTION tenancy.user_has_permission(text, text) IS
  'true iff a role the current user holds in the tenant (text id) grants the permission; false for NULL or no user';

CREATE FUNCTION tenancy.user_has_permission(tenant_id text, permission text, scope text) RETURNS boolean
LANGUAGE c STABLE PARALLEL SAFE
SUPPORT tenancy.user_has_permission_support
AS 'MODULE_PATHNAME', 'user_has_scope_permission_text';
COMMENT ON FUNCTION tenancy.user_has_permission(text, text, text) IS
  'true iff a role the current user holds in the tenant (text id) of the scope grants the permission';

CREATE FUNCTION tenancy.user_workspaces_with_permission_text(permission text) RETURNS text[]
LANGUAGE c STABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'user_workspaces_with_permission_text';
COMMENT ON FUNCTION tenancy.user_workspaces_with_permission_text(text) IS
  'The current user''s tenants of the default scope, whose ids are text, in which a role of theirs grants the permission; sorted';

CREATE FUNCTION tenancy.user_workspaces_with_permission_text(permission text, scope text) RETURNS text[]
LANGUAGE c STABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'user_scope_tenants_with_permission_text';
COMMENT ON FUNCTION tenancy.user_workspaces_with_permission_text(text, text) IS
  'The current user''s tenants of the scope, whose ids are text, in which a role of theirs grants the permission; sorted';

-- The array helper that answers for scope's tenants, as SQL text for
-- enable_isolation's policies: by the type of the scope's tenant column (an
-- unregistered default scope is uuid, as before scopes had types).
CREATE FUNCTION tenancy.scope_tenants_call(scope text) RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT format('tenancy.%s(%s)',
                CASE WHEN t IN ('text'::regtype, 'character varying'::regtype) THEN 'user_workspaces_text'
                     WHEN t IN ('bigint'::regtype, 'integer'::regtype) THEN 'user_workspaces_bigint'
                     ELSE 'user_workspaces' END,
                CASE WHEN scope = 'workspace' THEN '' ELSE quote_literal(scope) END)
    FROM (SELECT tenancy.scope_tenant_type(scope) AS t) s
$$;

-- The current user's id as SQL text of the type of scope's user column,
-- for the isolated membership table's "not your own row" check.
CREATE FUNCTION tenancy.scope_user_id_call(scope text) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT CASE WHEN a.atttypid IN ('text'::regtype, 'character varying'::regtype)
              THEN 'tenancy.current_user_id_text()'
              WHEN a.atttypid IN ('bigint'::regtype, 'integer'::regtype)
              THEN 'pg_catalog.int8(tenancy.current_user_id_text())'
              ELSE 'tenancy.current_user_id()' END
    FROM (SELECT NULL) x
    LEFT JOIN tenancy.membership_registration r ON r.scope = scope_user_id_call.scope
    LEFT JOIN pg_attribute a ON a.attrelid = r.membership AND a.attname = r.user_column
                            AND NOT a.attisdropped
$$;
-- The attnum of tbl's column col that is to hold the tenant ids of scope
-- (enable_isolation): missing 42703 (with missing_hint, if given); a type
-- no scope's ids have, or a type other than uuid while the default scope is
-- not registered yet (its policies would compare with uuids), 42804. That
-- the type is the scope's is tenancy.check_isolation_scope's check.
CREATE FUNCTION tenancy.check_tenant_id_column(tbl regclass, col name, scope text,
                                               missing_hint text DEFAULT NULL)
RETURNS smallint LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  col_num smallint;
  col_type regtype;
BEGIN
  SELECT a.attnum, a.atttypid::regtype INTO col_num, col_type
    FROM pg_attribute a
   WHERE a.attrelid = tbl AND a.attname = col AND a.attnum > 0 AND NOT a.attisdropped;
  IF col_num IS NULL THEN
    RAISE EXCEPTION 'column % of % does not exist', quote_ident(col), tbl
      USING ERRCODE = '42703', HINT = coalesce(missing_hint, '');
  END IF;
  IF col_type NOT IN ('uuid'::regtype, 'text'::regtype, 'character varying'::regtype,
                      'bigint'::regtype, 'integer'::regtype) THEN
    RAISE EXCEPTION 'column % of % is of type %, not a tenant id type', quote_ident(col), tbl, col_type
      USING ERRCODE = '42804',
            DETAIL = 'Tenant ids are uuid, text, varchar, bigint or integer.';
  END IF;
  IF col_type <> 'uuid'::regtype AND scope IS NOT NULL AND tenancy.scope_tenant_type(scope) IS NULL THEN
    RAISE EXCEPTION 'column % of % is of type %, and scope % is not registered', quote_ident(col),
                    tbl, col_type, quote_literal(scope)
      USING ERRCODE = '42804',
            DETAIL = 'A scope''s tenant ids are uuid until its membership table says otherwise.',
            HINT = format('Call tenancy.register_membership(..., scope => %L) first.', scope);
  END IF;
  RETURN col_num;
END $$;
