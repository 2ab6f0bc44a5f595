-- partitions.sql: partition sets (SPEC part 4): configuration, the C++
-- helpers for names and bounds, child creation, and the registration calls.
-- Run by maintenance.sql (run_maintenance, set_retention) and purge.sql.
--
-- Every entry point (the calls, and each helper run_maintenance calls
-- directly) pins search_path to pg_catalog, pg_temp, so expressions read
-- back (pg_get_expr) and re-executed resolve the same way; the internal
-- helpers without a SET clause run only under such a caller (a SET clause
-- costs a GUC save and restore per call, and keeps SQL functions from being
-- inlined). All dynamic SQL quotes every identifier (%I) and literal (%L).
-- None of these functions is SECURITY DEFINER: they run with the caller's
-- rights, and none is executable by PUBLIC (src/core/privileges.sql).

CREATE TABLE tenancy.partition_config (
    parent regclass PRIMARY KEY,
    kind text NOT NULL CHECK (kind IN ('time', 'tenant')),
    control name NOT NULL,
    step interval,
    premake int NOT NULL DEFAULT 4 CHECK (premake BETWEEN 0 AND 1000),
    with_default boolean NOT NULL DEFAULT true,
    retention interval,
    retention_action text NOT NULL DEFAULT 'drop'
        CHECK (retention_action IN ('drop', 'detach', 'archive')),
    archive_schema name,
    CHECK ((kind = 'time') = (step IS NOT NULL)),
    CHECK ((retention_action = 'archive') = (archive_schema IS NOT NULL))
);
COMMENT ON TABLE tenancy.partition_config IS
    'Partition sets managed by tenancy (kept by pg_dump)';
SELECT pg_catalog.pg_extension_config_dump('tenancy.partition_config', '');

-- Run state: not configuration, so not dumped.
CREATE TABLE tenancy.partition_state (
    parent regclass PRIMARY KEY,
    last_run timestamptz,
    last_error text
);
COMMENT ON TABLE tenancy.partition_state IS
    'Last maintenance run and error of each partition set';

-- Delegation: a DBA may GRANT EXECUTE on the calls and SELECT, INSERT,
-- UPDATE, DELETE on these two tables to table owners; row level security
-- then limits each of them to the partition sets of tables they own.
CREATE FUNCTION tenancy._partition_owned(parent regclass)
RETURNS boolean LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce((SELECT pg_has_role(current_user, relowner, 'USAGE') FROM pg_class WHERE oid = parent),
                    false)
$$;
ALTER TABLE tenancy.partition_config ENABLE ROW LEVEL SECURITY;
CREATE POLICY owner_only ON tenancy.partition_config
    USING (tenancy._partition_owned(parent)) WITH CHECK (tenancy._partition_owned(parent));
ALTER TABLE tenancy.partition_state ENABLE ROW LEVEL SECURITY;
CREATE POLICY owner_only ON tenancy.partition_state
    USING (tenancy._partition_owned(parent)) WITH CHECK (tenancy._partition_owned(parent));

-- The pure C++ core: step arithmetic, names and plans (src/partitions/*.cpp).
CREATE FUNCTION tenancy._partition_check_step(step interval, whole_days boolean)
RETURNS void LANGUAGE c IMMUTABLE STRICT
AS 'MODULE_PATHNAME', 'partition_check_step';

CREATE FUNCTION tenancy._partition_step_floor(ts timestamp, step interval)
RETURNS timestamp LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'partition_step_floor';

CREATE FUNCTION tenancy._partition_step_add(ts timestamp, step interval, n int)
RETURNS timestamp LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'partition_step_add';

CREATE FUNCTION tenancy._partition_time_name(parent name, step interval, lower timestamp)
RETURNS name LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'partition_time_name';

CREATE FUNCTION tenancy._partition_tenant_name(parent name, tenant uuid, full_uuid boolean)
RETURNS name LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'partition_tenant_name';

CREATE FUNCTION tenancy._partition_default_name(parent name)
RETURNS name LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'partition_default_name';

CREATE FUNCTION tenancy._partition_premake_plan(step interval, premake int,
    start_at timestamp, now_utc timestamp, cutoff timestamp,
    lowers timestamp[], uppers timestamp[])
RETURNS timestamp[] LANGUAGE c IMMUTABLE
AS 'MODULE_PATHNAME', 'partition_premake_plan';

CREATE FUNCTION tenancy._partition_drain_plan(step interval, premake int,
    now_utc timestamp, cutoff timestamp, wanted timestamp[],
    lowers timestamp[], uppers timestamp[], cap int)
RETURNS timestamp[] LANGUAGE c IMMUTABLE
AS 'MODULE_PATHNAME', 'partition_drain_plan';

-- Errors raised by the SQL side, in one place.
CREATE FUNCTION tenancy._partition_fail(code text, message text, hint text, detail text DEFAULT NULL)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF detail IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = code, MESSAGE = message, HINT = hint;
    END IF;
    RAISE EXCEPTION USING ERRCODE = code, MESSAGE = message, HINT = hint, DETAIL = detail;
END
$$;

-- The caller must be (a member of) the owner of tbl.
CREATE FUNCTION tenancy._partition_check_owner(tbl regclass)
RETURNS void LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    owner oid;
BEGIN
    SELECT relowner INTO owner FROM pg_class WHERE oid = tbl;
    IF owner IS NULL THEN
        PERFORM tenancy._partition_fail('42P01', format('relation with OID %s does not exist', tbl::oid),
            'The table was dropped; remove it from tenancy.partition_config.');
    END IF;
    IF NOT pg_has_role(current_user, owner, 'USAGE') THEN
        PERFORM tenancy._partition_fail('42501', format('must be owner of table %s', tbl),
            'Run it as the table''s owner (or a member of the owning role) or a superuser.');
    END IF;
END
$$;

-- A partition bound value printed by pg_get_expr, as a UTC timestamp.
CREATE FUNCTION tenancy._partition_bound_value(v text, control_type regtype)
RETURNS timestamp LANGUAGE sql STABLE AS $$
    SELECT CASE
        WHEN v IS NULL THEN NULL
        WHEN v = 'MINVALUE' THEN '-infinity'::timestamp
        WHEN v = 'MAXVALUE' THEN 'infinity'::timestamp
        WHEN control_type = 'timestamptz'::regtype THEN (s::timestamptz AT TIME ZONE 'UTC')
        WHEN control_type = 'date'::regtype THEN s::date::timestamp
        ELSE s::timestamp
    END
    FROM (SELECT replace(substr(v, 2, length(v) - 2), '''''', '''') AS s) q
$$;

-- A UTC timestamp as a literal of the control column's type.
CREATE FUNCTION tenancy._partition_literal(ts timestamp, control_type regtype)
RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE
        WHEN control_type = 'timestamptz'::regtype
            THEN format('%L::timestamptz', to_char(ts, 'YYYY-MM-DD"T"HH24:MI:SS.US') || '+00')
        WHEN control_type = 'date'::regtype
            THEN format('%L::date', to_char(ts, 'YYYY-MM-DD'))
        ELSE format('%L::timestamp', to_char(ts, 'YYYY-MM-DD"T"HH24:MI:SS.US'))
    END
$$;

-- The control column as a UTC timestamp expression.
CREATE FUNCTION tenancy._partition_utc_expr(control name, control_type regtype)
RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE
        WHEN control_type = 'timestamptz'::regtype THEN format('(%I AT TIME ZONE ''UTC'')', control)
        ELSE format('%I::timestamp', control)
    END
$$;

CREATE FUNCTION tenancy._partition_control_type(parent regclass, control name)
RETURNS regtype LANGUAGE sql STABLE AS $$
    SELECT atttypid::regtype FROM pg_attribute
     WHERE attrelid = parent AND attname = control AND attnum > 0 AND NOT attisdropped
$$;

-- Every partition of parent with its bounds (time) or tenants (list).
CREATE FUNCTION tenancy._partition_children(parent regclass, control_type regtype)
RETURNS TABLE (child regclass, child_name name, is_default boolean,
               lower timestamp, upper timestamp, tenants uuid[])
LANGUAGE sql STABLE AS $$
    WITH c AS (
        SELECT i.inhrelid AS child, r.relname, pg_get_expr(r.relpartbound, r.oid) AS b
          FROM pg_inherits i JOIN pg_class r ON r.oid = i.inhrelid
         WHERE i.inhparent = parent
    ), m AS (
        SELECT c.*, regexp_match(b, '^FOR VALUES FROM \((.*)\) TO \((.*)\)$') AS rng FROM c
    )
    SELECT m.child::regclass, m.relname, m.b = 'DEFAULT',
           CASE WHEN control_type <> 'uuid'::regtype
                THEN tenancy._partition_bound_value(m.rng[1], control_type) END,
           CASE WHEN control_type <> 'uuid'::regtype
                THEN tenancy._partition_bound_value(m.rng[2], control_type) END,
           CASE WHEN control_type = 'uuid'::regtype AND m.b LIKE 'FOR VALUES IN (%'
                THEN ARRAY(SELECT x[1]::uuid FROM regexp_matches(m.b, '''([0-9a-fA-F-]+)''', 'g') x) END
      FROM m
$$;

CREATE FUNCTION tenancy._partition_default_of(parent regclass)
RETURNS regclass LANGUAGE sql STABLE AS $$
    SELECT p.partdefid::regclass FROM pg_partitioned_table p
     WHERE p.partrelid = parent AND p.partdefid <> 0
$$;

-- Whether rel holds a row matching where_sql (true when unknown: row level
-- security forced on a table whose owner cannot bypass it hides its rows;
-- the caller then takes the path that is correct for any content).
CREATE FUNCTION tenancy._partition_has_rows(rel regclass, where_sql text DEFAULT 'true')
RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
    found_rows boolean;
BEGIN
    PERFORM set_config('row_security', 'off', true);
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM %s WHERE %s)', tenancy._partition_qualified(rel), where_sql)
       INTO found_rows;
    RETURN found_rows;
EXCEPTION WHEN insufficient_privilege THEN
    RETURN true;
END
$$;

-- Qualified, quoted name of a relation (never depends on search_path).
CREATE FUNCTION tenancy._partition_qualified(rel regclass)
RETURNS text LANGUAGE sql STABLE AS $$
    SELECT format('%I.%I', n.nspname, c.relname)
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = rel
$$;

-- A role as it is written in GRANT and CREATE POLICY (0 is PUBLIC).
CREATE FUNCTION tenancy._partition_role(role oid)
RETURNS text LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN role = 0 THEN 'PUBLIC'
                ELSE (SELECT quote_ident(rolname) FROM pg_roles WHERE oid = role) END
$$;

-- Copies the parent's privileges (table and column grants) to child.
CREATE FUNCTION tenancy._partition_copy_grants(parent regclass, child regclass)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    target text := tenancy._partition_qualified(child);
    owner oid;
    g record;
BEGIN
    SELECT relowner INTO owner FROM pg_class WHERE oid = parent;
    -- A NULL relacl means default privileges (owner only), as the child has.
    IF (SELECT relacl IS NOT NULL FROM pg_class WHERE oid = parent) THEN
        EXECUTE format('REVOKE ALL ON %s FROM %s', target, tenancy._partition_role(owner));
    END IF;
    FOR g IN
        SELECT a.grantee, a.privilege_type, a.is_grantable, NULL::name AS col
          FROM pg_class c, aclexplode(c.relacl) a WHERE c.oid = parent
        UNION ALL
        SELECT a.grantee, a.privilege_type, a.is_grantable, t.attname
          FROM pg_attribute t, aclexplode(t.attacl) a
         WHERE t.attrelid = parent AND t.attnum > 0 AND NOT t.attisdropped AND t.attacl IS NOT NULL
    LOOP
        EXECUTE format('GRANT %s%s ON %s TO %s%s', g.privilege_type,
            CASE WHEN g.col IS NULL THEN '' ELSE format(' (%I)', g.col) END, target,
            tenancy._partition_role(g.grantee),
            CASE WHEN g.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END);
    END LOOP;
END
$$;

-- Row level security and copies of the parent's policies.
CREATE FUNCTION tenancy._partition_copy_policies(parent regclass, child regclass)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    target text := tenancy._partition_qualified(child);
    rls boolean;
    forced boolean;
    p record;
BEGIN
    SELECT relrowsecurity, relforcerowsecurity INTO rls, forced FROM pg_class WHERE oid = parent;
    IF NOT rls THEN
        RETURN;
    END IF;
    EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', target);
    IF forced THEN
        EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', target);
    END IF;
    FOR p IN
        SELECT pol.polname, pol.polpermissive, obj_description(pol.oid, 'pg_policy') AS note,
               CASE pol.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE'
                               WHEN 'd' THEN 'DELETE' ELSE 'ALL' END AS cmd,
               (SELECT string_agg(tenancy._partition_role(r), ', ')
                  FROM unnest(pol.polroles) r) AS roles,
               pg_get_expr(pol.polqual, pol.polrelid) AS qual,
               pg_get_expr(pol.polwithcheck, pol.polrelid) AS check_expr
          FROM pg_policy pol WHERE pol.polrelid = parent ORDER BY pol.polname
    LOOP
        EXECUTE format('CREATE POLICY %I ON %s AS %s FOR %s TO %s%s%s', p.polname, target,
            CASE WHEN p.polpermissive THEN 'PERMISSIVE' ELSE 'RESTRICTIVE' END, p.cmd, p.roles,
            CASE WHEN p.qual IS NULL THEN '' ELSE format(' USING (%s)', p.qual) END,
            CASE WHEN p.check_expr IS NULL THEN '' ELSE format(' WITH CHECK (%s)', p.check_expr) END);
        -- the comment too: tenancy's isolation records what it did there
        IF p.note IS NOT NULL THEN
            EXECUTE format('COMMENT ON POLICY %I ON %s IS %L', p.polname, target, p.note);
        END IF;
    END LOOP;
END
$$;

-- The extension point for triggers (docs/partitions.md): row-level
-- triggers of the parent are cloned onto every partition by PostgreSQL at
-- ATTACH; statement-level triggers are not, so a statement run directly on
-- a partition would skip them. tenancy copies each non-internal
-- statement-level trigger of the parent onto the new child (same name,
-- events, transition tables, WHEN, function and arguments, enabled state).
CREATE FUNCTION tenancy._partition_copy_triggers(parent regclass, child regclass)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    target text := tenancy._partition_qualified(child);
    t record;
    events text[];
    args text[];
    rest bytea;
    cut int;
BEGIN
    FOR t IN
        SELECT tg.*, pg_get_expr(tg.tgqual, tg.tgrelid) AS when_expr
          FROM pg_trigger tg
         WHERE tg.tgrelid = parent AND NOT tg.tgisinternal AND (tg.tgtype & 1) = 0
         ORDER BY tg.tgname
    LOOP
        events := '{}';
        IF t.tgtype & 4 <> 0 THEN events := events || 'INSERT'::text; END IF;
        IF t.tgtype & 8 <> 0 THEN events := events || 'DELETE'::text; END IF;
        IF t.tgtype & 16 <> 0 THEN
            events := events || ('UPDATE'::text || coalesce(' OF ' || (
                SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY k.i)
                  FROM unnest(t.tgattr::int2[]) WITH ORDINALITY k(n, i)
                  JOIN pg_attribute a ON a.attrelid = parent AND a.attnum = k.n), ''));
        END IF;
        IF t.tgtype & 32 <> 0 THEN events := events || 'TRUNCATE'::text; END IF;
        args := '{}';
        rest := t.tgargs;
        FOR i IN 1 .. t.tgnargs LOOP
            cut := position('\x00'::bytea IN rest);
            args := args || quote_literal(convert_from(substring(rest FROM 1 FOR cut - 1),
                                                      current_setting('server_encoding')));
            rest := substring(rest FROM cut + 1);
        END LOOP;
        EXECUTE format('CREATE TRIGGER %I %s %s ON %s%s FOR EACH STATEMENT%s EXECUTE FUNCTION %s(%s)',
            t.tgname,
            CASE WHEN t.tgtype & 2 <> 0 THEN 'BEFORE' WHEN t.tgtype & 64 <> 0 THEN 'INSTEAD OF' ELSE 'AFTER' END,
            array_to_string(events, ' OR '), target,
            CASE WHEN t.tgoldtable IS NULL AND t.tgnewtable IS NULL THEN ''
                 ELSE ' REFERENCING'
                      || CASE WHEN t.tgoldtable IS NULL THEN '' ELSE format(' OLD TABLE AS %I', t.tgoldtable) END
                      || CASE WHEN t.tgnewtable IS NULL THEN '' ELSE format(' NEW TABLE AS %I', t.tgnewtable) END
            END,
            CASE WHEN t.when_expr IS NULL THEN '' ELSE format(' WHEN (%s)', t.when_expr) END,
            t.tgfoid::regproc::text, array_to_string(args, ', '));
        IF t.tgenabled <> 'O' THEN
            EXECUTE format('ALTER TABLE %s %s TRIGGER %I', target,
                CASE t.tgenabled WHEN 'D' THEN 'DISABLE' WHEN 'R' THEN 'ENABLE REPLICA'
                                 ELSE 'ENABLE ALWAYS' END, t.tgname);
        END IF;
    END LOOP;
END
$$;

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
RETURNS regclass LANGUAGE plpgsql AS $$
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
    forced boolean;
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
    -- The audit log's index lives on each partition, not on the parent (see
    -- src/audit/audit.sql), so LIKE above does not copy it.
    IF parent = 'tenancy.audit_log'::regclass THEN
        EXECUTE format('CREATE INDEX ON %s (txid, id)', target);
    END IF;
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
        -- A physical move: row level security must not filter it. A table
        -- owner is exempt unless RLS is forced; then FORCE is lifted for this
        -- transaction only (under our lock, invisible to others) and put back.
        -- Triggers may skip the move by checking tenancy.moving_rows.
        forced := (SELECT relforcerowsecurity FROM pg_class WHERE oid = def);
        IF forced THEN
            EXECUTE format('ALTER TABLE %s NO FORCE ROW LEVEL SECURITY', tenancy._partition_qualified(def));
        END IF;
        PERFORM set_config('row_security', 'off', true);
        PERFORM set_config('tenancy.moving_rows', 'on', true);
        EXECUTE format('WITH moved AS (DELETE FROM %s WHERE %s RETURNING %s) '
                       'INSERT INTO %s (%s) SELECT %s FROM moved',
                       tenancy._partition_qualified(def), move_where, cols, target, cols, cols);
        PERFORM set_config('tenancy.moving_rows', 'off', true);
        PERFORM set_config('row_security', 'on', true);
        IF forced THEN
            EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', tenancy._partition_qualified(def));
        END IF;
    END IF;

    -- Triggers after the move (it is not a change to report); policies
    -- before the child becomes reachable through the parent.
    IF has_triggers THEN
        PERFORM tenancy._partition_copy_triggers(parent, child);
    END IF;
    IF has_rls THEN
        PERFORM tenancy._partition_copy_policies(parent, child);
    END IF;
    EXECUTE format('ALTER TABLE %s ATTACH PARTITION %s %s',
                   tenancy._partition_qualified(parent), target, bound);
    RETURN child;
END
$$;

-- The checks every registration shares; returns the control column's type.
CREATE FUNCTION tenancy._partition_check_parent(parent regclass, control name, strategy "char",
                                                allowed regtype[])
RETURNS regtype LANGUAGE plpgsql STABLE AS $$
DECLARE
    kind "char";
    part pg_partitioned_table;
    ctype regtype;
    attnum int2;
    wanted text := CASE strategy WHEN 'r' THEN 'RANGE' ELSE 'LIST' END;
BEGIN
    SELECT relkind INTO kind FROM pg_class WHERE oid = parent;
    IF kind IS DISTINCT FROM 'p' THEN
        PERFORM tenancy._partition_fail('42809', format('table %s is not partitioned', parent),
            format('Declare it with PARTITION BY %s (%s) first.', wanted, control));
    END IF;
    PERFORM tenancy._partition_check_owner(parent);
    SELECT * INTO part FROM pg_partitioned_table WHERE partrelid = parent;
    IF part.partstrat <> strategy THEN
        PERFORM tenancy._partition_fail('42809',
            format('table %s is not partitioned by %s', parent, wanted),
            format('Declare it with PARTITION BY %s (%s).', wanted, control));
    END IF;
    SELECT a.atttypid::regtype, a.attnum INTO ctype, attnum FROM pg_attribute a
     WHERE a.attrelid = parent AND a.attname = control AND a.attnum > 0 AND NOT a.attisdropped;
    IF ctype IS NULL THEN
        PERFORM tenancy._partition_fail('42703',
            format('column "%s" of table %s does not exist', control, parent),
            'Name the column the table is partitioned by.');
    END IF;
    IF part.partnatts <> 1 OR part.partattrs[0] <> attnum THEN
        PERFORM tenancy._partition_fail('42P17',
            format('table %s is not partitioned by column "%s" alone', parent, control),
            'tenancy manages tables partitioned by one column; name that column.');
    END IF;
    IF NOT ctype = ANY (allowed) THEN
        PERFORM tenancy._partition_fail('42804',
            format('column "%s" has type %s', control, ctype),
            format('Partition by a column of type %s.', array_to_string(allowed::text[], ' or ')));
    END IF;
    RETURN ctype;
END
$$;

CREATE FUNCTION tenancy._partition_lock_key(parent regclass)
RETURNS bigint LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT (hashtext('tenancy.partitions')::bigint << 32) | parent::oid::bigint
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

CREATE FUNCTION tenancy._partition_pending_name(lower timestamp)
RETURNS name LANGUAGE sql IMMUTABLE AS $$
    SELECT ('tenancy_pending_' || to_char(lower, 'YYYYMMDD_HH24MISS'))::name
$$;

-- Makes the missing time partitions of a registered parent in the current
-- transaction (registration); returns how many.
CREATE FUNCTION tenancy._partition_premake_now(parent regclass, start_at timestamp)
RETURNS int LANGUAGE plpgsql AS $$
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
                                                           now_utc - cfg.retention, lowers, uppers)
    LOOP
        PERFORM tenancy._partition_make_time_child(parent, lower, move_rows);
        made := made + 1;
    END LOOP;
    RETURN made;
END
$$;

CREATE FUNCTION tenancy._partition_make_default(parent regclass)
RETURNS int LANGUAGE plpgsql AS $$
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
        INSERT INTO tenancy.partition_config (parent, kind, control, step, premake, with_default)
        VALUES (parent, 'time', control, step, premake, with_default);
        INSERT INTO tenancy.partition_state (parent) VALUES (parent) ON CONFLICT DO NOTHING;
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
RETURNS regclass LANGUAGE sql STABLE AS $$
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

CREATE FUNCTION tenancy.partition_status()
RETURNS TABLE (parent regclass, kind text, partitions int, oldest text, newest text,
               premade_ahead int, default_rows bigint, retention interval,
               last_run timestamptz, last_error text)
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
            EXECUTE format('SELECT count(*) FROM %s', tenancy._partition_qualified(def)) INTO default_rows;
        END IF;
        RETURN NEXT;
    END LOOP;
END
$$;
COMMENT ON FUNCTION tenancy.partition_status() IS
    'One row per registered partition set: partitions, premade, default rows, last run and error';
