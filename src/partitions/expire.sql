-- expire.sql: retention of the rows in a time set's default partition.
-- Rows land there when no partition existed for them; maintenance drains
-- the ones it makes partitions for, never those older than the retention
-- cutoff. Those leave as a partition would: a row goes once the whole step
-- it belongs to ends at or before now() - keep (its control value is before
-- the start of the cutoff's step), by the parent's action: drop deletes it,
-- detach and archive move it into <parent>_expired, in the parent's schema
-- or in archive_schema. All of it runs as the default's owner.

-- The table that takes the expired rows of parent's default (detach,
-- archive): made on first need LIKE the parent (generated columns become
-- plain ones, holding their values), given the parent's owner, grants, row
-- level security and policies, as a detached partition keeps them. An
-- existing table of that name is used when it has the parent's columns.
CREATE FUNCTION tenancy._partition_expired_table(parent regclass, schema_name name)
RETURNS regclass LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    table_name name := tenancy._partition_expired_name((SELECT relname FROM pg_class WHERE oid = parent));
    target text := format('%I.%I', schema_name, table_name);
    existing oid;
    kind "char";
    owner oid;
    has_rls boolean;
    missing text;
BEGIN
    SELECT relowner, relrowsecurity INTO owner, has_rls FROM pg_class WHERE oid = parent;
    -- the rows are moved as the owner (_partition_as_owner)
    IF NOT has_schema_privilege(owner, schema_name, 'USAGE') THEN
        PERFORM tenancy._partition_fail('42501',
            format('owner of table %s may not use schema %I', parent, schema_name),
            format('Retention moves expired rows as the table''s owner: GRANT USAGE ON SCHEMA %I TO %s.',
                   schema_name, tenancy._partition_role(owner)));
    END IF;
    SELECT c.oid, c.relkind INTO existing, kind
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = schema_name AND c.relname = table_name;
    IF existing IS NULL THEN
        EXECUTE format('CREATE TABLE %s (LIKE %s INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING INDEXES '
                       'INCLUDING STORAGE INCLUDING COMMENTS INCLUDING COMPRESSION)',
                       target, tenancy._partition_qualified(parent));
        IF (SELECT relowner FROM pg_class WHERE oid = target::regclass) <> owner THEN
            EXECUTE format('ALTER TABLE %s OWNER TO %s', target, tenancy._partition_role(owner));
        END IF;
        PERFORM tenancy._partition_copy_grants(parent, target::regclass);
        IF has_rls THEN
            PERFORM tenancy._partition_copy_policies(parent, target::regclass);
        END IF;
        RETURN target::regclass;
    END IF;
    IF kind NOT IN ('r', 'p') THEN
        PERFORM tenancy._partition_fail('42809', format('%s is not a table', target),
            'Retention moves the expired rows of the default partition into this name: rename or drop it.');
    END IF;
    missing := tenancy._partition_missing_columns(parent, existing::regclass);
    IF missing IS NOT NULL THEN
        PERFORM tenancy._partition_fail('42703', format('table %s lacks columns of %s', target, parent),
            'Retention moves the expired rows of the default partition into it: add the columns, or rename it.',
            format('Missing: %s.', missing));
    END IF;
    RETURN existing::regclass;
END
$$;

-- One retention batch on parent's default partition, under lock_timeout =
-- lock_wait and the parent's advisory lock (as every maintenance step):
-- up to batch_size expired rows deleted, or moved by the parent's action.
-- Returns the rows removed (0: nothing expired, no retention, no default,
-- or another run holds the parent).
CREATE FUNCTION tenancy._partition_expire_batch(parent regclass, lock_wait interval, batch_size int)
RETURNS bigint LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    cfg tenancy.partition_config;
    def regclass;
    expiry record;
    older text;
BEGIN
    PERFORM tenancy._partition_set_lock_timeout(lock_wait);
    IF NOT pg_try_advisory_xact_lock(tenancy._partition_lock_key(parent)) THEN
        RETURN 0;
    END IF;
    SELECT * INTO STRICT cfg FROM tenancy.partition_config c WHERE c.parent = $1;
    IF cfg.kind <> 'time' OR NOT EXISTS (SELECT 1 FROM pg_class WHERE oid = parent) THEN
        RETURN 0; -- a dropped parent is reported by the plan
    END IF;
    -- Which rows leave, and where to, is the planner's
    -- (maintenance_plan.cpp): by the step holding the retention cutoff,
    -- sparing kept rows, never for a parent with before_retire hooks.
    SELECT * INTO expiry FROM tenancy._partition_default_expiry(
        now() AT TIME ZONE 'UTC', cfg.step, cfg.retention,
        tenancy._partition_retire_action(cfg.archive_to, cfg.retention_action), cfg.keep_where IS NOT NULL,
        cfg.retention IS NOT NULL AND tenancy._partition_has_hooks(parent, 'before_retire'));
    IF NOT FOUND THEN
        RETURN 0;
    END IF;
    PERFORM tenancy._partition_check_owner(parent);
    def := tenancy._partition_default_of(parent);
    IF def IS NULL THEN
        RETURN 0;
    END IF;
    older := format('%I < %s', cfg.control,
                    tenancy._partition_literal(expiry.before, tenancy._partition_control_type(parent, cfg.control)));
    IF expiry.spare_kept THEN
        older := format('%s AND (%s) IS NOT TRUE', older, tenancy._partition_keep_rule(parent, cfg.keep_where));
    END IF;
    IF NOT tenancy._partition_has_rows(def, older) THEN
        RETURN 0;
    END IF;
    PERFORM tenancy._partition_refuse_referencing_fks(parent,
        'Drop those foreign keys, or turn retention off with set_retention(parent, NULL).');
    RETURN tenancy._partition_delete_batch(def, older, batch_size,
        CASE expiry.destination WHEN 'archive_table' THEN cfg.archive_to
                         WHEN 'expired_table' THEN
            tenancy._partition_expired_table(parent, coalesce(cfg.archive_schema,
                (SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                  WHERE c.oid = parent))) END);
END
$$;

-- Retention of parent's default partition, in committed batches of 10000
-- rows, each under lock_timeout = lock_wait. A failed batch is rolled back,
-- its error appended to errors, and the rest left to the next run. When
-- nothing has expired, nothing is committed: the caller's transaction goes
-- on. A procedure that commits cannot pin search_path: every name here is
-- qualified, and the work is in pinned functions.
CREATE PROCEDURE tenancy._partition_expire_default(parent regclass, lock_wait interval, INOUT errors text[])
LANGUAGE plpgsql AS $$
DECLARE
    n bigint;
BEGIN
    LOOP
        BEGIN
            n := tenancy._partition_expire_batch(parent, lock_wait, 10000);
        EXCEPTION WHEN OTHERS THEN
            errors := errors OPERATOR(pg_catalog.||) pg_catalog.format('expire default: %s', SQLERRM);
            RETURN;
        END;
        EXIT WHEN n OPERATOR(pg_catalog.=) 0;
        COMMIT;
    END LOOP;
END
$$;
