-- maintenance.sql: CALL tenancy.run_maintenance(): its plan, the steps
-- around attaching next to a default that holds rows, and the run itself.

-- What one maintenance run does for parent, worked out from the catalog
-- and the clock (and, for the default partition only, its rows):
--   retire <child>   retention
--   make <lower>     a time partition next to an empty default (premake)
--   make_pending <lower>  the same next to a default holding rows
--   tenant <uuid>    a tenant partition for rows found in the default
CREATE FUNCTION tenancy._partition_plan(parent regclass)
RETURNS TABLE (action text, lower timestamp, child regclass, tenant uuid)
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    cfg tenancy.partition_config;
    ctype regtype;
    now_utc timestamp := now() AT TIME ZONE 'UTC';
    cutoff timestamp;
    lowers timestamp[];
    uppers timestamp[];
    premade timestamp[];
    children regclass[];
    wanted timestamp[] := '{}';
    def regclass;
    has_rows boolean := false;
BEGIN
    SELECT * INTO STRICT cfg FROM tenancy.partition_config c WHERE c.parent = $1;
    ctype := tenancy._partition_control_type(cfg.parent, cfg.control);
    def := tenancy._partition_default_of(cfg.parent);
    -- The default's rows are read as its owner: every row, whoever calls.
    IF def IS NOT NULL THEN
        has_rows := tenancy._partition_has_rows(def);
    END IF;
    IF cfg.kind = 'tenant' THEN
        IF has_rows THEN
            -- At most 10 tenants a run: the rest wait for the next run.
            RETURN QUERY SELECT 'tenant'::text, NULL::timestamp, NULL::regclass, t
              FROM unnest(tenancy._partition_as_owner(def, format(
                       'SELECT coalesce(array_agg(t ORDER BY t), ''{}'') '
                       'FROM (SELECT DISTINCT %I AS t FROM %s WHERE %I IS NOT NULL LIMIT 10) q',
                       cfg.control, tenancy._partition_qualified(def), cfg.control), NULL::uuid[])) t
             ORDER BY t;
        END IF;
        RETURN;
    END IF;
    cutoff := now_utc - cfg.retention;
    SELECT coalesce(array_agg(ch.lower ORDER BY ch.lower), '{}'), coalesce(array_agg(ch.upper ORDER BY ch.lower), '{}'),
           coalesce(array_agg(ch.child ORDER BY ch.lower), '{}')
      INTO lowers, uppers, children
      FROM tenancy._partition_children(cfg.parent, ctype) ch WHERE NOT ch.is_default;
    RETURN QUERY
        SELECT 'retire'::text, l, c, NULL::uuid
          FROM unnest(lowers, uppers, children) AS x(l, u, c)
         WHERE u <= cutoff ORDER BY l;
    premade := tenancy._partition_premake_plan(cfg.step, cfg.premake, NULL, now_utc, cutoff, lowers, uppers);
    IF has_rows THEN
        wanted := tenancy._partition_as_owner(def, format(
            'SELECT coalesce(array_agg(f), ''{}'') FROM (SELECT DISTINCT '
            'tenancy._partition_step_floor(%s, %L::interval) AS f FROM %s WHERE %I IS NOT NULL '
            'AND %s > ''-infinity'' AND %s < ''infinity'' LIMIT 1000) q',
            tenancy._partition_utc_expr(cfg.control, ctype), cfg.step, tenancy._partition_qualified(def),
            cfg.control, quote_ident(cfg.control), quote_ident(cfg.control)), NULL::timestamp[]);
        -- At most 10 partitions a run for rows in the default, none beyond
        -- the premake window: one bad row cannot make a thousand partitions.
        premade := premade || tenancy._partition_drain_plan(cfg.step, cfg.premake, now_utc, cutoff,
                                                            wanted, lowers, uppers, 10);
    END IF;
    -- 'make' next to an empty default attaches at once; 'make_pending' takes
    -- the NOT VALID path when the default holds rows.
    RETURN QUERY SELECT DISTINCT CASE WHEN has_rows THEN 'make_pending' ELSE 'make' END,
                        x, NULL::regclass, NULL::uuid
                   FROM unnest(premade) x ORDER BY 2;
END
$$;

-- Before attaching [lower, ...) next to a default partition that holds
-- rows (none of them in the range): adds a NOT VALID check constraint
-- excluding the range from the default (a brief lock, no scan). Returns
-- whether it did. _partition_validate_pending then validates it under
-- SHARE UPDATE EXCLUSIVE (writers keep going), and ATTACH skips its scan.
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

CREATE FUNCTION tenancy._partition_record(parent regclass, errors text[])
RETURNS void LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
    INSERT INTO tenancy.partition_state AS s (parent, last_run, last_error)
    VALUES (parent, clock_timestamp(), nullif(array_to_string(errors, '; '), ''))
    ON CONFLICT (parent) DO UPDATE SET last_run = excluded.last_run, last_error = excluded.last_error
$$;

-- For each registered parent (or the one named): premake, retention and
-- moving rows out of the default partition. Every step is its own
-- transaction with lock_timeout = lock_wait (set inside the transaction: a
-- procedure with a SET clause cannot COMMIT); a step that fails or cannot
-- get its locks is rolled back, recorded in last_error and retried next
-- run. A session advisory lock per parent keeps two runs off the same
-- parent. On a standby it does nothing.
CREATE PROCEDURE tenancy.run_maintenance(parent regclass DEFAULT NULL, lock_wait interval DEFAULT '1s')
LANGUAGE plpgsql AS $$
DECLARE
    parents regclass[];
    p regclass;
    timeout text;
    errors text[];
    ok boolean;
    pending boolean;
    actions text[];
    lowers timestamp[];
    children regclass[];
    tenants uuid[];
    what text;
    lock_key bigint;
BEGIN
    IF lock_wait IS NULL OR lock_wait <= interval '0' THEN
        PERFORM tenancy._partition_fail('22023', 'lock_wait must be a positive interval',
            'lock_wait bounds how long maintenance waits for a lock (and so how long traffic queues behind it), e.g. ''1s''.');
    END IF;
    timeout := least(ceil(extract(epoch FROM lock_wait) * 1000), 2147483647)::bigint::text || 'ms';
    IF pg_catalog.pg_is_in_recovery() THEN
        RETURN;
    END IF;
    -- the audit log registers itself the first time maintenance runs (when
    -- the caller may: a delegated owner of other tables need not)
    IF pg_catalog.has_function_privilege('tenancy.audit_log_ready()', 'EXECUTE') THEN
        PERFORM tenancy.audit_log_ready();
    END IF;
    IF parent IS NOT NULL AND NOT EXISTS (SELECT 1 FROM tenancy.partition_config c WHERE c.parent = $1) THEN
        PERFORM tenancy._partition_fail('55000', format('table %s is not registered', parent),
            'Register it with tenancy.partition_by_time or tenancy.partition_by_tenant first.');
    END IF;
    SELECT array_agg(c.parent ORDER BY c.parent::oid) INTO parents
      FROM tenancy.partition_config c WHERE $1 IS NULL OR c.parent = $1;
    COMMIT;
    FOREACH p IN ARRAY coalesce(parents, '{}') LOOP
        lock_key := tenancy._partition_lock_key(p);
        IF NOT pg_catalog.pg_try_advisory_lock(lock_key) THEN
            CONTINUE; -- another run is on it
        END IF;
        errors := '{}';
        -- The audit log is sealed before its partitions are planned, so that
        -- retention finds its old partitions sealed.
        IF p = 'tenancy.audit_log'::regclass THEN
            PERFORM pg_catalog.set_config('lock_timeout', timeout, true);
            BEGIN
                PERFORM tenancy.seal_audit();
            EXCEPTION WHEN OTHERS THEN
                errors := errors || format('seal: %s', SQLERRM);
            END;
            COMMIT;
        END IF;
        -- Expired rows of the default leave first (expire.sql).
        CALL tenancy._partition_expire_default(p, timeout, errors);
        PERFORM pg_catalog.set_config('lock_timeout', timeout, true);
        BEGIN
            PERFORM tenancy._partition_check_owner(p);
            PERFORM tenancy._partition_cleanup(p);
            SELECT coalesce(array_agg(s.action), '{}'), array_agg(s.lower), array_agg(s.child),
                   array_agg(s.tenant)
              INTO actions, lowers, children, tenants
              FROM tenancy._partition_plan(p) s;
            ok := true;
        EXCEPTION WHEN OTHERS THEN
            errors := errors || format('plan: %s', SQLERRM);
            ok := false;
        END;
        -- Nothing to do (the common case): the run is recorded in the
        -- plan's transaction, one transaction for the parent.
        IF ok AND cardinality(actions) > 0 THEN
            COMMIT;
            FOR i IN 1 .. cardinality(actions) LOOP
                what := format('%s %s', replace(actions[i], 'make_pending', 'make'),
                               coalesce(children[i]::text, tenants[i]::text,
                                        to_char(lowers[i], 'YYYY-MM-DD"T"HH24:MI:SS') || ' UTC'));
                IF actions[i] IN ('make', 'make_pending') THEN
                    pending := false;
                    IF actions[i] = 'make_pending' THEN
                        PERFORM pg_catalog.set_config('lock_timeout', timeout, true);
                        BEGIN
                            pending := tenancy._partition_prepare(p, lowers[i]);
                        EXCEPTION WHEN OTHERS THEN
                            errors := errors || format('%s: %s', what, SQLERRM);
                            CONTINUE;
                        END;
                        COMMIT;
                    END IF;
                    IF pending THEN
                        PERFORM pg_catalog.set_config('lock_timeout', timeout, true);
                        BEGIN
                            PERFORM tenancy._partition_validate_pending(p, lowers[i]);
                        EXCEPTION
                            WHEN check_violation THEN
                                NULL; -- rows arrived meanwhile: the next step moves them
                            WHEN OTHERS THEN
                                errors := errors || format('%s: %s', what, SQLERRM);
                        END;
                        COMMIT;
                    END IF;
                    PERFORM pg_catalog.set_config('lock_timeout', timeout, true);
                    BEGIN
                        PERFORM tenancy._partition_make_time_child(p, lowers[i]);
                    EXCEPTION WHEN OTHERS THEN
                        errors := errors || format('%s: %s', what, SQLERRM);
                    END;
                    COMMIT;
                ELSE
                    PERFORM pg_catalog.set_config('lock_timeout', timeout, true);
                    BEGIN
                        IF actions[i] = 'tenant' THEN
                            PERFORM tenancy.add_tenant_partition(p, tenants[i]);
                        ELSE
                            PERFORM tenancy._partition_retire(p, children[i]);
                        END IF;
                    EXCEPTION WHEN OTHERS THEN
                        errors := errors || format('%s: %s', what, SQLERRM);
                    END;
                    COMMIT;
                END IF;
            END LOOP;
            -- A step that failed after _partition_prepare leaves its pending
            -- constraint on the default: dropped here, or by the next run.
            IF 'make_pending' = ANY (actions) THEN
                PERFORM pg_catalog.set_config('lock_timeout', timeout, true);
                BEGIN
                    PERFORM tenancy._partition_cleanup(p);
                EXCEPTION WHEN OTHERS THEN
                    errors := errors || format('cleanup: %s', SQLERRM);
                END;
                COMMIT;
            END IF;
        END IF;
        PERFORM tenancy._partition_record(p, errors);
        COMMIT;
        PERFORM pg_catalog.pg_advisory_unlock(lock_key);
    END LOOP;
END
$$;
COMMENT ON PROCEDURE tenancy.run_maintenance(regclass, interval) IS
    'Premake, retention and default draining for registered partition sets; one transaction per step';
