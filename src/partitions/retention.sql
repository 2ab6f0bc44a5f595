-- retention.sql: retention settings (set_retention) and the retirement of
-- one partition (drop, detach or archive) that run_maintenance calls.

-- Refuses (2BP01, naming them) when foreign keys reference parent from
-- tables outside its retention group (linked, by default its registered
-- members, groups.sql): retention would break them. hint says what the
-- caller can do.
CREATE FUNCTION tenancy._partition_refuse_referencing_fks(parent regclass, hint text,
                                                          linked regclass[] DEFAULT NULL)
RETURNS void LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    fks text;
BEGIN
    SELECT string_agg(format('%I on %s', conname, conrelid::regclass), ', ' ORDER BY conname) INTO fks
      FROM pg_constraint
     WHERE contype = 'f' AND confrelid = parent AND conparentid = 0
       AND conrelid <> ALL (coalesce(linked, tenancy._partition_group_members(parent)));
    IF fks IS NOT NULL THEN
        PERFORM tenancy._partition_fail('2BP01',
            format('retention on %s would break foreign keys that reference it', parent),
            hint, format('Referencing: %s.', fks));
    END IF;
END
$$;

-- keep_where: rows that retention keeps past keep (see
-- _partition_keep_rule for what a rule may be). archive_to: the table
-- action archive moves expired partitions (partitioned) or rows (plain)
-- into, instead of archive_schema (archive_table.sql). linked: the
-- tables whose foreign keys reference parent, retired with it as its
-- retention group (groups.sql), which replaces any group parent had.
CREATE FUNCTION tenancy.set_retention(parent regclass, keep interval, action text DEFAULT 'drop',
                                      archive_schema name DEFAULT NULL, keep_where text DEFAULT NULL,
                                      archive_to regclass DEFAULT NULL, linked regclass[] DEFAULT NULL)
RETURNS void LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    cfg tenancy.partition_config;
    rule text;
BEGIN
    IF parent IS NULL OR action IS NULL THEN
        PERFORM tenancy._partition_fail('22004', 'parent and action must not be NULL',
            'Pass a registered table, how long to keep its data, and drop, detach or archive.');
    END IF;
    PERFORM tenancy._partition_check_owner(parent);
    SELECT * INTO cfg FROM tenancy.partition_config c WHERE c.parent = $1 FOR UPDATE;
    IF NOT FOUND OR cfg.kind <> 'time' THEN
        PERFORM tenancy._partition_fail('55000',
            format('table %s is not registered for time partitions', parent),
            'Register it with tenancy.partition_by_time first; retention applies to time partitions.');
    END IF;
    IF cfg.retire_with IS NOT NULL THEN
        PERFORM tenancy._partition_fail('55000', format('table %s retires with %s', parent, cfg.retire_with),
            format('Its retention is that of %s: set it there, or leave this table out of linked there first.',
                   cfg.retire_with));
    END IF;
    IF keep IS NOT NULL AND keep <= interval '0' THEN
        PERFORM tenancy._partition_fail('22023', 'keep must be a positive interval',
            'Pass how long data is kept, e.g. ''90 days'', or NULL to turn retention off.');
    END IF;
    IF action NOT IN ('drop', 'detach', 'archive') THEN
        PERFORM tenancy._partition_fail('22023', format('unknown retention action "%s"', action),
            'Use drop, detach (left as a plain table) or archive (moved to archive_schema).');
    END IF;
    IF cardinality(linked) > 0 AND archive_to IS NOT NULL THEN
        PERFORM tenancy._partition_fail('22023', 'archive_to cannot be used with linked tables',
            'archive_to takes one table''s partitions; archive a group into archive_schema instead.');
    END IF;
    IF action = 'archive' AND archive_to IS NOT NULL THEN
        IF archive_schema IS NOT NULL THEN
            PERFORM tenancy._partition_fail('22023', 'pass archive_schema or archive_to, not both',
                'archive_to names a table old partitions or rows go into; archive_schema a schema they are moved to.');
        END IF;
        PERFORM tenancy._partition_check_archive_table(parent, cfg.control, archive_to);
    ELSIF action = 'archive' THEN
        IF archive_schema IS NULL THEN
            PERFORM tenancy._partition_fail('22023', 'action archive needs an archive_schema or an archive_to table',
                'Name the schema old partitions are moved to, or the table they go into.');
        END IF;
        IF NOT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = archive_schema) THEN
            PERFORM tenancy._partition_fail('3F000', format('schema "%s" does not exist', archive_schema),
                'Create the archive schema first.');
        END IF;
        IF archive_schema = (SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                              WHERE c.oid = parent) THEN
            PERFORM tenancy._partition_fail('22023', 'archive_schema must differ from the table''s schema',
                'Name a separate schema for archived partitions.');
        END IF;
        IF NOT has_schema_privilege(archive_schema, 'CREATE') THEN
            PERFORM tenancy._partition_fail('42501', format('permission denied for schema %s', archive_schema),
                'Grant CREATE on the archive schema to the role that runs maintenance.');
        END IF;
    ELSIF archive_schema IS NOT NULL OR archive_to IS NOT NULL THEN
        PERFORM tenancy._partition_fail('22023', 'archive_schema and archive_to are only used with action archive',
            'Pass action => ''archive'' or leave them NULL.');
    END IF;
    IF keep_where IS NOT NULL THEN
        IF keep IS NULL THEN
            PERFORM tenancy._partition_fail('22023', 'keep_where needs a retention period',
                'Pass keep (how long rows are kept) with keep_where, or neither to turn retention off.');
        END IF;
        rule := tenancy._partition_keep_rule(parent, keep_where);
    END IF;
    IF linked IS NOT NULL AND keep IS NULL THEN
        PERFORM tenancy._partition_fail('22023', 'linked needs a retention period',
            'Pass keep with linked, or neither to turn retention off (which also releases the linked tables).');
    END IF;
    IF cardinality(linked) > 0 THEN
        PERFORM tenancy._partition_check_group(parent, linked);
    END IF;
    IF keep IS NOT NULL THEN
        PERFORM tenancy._partition_refuse_referencing_fks(parent,
            'Name the referencing tables in linked => ARRAY[...]::regclass[] to retire them with it, '
            'drop those foreign keys, or purge the referencing rows yourself.', coalesce(linked, '{}'));
    END IF;
    -- tables left out of the group keep no retention of their own
    UPDATE tenancy.partition_config c
       SET retire_with = NULL, retention = NULL, retention_action = 'drop', archive_schema = NULL
     WHERE c.retire_with = $1 AND c.parent <> ALL (coalesce(linked, '{}'));
    UPDATE tenancy.partition_config c
       SET retention = keep, retention_action = $3,
           archive_schema = CASE WHEN $3 = 'archive' THEN $4 END, keep_where = rule,
           archive_to = CASE WHEN $3 = 'archive' THEN $6 END
     WHERE c.parent = $1;
    UPDATE tenancy.partition_config c
       SET retire_with = $1, retention = keep, retention_action = $3,
           archive_schema = CASE WHEN $3 = 'archive' THEN $4 END, keep_where = NULL, archive_to = NULL
     WHERE c.parent = ANY (linked);
END
$$;
COMMENT ON FUNCTION tenancy.set_retention(regclass, interval, text, name, text, regclass, regclass[]) IS
    'Time partitions older than keep are dropped, detached, or moved to archive_schema or into archive_to '
    'by run_maintenance, except rows matching keep_where; the linked tables referencing it retire with it';

-- Retention of one partition, by the ops its plan gives (the C++
-- planner, maintenance_plan.cpp, chooses them from the set's action, keep
-- rule and retention group), in order:
--   recheck_kept       the ACCESS EXCLUSIVE lock on the parent that DROP and
--                      DETACH take anyway, first (so no writer is half-way
--                      through an insert into child), then a look for kept
--                      rows once more: a row committed since the plan holds
--                      the partition back
--   recheck_group      a group's member: the same lock on the referenced
--                      table (its own retirement takes it first, so that
--                      none arrives before it goes), then a look for its
--                      kept rows of child's range
--   before_retire      the set's hooks (e.g. the audit log's hash chains
--                      are re-anchored past what goes)
--   detach, drop, unlink_group_keys (the member's keys to the referenced
--   table, which a detached partition keeps), move_to_schema
--   attach_to_archive, copy_to_archive   into archive_to (archive_table.sql)
-- Returns whether the step is over (false: an archive_to copy has rows left).
CREATE FUNCTION tenancy._partition_retire(parent regclass, child regclass, ops text[])
RETURNS boolean LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    cfg tenancy.partition_config;
    op text;
BEGIN
    SELECT * INTO STRICT cfg FROM tenancy.partition_config c WHERE c.parent = $1;
    PERFORM tenancy._partition_refuse_referencing_fks(parent,
        'Drop those foreign keys, or turn retention off with set_retention(parent, NULL).');
    FOREACH op IN ARRAY ops LOOP
        CASE op
        WHEN 'recheck_kept' THEN
            EXECUTE format('LOCK TABLE %s IN ACCESS EXCLUSIVE MODE', tenancy._partition_qualified(parent));
            IF tenancy._partition_has_rows(child, format('(%s)', tenancy._partition_keep_rule(parent, cfg.keep_where))) THEN
                RETURN true;
            END IF;
        WHEN 'recheck_group' THEN
            EXECUTE format('LOCK TABLE %s IN ACCESS EXCLUSIVE MODE', tenancy._partition_qualified(cfg.retire_with));
            IF (SELECT tenancy._partition_group_waits(parent, ch.lower, ch.upper)
                  FROM tenancy._partition_children(parent, tenancy._partition_control_type(parent, cfg.control)) ch
                 WHERE ch.child = $2) THEN
                RETURN true;
            END IF;
        WHEN 'before_retire' THEN
            PERFORM tenancy._partition_run_hooks(parent, 'before_retire', child);
        WHEN 'detach' THEN
            EXECUTE format('ALTER TABLE %s DETACH PARTITION %s',
                           tenancy._partition_qualified(parent), tenancy._partition_qualified(child));
        WHEN 'unlink_group_keys' THEN
            PERFORM tenancy._partition_drop_group_fks(child, cfg.retire_with);
        WHEN 'drop' THEN
            EXECUTE format('DROP TABLE %s', tenancy._partition_qualified(child));
        WHEN 'move_to_schema' THEN
            EXECUTE format('ALTER TABLE %s SET SCHEMA %I', tenancy._partition_qualified(child),
                           cfg.archive_schema);
        WHEN 'attach_to_archive' THEN
            PERFORM tenancy._partition_archive_attach(parent, child, cfg.control, cfg.archive_to);
        WHEN 'copy_to_archive' THEN
            RETURN tenancy._partition_archive_copy(parent, child, cfg.control, cfg.archive_to);
        END CASE;
    END LOOP;
    RETURN true;
END
$$;

-- One batch of retention on a partition past retention that holds rows
-- its keep rule keeps: up to batch_size of its other rows removed, into
-- what the plan says (thin_into: nowhere deletes them, archive_table puts
-- them into archive_to, expired_table into <parent>_expired as for the
-- default's expired rows, expire.sql), as the table's owner. Returns
-- whether it is done (fewer than batch_size left).
CREATE FUNCTION tenancy._partition_thin(parent regclass, child regclass, batch_size int, thin_into text)
RETURNS boolean LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    cfg tenancy.partition_config;
BEGIN
    SELECT * INTO STRICT cfg FROM tenancy.partition_config c WHERE c.parent = $1;
    PERFORM tenancy._partition_refuse_referencing_fks(parent,
        'Drop those foreign keys, or turn retention off with set_retention(parent, NULL).');
    RETURN tenancy._partition_delete_batch(child,
        format('(%s) IS NOT TRUE', tenancy._partition_keep_rule(parent, cfg.keep_where)), batch_size,
        CASE thin_into
            WHEN 'archive_table' THEN cfg.archive_to
            WHEN 'expired_table' THEN
                tenancy._partition_expired_table(parent, coalesce(cfg.archive_schema,
                    (SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                      WHERE c.oid = parent))) END) < batch_size;
END
$$;
