-- policies.sql: the policies enable_isolation writes, and the scopes it
-- may write them in.

-- The four policies enable_isolation makes on tbl, as (name, command,
-- clauses). A tenant table: members of a workspace work in its rows. The
-- registered membership table (member_column set) and a registered roles
-- table (managed): members read their workspaces' rows; only a member whose
-- role is one of the registration's manager_roles writes them, and, in the
-- membership table, never the row of the user they are (nobody edits their
-- own role). In a scope other than 'workspace' both read that scope's
-- memberships and manager_roles.
CREATE FUNCTION tenancy.isolation_policies(tenant_column name, member_column name,
                                           scope text DEFAULT 'workspace', managed boolean DEFAULT false,
                                           OUT name text, OUT command text, OUT clauses text)
RETURNS SETOF record LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
  WITH p AS (
    -- the array helper of the scope's id type (user_workspaces[_text|_bigint])
    SELECT format('(%I = ANY (%s))', tenant_column, tenancy.scope_tenants_call(scope)) AS member,
           CASE WHEN scope = 'workspace'
                THEN format('tenancy.user_has_workspace_role(%I, VARIADIC (SELECT tenancy.membership_manager_roles()))',
                            tenant_column)
                ELSE format('tenancy.user_has_scope_role(%L, %I, VARIADIC (SELECT tenancy.membership_manager_roles(%L)))',
                            scope, tenant_column, scope)
           END AS manager,
           CASE WHEN member_column IS NOT NULL
                THEN format(' AND (%I IS DISTINCT FROM %s)', member_column, tenancy.scope_user_id_call(scope))
                ELSE ''
           END AS not_self
  )
  SELECT v.* FROM p, LATERAL (VALUES
    ('tenancy_select', 'SELECT', format('USING %s', p.member)),
    ('tenancy_insert', 'INSERT', format('WITH CHECK %s', p.member)),
    ('tenancy_update', 'UPDATE', format('USING %s WITH CHECK %s', p.member, p.member)),
    ('tenancy_delete', 'DELETE', format('USING %s', p.member))) AS v(name, command, clauses)
   WHERE member_column IS NULL AND NOT managed
  UNION ALL
  SELECT v.* FROM p, LATERAL (VALUES
    ('tenancy_select', 'SELECT', format('USING %s', p.member)),
    ('tenancy_insert', 'INSERT', format('WITH CHECK (%s%s)', p.manager, p.not_self)),
    ('tenancy_update', 'UPDATE', format('USING (%s) WITH CHECK (%s%s)', p.manager, p.manager, p.not_self)),
    ('tenancy_delete', 'DELETE', format('USING (%s)', p.manager))) AS v(name, command, clauses)
   WHERE member_column IS NOT NULL OR managed
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

-- Refuses, changing nothing, to isolate a registered table of the given
-- kind ('membership', 'roles'), registered by the scopes given, when its
-- managers-only policies would answer to the wrong managers: a table of
-- several scopes (its rows grant in each), one isolated through a key or
-- in another scope than its registration's.
CREATE FUNCTION tenancy.check_registered_table_scopes(tbl regclass, kind text, grants text, scopes text[],
                                                      scope text, through name)
RETURNS void LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF cardinality(scopes) > 1 THEN
    RAISE EXCEPTION '% is the registered % table of the scopes %', tbl, kind, array_to_string(scopes, ', ')
      USING ERRCODE = '55000',
            DETAIL = format('Its rows grant %s in each scope, and its policies would let the managers of one write them.', grants),
            HINT = format('Give each scope a %s table of its own, or leave this one without tenancy isolation.', kind);
  END IF;
  IF cardinality(scopes) = 1 AND through IS NOT NULL THEN
    RAISE EXCEPTION '% is the registered % table, isolated on its own tenant column', tbl, kind
      USING ERRCODE = '22023', HINT = 'Call tenancy.enable_isolation() without through.';
  END IF;
  IF cardinality(scopes) = 1 AND scopes[1] <> scope THEN
    RAISE EXCEPTION '% is the registered % table of the scope %', tbl, kind, quote_literal(scopes[1])
      USING ERRCODE = '22023', HINT = 'Leave scope out.';
  END IF;
END $$;

-- Refuses, changing nothing, to isolate a table whose rows grant access
-- in a way its policies would not guard (enable_isolation, under its lock):
-- a membership table registered by several scopes (its policies answer to
-- the managers of one), one isolated through a key, in another scope than
-- its registration's, on another column than its tenant column, or
-- registered without a role column (nobody could manage); and a scope's
-- mapping table (members could link their tenants to parents of theirs).
CREATE FUNCTION tenancy.check_membership_isolation(tbl regclass, tenant_column name, scope text,
                                                   through name)
RETURNS void LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  member record;
  mapped record;
  scopes text[] := tenancy.membership_table_scopes(tbl);
BEGIN
  SELECT * INTO member FROM tenancy.membership_columns(tbl);
  SELECT * INTO mapped FROM tenancy.mapped_scope(tbl);
  PERFORM tenancy.check_registered_table_scopes(tbl, 'membership', 'memberships', scopes, scope, through);
  IF member.scope IS NOT NULL AND member.tenant_column <> tenant_column THEN
    RAISE EXCEPTION '% is the membership table of scope %, whose tenant column is %', tbl,
                    quote_literal(member.scope), quote_ident(member.tenant_column)
      USING ERRCODE = '22023',
            DETAIL = 'Its policies check the manager of the tenant a row grants.',
            HINT = format('Call tenancy.enable_isolation(%L, %L).', tbl::text, member.tenant_column);
  END IF;
  IF member.scope IS NOT NULL AND member.role_column IS NULL THEN
    RAISE EXCEPTION '% is the registered membership table, registered without a role column', tbl
      USING ERRCODE = '55000',
            DETAIL = 'Its policies let only members whose role is one of the registration''s manager_roles write memberships.',
            HINT = 'Call tenancy.register_membership() again with role_column, then enable_isolation.';
  END IF;
  IF mapped.scope IS NOT NULL THEN
    RAISE EXCEPTION '% is the mapping of scope % to its parent scope %', tbl, quote_literal(mapped.scope),
                    quote_literal(mapped.parent_scope)
      USING ERRCODE = '55000',
            DETAIL = CASE WHEN mapped.derived_only
                          THEN format('Scope %L has no membership table of its own to isolate: its members are those of scope %L, through this table.',
                                      mapped.scope, mapped.parent_scope)
                          ELSE 'Its rows decide who reaches the scope''s tenants, and tenant-table policies would let members link tenants to parents of theirs.' END,
            HINT = format('Isolate the membership table of scope %L; leave the mapping without tenancy isolation, writable only by roles you trust.',
                          mapped.parent_scope);
  END IF;
END $$;

-- Refuses, changing nothing, to isolate a roles table whose policies would
-- let members change the permissions its rows grant: one that has no tenant
-- column (no policy could say whose managers write a role), serves several
-- scopes, or is isolated through a key or in another scope than its
-- registration's. A roles table with its tenant column gets the
-- managers-only policies. (An owner table is isolated with the guard of
-- owner_guard.sql.)
CREATE FUNCTION tenancy.check_access_table_isolation(tbl regclass, tenant_column name, scope text,
                                                     through name)
RETURNS void LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  related record;
BEGIN
  SELECT * INTO related FROM tenancy.access_table_scopes(tbl);
  IF cardinality(related.role_scopes) = 0 THEN
    RETURN;
  END IF;
  PERFORM tenancy.check_registered_table_scopes(tbl, 'roles', 'permissions', related.role_scopes, scope, through);
  IF NOT EXISTS (SELECT 1 FROM pg_attribute a
                  WHERE a.attrelid = tbl AND a.attname = tenant_column AND a.attnum > 0 AND NOT a.attisdropped) THEN
    RAISE EXCEPTION '% is the roles table of scope % and has no tenant column %', tbl,
                    quote_literal(related.role_scopes[1]), quote_ident(tenant_column)
      USING ERRCODE = '55000',
            DETAIL = 'Its rows grant permissions to every membership that points at them: only the managers of the tenant a role belongs to may write it.',
            HINT = 'Name the column that holds the tenant a role belongs to (tenant_column => ...), or leave the table without tenancy isolation and grant writes on it only to roles you trust.';
  END IF;
END $$;
