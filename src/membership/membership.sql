-- membership.sql: memberships and the access helpers (SPEC part 2).

-- The registrations of this database, one per scope ('workspace' is the
-- scope the SPEC helpers answer for). Also the sentinel relation: every
-- registered table's triggers invalidate it, and every backend's
-- membership cache listens for that (docs/access.md).
CREATE TABLE tenancy.membership_registration (
  -- a lower-case identifier: it is spelled in policies as a literal
  scope text PRIMARY KEY DEFAULT 'workspace'
    CHECK (scope ~ '^[a-z][a-z0-9_]*$' AND octet_length(scope) <= 63),
  membership regclass NOT NULL,
  tenant_column name NOT NULL,
  user_column name NOT NULL,
  role_column name,
  status_column name,
  active_statuses text[],
  -- the roles whose members write the membership table once it is isolated
  manager_roles text[] NOT NULL DEFAULT '{owner,admin}',
  registered_at timestamptz NOT NULL DEFAULT now(),
  -- roles from a table (docs/access.md "Roles and permissions"): role_column
  -- holds a key of role_table, whose name and permissions the cache keeps
  role_table regclass,
  role_name_column name,
  permissions_column name,
  -- the owner recorded on the tenant row counts as a member with owner_role
  owner_table regclass,
  owner_column name,
  owner_role text,
  owner_permissions text[]
);
COMMENT ON TABLE tenancy.membership_registration IS
  'The membership table the access helpers read, per scope; set by tenancy.register_membership()';
SELECT pg_catalog.pg_extension_config_dump('tenancy.membership_registration', '');

CREATE FUNCTION tenancy.membership_changed() RETURNS trigger
LANGUAGE c
AS 'MODULE_PATHNAME', 'membership_changed';
COMMENT ON FUNCTION tenancy.membership_changed() IS
  'Trigger on the registered membership table: tells every backend''s membership cache at commit';

CREATE FUNCTION tenancy.register_membership(
  membership regclass,
  tenant_column name,
  user_column name,
  role_column name DEFAULT NULL,
  status_column name DEFAULT NULL,
  active_statuses text[] DEFAULT '{active}',
  manager_roles text[] DEFAULT '{owner,admin}',
  scope text DEFAULT 'workspace',
  role_table regclass DEFAULT NULL,
  role_name_column name DEFAULT 'name',
  permissions_column name DEFAULT NULL,
  owner_table regclass DEFAULT NULL,
  owner_column name DEFAULT NULL,
  owner_role text DEFAULT 'owner',
  owner_permissions text[] DEFAULT '{}')
RETURNS void
LANGUAGE c VOLATILE PARALLEL UNSAFE
-- its SQL runs partly as the extension owner: no name resolution through
-- the caller's search_path
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'register_membership';
COMMENT ON FUNCTION tenancy.register_membership(regclass, name, name, name, name, text[], text[], text, regclass, name, name, regclass, name, text, text[]) IS
  'Registers the membership table of a scope (again replaces it), its roles table and tenant owners, and installs their change triggers';

-- The registration that reads tbl as its membership table (the first
-- scope by name when several do), else NULLs. For enable_isolation, which
-- gives that table its own policies in that scope (docs/isolation.md);
-- callers need not read the registration.
CREATE FUNCTION tenancy.membership_columns(tbl regclass, OUT scope text, OUT tenant_column name,
                                           OUT user_column name, OUT role_column name)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT r.scope, r.tenant_column, r.user_column, r.role_column
    FROM tenancy.membership_registration r
   WHERE r.membership = tbl ORDER BY r.scope LIMIT 1
$$;

-- The scopes that registered tbl as their membership table. enable_isolation
-- refuses a table of several: its rows grant memberships in each, and the
-- membership table's policies answer to the managers of one.
CREATE FUNCTION tenancy.membership_table_scopes(tbl regclass) RETURNS text[]
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT coalesce(array_agg(r.scope ORDER BY r.scope), '{}')
    FROM tenancy.membership_registration r
   WHERE r.membership = tbl
$$;

-- The scopes that registered tbl as their roles table, and as their owner
-- (tenant) table. For enable_isolation, which gives a roles table the
-- managers-only policies and an owner table the owner guard.
CREATE FUNCTION tenancy.access_table_scopes(tbl regclass, OUT role_scopes text[], OUT owner_scopes text[])
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT coalesce(array_agg(r.scope ORDER BY r.scope) FILTER (WHERE r.role_table = tbl), '{}'),
         coalesce(array_agg(r.scope ORDER BY r.scope) FILTER (WHERE r.owner_table = tbl), '{}')
    FROM tenancy.membership_registration r
$$;

-- The type of the scope's tenant ids: its registered tenant column's, or
-- for a scope derived only from its parent (no registration), its mapping's
-- tenant column's; NULL when the scope has neither (or the column was
-- dropped). For enable_isolation, which refuses a tenant column of another
-- type, and for API keys. plpgsql: tenancy.scope_parent (hierarchy.sql)
-- is created after this file.
CREATE FUNCTION tenancy.scope_tenant_type(scope text) RETURNS regtype
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  RETURN (SELECT a.atttypid::regtype
            FROM tenancy.membership_registration r
            JOIN pg_attribute a ON a.attrelid = r.membership AND a.attname = r.tenant_column
           WHERE r.scope = scope_tenant_type.scope AND NOT a.attisdropped
          UNION ALL
          SELECT a.atttypid::regtype
            FROM tenancy.scope_parent p
            JOIN pg_attribute a ON a.attrelid = p.mapping AND a.attname = p.tenant_column
           WHERE p.scope = scope_tenant_type.scope AND NOT a.attisdropped
             AND NOT EXISTS (SELECT FROM tenancy.membership_registration r
                              WHERE r.scope = scope_tenant_type.scope));
END $$;

-- The roles whose members manage the memberships of the scope's tenants:
-- the isolated membership table's write policies call it once per statement.
CREATE FUNCTION tenancy.membership_manager_roles(scope text DEFAULT 'workspace') RETURNS text[]
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT coalesce((SELECT r.manager_roles FROM tenancy.membership_registration r
                   WHERE r.scope = membership_manager_roles.scope), '{}')
$$;

-- Planner support: the per-row call becomes the index condition
-- workspace_id = ANY (tenancy.user_workspaces()) (docs/access.md).
CREATE FUNCTION tenancy.user_has_workspace_access_support(internal) RETURNS internal
LANGUAGE c STRICT
AS 'MODULE_PATHNAME', 'user_has_workspace_access_support';

CREATE FUNCTION tenancy.user_has_workspace_access(workspace_id uuid) RETURNS boolean
LANGUAGE c STABLE PARALLEL SAFE
SUPPORT tenancy.user_has_workspace_access_support
AS 'MODULE_PATHNAME', 'user_has_workspace_access';
COMMENT ON FUNCTION tenancy.user_has_workspace_access(uuid) IS
  'true iff the current user has an active membership in the workspace; false for NULL or no user';

CREATE FUNCTION tenancy.user_workspaces() RETURNS uuid[]
LANGUAGE c STABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'user_workspaces';
COMMENT ON FUNCTION tenancy.user_workspaces() IS
  'The current user''s active workspaces, sorted; policies: workspace_id = ANY (tenancy.user_workspaces())';

CREATE FUNCTION tenancy.user_workspace_role(workspace_id uuid) RETURNS text
LANGUAGE c STABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'user_workspace_role';
COMMENT ON FUNCTION tenancy.user_workspace_role(uuid) IS
  'The current user''s role in the workspace (the least one if several), or NULL';

CREATE FUNCTION tenancy.user_has_workspace_role(workspace_id uuid, VARIADIC roles text[])
RETURNS boolean
LANGUAGE c STABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'user_has_workspace_role';
COMMENT ON FUNCTION tenancy.user_has_workspace_role(uuid, text[]) IS
  'true iff the current user has an active membership in the workspace with one of the roles';

-- The same helpers for a named scope (tenancy.register_membership(...,
-- scope => 'project')). The one-argument forms above answer for the scope
-- 'workspace'. Planner support as above when the scope is a constant.
CREATE FUNCTION tenancy.user_has_workspace_access(workspace_id uuid, scope text) RETURNS boolean
LANGUAGE c STABLE PARALLEL SAFE
SUPPORT tenancy.user_has_workspace_access_support
AS 'MODULE_PATHNAME', 'user_has_scope_access';
COMMENT ON FUNCTION tenancy.user_has_workspace_access(uuid, text) IS
  'true iff the current user has an active membership in the tenant of the scope; false for NULL or no user';

CREATE FUNCTION tenancy.user_workspaces(scope text) RETURNS uuid[]
LANGUAGE c STABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'user_scope_tenants';
COMMENT ON FUNCTION tenancy.user_workspaces(text) IS
  'The current user''s active tenants of the scope, sorted; policies: project_id = ANY (tenancy.user_workspaces(''project''))';

CREATE FUNCTION tenancy.user_workspace_role(workspace_id uuid, scope text) RETURNS text
LANGUAGE c STABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'user_scope_role';
COMMENT ON FUNCTION tenancy.user_workspace_role(uuid, text) IS
  'The current user''s role in the tenant of the scope (the least one if several), or NULL';

-- Its own name, scope first: an overload of the VARIADIC
-- user_has_workspace_role with the scope last would lose to it when called
-- with literals, and silently check the scope name as a role.
CREATE FUNCTION tenancy.user_has_scope_role(scope text, tenant_id uuid, VARIADIC roles text[])
RETURNS boolean
LANGUAGE c STABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'user_has_scope_role';
COMMENT ON FUNCTION tenancy.user_has_scope_role(text, uuid, text[]) IS
  'true iff the current user has an active membership in the tenant of the scope with one of the roles';

-- Permissions (docs/access.md "Roles and permissions"): what the roles
-- table grants through the current user's memberships and ownerships.
-- Planner support as for user_has_workspace_access when the permission
-- (and scope) are constants.
CREATE FUNCTION tenancy.user_has_permission_support(internal) RETURNS internal
LANGUAGE c STRICT
AS 'MODULE_PATHNAME', 'user_has_permission_support';

CREATE FUNCTION tenancy.user_has_permission(tenant_id uuid, permission text) RETURNS boolean
LANGUAGE c STABLE PARALLEL SAFE
SUPPORT tenancy.user_has_permission_support
AS 'MODULE_PATHNAME', 'user_has_permission';
COMMENT ON FUNCTION tenancy.user_has_permission(uuid, text) IS
  'true iff a role the current user holds in the workspace grants the permission; false for NULL or no user';

CREATE FUNCTION tenancy.user_has_permission(tenant_id uuid, permission text, scope text) RETURNS boolean
LANGUAGE c STABLE PARALLEL SAFE
SUPPORT tenancy.user_has_permission_support
AS 'MODULE_PATHNAME', 'user_has_scope_permission';
COMMENT ON FUNCTION tenancy.user_has_permission(uuid, text, text) IS
  'true iff a role the current user holds in the tenant of the scope grants the permission; false for NULL or no user';

CREATE FUNCTION tenancy.user_workspaces_with_permission(permission text) RETURNS uuid[]
LANGUAGE c STABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'user_workspaces_with_permission';
COMMENT ON FUNCTION tenancy.user_workspaces_with_permission(text) IS
  'The current user''s workspaces in which a role of theirs grants the permission, sorted';

CREATE FUNCTION tenancy.user_workspaces_with_permission(permission text, scope text) RETURNS uuid[]
LANGUAGE c STABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'user_scope_tenants_with_permission';
COMMENT ON FUNCTION tenancy.user_workspaces_with_permission(text, text) IS
  'The current user''s tenants of the scope in which a role of theirs grants the permission, sorted';

CREATE FUNCTION tenancy.cache_stats()
RETURNS TABLE (cache text, hits bigint, misses bigint, invalidations bigint, entries bigint)
LANGUAGE c VOLATILE PARALLEL RESTRICTED
AS 'MODULE_PATHNAME', 'cache_stats';
COMMENT ON FUNCTION tenancy.cache_stats() IS
  'This backend''s claims and membership cache figures';

CREATE FUNCTION tenancy.cache_reset() RETURNS void
LANGUAGE c VOLATILE PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'cache_reset';
COMMENT ON FUNCTION tenancy.cache_reset() IS
  'Empties this backend''s claims and membership caches and zeroes their figures';
