-- cron_setup.sql: what schedule_maintenance and maintenance_health need to
-- know about pg_cron: that it is loaded and installed here, and how its
-- jobs will reach the server.

-- pg_cron's settings are superuser-only (GUC_SUPERUSER_ONLY): reading them
-- takes a superuser or a member of pg_read_all_settings.
CREATE FUNCTION tenancy._partition_cron_check_settings_readable()
RETURNS void LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF NOT pg_has_role(current_user, 'pg_read_all_settings', 'USAGE') THEN
        PERFORM tenancy._partition_fail('42501',
            format('role %s may not read pg_cron''s settings', quote_ident(current_user)),
            format('A superuser runs GRANT pg_read_all_settings TO %s (pg_cron''s settings are '
                   'superuser-only), or schedules the job itself.', quote_ident(current_user)));
    END IF;
END
$$;

-- The database holding pg_cron's tables (cron.database_name). Fails unless
-- pg_cron is loaded, this is that database, and pg_cron is installed in it:
-- cron.job and cron.job_run_details exist there and nowhere else. A role
-- also needs USAGE on schema cron, which pg_cron does not give PUBLIC.
CREATE FUNCTION tenancy._partition_cron_require_here(call text)
RETURNS text LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    cron_db text;
BEGIN
    PERFORM tenancy._partition_cron_check_settings_readable();
    cron_db := current_setting('cron.database_name', true);
    IF cron_db IS NULL THEN
        PERFORM tenancy._partition_fail('55000', 'pg_cron is not loaded by this server',
            'Add pg_cron to shared_preload_libraries, set cron.database_name, restart, '
            'and run CREATE EXTENSION pg_cron in that database.');
    END IF;
    IF cron_db IS DISTINCT FROM current_database() THEN
        PERFORM tenancy._partition_fail('55000',
            format('pg_cron keeps its jobs in database %s, not in %s', quote_ident(cron_db),
                   quote_ident(current_database())),
            format('Connect to database %s and run %s there.', quote_ident(cron_db), call));
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_cron') THEN
        PERFORM tenancy._partition_fail('55000', 'pg_cron is not installed in this database',
            'Add pg_cron to shared_preload_libraries, set cron.database_name to this database, '
            'restart, and run CREATE EXTENSION pg_cron.');
    END IF;
    IF NOT has_schema_privilege('cron', 'USAGE') THEN
        PERFORM tenancy._partition_fail('42501',
            format('role %s may not use schema cron', quote_ident(current_user)),
            format('A superuser runs GRANT USAGE ON SCHEMA cron TO %s.', quote_ident(current_user)));
    END IF;
    RETURN cron_db;
END
$$;

-- The first directory of a unix_socket_directories value, or NULL when it
-- lists none. Entries are separated by commas and may be double-quoted
-- (a doubled quote inside stands for one), as the server parses them.
CREATE FUNCTION tenancy._partition_cron_first_socket_directory(directories text)
RETURNS text LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT nullif(CASE WHEN directories ~ '^\s*"'
                       THEN replace(substring(directories FROM '^\s*"((?:[^"]|"")*)"'), '""', '"')
                       ELSE btrim(split_part(directories, ',', 1), E' \t\n') END, '')
$$;

-- The host a job of pg_cron must be given to reach this server, or NULL
-- when the one pg_cron gives it works. pg_cron stores cron.host in every
-- job it makes (default localhost) and connects there with libpq, unless
-- cron.use_background_workers is on (then it does not connect at all).
-- cron.host works when it is one of the server's socket directories, or
-- any other host while the server listens on TCP (listen_addresses not
-- empty); otherwise the job gets the server's first socket directory.
CREATE FUNCTION tenancy._partition_cron_job_host()
RETURNS text LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    cron_host text := current_setting('cron.host');
    sockets text := current_setting('unix_socket_directories');
    first_socket text := tenancy._partition_cron_first_socket_directory(current_setting('unix_socket_directories'));
    tcp boolean := btrim(current_setting('listen_addresses')) <> '';
BEGIN
    IF current_setting('cron.use_background_workers')::boolean THEN
        RETURN NULL;
    END IF;
    IF left(cron_host, 1) IN ('/', '@') THEN
        IF cron_host = ANY (SELECT tenancy._partition_cron_first_socket_directory(d)
                              FROM regexp_split_to_table(sockets, ',') d) THEN
            RETURN NULL;
        END IF;
    ELSIF tcp THEN
        RETURN NULL;
    END IF;
    IF first_socket IS NULL THEN
        PERFORM tenancy._partition_fail('55000',
            format('pg_cron''s jobs connect to %s, where this server does not listen', cron_host),
            'Set cron.host to a host or socket directory the server listens on, or '
            'cron.use_background_workers = on, and restart.');
    END IF;
    RETURN first_socket;
END
$$;
