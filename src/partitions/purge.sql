-- purge.sql: retention for unpartitioned tables.

-- Checks purge's arguments; returns the time column's type.
CREATE FUNCTION tenancy._purge_check(tbl regclass, time_column name, older_than interval,
                                     batch_size int, archive_to regclass)
RETURNS regtype LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    kind "char";
    ctype regtype;
    missing text;
BEGIN
    IF tbl IS NULL OR time_column IS NULL OR older_than IS NULL OR batch_size IS NULL THEN
        PERFORM tenancy._partition_fail('22004', 'tbl, time_column, older_than and batch_size must not be NULL',
            'Pass a table, its time column and how long rows are kept.');
    END IF;
    SELECT relkind INTO kind FROM pg_class WHERE oid = tbl;
    IF kind IS NULL THEN
        PERFORM tenancy._partition_fail('42P01', format('relation with OID %s does not exist', tbl::oid),
            'Pass an existing table.');
    ELSIF kind = 'p' THEN
        PERFORM tenancy._partition_fail('42809', format('table %s is partitioned', tbl),
            'Register it with tenancy.partition_by_time and use tenancy.set_retention instead.');
    ELSIF kind IS DISTINCT FROM 'r' THEN
        PERFORM tenancy._partition_fail('42809', format('%s is not a table', tbl),
            'purge deletes rows from an ordinary table.');
    END IF;
    PERFORM tenancy._partition_check_owner(tbl);
    ctype := tenancy._partition_control_type(tbl, time_column);
    IF ctype IS NULL THEN
        PERFORM tenancy._partition_fail('42703',
            format('column "%s" of table %s does not exist', time_column, tbl),
            'Name the column that holds each row''s time.');
    END IF;
    IF NOT ctype = ANY ('{timestamptz,timestamp,date}'::regtype[]) THEN
        PERFORM tenancy._partition_fail('42804', format('column "%s" has type %s', time_column, ctype),
            'The time column must be timestamptz, timestamp or date.');
    END IF;
    IF older_than <= interval '0' THEN
        PERFORM tenancy._partition_fail('22023', 'older_than must be a positive interval',
            'Rows older than now() - older_than are deleted, e.g. ''90 days''.');
    END IF;
    IF batch_size < 1 THEN
        PERFORM tenancy._partition_fail('22023', 'batch_size must be at least 1',
            'Each batch is deleted and committed on its own; 10000 is a good size.');
    END IF;
    IF archive_to IS NOT NULL THEN
        IF archive_to = tbl OR (SELECT relkind FROM pg_class WHERE oid = archive_to) NOT IN ('r', 'p') THEN
            PERFORM tenancy._partition_fail('42809', format('%s cannot be the archive of %s', archive_to, tbl),
                'archive_to must be another table with the same columns.');
        END IF;
        missing := tenancy._partition_missing_columns(tbl, archive_to);
        IF missing IS NOT NULL THEN
            PERFORM tenancy._partition_fail('42703', format('archive table %s lacks columns of %s', archive_to, tbl),
                'Create the archive with CREATE TABLE archive (LIKE tbl).', format('Missing: %s.', missing));
        END IF;
        -- Batches run as tbl's owner (_partition_as_owner): it writes the archive.
        IF NOT has_table_privilege((SELECT relowner FROM pg_class WHERE oid = tbl), archive_to, 'INSERT') THEN
            PERFORM tenancy._partition_fail('42501',
                format('owner of table %s may not insert into %s', tbl, archive_to),
                format('purge moves rows as the table''s owner: GRANT INSERT ON %s TO %s.', archive_to,
                       tenancy._partition_role((SELECT relowner FROM pg_class WHERE oid = tbl))));
        END IF;
        IF NOT has_schema_privilege((SELECT relowner FROM pg_class WHERE oid = tbl),
                                    (SELECT relnamespace FROM pg_class WHERE oid = archive_to), 'USAGE') THEN
            PERFORM tenancy._partition_fail('42501',
                format('owner of table %s may not use the schema of %s', tbl, archive_to),
                format('purge moves rows as the table''s owner: GRANT USAGE ON SCHEMA %I TO %s.',
                       (SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                         WHERE c.oid = archive_to),
                       tenancy._partition_role((SELECT relowner FROM pg_class WHERE oid = tbl))));
        END IF;
    END IF;
    RETURN ctype;
END
$$;

-- What purge fixes when it starts: its arguments checked, the cutoff
-- (rows at or after it are never touched) and the lock_timeout of each
-- batch (the session's, or 1s when none is set).
CREATE FUNCTION tenancy._purge_start(tbl regclass, time_column name, older_than interval,
                                     batch_size int, archive_to regclass,
                                     OUT cutoff timestamptz, OUT lock_wait text)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM tenancy._purge_check(tbl, time_column, older_than, batch_size, archive_to);
    cutoff := now() - older_than;
    lock_wait := coalesce(nullif(current_setting('lock_timeout'), '0'), '1s');
END
$$;

-- One batch: deletes up to batch_size rows of tbl matching older_sql
-- (skipping rows locked by others) and, with an archive, inserts them there
-- in the same statement, as tbl's owner (_partition_as_owner: the owner's
-- triggers and expressions never run with the caller's rights). Returns the
-- rows deleted. purge and the retention of default partitions share it.
CREATE FUNCTION tenancy._partition_delete_batch(tbl regclass, older_sql text, batch_size int,
                                                archive_to regclass)
RETURNS bigint LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    src text := tenancy._partition_qualified(tbl);
    cols text;
BEGIN
    SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) INTO cols
      FROM pg_attribute WHERE attrelid = tbl AND attnum > 0 AND NOT attisdropped;
    RETURN tenancy._partition_as_owner(tbl, format(
        'WITH del AS (DELETE FROM %1$s WHERE ctid = ANY (ARRAY(SELECT ctid FROM %1$s WHERE %2$s '
        'LIMIT %3$s FOR UPDATE SKIP LOCKED)) AND %2$s RETURNING %4$s)%5$s SELECT count(*) FROM del',
        src, older_sql, batch_size, cols,
        CASE WHEN archive_to IS NULL THEN ''
             ELSE format(', ins AS (INSERT INTO %s (%s) SELECT %s FROM del)',
                         tenancy._partition_qualified(archive_to), cols, cols) END), NULL::bigint);
END
$$;

-- One purge batch, in the caller's transaction under lock_timeout =
-- lock_wait: rows whose time_column is older than cutoff. Returns whether
-- it deleted any (purge goes on until a batch finds none).
CREATE FUNCTION tenancy._purge_batch(tbl regclass, time_column name, cutoff timestamptz,
                                     batch_size int, archive_to regclass, lock_wait text)
RETURNS boolean LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM set_config('lock_timeout', lock_wait, true);
    RETURN tenancy._partition_delete_batch(tbl,
        format('%I < %s::%s', time_column,
               tenancy._partition_literal(cutoff AT TIME ZONE 'UTC', 'timestamptz'::regtype),
               tenancy._partition_control_type(tbl, time_column)),
        batch_size, archive_to) > 0;
END
$$;

-- Retention for unpartitioned tables: the cutoff is fixed when the call
-- starts; batches are committed one by one; rows newer than the cutoff are
-- never touched; rows locked by others are skipped for the next call.
--
-- It COMMITs, so it cannot pin search_path: its body resolves nothing on
-- the caller's path (every function schema-qualified, no operator, types
-- qualified), and the work is in the pinned functions it calls.
CREATE PROCEDURE tenancy.purge(tbl regclass, time_column name, older_than interval,
                               batch_size int DEFAULT 10000, archive_to regclass DEFAULT NULL)
LANGUAGE plpgsql AS $$
DECLARE
    cutoff pg_catalog.timestamptz;
    lock_wait pg_catalog.text;
BEGIN
    SELECT s.cutoff, s.lock_wait INTO cutoff, lock_wait
      FROM tenancy._purge_start(tbl, time_column, older_than, batch_size, archive_to) s;
    PERFORM tenancy._partition_require_commit('purge');
    -- bounded: each batch deletes rows older than the fixed cutoff, or ends it
    WHILE tenancy._purge_batch(tbl, time_column, cutoff, batch_size, archive_to, lock_wait) LOOP
        COMMIT;
    END LOOP;
END
$$;
COMMENT ON PROCEDURE tenancy.purge(regclass, name, interval, int, regclass) IS
    'Deletes rows older than now() - older_than in committed batches, optionally archiving them';
