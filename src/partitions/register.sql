-- register.sql: the registration calls (partition_by_time,
-- partition_by_tenant) and add_tenant_partition.

CREATE FUNCTION tenancy.partition_by_time(parent regclass, control name, step interval,
                                          premake int DEFAULT 4, start_at timestamptz DEFAULT NULL,
                                          with_default boolean DEFAULT true)
RETURNS int LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    ctype regtype;
    cfg tenancy.partition_config;
    made int := 0;
BEGIN
    IF parent IS NULL OR control IS NULL OR step IS NULL OR premake IS NULL OR with_default IS NULL THEN
        PERFORM tenancy._partition_fail('22004', 'parent, control, step, premake and with_default must not be NULL',
            'Pass a table, its partition column and a step such as ''1 month''.');
    END IF;
    ctype := tenancy._partition_check_parent(parent, control, 'r',
                                             '{timestamptz,timestamp,date}'::regtype[]);
    PERFORM tenancy._partition_check_step(step, ctype = 'date'::regtype);
    IF premake < 0 OR premake > 1000 THEN
        PERFORM tenancy._partition_fail('22023', 'premake must be between 0 and 1000',
            'premake counts the partitions made ahead of the current one.', format('premake was %s.', premake));
    END IF;
    SELECT * INTO cfg FROM tenancy.partition_config c WHERE c.parent = $1 FOR UPDATE;
    IF FOUND THEN
        IF cfg.kind <> 'time' OR cfg.control <> control OR cfg.step::text <> step::text THEN
            PERFORM tenancy._partition_fail('55000',
                format('table %s is already registered with another partitioning', parent),
                'Call it with the registered control column and step, or remove the row from tenancy.partition_config first.',
                format('Registered: %s on column "%s", step %s.', cfg.kind, cfg.control, coalesce(cfg.step::text, 'none')));
        END IF;
        UPDATE tenancy.partition_config c SET premake = $4, with_default = $6 WHERE c.parent = $1;
    ELSE
        INSERT INTO tenancy.partition_config (parent, kind, control, step, premake, with_default, installed)
        VALUES (parent, 'time', control, step, premake, with_default, tenancy._partition_creating_extension());
        INSERT INTO tenancy.partition_state (parent) VALUES (parent) ON CONFLICT DO NOTHING;
    END IF;
    -- In an extension script it registers only: partitions made there would
    -- belong to the extension, and pg_dump would skip their rows. The
    -- first maintenance run (or the client) makes them.
    IF tenancy._partition_creating_extension() THEN
        RETURN 0;
    END IF;
    IF with_default THEN
        made := tenancy._partition_make_default(parent);
    END IF;
    RETURN made + tenancy._partition_premake_now(parent,
        CASE WHEN ctype = 'timestamptz'::regtype THEN start_at AT TIME ZONE 'UTC'
             ELSE start_at::timestamp END);
END
$$;
COMMENT ON FUNCTION tenancy.partition_by_time(regclass, name, interval, int, timestamptz, boolean) IS
    'Registers a RANGE-partitioned table for time partitions and makes them; returns partitions made';

CREATE FUNCTION tenancy.partition_by_tenant(parent regclass, control name, with_default boolean DEFAULT true)
RETURNS int LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    cfg tenancy.partition_config;
BEGIN
    IF parent IS NULL OR control IS NULL OR with_default IS NULL THEN
        PERFORM tenancy._partition_fail('22004', 'parent, control and with_default must not be NULL',
            'Pass a table and its uuid partition column.');
    END IF;
    PERFORM tenancy._partition_check_parent(parent, control, 'l', '{uuid}'::regtype[]);
    SELECT * INTO cfg FROM tenancy.partition_config c WHERE c.parent = $1 FOR UPDATE;
    IF FOUND THEN
        IF cfg.kind <> 'tenant' OR cfg.control <> control THEN
            PERFORM tenancy._partition_fail('55000',
                format('table %s is already registered with another partitioning', parent),
                'Call it with the registered control column, or remove the row from tenancy.partition_config first.',
                format('Registered: %s on column "%s".', cfg.kind, cfg.control));
        END IF;
        UPDATE tenancy.partition_config c SET with_default = $3 WHERE c.parent = $1;
    ELSE
        INSERT INTO tenancy.partition_config (parent, kind, control, premake, with_default)
        VALUES (parent, 'tenant', control, 0, with_default);
        INSERT INTO tenancy.partition_state (parent) VALUES (parent) ON CONFLICT DO NOTHING;
    END IF;
    IF with_default THEN
        RETURN tenancy._partition_make_default(parent);
    END IF;
    RETURN 0;
END
$$;
COMMENT ON FUNCTION tenancy.partition_by_tenant(regclass, name, boolean) IS
    'Registers a LIST-partitioned table (uuid) for one partition per tenant; returns partitions made';

-- The partition holding tenant, if any.
CREATE FUNCTION tenancy._partition_of_tenant(parent regclass, tenant uuid)
RETURNS regclass LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT ch.child FROM tenancy._partition_children(parent, 'uuid'::regtype) ch
     WHERE tenant = ANY (ch.tenants) LIMIT 1
$$;

CREATE FUNCTION tenancy.add_tenant_partition(parent regclass, tenant uuid)
RETURNS regclass LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    cfg tenancy.partition_config;
    child regclass;
    child_name name;
    relname name;
BEGIN
    IF parent IS NULL OR tenant IS NULL THEN
        PERFORM tenancy._partition_fail('22004', 'parent and tenant must not be NULL',
            'Pass a table registered with partition_by_tenant and a tenant uuid.');
    END IF;
    PERFORM tenancy._partition_check_owner(parent);
    SELECT * INTO cfg FROM tenancy.partition_config c WHERE c.parent = $1;
    IF NOT FOUND OR cfg.kind <> 'tenant' THEN
        PERFORM tenancy._partition_fail('55000',
            format('table %s is not registered for tenant partitions', parent),
            'Register it with tenancy.partition_by_tenant first.');
    END IF;
    child := tenancy._partition_of_tenant(parent, tenant);
    IF child IS NOT NULL THEN
        RETURN child;
    END IF;
    SELECT c.relname INTO relname FROM pg_class c WHERE c.oid = parent;
    child_name := tenancy._partition_tenant_name(relname, tenant, false);
    -- Two tenants sharing the first 12 hex digits: the second gets all 32.
    IF EXISTS (SELECT 1 FROM pg_class c WHERE c.relname = child_name
                  AND c.relnamespace = (SELECT relnamespace FROM pg_class WHERE oid = parent)) THEN
        child_name := tenancy._partition_tenant_name(relname, tenant, true);
    END IF;
    RETURN tenancy._partition_make_child(parent, child_name, format('FOR VALUES IN (%L)', tenant),
                                         format('%I = %L::uuid', cfg.control, tenant));
END
$$;
COMMENT ON FUNCTION tenancy.add_tenant_partition(regclass, uuid) IS
    'Makes (or returns) the partition of one tenant, moving its rows out of the default';
