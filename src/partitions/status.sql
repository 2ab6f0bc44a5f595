-- status.sql: tenancy.partition_status().

CREATE FUNCTION tenancy.partition_status()
RETURNS TABLE (parent regclass, kind text, partitions int, oldest text, newest text,
               premade_ahead int, default_rows bigint, retention interval,
               last_run timestamptz, last_error text, held_back int, held_back_by text)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    cfg tenancy.partition_config;
    ctype regtype;
    current_step timestamp;
    def regclass;
BEGIN
    FOR cfg IN SELECT * FROM tenancy.partition_config c ORDER BY c.parent::oid LOOP
        parent := cfg.parent;
        kind := cfg.kind;
        retention := cfg.retention;
        held_back := NULL;
        held_back_by := NULL;
        SELECT s.last_run, s.last_error INTO last_run, last_error
          FROM tenancy.partition_state s WHERE s.parent = cfg.parent;
        IF NOT EXISTS (SELECT 1 FROM pg_class WHERE oid = cfg.parent) THEN
            partitions := NULL; oldest := NULL; newest := NULL; premade_ahead := NULL; default_rows := NULL;
            last_error := 'the table no longer exists';
            RETURN NEXT;
            CONTINUE;
        END IF;
        ctype := tenancy._partition_control_type(cfg.parent, cfg.control);
        IF cfg.kind = 'time' THEN
            current_step := tenancy._partition_step_floor(now() AT TIME ZONE 'UTC', cfg.step);
            SELECT count(*), (array_agg(ch.child_name ORDER BY ch.lower))[1],
                   (array_agg(ch.child_name ORDER BY ch.lower DESC))[1],
                   count(*) FILTER (WHERE ch.lower > current_step)
              INTO partitions, oldest, newest, premade_ahead
              FROM tenancy._partition_children(cfg.parent, ctype) ch WHERE NOT ch.is_default;
            -- partitions past retention that the keep rule holds back
            IF cfg.retention IS NOT NULL AND cfg.keep_where IS NOT NULL THEN
                held_back_by := format('keep_where: %s', cfg.keep_where);
                BEGIN
                    SELECT count(*) INTO held_back
                      FROM tenancy._partition_children(cfg.parent, ctype) ch
                     WHERE NOT ch.is_default AND ch.upper <= tenancy._partition_retention_cutoff(now() AT TIME ZONE 'UTC', cfg.retention)
                       AND tenancy._partition_has_rows(ch.child, format('(%s)',
                               tenancy._partition_keep_rule(cfg.parent, cfg.keep_where)));
                EXCEPTION WHEN OTHERS THEN
                    -- e.g. a column of the rule renamed: maintenance retires
                    -- nothing of this set until the rule is set again
                    held_back := NULL;
                    held_back_by := format('keep_where %s cannot be evaluated: %s', cfg.keep_where, SQLERRM);
                END;
            END IF;
            -- a retention group's member: its partitions past retention
            -- that wait for the group (groups.sql)
            IF cfg.retire_with IS NOT NULL THEN
                held_back_by := format('retires with %s', cfg.retire_with);
                BEGIN
                    SELECT count(*) INTO held_back
                      FROM tenancy._partition_children(cfg.parent, ctype) ch
                     WHERE NOT ch.is_default AND ch.upper <= tenancy._partition_retention_cutoff(now() AT TIME ZONE 'UTC', cfg.retention)
                       AND tenancy._partition_group_waits(cfg.parent, ch.lower, ch.upper);
                EXCEPTION WHEN OTHERS THEN
                    held_back := NULL;
                    held_back_by := format('retires with %s, whose keep rule cannot be evaluated: %s',
                                           cfg.retire_with, SQLERRM);
                END;
            END IF;
        ELSE
            SELECT count(*), (array_agg(ch.child_name ORDER BY ch.child_name))[1],
                   (array_agg(ch.child_name ORDER BY ch.child_name DESC))[1]
              INTO partitions, oldest, newest
              FROM tenancy._partition_children(cfg.parent, ctype) ch WHERE NOT ch.is_default;
            premade_ahead := NULL;
        END IF;
        def := tenancy._partition_default_of(cfg.parent);
        default_rows := NULL;
        IF def IS NOT NULL THEN
            -- counted as the owner: every row, even under forced RLS
            default_rows := tenancy._partition_as_owner(def,
                format('SELECT count(*) FROM %s', tenancy._partition_qualified(def)), NULL::bigint);
        END IF;
        RETURN NEXT;
    END LOOP;
END
$$;
COMMENT ON FUNCTION tenancy.partition_status() IS
    'One row per registered partition set: partitions, premade, default rows, last run and error, '
    'partitions past retention held back by a keep rule or a retention group';
