-- catalog.sql: what the SQL side reads from the catalog (control column,
-- partitions and bounds, default partition, rows in it) and the SQL text it
-- builds from them (qualified names, roles, literals, lock keys).

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

CREATE FUNCTION tenancy._partition_lock_key(parent regclass)
RETURNS bigint LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT (hashtext('tenancy.partitions')::bigint << 32) | parent::oid::bigint
$$;

CREATE FUNCTION tenancy._partition_pending_name(lower timestamp)
RETURNS name LANGUAGE sql IMMUTABLE AS $$
    SELECT ('tenancy_pending_' || to_char(lower, 'YYYYMMDD_HH24MISS'))::name
$$;
