-- children.sql: making partitions: one child made and attached (time,
-- tenant or default), and the missing time partitions made at registration.

-- Makes (or returns) the partition child_name of parent for bound (the
-- text after ATTACH PARTITION ... : 'FOR VALUES ...' or 'DEFAULT').
-- The child is made as a plain table LIKE the parent, given the parent's
-- owner, grants, statement triggers, row level security and policies,
-- filled with the rows of the default partition matching move_where (if
-- any), and only then attached: it is never visible without its policies,
-- and ATTACH takes SHARE UPDATE EXCLUSIVE on the parent instead of the
-- ACCESS EXCLUSIVE that CREATE TABLE ... PARTITION OF takes.
CREATE FUNCTION tenancy._partition_make_child(parent regclass, child_name name, bound text,
                                              move_where text)
RETURNS regclass LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    nsp oid;
    nspname name;
    owner oid;
    spc name;
    existing oid;
    child regclass;
    target text;
    def regclass;
    cols text;
    has_grants boolean;
    has_triggers boolean;
    has_rls boolean;
BEGIN
    SELECT c.relnamespace, n.nspname, c.relowner, t.spcname,
           c.relacl IS NOT NULL OR EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid
                                              AND a.attnum > 0 AND a.attacl IS NOT NULL),
           c.relhastriggers, c.relrowsecurity
      INTO nsp, nspname, owner, spc, has_grants, has_triggers, has_rls
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      LEFT JOIN pg_tablespace t ON t.oid = c.reltablespace
     WHERE c.oid = parent;
    SELECT oid INTO existing FROM pg_class WHERE relnamespace = nsp AND relname = child_name;
    IF existing IS NOT NULL THEN
        IF EXISTS (SELECT 1 FROM pg_inherits WHERE inhrelid = existing AND inhparent = parent) THEN
            RETURN existing::regclass;
        END IF;
        PERFORM tenancy._partition_fail('42P07',
            format('relation %I.%I already exists and is not a partition of %s', nspname, child_name, parent),
            'tenancy names partitions deterministically: rename or drop that relation.');
    END IF;
    target := format('%I.%I', nspname, child_name);
    EXECUTE format('CREATE TABLE %s (LIKE %s INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING INDEXES '
                   'INCLUDING STORAGE INCLUDING COMMENTS INCLUDING GENERATED INCLUDING STATISTICS '
                   'INCLUDING COMPRESSION)%s',
                   target, tenancy._partition_qualified(parent),
                   CASE WHEN spc IS NULL THEN '' ELSE format(' TABLESPACE %I', spc) END);
    child := target::regclass;
    -- What LIKE cannot copy (e.g. an index kept on each partition only) is
    -- the parent's client's business: its new_child hooks (hooks.sql).
    PERFORM tenancy._partition_run_hooks(parent, 'new_child', child);
    IF (SELECT relowner FROM pg_class WHERE oid = child) <> owner THEN
        EXECUTE format('ALTER TABLE %s OWNER TO %s', target, tenancy._partition_role(owner));
    END IF;
    IF has_grants THEN
        PERFORM tenancy._partition_copy_grants(parent, child);
    END IF;

    def := tenancy._partition_default_of(parent);
    IF move_where IS NOT NULL AND def IS NOT NULL THEN
        -- Writers into the default wait (for at most lock_timeout) so that no
        -- row of this range can land there between the move and ATTACH.
        EXECUTE format('LOCK TABLE %s IN EXCLUSIVE MODE', tenancy._partition_qualified(def));
    END IF;
    IF move_where IS NOT NULL AND def IS NOT NULL AND tenancy._partition_has_rows(def, move_where) THEN
        SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) INTO cols
          FROM pg_attribute
         WHERE attrelid = parent AND attnum > 0 AND NOT attisdropped AND attgenerated = '';
        -- A physical move, run as the default's owner: its triggers and
        -- expressions never run with the caller's rights, and row level
        -- security (even forced) never filters it. An audit trigger skips
        -- the move: the moving_rows hooks (hooks.sql) tell it, and the
        -- audit capability keeps that in backend state, not a setting.
        PERFORM tenancy._partition_run_hooks(parent, 'moving_rows', def, true);
        PERFORM tenancy._partition_as_owner(def, format(
            'WITH moved AS (DELETE FROM %s WHERE %s RETURNING %s), '
            'ins AS (INSERT INTO %s (%s) SELECT %s FROM moved) SELECT count(*) FROM moved',
            tenancy._partition_qualified(def), move_where, cols, target, cols, cols), NULL::bigint);
        PERFORM tenancy._partition_run_hooks(parent, 'moving_rows', def, false);
    END IF;

    -- Triggers after the move (it is not a change to report); policies
    -- before the child becomes reachable through the parent.
    IF has_triggers THEN
        PERFORM tenancy._partition_copy_triggers(parent, child);
    END IF;
    IF has_rls THEN
        PERFORM tenancy._partition_copy_policies(parent, child);
    END IF;
    -- ATTACH clones the parent's foreign keys under SHARE ROW EXCLUSIVE on
    -- the tables they reference, which inserts into those wait for: what it
    -- reads of them is loaded first, under ACCESS SHARE.
    PERFORM tenancy._partition_load_referenced(parent);
    EXECUTE format('ALTER TABLE %s ATTACH PARTITION %s %s',
                   tenancy._partition_qualified(parent), target, bound);
    RETURN child;
END
$$;

-- Makes the time partition [lower, upper) of parent, moving its rows out
-- of the default, and drops the pending exclusion constraint if any.
CREATE FUNCTION tenancy._partition_make_time_child(parent regclass, lower timestamp,
                                                   move_rows boolean DEFAULT true)
RETURNS regclass LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    cfg tenancy.partition_config;
    ctype regtype;
    upper timestamp;
    lo text;
    hi text;
    child regclass;
    def regclass;
BEGIN
    SELECT * INTO STRICT cfg FROM tenancy.partition_config c WHERE c.parent = $1;
    ctype := tenancy._partition_control_type(parent, cfg.control);
    upper := tenancy._partition_step_add(lower, cfg.step, 1);
    lo := tenancy._partition_literal(lower, ctype);
    hi := tenancy._partition_literal(upper, ctype);
    child := tenancy._partition_make_child(parent,
        tenancy._partition_time_name((SELECT relname FROM pg_class WHERE oid = parent), cfg.step, lower),
        format('FOR VALUES FROM (%s) TO (%s)', lo, hi),
        CASE WHEN move_rows THEN format('%I >= %s AND %I < %s', cfg.control, lo, cfg.control, hi) END);
    def := tenancy._partition_default_of(parent);
    IF EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = def
                  AND conname = tenancy._partition_pending_name(lower)) THEN
        EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I',
                       tenancy._partition_qualified(def), tenancy._partition_pending_name(lower));
    END IF;
    RETURN child;
END
$$;

-- Makes the missing time partitions of a registered parent in the current
-- transaction (registration); returns how many.
CREATE FUNCTION tenancy._partition_premake_now(parent regclass, start_at timestamp)
RETURNS int LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    cfg tenancy.partition_config;
    ctype regtype;
    now_utc timestamp := now() AT TIME ZONE 'UTC';
    lowers timestamp[];
    uppers timestamp[];
    lower timestamp;
    made int := 0;
    def regclass := tenancy._partition_default_of(parent);
    move_rows boolean := false;
BEGIN
    SELECT * INTO STRICT cfg FROM tenancy.partition_config c WHERE c.parent = $1;
    ctype := tenancy._partition_control_type(parent, cfg.control);
    -- Each ATTACH holds the default's ACCESS EXCLUSIVE lock to the end of
    -- this transaction anyway: take EXCLUSIVE once, and when the default is
    -- empty skip the per-partition search for rows to move.
    IF def IS NOT NULL THEN
        EXECUTE format('LOCK TABLE %s IN EXCLUSIVE MODE', tenancy._partition_qualified(def));
        move_rows := tenancy._partition_has_rows(def);
    END IF;
    SELECT coalesce(array_agg(ch.lower), '{}'), coalesce(array_agg(ch.upper), '{}')
      INTO lowers, uppers
      FROM tenancy._partition_children(parent, ctype) ch WHERE NOT ch.is_default;
    FOREACH lower IN ARRAY tenancy._partition_premake_plan(cfg.step, cfg.premake, start_at, now_utc,
                                                           tenancy._partition_retention_cutoff(now_utc, cfg.retention),
                                                           lowers, uppers)
    LOOP
        PERFORM tenancy._partition_make_time_child(parent, lower, move_rows);
        made := made + 1;
    END LOOP;
    RETURN made;
END
$$;

CREATE FUNCTION tenancy._partition_make_default(parent regclass)
RETURNS int LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF tenancy._partition_default_of(parent) IS NOT NULL THEN
        RETURN 0;
    END IF;
    PERFORM tenancy._partition_make_child(parent,
        tenancy._partition_default_name((SELECT relname FROM pg_class WHERE oid = parent)),
        'DEFAULT', NULL);
    RETURN 1;
END
$$;
