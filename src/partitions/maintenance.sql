-- maintenance.sql: CALL tenancy.run_maintenance(): its plan, the steps
-- around attaching next to a default that holds rows, and the run itself.

-- What one maintenance run does for parent, in order: the facts gathered
-- here, the plan made from them by the C++ planner
-- (src/partitions/maintenance_plan.cpp, unit-tested without a server).
-- Facts come from the catalog and the clock and, where rows matter, from
-- the rows themselves, read as the table's owner: the default partition's
-- (times or tenants of its rows), and under a keep rule those of the
-- partitions past retention (which hold kept rows, and which of these
-- also others). Steps (action):
--   default       the default partition, when with_default is set and it
--                 is missing (dropped by hand): first
--   retire        a partition past retention, by ops (_partition_retire)
--   thin          the rows a keep rule does not keep, batch_rows at a
--                 time, into thin_into (_partition_thin)
--   make          a time partition [lower, upper) next to an empty default
--   make_pending  the same next to a default holding rows
--   tenant        a tenant partition for rows found in the default
-- The planner's name of a set's retention action: drop, detach,
-- archive_schema or archive_table.
CREATE FUNCTION tenancy._partition_retire_action(archive_to regclass, retention_action text)
RETURNS text LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RETURN CASE WHEN archive_to IS NOT NULL THEN 'archive_table'
                WHEN retention_action = 'archive' THEN 'archive_schema'
                ELSE retention_action END;
END
$$;

CREATE FUNCTION tenancy._partition_plan(parent regclass)
RETURNS TABLE (step_no int, action text, lower timestamp, upper timestamp, child regclass,
               tenant uuid, ops text[], thin_into text, batch_rows int)
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    cfg tenancy.partition_config;
    ctype regtype;
    now_utc timestamp := now() AT TIME ZONE 'UTC';
    cutoff timestamp;
    lowers timestamp[];
    uppers timestamp[];
    children regclass[];
    row_times timestamp[] := '{}';
    def regclass;
    has_rows boolean := false;
    keep text;
    kept regclass[] := '{}';
    unkept regclass[] := '{}';
    members regclass[];
    member_lowers timestamp[];
    member_uppers timestamp[];
    referenced tenancy.partition_config;
    kept_lowers timestamp[] := '{}';
    kept_uppers timestamp[] := '{}';
BEGIN
    SELECT * INTO STRICT cfg FROM tenancy.partition_config c WHERE c.parent = $1;
    ctype := tenancy._partition_control_type(cfg.parent, cfg.control);
    def := tenancy._partition_default_of(cfg.parent);
    -- The default's rows are read as its owner: every row, whoever calls.
    IF def IS NOT NULL THEN
        has_rows := tenancy._partition_has_rows(def);
    END IF;
    IF cfg.kind = 'tenant' THEN
        RETURN QUERY SELECT * FROM tenancy._partition_tenant_plan(cfg.with_default, def IS NOT NULL, has_rows,
            CASE WHEN has_rows THEN tenancy._partition_as_owner(def, format(
                'SELECT coalesce(array_agg(t ORDER BY t), ''{}'') '
                'FROM (SELECT DISTINCT %I AS t FROM %s WHERE %I IS NOT NULL LIMIT 10) q',
                cfg.control, tenancy._partition_qualified(def), cfg.control), NULL::uuid[])
            ELSE '{}' END);
        RETURN;
    END IF;
    cutoff := tenancy._partition_retention_cutoff(now_utc, cfg.retention);
    SELECT coalesce(array_agg(ch.lower ORDER BY ch.lower), '{}'), coalesce(array_agg(ch.upper ORDER BY ch.lower), '{}'),
           coalesce(array_agg(ch.child ORDER BY ch.lower), '{}')
      INTO lowers, uppers, children
      FROM tenancy._partition_children(cfg.parent, ctype) ch WHERE NOT ch.is_default;
    -- retention groups (groups.sql): the partitions of the tables that
    -- reference this one, and for a member, the partitions of the table it
    -- references that hold kept rows, of the ranges past retention
    members := tenancy._partition_group_members(cfg.parent);
    SELECT coalesce(array_agg(ch.lower ORDER BY ch.lower, ch.upper), '{}'),
           coalesce(array_agg(ch.upper ORDER BY ch.lower, ch.upper), '{}')
      INTO member_lowers, member_uppers
      FROM unnest(members) m, tenancy._partition_children(m, ctype) ch WHERE NOT ch.is_default;
    IF cfg.retire_with IS NOT NULL THEN
        SELECT * INTO referenced FROM tenancy.partition_config c WHERE c.parent = cfg.retire_with;
        IF referenced.keep_where IS NOT NULL THEN
            SELECT coalesce(array_agg(ch.lower ORDER BY ch.lower), '{}'), coalesce(array_agg(ch.upper ORDER BY ch.lower), '{}')
              INTO kept_lowers, kept_uppers
              FROM tenancy._partition_children(referenced.parent, ctype) ch
             WHERE NOT ch.is_default
               AND EXISTS (SELECT 1 FROM unnest(lowers, uppers) AS x(l, u)
                            WHERE u <= cutoff AND ch.lower < u AND ch.upper > l)
               AND tenancy._partition_has_rows(ch.child, format('(%s)',
                       tenancy._partition_keep_rule(referenced.parent, referenced.keep_where)));
        END IF;
    END IF;
    -- Under a keep rule, the partitions past retention holding kept rows,
    -- and of these those holding others (looked for only there).
    IF cfg.keep_where IS NOT NULL THEN
        keep := tenancy._partition_keep_rule(cfg.parent, cfg.keep_where);
        SELECT coalesce(array_agg(c ORDER BY l), '{}') INTO kept
          FROM unnest(lowers, uppers, children) AS x(l, u, c)
         WHERE u <= cutoff AND tenancy._partition_has_rows(c, format('(%s)', keep));
        SELECT coalesce(array_agg(c), '{}') INTO unkept
          FROM unnest(kept) c WHERE tenancy._partition_has_rows(c, format('(%s) IS NOT TRUE', keep));
    END IF;
    IF has_rows THEN
        row_times := tenancy._partition_as_owner(def, format(
            'SELECT coalesce(array_agg(f), ''{}'') FROM (SELECT DISTINCT '
            'tenancy._partition_step_floor(%s, %L::interval) AS f FROM %s WHERE %I IS NOT NULL '
            'AND %s > ''-infinity'' AND %s < ''infinity'' LIMIT 1000) q',
            tenancy._partition_utc_expr(cfg.control, ctype), cfg.step, tenancy._partition_qualified(def),
            cfg.control, quote_ident(cfg.control), quote_ident(cfg.control)), NULL::timestamp[]);
    END IF;
    RETURN QUERY SELECT * FROM tenancy._partition_time_plan(
        now_utc => now_utc, step => cfg.step, premake => cfg.premake,
        with_default => cfg.with_default, has_default => def IS NOT NULL, default_has_rows => has_rows,
        partitions => children, lowers => lowers, uppers => uppers, default_row_times => row_times,
        retention => cfg.retention,
        action => tenancy._partition_retire_action(cfg.archive_to, cfg.retention_action),
        archive_partitioned => (SELECT c.relkind = 'p' FROM pg_class c WHERE c.oid = cfg.archive_to),
        keep_rule => cfg.keep_where IS NOT NULL, holding_kept => kept, holding_unkept => unkept,
        has_members => cardinality(members) > 0,
        member_lowers => member_lowers, member_uppers => member_uppers,
        is_member => cfg.retire_with IS NOT NULL,
        referenced_keep_rule => referenced.keep_where IS NOT NULL,
        referenced_kept_lowers => kept_lowers, referenced_kept_uppers => kept_uppers);
END
$$;

-- Before attaching [lower, ...) next to a default partition that holds
-- rows (none of them in the range): adds a NOT VALID check constraint
-- excluding the range from the default (a brief lock, no scan). Returns
-- whether it did. _partition_validate_pending then validates it under
-- SHARE UPDATE EXCLUSIVE (writers keep going), and ATTACH skips its scan
-- (_partition_make_pending walks these steps, one transaction each).
CREATE FUNCTION tenancy._partition_prepare(parent regclass, lower timestamp)
RETURNS boolean LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    cfg tenancy.partition_config;
    ctype regtype;
    def regclass := tenancy._partition_default_of(parent);
    lo text;
    hi text;
BEGIN
    IF def IS NULL THEN
        RETURN false;
    END IF;
    SELECT * INTO STRICT cfg FROM tenancy.partition_config c WHERE c.parent = $1;
    ctype := tenancy._partition_control_type(parent, cfg.control);
    lo := tenancy._partition_literal(lower, ctype);
    hi := tenancy._partition_literal(tenancy._partition_step_add(lower, cfg.step, 1), ctype);
    IF NOT tenancy._partition_has_rows(def) THEN
        RETURN false; -- ATTACH scans an empty default at once
    END IF;
    IF tenancy._partition_has_rows(def, format('%I >= %s AND %I < %s', cfg.control, lo, cfg.control, hi)) THEN
        RETURN false; -- rows to move: one transaction moves them and attaches
    END IF;
    EXECUTE format('ALTER TABLE %s ADD CONSTRAINT %I CHECK (%I IS NULL OR %I < %s OR %I >= %s) NOT VALID',
                   tenancy._partition_qualified(def), tenancy._partition_pending_name(lower),
                   cfg.control, cfg.control, lo, cfg.control, hi);
    RETURN true;
END
$$;

CREATE FUNCTION tenancy._partition_validate_pending(parent regclass, lower timestamp)
RETURNS void LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    EXECUTE format('ALTER TABLE %s VALIDATE CONSTRAINT %I',
                   tenancy._partition_qualified(tenancy._partition_default_of(parent)),
                   tenancy._partition_pending_name(lower));
END
$$;

-- Drops pending exclusion constraints left by an interrupted run.
CREATE FUNCTION tenancy._partition_cleanup(parent regclass)
RETURNS int LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    def regclass := tenancy._partition_default_of(parent);
    con name;
    dropped int := 0;
BEGIN
    FOR con IN SELECT conname FROM pg_constraint
                WHERE conrelid = def AND contype = 'c' AND conname LIKE 'tenancy\_pending\_%'
                ORDER BY conname
    LOOP
        EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', tenancy._partition_qualified(def), con);
        dropped := dropped + 1;
    END LOOP;
    RETURN dropped;
END
$$;

-- One transaction's worth of a 'make_pending' step, worked out from the
-- catalog (so a run that was cancelled, or another run, takes over where
-- it stopped): add the NOT VALID constraint; or validate it; or attach.
-- Returns whether the partition was made (the step is over).
CREATE FUNCTION tenancy._partition_make_pending(parent regclass, lower timestamp)
RETURNS boolean LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    validated boolean;
BEGIN
    SELECT c.convalidated INTO validated FROM pg_constraint c
     WHERE c.conrelid = tenancy._partition_default_of(parent)
       AND c.conname = tenancy._partition_pending_name(lower);
    IF validated IS NULL THEN
        IF tenancy._partition_prepare(parent, lower) THEN
            RETURN false; -- committed before it is validated
        END IF;
    ELSIF NOT validated THEN
        BEGIN
            PERFORM tenancy._partition_validate_pending(parent, lower);
            RETURN false; -- committed before the partition is attached
        EXCEPTION WHEN check_violation THEN
            NULL; -- rows of the range arrived meanwhile: making it moves them
        END;
    END IF;
    PERFORM tenancy._partition_make_time_child(parent, lower);
    RETURN true;
END
$$;

CREATE FUNCTION tenancy._partition_record(parent regclass, errors text[])
RETURNS void LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
    INSERT INTO tenancy.partition_state AS s (parent, last_run, last_error)
    VALUES (parent, clock_timestamp(), nullif(array_to_string(errors, '; '), ''))
    ON CONFLICT (parent) DO UPDATE SET last_run = excluded.last_run, last_error = excluded.last_error
$$;

-- How a step of the plan is named in last_error.
CREATE FUNCTION tenancy._partition_step_name(action text, lower timestamp, child regclass, tenant uuid)
RETURNS text LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RETURN CASE action
        WHEN 'default' THEN 'make default'
        WHEN 'tenant' THEN format('tenant %s', tenant)
        WHEN 'retire' THEN format('retire %s', child)
        WHEN 'thin' THEN format('thin %s', child)
        ELSE format('make %s UTC', to_char(lower, 'YYYY-MM-DD"T"HH24:MI:SS'))
    END;
END
$$;

-- The parents one run works on (every registered one the caller sees, or
-- the one named), after checking the arguments; none on a standby.
CREATE FUNCTION tenancy._partition_maintenance_parents(parent regclass, lock_wait interval)
RETURNS regclass[] LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    parents regclass[];
BEGIN
    IF lock_wait IS NULL OR lock_wait <= interval '0' THEN
        PERFORM tenancy._partition_fail('22023', 'lock_wait must be a positive interval',
            'lock_wait bounds how long maintenance waits for a lock (and so how long traffic queues behind it), e.g. ''1s''.');
    END IF;
    IF parent IS NOT NULL AND NOT EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = parent) THEN
        PERFORM tenancy._partition_fail('42P01', format('relation with OID %s does not exist', parent::oid),
            'Pass a registered table, or NULL (the default) to maintain every registered table.');
    END IF;
    IF pg_is_in_recovery() THEN
        RETURN '{}';
    END IF;
    IF parent IS NOT NULL AND NOT EXISTS (SELECT 1 FROM tenancy.partition_config c WHERE c.parent = $1) THEN
        PERFORM tenancy._partition_fail('55000', format('table %s is not registered', parent),
            'Register it with tenancy.partition_by_time or tenancy.partition_by_tenant first.');
    END IF;
    -- a retention group's members first, so that their partitions leave
    -- before those they reference (groups.sql); naming the referenced
    -- table maintains its members too
    SELECT tenancy._partition_run_order($1, coalesce(array_agg(c.parent), '{}'),
                                        coalesce(array_agg(coalesce(c.retire_with, 0::regclass)), '{}'))
      INTO parents FROM tenancy.partition_config c;
    RETURN parents;
END
$$;

-- lock_timeout = lock_wait for the rest of this transaction: every step
-- of maintenance waits at most that long for a lock.
CREATE FUNCTION tenancy._partition_set_lock_timeout(lock_wait interval)
RETURNS void LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM set_config('lock_timeout',
                       least(ceil(extract(epoch FROM lock_wait) * 1000), 2147483647)::bigint::text || 'ms', true);
END
$$;

-- One transaction of a run on parent. It takes the parent's advisory lock
-- for this transaction only (a cancelled or failed run leaves nothing
-- behind; when another run holds it, that run does the work and this one
-- leaves the parent), works out from the catalog what is left to do, and
-- does one transaction's worth of the first step that has not failed in
-- this run. errors: the failures so far ('<step>: <message>'); steps_left:
-- NULL on the first call, then the plan steps this run may still finish
-- (the first plan's length: a run never does more than it first planned).
-- Returns steps_left NULL when the run on parent is over, recorded in
-- tenancy.partition_state unless left to another run.
CREATE FUNCTION tenancy._partition_maintenance_step(parent regclass, lock_wait interval,
                                          INOUT errors text[], INOUT steps_left int)
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    next_action text;
    next_lower timestamp;
    next_child regclass;
    next_tenant uuid;
    next_ops text[];
    next_thin_into text;
    next_batch int;
    next_name text;
    planned int;
    done boolean := true;
BEGIN
    PERFORM tenancy._partition_set_lock_timeout(lock_wait);
    IF NOT pg_try_advisory_xact_lock(tenancy._partition_lock_key(parent)) THEN
        steps_left := NULL;
        RETURN;
    END IF;
    IF steps_left IS NULL THEN
        errors := coalesce(errors, '{}');
        -- before_run hooks (hooks.sql), before the plan: e.g. the audit
        -- log is sealed, so that retention finds its old partitions sealed
        BEGIN
            PERFORM tenancy._partition_run_hooks(parent, 'before_run');
        EXCEPTION WHEN OTHERS THEN
            errors := errors || format('before_run: %s', SQLERRM);
        END;
    END IF;
    BEGIN
        IF steps_left IS NULL THEN
            PERFORM tenancy._partition_check_owner(parent);
            PERFORM tenancy._partition_cleanup(parent);
        END IF;
        -- the plan's order: the default first, then retention oldest
        -- first, then partitions nearest to now first: each transaction
        -- plans again, and so takes the same partitions as the first plan
        -- did under its caps; none once the first plan's steps are done
        -- (the run is over whatever a plan would say)
        IF steps_left IS NULL OR steps_left > 0 THEN
            SELECT s.action, s.lower, s.child, s.tenant, s.ops, s.thin_into, s.batch_rows,
                   count(*) OVER () AS planned,
                   tenancy._partition_step_name(s.action, s.lower, s.child, s.tenant)
              INTO next_action, next_lower, next_child, next_tenant, next_ops, next_thin_into, next_batch,
                   planned, next_name
              FROM tenancy._partition_plan(parent) s
             WHERE NOT EXISTS (SELECT 1 FROM unnest(errors) e
                                WHERE starts_with(e, tenancy._partition_step_name(s.action, s.lower, s.child, s.tenant) || ': '))
             ORDER BY s.step_no
             LIMIT 1;
        END IF;
    EXCEPTION WHEN OTHERS THEN
        errors := errors || format('plan: %s', SQLERRM);
        next_action := NULL;
    END;
    steps_left := coalesce(steps_left, planned, 0);
    IF next_action IS NULL OR steps_left <= 0 THEN
        -- Over (nothing left, the common case, costs this one transaction):
        -- a pending constraint of a step that failed is dropped.
        BEGIN
            PERFORM tenancy._partition_cleanup(parent);
        EXCEPTION WHEN OTHERS THEN
            errors := errors || format('cleanup: %s', SQLERRM);
        END;
        PERFORM tenancy._partition_record(parent, errors);
        steps_left := NULL;
        RETURN;
    END IF;
    BEGIN
        IF next_action = 'make_pending' THEN
            done := tenancy._partition_make_pending(parent, next_lower);
        ELSIF next_action = 'make' THEN
            PERFORM tenancy._partition_make_time_child(parent, next_lower);
        ELSIF next_action = 'default' THEN
            PERFORM tenancy._partition_make_default(parent);
        ELSIF next_action = 'tenant' THEN
            PERFORM tenancy.add_tenant_partition(parent, next_tenant);
        ELSIF next_action = 'thin' THEN
            -- repeated (a committed batch each) while rows are left to remove
            done := tenancy._partition_thin(parent, next_child, next_batch, next_thin_into);
        ELSE
            -- held back when kept rows arrived since the plan (the next
            -- plan thins it or leaves it); repeated while an archive_to
            -- copy has rows left
            done := tenancy._partition_retire(parent, next_child, next_ops);
        END IF;
    EXCEPTION WHEN OTHERS THEN
        errors := errors || format('%s: %s', next_name, SQLERRM);
    END;
    IF done THEN
        steps_left := steps_left - 1;
    END IF;
END
$$;

-- For each registered parent (or the one named): premake, retention and
-- moving rows out of the default partition, one transaction per step,
-- each with lock_timeout = lock_wait; a step that fails or cannot get its
-- locks is rolled back, recorded in last_error and retried next run. A
-- transaction-level advisory lock per parent, taken in each of them, keeps
-- two runs off the same step. On a standby it does nothing.
--
-- It COMMITs, so it cannot pin search_path: its body resolves nothing on
-- the caller's path (every function schema-qualified, no operator, types
-- qualified), and the work is in the pinned functions it calls.
CREATE PROCEDURE tenancy.run_maintenance(parent regclass DEFAULT NULL, lock_wait interval DEFAULT '1s')
LANGUAGE plpgsql AS $$
DECLARE
    parents pg_catalog.regclass[];
    p pg_catalog.regclass;
    run_errors pg_catalog.text[];
    budget pg_catalog.int4;
BEGIN
    parents := tenancy._partition_maintenance_parents(parent, lock_wait);
    PERFORM tenancy._partition_require_commit('run_maintenance');
    COMMIT;
    FOREACH p IN ARRAY parents LOOP
        run_errors := '{}';
        budget := NULL;
        -- expired rows of the default leave first, in committed batches
        CALL tenancy._partition_expire_default(p, lock_wait, run_errors);
        -- bounded: _partition_maintenance_step counts budget down to NULL
        LOOP
            SELECT s.errors, s.steps_left INTO run_errors, budget
              FROM tenancy._partition_maintenance_step(p, lock_wait, run_errors, budget) s;
            COMMIT;
            EXIT WHEN budget IS NULL;
        END LOOP;
    END LOOP;
    IF pg_catalog.has_function_privilege('tenancy.purge_soft_deleted(pg_catalog.regclass)', 'EXECUTE') THEN CALL tenancy.purge_soft_deleted(parent); END IF; -- soft delete's purge, for whom the DBA granted it (src/isolation/soft_delete.sql), added by S
    IF pg_catalog.has_function_privilege('tenancy.flush_api_key_use()', 'EXECUTE') THEN PERFORM tenancy.flush_api_key_use(); COMMIT; END IF; -- API keys' uses noted in shared memory (src/apikeys/key_use_pg.cpp), added by K
END
$$;
COMMENT ON PROCEDURE tenancy.run_maintenance(regclass, interval) IS
    'Premake, retention and default draining for registered partition sets; one transaction per step';
