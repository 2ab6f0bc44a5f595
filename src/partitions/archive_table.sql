-- archive_table.sql: retention's action archive into a table
-- (set_retention's archive_to): the target's check, and the move of one
-- expired partition into it.

-- Refuses (changing nothing) a target that cannot take parent's expired
-- partitions: not a table, parent itself or one of its partitions, another
-- owner (rows and partitions move as the table's owner), a column of
-- parent missing or of another type; a partitioned target must have
-- exactly parent's columns and be partitioned by RANGE on control, so
-- that a partition attaches to it as it was.
CREATE FUNCTION tenancy._partition_check_archive_table(parent regclass, control name, target regclass)
RETURNS void LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    kind "char";
    target_owner oid;
    missing text;
    differing text;
    extra text;
    key_ok boolean;
BEGIN
    SELECT c.relkind, c.relowner INTO kind, target_owner FROM pg_class c WHERE c.oid = target;
    IF kind IS NULL THEN
        PERFORM tenancy._partition_fail('42P01', format('relation with OID %s does not exist', target::oid),
            'Create the archive table, or pass another archive_to.');
    END IF;
    IF kind NOT IN ('r', 'p') THEN
        PERFORM tenancy._partition_fail('42809', format('archive_to %s is not a table', target),
            'Pass a table (plain: rows are copied; partitioned: partitions are attached).');
    END IF;
    IF target = parent OR parent IN (SELECT a.relid FROM pg_partition_ancestors(target) a) THEN
        PERFORM tenancy._partition_fail('22023', format('archive_to %s is %s itself or one of its partitions', target, parent),
            'Pass a separate archive table.');
    END IF;
    IF target_owner <> (SELECT c.relowner FROM pg_class c WHERE c.oid = parent) THEN
        PERFORM tenancy._partition_fail('42501', format('archive table %s is not owned by the owner of %s', target, parent),
            format('Retention moves rows and partitions as the table''s owner: ALTER TABLE %s OWNER TO %s.',
                   target, tenancy._partition_role((SELECT c.relowner FROM pg_class c WHERE c.oid = parent))));
    END IF;
    missing := tenancy._partition_missing_columns(parent, target);
    IF missing IS NOT NULL THEN
        PERFORM tenancy._partition_fail('42703', format('archive table %s lacks columns of %s', target, parent),
            'Add the columns, or pass another archive_to.', format('Missing: %s.', missing));
    END IF;
    SELECT string_agg(format('%I (%s, not %s)', p.attname, format_type(t.atttypid, t.atttypmod),
                             format_type(p.atttypid, p.atttypmod)), ', ' ORDER BY p.attnum)
      INTO differing
      FROM pg_attribute p JOIN pg_attribute t ON t.attrelid = target AND t.attname = p.attname
                                              AND t.attnum > 0 AND NOT t.attisdropped
     WHERE p.attrelid = parent AND p.attnum > 0 AND NOT p.attisdropped
       AND (t.atttypid, t.atttypmod) IS DISTINCT FROM (p.atttypid, p.atttypmod);
    IF differing IS NOT NULL THEN
        PERFORM tenancy._partition_fail('42804', format('archive table %s has columns of other types than %s', target, parent),
            'Give them the types of the table''s columns.', format('Differing: %s.', differing));
    END IF;
    IF kind = 'p' THEN
        extra := tenancy._partition_missing_columns(target, parent);
        SELECT pt.partstrat = 'r' AND pt.partnatts = 1
               AND (SELECT a.attname FROM pg_attribute a
                     WHERE a.attrelid = target AND a.attnum = pt.partattrs[0]) = control
          INTO key_ok
          FROM pg_partitioned_table pt WHERE pt.partrelid = target;
        IF extra IS NOT NULL OR NOT key_ok THEN
            PERFORM tenancy._partition_fail('42P17',
                format('partitioned archive table %s does not match %s', target, parent),
                format('A partitioned archive_to takes the expired partitions as they are: it needs exactly the columns of %s, partitioned by RANGE (%I).',
                       parent, control),
                CASE WHEN extra IS NOT NULL THEN format('Extra columns: %s.', extra) END);
        END IF;
    END IF;
END
$$;

-- Moves one expired partition child of parent into the partitioned
-- target (checked again: its columns or owner may have changed since
-- set_retention; a table's kind never changes, and the plan that chose
-- this function over _partition_archive_copy read it):
-- detached and attached to it with its bounds, no row copied.
CREATE FUNCTION tenancy._partition_archive_attach(parent regclass, child regclass, control name, target regclass)
RETURNS void LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    bound text;
BEGIN
    PERFORM tenancy._partition_check_archive_table(parent, control, target);
    SELECT pg_get_expr(c.relpartbound, c.oid) INTO bound FROM pg_class c WHERE c.oid = child;
    EXECUTE format('ALTER TABLE %s DETACH PARTITION %s',
                   tenancy._partition_qualified(parent), tenancy._partition_qualified(child));
    EXECUTE format('ALTER TABLE %s ATTACH PARTITION %s %s',
                   tenancy._partition_qualified(target), tenancy._partition_qualified(child), bound);
END
$$;

-- Copies one expired partition child of parent into the plain target
-- (checked again): one batch of 10000 rows copied (deleted from child and
-- inserted in one statement, as the owner) per call; returns false while
-- rows are left, and drops child once empty (true); true also when it
-- could copy none (rows locked by others: the next run).
CREATE FUNCTION tenancy._partition_archive_copy(parent regclass, child regclass, control name, target regclass)
RETURNS boolean LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    copied bigint;
BEGIN
    PERFORM tenancy._partition_check_archive_table(parent, control, target);
    copied := tenancy._partition_delete_batch(child, 'true', 10000, target);
    IF copied >= 10000 THEN
        RETURN false;
    END IF;
    -- The lock DROP takes anyway, first: rows skipped as locked by others,
    -- or inserted since, are copied before the partition goes (at the next
    -- call, or the next run when this call copied none).
    EXECUTE format('LOCK TABLE %s IN ACCESS EXCLUSIVE MODE', tenancy._partition_qualified(parent));
    IF tenancy._partition_has_rows(child) THEN
        RETURN copied = 0;
    END IF;
    EXECUTE format('DROP TABLE %s', tenancy._partition_qualified(child));
    RETURN true;
END
$$;
