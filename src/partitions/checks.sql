-- checks.sql: the errors the SQL side raises, and the checks the calls
-- share (ownership, a parent fit for registration).

-- Errors raised by the SQL side, in one place.
CREATE FUNCTION tenancy._partition_fail(code text, message text, hint text, detail text DEFAULT NULL)
RETURNS void LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
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

-- The checks every registration shares; returns the control column's type.
CREATE FUNCTION tenancy._partition_check_parent(parent regclass, control name, strategy "char",
                                                allowed regtype[])
RETURNS regtype LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    kind "char";
    part pg_partitioned_table;
    ctype regtype;
    attnum int2;
    wanted text := CASE strategy WHEN 'r' THEN 'RANGE' ELSE 'LIST' END;
BEGIN
    SELECT relkind INTO kind FROM pg_class WHERE oid = parent;
    IF kind IS NULL THEN
        PERFORM tenancy._partition_fail('42P01', format('relation with OID %s does not exist', parent::oid),
            'Pass an existing table.');
    ELSIF kind <> 'p' THEN
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
