-- groups.sql: retention groups. Tables whose foreign keys reference a
-- time-partitioned table, partitioned on the same time key with the same
-- step, retire with it: set_retention(referenced, ..., linked => ARRAY[...])
-- names them (never found silently: retention drops their data too), each
-- member's row in partition_config gets retire_with = the referenced table
-- and its retention and action. A member's expired partition goes first
-- (members run before the table they reference); the referenced partition
-- of the same range waits until no member partition of that range is
-- left, and is then detached (which checks that no row still
-- references it) and dropped or kept by the action.

-- The members of parent's retention group (empty when it has none).
CREATE FUNCTION tenancy._partition_group_members(parent regclass)
RETURNS regclass[] LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    -- PL/pgSQL: every maintenance step calls it (catalog.sql)
    RETURN (SELECT coalesce(array_agg(c.parent ORDER BY c.parent::oid), '{}')
              FROM tenancy.partition_config c WHERE c.retire_with = $1);
END
$$;

-- Refuses (changing nothing) a group that could not retire together:
-- linked must name distinct tables other than parent, each owned by the
-- caller, registered for time partitions with parent's control type and
-- step, in no other group and referenced by no foreign key (groups are
-- one level deep, which also rules out cycles and nesting), and each holding a
-- foreign key to parent that links its time key to parent's (so that a
-- referencing row lives in the same range as the row it references).
CREATE FUNCTION tenancy._partition_check_group(parent regclass, linked regclass[])
RETURNS void LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    root tenancy.partition_config;
    member regclass;
    cfg tenancy.partition_config;
    root_type regtype;
    member_type regtype;
BEGIN
    IF array_position(linked, NULL) IS NOT NULL THEN
        PERFORM tenancy._partition_fail('22004', 'linked must not hold NULL',
            'Name each table whose foreign keys reference the table, e.g. linked => ARRAY[''audit_files'']::regclass[].');
    END IF;
    IF parent = ANY (linked) THEN
        PERFORM tenancy._partition_fail('22023', format('table %s cannot be linked to itself', parent),
            'linked names the other tables that reference it.');
    END IF;
    IF cardinality(linked) <> (SELECT count(DISTINCT l) FROM unnest(linked) l) THEN
        PERFORM tenancy._partition_fail('22023', 'linked names a table twice', 'Name each table once.');
    END IF;
    SELECT * INTO STRICT root FROM tenancy.partition_config c WHERE c.parent = $1;
    root_type := tenancy._partition_control_type(parent, root.control);
    FOREACH member IN ARRAY linked LOOP
        PERFORM tenancy._partition_check_owner(member);
        SELECT * INTO cfg FROM tenancy.partition_config c WHERE c.parent = member;
        IF NOT FOUND OR cfg.kind <> 'time' THEN
            PERFORM tenancy._partition_fail('55000',
                format('linked table %s is not registered for time partitions', member),
                format('Register it with tenancy.partition_by_time on the same time key and step as %s first.', parent));
        END IF;
        IF cfg.retire_with IS NOT NULL AND cfg.retire_with <> parent THEN
            PERFORM tenancy._partition_fail('55000',
                format('table %s already retires with %s', member, cfg.retire_with),
                format('Remove it from that group first: set_retention on %s without it.', cfg.retire_with));
        END IF;
        member_type := tenancy._partition_control_type(member, cfg.control);
        IF member_type <> root_type THEN
            PERFORM tenancy._partition_fail('42804',
                format('linked table %s is partitioned on %s, %s on %s', member, member_type, parent, root_type),
                'A group retires the same ranges of each table together: partition them on the same time type.');
        END IF;
        IF cfg.step <> root.step THEN
            PERFORM tenancy._partition_fail('22023',
                format('linked table %s has partitions of %s, %s of %s', member, cfg.step, parent, root.step),
                'A group retires the same ranges of each table together: register them with the same step.');
        END IF;
        IF NOT EXISTS (SELECT 1 FROM pg_constraint k
                        WHERE k.contype = 'f' AND k.conrelid = member AND k.confrelid = parent
                          AND k.conparentid = 0) THEN
            PERFORM tenancy._partition_fail('42830',
                format('table %s has no foreign key to %s', member, parent),
                'linked names the tables whose foreign keys reference the table; retire other tables with their own set_retention.');
        END IF;
        IF NOT EXISTS (SELECT 1 FROM pg_constraint k,
                              unnest(k.conkey, k.confkey) AS pair(from_att, to_att)
                        WHERE k.contype = 'f' AND k.conrelid = member AND k.confrelid = parent
                          AND k.conparentid = 0
                          AND pair.to_att = (SELECT a.attnum FROM pg_attribute a
                                              WHERE a.attrelid = parent AND a.attname = root.control)
                          AND pair.from_att = (SELECT a.attnum FROM pg_attribute a
                                                WHERE a.attrelid = member AND a.attname = cfg.control)) THEN
            PERFORM tenancy._partition_fail('42830',
                format('the foreign key of %s to %s does not link %I to %I', member, parent, cfg.control, root.control),
                'A referencing row must live in the range of the row it references: make the foreign key carry the time key.');
        END IF;
        -- '{}': the foreign keys of member's own group count too
        PERFORM tenancy._partition_refuse_referencing_fks(member,
            'A group''s members are retired too: drop those foreign keys, or leave the table out.', '{}');
    END LOOP;
END
$$;

-- Whether parent's partition [range_lower, range_upper), past retention,
-- must wait for its group (partition_status and the recheck before a
-- member's retirement): the facts gathered here, the rule is the planner's
-- (_partition_group_range_waits, maintenance_plan.cpp): the partitions of
-- the tables referencing parent, and for a member whose referenced table
-- has a keep rule, that table's partitions of the range holding kept rows.
CREATE FUNCTION tenancy._partition_group_waits(parent regclass, range_lower timestamp, range_upper timestamp)
RETURNS boolean LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    cfg tenancy.partition_config;
    root tenancy.partition_config;
    ctype regtype;
    member_lowers timestamp[];
    member_uppers timestamp[];
    kept_lowers timestamp[] := '{}';
    kept_uppers timestamp[] := '{}';
BEGIN
    SELECT * INTO STRICT cfg FROM tenancy.partition_config c WHERE c.parent = $1;
    ctype := tenancy._partition_control_type(parent, cfg.control);
    SELECT coalesce(array_agg(ch.lower ORDER BY ch.lower, ch.upper), '{}'),
           coalesce(array_agg(ch.upper ORDER BY ch.lower, ch.upper), '{}')
      INTO member_lowers, member_uppers
      FROM unnest(tenancy._partition_group_members(parent)) m, tenancy._partition_children(m, ctype) ch
     WHERE NOT ch.is_default;
    IF cfg.retire_with IS NOT NULL THEN
        SELECT * INTO root FROM tenancy.partition_config c WHERE c.parent = cfg.retire_with;
    END IF;
    -- kept rows are looked for only in the range's partitions
    IF root.keep_where IS NOT NULL THEN
        SELECT coalesce(array_agg(ch.lower ORDER BY ch.lower), '{}'), coalesce(array_agg(ch.upper ORDER BY ch.lower), '{}')
          INTO kept_lowers, kept_uppers
          FROM tenancy._partition_children(root.parent, ctype) ch
         WHERE NOT ch.is_default AND ch.lower < range_upper AND ch.upper > range_lower
           AND tenancy._partition_has_rows(ch.child, format('(%s)',
                   tenancy._partition_keep_rule(root.parent, root.keep_where)));
    END IF;
    RETURN tenancy._partition_group_range_waits(range_lower, range_upper, member_lowers, member_uppers,
        cfg.retire_with IS NOT NULL, root.keep_where IS NOT NULL, kept_lowers, kept_uppers);
END
$$;

-- A member's partition detached from it keeps, as a table of its own, the
-- member's foreign key to the referenced table, whose rows of that range
-- leave next: the key goes with the detachment.
CREATE FUNCTION tenancy._partition_drop_group_fks(child regclass, root regclass)
RETURNS void LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    fk name;
BEGIN
    FOR fk IN SELECT k.conname FROM pg_constraint k
               WHERE k.contype = 'f' AND k.conrelid = child AND k.confrelid = root AND k.conparentid = 0
               ORDER BY k.conname
    LOOP
        EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', tenancy._partition_qualified(child), fk);
    END LOOP;
END
$$;
