-- hooks.sql: per-parent hooks. The partition manager knows no client by
-- name: a capability that keeps its own data in a partition set (the audit
-- log, src/audit/audit.sql) registers functions here that the manager
-- runs at these events:
--   new_child      hook(parent regclass, child regclass): a child was made,
--                  before it is attached (e.g. an index the parent lacks)
--   before_retire  hook(parent regclass, child regclass): a child is about
--                  to be dropped, detached or archived by retention; an
--                  error keeps it (the step fails and is retried next run).
--                  A parent with such a hook keeps its default partition's
--                  expired rows: they would leave without their partition.
--   before_run     hook(parent regclass): a maintenance run on parent is
--                  about to plan; an error is recorded, the run goes on
--   moving_rows    hook(relation regclass, moving boolean): rows are about
--                  to be moved out of (moving true) or were moved out of
--                  (false) the default partition relation; not a change
--                  of the data (e.g. the audit trigger skips it)
-- parent NULL: every registered partition set.
--
-- Hooks run as the role that runs the call (registration, run_maintenance,
-- add_tenant_partition), like the rest of the manager: a hook that needs
-- other rights is SECURITY DEFINER itself. So only a superuser (the
-- extension script runs as one) registers one: a hook runs in superusers'
-- maintenance runs. A hook must pin its search_path.

CREATE TABLE tenancy.partition_hooks (
    parent regclass,
    event text NOT NULL CHECK (event IN ('new_child', 'before_retire', 'before_run', 'moving_rows')),
    hook regprocedure NOT NULL,
    -- made by the extension script, which makes it again on restore
    installed boolean NOT NULL DEFAULT false,
    UNIQUE NULLS NOT DISTINCT (parent, event, hook)
);
COMMENT ON TABLE tenancy.partition_hooks IS
    'Functions the partition manager runs for a partition set (NULL: every set) at an event';
SELECT pg_catalog.pg_extension_config_dump('tenancy.partition_hooks', 'WHERE NOT installed');

CREATE FUNCTION tenancy._partition_creating_extension() RETURNS boolean
LANGUAGE c STABLE SET search_path = pg_catalog, pg_temp AS 'MODULE_PATHNAME', 'in_extension_script';

-- The argument types a hook of event takes.
CREATE FUNCTION tenancy._partition_hook_args(event text)
RETURNS regtype[] LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE event
        WHEN 'new_child' THEN '{regclass,regclass}'::regtype[]
        WHEN 'before_retire' THEN '{regclass,regclass}'::regtype[]
        WHEN 'before_run' THEN '{regclass}'::regtype[]
        WHEN 'moving_rows' THEN '{regclass,boolean}'::regtype[]
    END
$$;

-- Registers hook for event on parent (NULL: every partition set).
CREATE FUNCTION tenancy.partition_hook(parent regclass, event text, hook regprocedure)
RETURNS void LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    args regtype[];
BEGIN
    IF event IS NULL OR hook IS NULL THEN
        PERFORM tenancy._partition_fail('22004', 'event and hook must not be NULL',
            'Pass a partitioned table (or NULL for every one), an event and a function.');
    END IF;
    -- (the extension script runs as a superuser: tenancy.control)
    IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        PERFORM tenancy._partition_fail('42501', 'only a superuser may register partition hooks',
            'Hooks run inside every maintenance run, superusers'' included: ask a superuser to register it.');
    END IF;
    args := tenancy._partition_hook_args(event);
    IF args IS NULL THEN
        PERFORM tenancy._partition_fail('22023', format('unknown partition hook event "%s"', event),
            'Use new_child, before_retire, before_run or moving_rows.');
    END IF;
    -- (proargtypes counts from 0: compare its elements)
    IF ARRAY(SELECT unnest(p.proargtypes::regtype[]) FROM pg_proc p WHERE p.oid = hook) <> args
       OR (SELECT p.prokind FROM pg_proc p WHERE p.oid = hook) <> 'f' THEN
        PERFORM tenancy._partition_fail('42883',
            format('hook %s does not take the arguments of event %s', hook, event),
            format('A %s hook is a function taking (%s).', event, array_to_string(args, ', ')));
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_proc p, unnest(p.proconfig) s
                    WHERE p.oid = hook AND starts_with(s, 'search_path=')) THEN
        PERFORM tenancy._partition_fail('22023', format('hook %s does not pin its search_path', hook),
            'Add SET search_path = pg_catalog, pg_temp to the function: it runs in other roles'' transactions.');
    END IF;
    INSERT INTO tenancy.partition_hooks (parent, event, hook, installed)
    VALUES (parent, event, hook, tenancy._partition_creating_extension())
    ON CONFLICT DO NOTHING;
END
$$;
COMMENT ON FUNCTION tenancy.partition_hook(regclass, text, regprocedure) IS
    'Registers a function the partition manager runs for a partition set at an event (superuser only)';

-- Runs the hooks of event for parent (those for every set first), with
-- the event's arguments: (parent), (parent, child) or (child, moving).
CREATE FUNCTION tenancy._partition_run_hooks(parent regclass, event text, child regclass DEFAULT NULL,
                                             moving boolean DEFAULT NULL)
RETURNS void LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    fn text;
BEGIN
    FOR fn IN SELECT format('%I.%I', n.nspname, p.proname)
                FROM tenancy.partition_hooks h JOIN pg_proc p ON p.oid = h.hook
                JOIN pg_namespace n ON n.oid = p.pronamespace
               WHERE h.event = $2 AND (h.parent IS NULL OR h.parent = $1)
               ORDER BY h.parent NULLS FIRST, h.hook::oid
    LOOP
        -- typed parameters: the call resolves to the registered signature
        IF event = 'before_run' THEN
            EXECUTE format('SELECT %s($1)', fn) USING parent;
        ELSIF event = 'moving_rows' THEN
            EXECUTE format('SELECT %s($1, $2)', fn) USING child, moving;
        ELSE
            EXECUTE format('SELECT %s($1, $2)', fn) USING parent, child;
        END IF;
    END LOOP;
END
$$;

-- Whether parent has hooks of event (its own or every set's).
CREATE FUNCTION tenancy._partition_has_hooks(parent regclass, event text)
RETURNS boolean LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT EXISTS (SELECT 1 FROM tenancy.partition_hooks h
                    WHERE h.event = $2 AND (h.parent IS NULL OR h.parent = $1))
$$;
