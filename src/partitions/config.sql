-- config.sql: the configuration and run state of partition sets (SPEC
-- part 4), and the row level security that delegates them to table owners.
--
-- Conventions of every src/partitions/*.sql: every SQL and PL/pgSQL
-- function pins search_path to pg_catalog, pg_temp, so nothing it runs
-- (operators, functions, expressions read back with pg_get_expr) resolves
-- on the caller's path, where anyone with CREATE on one of its schemas
-- could plant a better match. The procedures that COMMIT (run_maintenance,
-- purge) cannot carry SET: they are thin loops whose bodies name every
-- function with its schema and use no operator, and call pinned functions
-- for each transaction's work. All dynamic SQL quotes every identifier (%I)
-- and literal (%L). None of these functions is SECURITY DEFINER: they run
-- with the caller's rights, and none is executable by PUBLIC
-- (src/module/privileges.sql).

CREATE TABLE tenancy.partition_config (
    parent regclass PRIMARY KEY,
    kind text NOT NULL CHECK (kind IN ('time', 'tenant')),
    control name NOT NULL,
    step interval,
    premake int NOT NULL DEFAULT 4 CHECK (premake BETWEEN 0 AND 1000),
    with_default boolean NOT NULL DEFAULT true,
    retention interval,
    retention_action text NOT NULL DEFAULT 'drop'
        CHECK (retention_action IN ('drop', 'detach', 'archive')),
    archive_schema name,
    archive_to regclass,
    -- rows retention keeps (set_retention's keep_where), canonical text
    -- (_partition_keep_rule), validated again before every use
    keep_where text,
    -- a member of the retention group of this (referenced) table: set by
    -- set_retention(retire_with, ..., linked => ...), which copies its
    -- retention and action here; see groups.sql
    retire_with regclass,
    -- registered by the extension script (the audit log), which registers
    -- it again on restore: see _partition_config_restore below
    installed boolean NOT NULL DEFAULT false,
    CHECK ((kind = 'time') = (step IS NOT NULL)),
    CHECK ((retention_action = 'archive') = (archive_schema IS NOT NULL OR archive_to IS NOT NULL)),
    CHECK (archive_schema IS NULL OR archive_to IS NULL),
    CHECK (retire_with IS NULL OR (retention IS NOT NULL AND keep_where IS NULL AND archive_to IS NULL))
);
COMMENT ON TABLE tenancy.partition_config IS
    'Partition sets managed by tenancy (kept by pg_dump)';
SELECT pg_catalog.pg_extension_config_dump('tenancy.partition_config', '');

-- A restore runs CREATE EXTENSION, whose script registers its own tables
-- again, and then loads the dumped rows, which hold their settings as they
-- were (retention set on the audit log, say): a dumped row replaces the
-- installed row of the same table instead of colliding with it.
CREATE FUNCTION tenancy._partition_config_restore()
RETURNS trigger LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    DELETE FROM tenancy.partition_config c WHERE c.parent = NEW.parent AND c.installed;
    RETURN NEW;
END
$$;
CREATE TRIGGER installed_row_replaced BEFORE INSERT ON tenancy.partition_config
    FOR EACH ROW EXECUTE FUNCTION tenancy._partition_config_restore();

-- Run state: not configuration, so not dumped.
CREATE TABLE tenancy.partition_state (
    parent regclass PRIMARY KEY,
    last_run timestamptz,
    last_error text
);
COMMENT ON TABLE tenancy.partition_state IS
    'Last maintenance run and error of each partition set';

-- Delegation: a DBA may GRANT EXECUTE on the calls and SELECT, INSERT,
-- UPDATE, DELETE on these two tables to table owners; row level security
-- then limits each of them to the partition sets of tables they own.
CREATE FUNCTION tenancy._partition_owned(parent regclass)
RETURNS boolean LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce((SELECT pg_has_role(current_user, relowner, 'USAGE') FROM pg_class WHERE oid = parent),
                    false)
$$;
ALTER TABLE tenancy.partition_config ENABLE ROW LEVEL SECURITY;
CREATE POLICY owner_only ON tenancy.partition_config
    USING (tenancy._partition_owned(parent)) WITH CHECK (tenancy._partition_owned(parent));
ALTER TABLE tenancy.partition_state ENABLE ROW LEVEL SECURITY;
CREATE POLICY owner_only ON tenancy.partition_state
    USING (tenancy._partition_owned(parent)) WITH CHECK (tenancy._partition_owned(parent));
