-- catalog.sql: what the SQL side reads from the catalog and the SQL text
-- it builds from it (rows in the default, roles, literals, lock keys). The
-- lookups every step makes (partitions and bounds, qualified names, the
-- default partition, the control column's type) are C, c_functions.sql.
-- Helpers that every maintenance step calls are PL/pgSQL, not SQL: a SQL
-- function with SET is never inlined and is parsed and planned again in
-- each transaction, and maintenance runs one transaction per step.

-- A UTC timestamp as a literal of the control column's type.
CREATE FUNCTION tenancy._partition_literal(ts timestamp, control_type regtype)
RETURNS text LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RETURN CASE
        WHEN control_type = 'timestamptz'::regtype
            THEN format('%L::timestamptz', to_char(ts, 'YYYY-MM-DD"T"HH24:MI:SS.US') || '+00')
        WHEN control_type = 'date'::regtype
            THEN format('%L::date', to_char(ts, 'YYYY-MM-DD'))
        ELSE format('%L::timestamp', to_char(ts, 'YYYY-MM-DD"T"HH24:MI:SS.US'))
    END;
END
$$;

-- The control column as a UTC timestamp expression.
CREATE FUNCTION tenancy._partition_utc_expr(control name, control_type regtype)
RETURNS text LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE
        WHEN control_type = 'timestamptz'::regtype THEN format('(%I AT TIME ZONE ''UTC'')', control)
        ELSE format('%I::timestamp', control)
    END
$$;

-- Whether rel holds a row matching where_sql, looked for as rel's owner
-- (every row, whatever row level security says; _partition_as_owner).
CREATE FUNCTION tenancy._partition_has_rows(rel regclass, where_sql text DEFAULT 'true')
RETURNS boolean LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RETURN tenancy._partition_as_owner(rel,
        format('SELECT EXISTS (SELECT 1 FROM %s WHERE %s)', tenancy._partition_qualified(rel), where_sql),
        NULL::boolean);
END
$$;

-- The columns of source that target lacks (quoted, comma-separated), or
-- NULL: what keeps rows of source from being copied into target by name.
CREATE FUNCTION tenancy._partition_missing_columns(source regclass, target regclass)
RETURNS text LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum)
      FROM pg_attribute a
     WHERE a.attrelid = source AND a.attnum > 0 AND NOT a.attisdropped
       AND NOT EXISTS (SELECT 1 FROM pg_attribute b WHERE b.attrelid = target AND b.attname = a.attname
                          AND b.attnum > 0 AND NOT b.attisdropped)
$$;

-- A role as it is written in GRANT and CREATE POLICY (0 is PUBLIC).
CREATE FUNCTION tenancy._partition_role(role oid)
RETURNS text LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE WHEN role = 0 THEN 'PUBLIC'
                ELSE (SELECT quote_ident(rolname) FROM pg_roles WHERE oid = role) END
$$;

CREATE FUNCTION tenancy._partition_lock_key(parent regclass)
RETURNS bigint LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RETURN (hashtext('tenancy.partitions')::bigint << 32) | parent::oid::bigint;
END
$$;

CREATE FUNCTION tenancy._partition_pending_name(lower timestamp)
RETURNS name LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RETURN ('tenancy_pending_' || to_char(lower, 'YYYYMMDD_HH24MISS'))::name;
END
$$;
