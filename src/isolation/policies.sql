-- policies.sql: the policies enable_isolation writes, and the scopes it
-- may write them in.

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
            HINT = format('Call tenancy.register_membership(..., scope => %L) first, or tenancy.register_scope_parent(%L, ...) for a scope derived from a parent.',
                          scope, scope);
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
