-- hierarchy.sql: scopes derived from a parent scope (docs/access.md
-- "Hierarchy"): a member of an organization reaches its workspaces.

-- One parent per scope. The mapping table links each tenant of the scope
-- to its parent tenant (workspaces.organization_id). Read with the
-- registrations; a change here invalidates every backend's cache as a
-- registration does (the trigger below).
CREATE TABLE tenancy.scope_parent (
  scope text PRIMARY KEY,
  parent_scope text NOT NULL CHECK (parent_scope <> scope),
  mapping regclass NOT NULL,
  tenant_column name NOT NULL,
  parent_column name NOT NULL,
  -- only parent memberships with one of these roles reach the children; NULL: any
  parent_roles text[],
  registered_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE tenancy.scope_parent IS
  'The parent scope each scope derives memberships from, through a mapping table; set by tenancy.register_scope_parent()';
SELECT pg_catalog.pg_extension_config_dump('tenancy.scope_parent', '');

-- a hand edit (or a restore) reaches every backend's cache too
CREATE TRIGGER tenancy_scope_parent_changed
  AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON tenancy.scope_parent
  FOR EACH STATEMENT EXECUTE FUNCTION tenancy.membership_changed();
ALTER TABLE tenancy.scope_parent ENABLE ALWAYS TRIGGER tenancy_scope_parent_changed;

CREATE FUNCTION tenancy.register_scope_parent(
  scope text,
  parent_scope text,
  mapping regclass,
  tenant_column name,
  parent_column name,
  parent_roles text[] DEFAULT NULL)
RETURNS void
LANGUAGE c VOLATILE PARALLEL UNSAFE
-- its SQL runs partly as the extension owner: no name resolution through
-- the caller's search_path
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'register_scope_parent';
COMMENT ON FUNCTION tenancy.register_scope_parent(text, text, regclass, name, name, text[]) IS
  'Lets the members of a parent scope''s tenant (with one of parent_roles) reach the tenants of scope the mapping table links to it; again replaces it';

CREATE FUNCTION tenancy.unregister_scope_parent(scope text)
RETURNS boolean
LANGUAGE c VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'unregister_scope_parent';
COMMENT ON FUNCTION tenancy.unregister_scope_parent(text) IS
  'Removes the parent of scope (its members keep their direct memberships only); false when it had none';

-- The scope whose mapping tbl is (the first by name when several), with its
-- parent and whether the scope has no membership table of its own; NULLs
-- when tbl maps no scope. For enable_isolation, which refuses such a table:
-- its rows decide who reaches the scope's tenants.
CREATE FUNCTION tenancy.mapped_scope(tbl regclass, OUT scope text, OUT parent_scope text,
                                     OUT derived_only boolean)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT p.scope, p.parent_scope,
         NOT EXISTS (SELECT FROM tenancy.membership_registration r WHERE r.scope = p.scope)
    FROM tenancy.scope_parent p
   WHERE p.mapping = tbl ORDER BY p.scope LIMIT 1
$$;
