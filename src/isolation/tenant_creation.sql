-- tenant_creation.sql: a signed-in user creates a tenant and becomes its
-- first member, in one statement, under isolation (issue 12 item 5,
-- docs/getting-started.md "Creating a tenant").
--
-- Why a function and not a policy: with the tenant table isolated on its
-- id, a user inserting a tenant row is not yet a member of it, so the
-- INSERT policy refuses it; and INSERT ... RETURNING checks the SELECT
-- policies on the new row before any AFTER trigger could add the
-- membership. create_tenant instead writes both rows as their tables'
-- owners (tenancy._partition_as_owner: a security-restricted operation that
-- row level security does not filter), with an id it draws itself and the
-- user id of the signed-in user: the caller chooses neither.

-- The tenant table and the role its creator gets (one row, like the
-- membership registration).
CREATE TABLE tenancy.tenant_creation (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  tenants regclass NOT NULL,
  id_column name NOT NULL,
  owner_role text NOT NULL
);
COMMENT ON TABLE tenancy.tenant_creation IS
  'The tenant table tenancy.create_tenant() inserts into, and the role its creator gets (one row)';
SELECT pg_catalog.pg_extension_config_dump('tenancy.tenant_creation', '');

-- The default scope's registered membership table, for allow_tenant_creation's
-- checks made as its caller (who may not read the registration itself).
-- Tenant creation serves the default scope; other scopes' rows are ignored.
CREATE FUNCTION tenancy._registered_membership() RETURNS regclass
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
RETURN (SELECT r.membership FROM tenancy.membership_registration r
         WHERE r.scope OPERATOR(pg_catalog.=) 'workspace');

CREATE FUNCTION tenancy.allow_tenant_creation(tenants regclass, id_column name DEFAULT 'id',
                                              owner_role text DEFAULT 'owner')
RETURNS void LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  membership regclass := tenancy._registered_membership();
BEGIN
  PERFORM tenancy.check_owned_table(tenants,
    'Tenants are rows of an ordinary or partitioned table.');
  IF id_column IS NULL OR owner_role IS NULL THEN
    RAISE EXCEPTION 'id_column and owner_role must not be NULL' USING ERRCODE = '22004';
  END IF;
  PERFORM tenancy.check_uuid_column(tenants, id_column, 'Name the tenant table''s uuid key: id_column => ...');
  IF membership IS NULL THEN
    RAISE EXCEPTION 'no membership table is registered' USING ERRCODE = '55000',
      HINT = 'Call tenancy.register_membership(''<table>'', ''<tenant column>'', ''<user column>'') first: the creator of a tenant becomes its member there (a default scope derived from a parent has no membership table to add it to).';
  END IF;
  -- create_tenant writes the membership table as its owner: only who may
  -- write it as that owner may let users do so.
  PERFORM tenancy.check_owned_table(membership, 'The membership table is an ordinary table.');
  INSERT INTO tenancy.tenant_creation AS t VALUES (true, tenants, id_column, owner_role)
  ON CONFLICT (singleton) DO UPDATE
    SET tenants = excluded.tenants, id_column = excluded.id_column, owner_role = excluded.owner_role;
END $$;
COMMENT ON FUNCTION tenancy.allow_tenant_creation(regclass, name, text) IS
  'Names the tenant table that tenancy.create_tenant() inserts into and the role its creator gets';

-- The column list and select list that insert attributes (a JSON object of
-- the tenant table's columns) into tenants, next to the id; 22023 / 42703
-- for anything else.
CREATE FUNCTION tenancy._tenant_columns_of(tenants regclass, id_column name, attributes jsonb,
                                           OUT columns text, OUT vals text)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  key text;
BEGIN
  IF attributes IS NULL OR jsonb_typeof(attributes) <> 'object' THEN
    RAISE EXCEPTION 'attributes must be a JSON object' USING ERRCODE = '22023',
      HINT = 'Pass the new tenant''s columns, e.g. ''{"name": "Acme"}''.';
  END IF;
  columns := quote_ident(id_column);
  vals := '';
  FOR key IN SELECT k FROM jsonb_object_keys(attributes) k ORDER BY k LOOP
    IF key = id_column THEN
      RAISE EXCEPTION 'the id of a new tenant cannot be chosen' USING ERRCODE = '42501',
        HINT = format('Leave %s out: tenancy.create_tenant() draws it and returns it.', quote_ident(id_column));
    END IF;
    PERFORM tenancy.existing_column(tenants, key, 'Pass only the tenant table''s own columns.', writable => true);
    columns := columns || ', ' || quote_ident(key);
    vals := vals || ', r.' || quote_ident(key);
  END LOOP;
END $$;

-- SECURITY DEFINER (the extension's owner, who may act as any table's
-- owner): the caller needs no privilege on either table. Who may create
-- tenants is who the DBA grants EXECUTE; what is written is fixed here.
CREATE FUNCTION tenancy.create_tenant(attributes jsonb DEFAULT '{}')
RETURNS uuid LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  cfg tenancy.tenant_creation;
  reg tenancy.membership_registration;
  creator uuid := tenancy.current_user_id();
  new_id uuid := gen_random_uuid();
  owner_column name;
  owners jsonb := '{}';
  cols record;
BEGIN
  IF creator IS NULL THEN
    RAISE EXCEPTION 'no signed-in user' USING ERRCODE = '42501',
      HINT = 'A tenant is created by a signed-in user (request.jwt.claims with a uuid sub), who becomes its owner.';
  END IF;
  -- FOR SHARE: neither may change until this transaction ends
  SELECT * INTO cfg FROM tenancy.tenant_creation FOR SHARE;
  SELECT * INTO reg FROM tenancy.membership_registration r
   WHERE r.scope OPERATOR(pg_catalog.=) 'workspace' FOR SHARE;
  IF cfg.tenants IS NULL OR reg.membership IS NULL THEN
    RAISE EXCEPTION 'tenant creation is not set up' USING ERRCODE = '55000',
      HINT = 'The DBA calls tenancy.register_membership() and tenancy.allow_tenant_creation() first.';
  END IF;
  -- A tenant table registered as an owner table names a member in its
  -- owner column: the creator, never whom the attributes say (the insert
  -- runs as the table's owner, whom the owner guard does not check).
  FOR owner_column IN SELECT DISTINCT o.owner_column FROM tenancy.owner_registrations(cfg.tenants) o
                       WHERE o.owner_column IS NOT NULL LOOP
    IF jsonb_typeof(attributes) = 'object' AND attributes ? owner_column THEN
      RAISE EXCEPTION 'the owner of a new tenant cannot be chosen' USING ERRCODE = '42501',
        DETAIL = format('The column %I of %s names a member of the tenant.', owner_column, cfg.tenants),
        HINT = format('Leave %I out: tenancy.create_tenant() makes the signed-in user the owner.', owner_column);
    END IF;
    owners := owners || jsonb_build_object(owner_column, creator);
  END LOOP;
  cols := tenancy._tenant_columns_of(cfg.tenants, cfg.id_column, attributes || owners);

  PERFORM tenancy._partition_as_owner(cfg.tenants, format(
    'INSERT INTO %s (%s) SELECT %L::pg_catalog.uuid%s FROM pg_catalog.jsonb_populate_record(NULL::%s, %L::pg_catalog.jsonb) r RETURNING true',
    cfg.tenants, cols.columns, new_id, cols.vals, cfg.tenants, attributes || owners), NULL::boolean);
  PERFORM tenancy._partition_as_owner(reg.membership, format(
    'INSERT INTO %s (%I, %I%s%s) VALUES (%L, %L%s%s) RETURNING true',
    reg.membership, reg.tenant_column, reg.user_column,
    CASE WHEN reg.role_column IS NOT NULL THEN format(', %I', reg.role_column) ELSE '' END,
    CASE WHEN reg.status_column IS NOT NULL THEN format(', %I', reg.status_column) ELSE '' END,
    new_id, creator,
    CASE WHEN reg.role_column IS NOT NULL THEN format(', %L', cfg.owner_role) ELSE '' END,
    CASE WHEN reg.status_column IS NOT NULL THEN format(', %L', reg.active_statuses[1]) ELSE '' END),
    NULL::boolean);
  RETURN new_id;
END $$;
COMMENT ON FUNCTION tenancy.create_tenant(jsonb) IS
  'Creates a tenant row and makes the signed-in user its first member (owner role); returns its id';
