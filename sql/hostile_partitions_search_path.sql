-- hostile_partitions_search_path: a role with CREATE on a schema of a
-- superuser's search_path plants operators and functions that record that
-- they ran and make their owner superuser. The superuser then registers,
-- maintains, purges and reports partition sets with that schema first on
-- its path: nothing planted runs (docs/partitions.md, "Who may call what").
-- run_maintenance and purge COMMIT, so they cannot pin search_path; before
-- they were made thin loops resolving nothing on the caller's path, the
-- planted =(regclass, regclass), ||, cardinality, ... ran here.
\set SHOW_CONTEXT never
SET client_min_messages = warning;
CREATE ROLE hpsp_planter;
CREATE SCHEMA hpsp_trap AUTHORIZATION hpsp_planter;
CREATE SCHEMA hpsp;

-- The planter's traps. Each records its name and, when it runs as a
-- superuser, makes the planter one. They pin their own path (so they do
-- not trip over each other) and answer as the real operator would.
SET ROLE hpsp_planter;
CREATE TABLE hpsp_trap.fired (what text);
GRANT INSERT ON hpsp_trap.fired TO PUBLIC;
CREATE FUNCTION hpsp_trap.trap(what text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog AS $$
BEGIN
    INSERT INTO hpsp_trap.fired VALUES (what);
    IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        EXECUTE 'ALTER ROLE hpsp_planter SUPERUSER';
    END IF;
END $$;
CREATE FUNCTION hpsp_trap.eq_regclass(regclass, regclass) RETURNS boolean
LANGUAGE plpgsql SET search_path = pg_catalog AS $$
BEGIN PERFORM hpsp_trap.trap('=(regclass,regclass)'); RETURN $1::oid = $2::oid; END $$;
CREATE OPERATOR hpsp_trap.= (LEFTARG = regclass, RIGHTARG = regclass, FUNCTION = hpsp_trap.eq_regclass);
CREATE FUNCTION hpsp_trap.eq_text(text, text) RETURNS boolean
LANGUAGE plpgsql SET search_path = pg_catalog AS $$
BEGIN PERFORM hpsp_trap.trap('=(text,text)'); RETURN $1 = $2; END $$;
CREATE OPERATOR hpsp_trap.= (LEFTARG = text, RIGHTARG = text, FUNCTION = hpsp_trap.eq_text);
CREATE FUNCTION hpsp_trap.eq_int8_int4(bigint, int) RETURNS boolean
LANGUAGE plpgsql SET search_path = pg_catalog AS $$
BEGIN PERFORM hpsp_trap.trap('=(bigint,integer)'); RETURN $1 = $2; END $$;
CREATE OPERATOR hpsp_trap.= (LEFTARG = bigint, RIGHTARG = int, FUNCTION = hpsp_trap.eq_int8_int4);
CREATE FUNCTION hpsp_trap.le_interval(interval, interval) RETURNS boolean
LANGUAGE plpgsql SET search_path = pg_catalog AS $$
BEGIN PERFORM hpsp_trap.trap('<=(interval,interval)'); RETURN $1 <= $2; END $$;
CREATE OPERATOR hpsp_trap.<= (LEFTARG = interval, RIGHTARG = interval, FUNCTION = hpsp_trap.le_interval);
CREATE FUNCTION hpsp_trap.lt_timestamptz(timestamptz, timestamptz) RETURNS boolean
LANGUAGE plpgsql SET search_path = pg_catalog AS $$
BEGIN PERFORM hpsp_trap.trap('<(timestamptz,timestamptz)'); RETURN $1 < $2; END $$;
CREATE OPERATOR hpsp_trap.< (LEFTARG = timestamptz, RIGHTARG = timestamptz, FUNCTION = hpsp_trap.lt_timestamptz);
CREATE FUNCTION hpsp_trap.minus_tstz(timestamptz, interval) RETURNS timestamptz
LANGUAGE plpgsql SET search_path = pg_catalog AS $$
BEGIN PERFORM hpsp_trap.trap('-(timestamptz,interval)'); RETURN $1 - $2; END $$;
CREATE OPERATOR hpsp_trap.- (LEFTARG = timestamptz, RIGHTARG = interval, FUNCTION = hpsp_trap.minus_tstz);
CREATE FUNCTION hpsp_trap.cat_array(text[], text) RETURNS text[]
LANGUAGE plpgsql SET search_path = pg_catalog AS $$
BEGIN PERFORM hpsp_trap.trap('||(text[],text)'); RETURN $1 || $2; END $$;
CREATE OPERATOR hpsp_trap.|| (LEFTARG = text[], RIGHTARG = text, FUNCTION = hpsp_trap.cat_array);
CREATE FUNCTION hpsp_trap.cat_text(text, text) RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog AS $$
BEGIN PERFORM hpsp_trap.trap('||(text,text)'); RETURN $1 || $2; END $$;
CREATE OPERATOR hpsp_trap.|| (LEFTARG = text, RIGHTARG = text, FUNCTION = hpsp_trap.cat_text);
CREATE FUNCTION hpsp_trap.cardinality(text[]) RETURNS int
LANGUAGE plpgsql SET search_path = pg_catalog AS $$
BEGIN PERFORM hpsp_trap.trap('cardinality(text[])'); RETURN cardinality($1); END $$;
CREATE FUNCTION hpsp_trap.format(text, text) RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog AS $$
BEGIN PERFORM hpsp_trap.trap('format(text,text)'); RETURN format($1, $2); END $$;
CREATE FUNCTION hpsp_trap.format(text, text, text) RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog AS $$
BEGIN PERFORM hpsp_trap.trap('format(text,text,text)'); RETURN format($1, $2, $3); END $$;
CREATE FUNCTION hpsp_trap.now() RETURNS timestamptz
LANGUAGE plpgsql SET search_path = pg_catalog AS $$
BEGIN PERFORM hpsp_trap.trap('now()'); RETURN now(); END $$;
CREATE FUNCTION hpsp_trap.current_setting(text) RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog AS $$
BEGIN PERFORM hpsp_trap.trap('current_setting(text)'); RETURN current_setting($1); END $$;
CREATE FUNCTION hpsp_trap.ceil(numeric) RETURNS numeric
LANGUAGE plpgsql SET search_path = pg_catalog AS $$
BEGIN PERFORM hpsp_trap.trap('ceil(numeric)'); RETURN ceil($1); END $$;
CREATE FUNCTION hpsp_trap.agg_step(regclass[], regclass) RETURNS regclass[]
LANGUAGE plpgsql SET search_path = pg_catalog AS $$
BEGIN PERFORM hpsp_trap.trap('array_agg(regclass)'); RETURN $1 || $2; END $$;
CREATE AGGREGATE hpsp_trap.array_agg(regclass) (SFUNC = hpsp_trap.agg_step, STYPE = regclass[]);
RESET ROLE;

-- The superuser's tables, and what the calls below need, made on a clean path.
CREATE TABLE hpsp.ht (at timestamptz NOT NULL, v int) PARTITION BY RANGE (at);
CREATE TABLE hpsp.htenant (w uuid NOT NULL, v int) PARTITION BY LIST (w);
CREATE TABLE hpsp.hp (at timestamptz NOT NULL, v int);
CREATE TABLE hpsp.hp_archive (LIKE hpsp.hp);
INSERT INTO hpsp.hp SELECT now() - make_interval(days => d), d FROM generate_series(1, 10) d;
SELECT now() - interval '3000 hours' AS old_row,
       now() + interval '26 hours' AS ahead \gset

-- The traps are armed: a name resolved on this path runs the planted code.
SET search_path = hpsp_trap, pg_catalog, hpsp;
SELECT 'a'::text = 'a'::text AS planted_equals, 'pg_class'::regclass = 'pg_class'::regclass AS planted_regclass,
       cardinality('{x}'::text[]) AS planted_cardinality;
RESET search_path;
SELECT what FROM hpsp_trap.fired ORDER BY what;
SELECT rolsuper AS planter_is_superuser FROM pg_roles WHERE rolname = 'hpsp_planter';
TRUNCATE hpsp_trap.fired;
ALTER ROLE hpsp_planter NOSUPERUSER;

-- Every partition call, with the planter's schema first on the path (the
-- superuser's own statements in between run on a clean path).
SET search_path = hpsp_trap, pg_catalog, hpsp;
-- start_at from the same statement's clock: a value taken statements
-- earlier counts one more day when midnight passes in between
SELECT tenancy.partition_by_time('hpsp.ht', 'at', '1 day', 1,
                                 pg_catalog.now() OPERATOR(pg_catalog.-) interval '72 hours');
SELECT tenancy.set_retention('hpsp.ht', '2 days');
SELECT tenancy.partition_by_tenant('hpsp.htenant', 'w');
SELECT tenancy.add_tenant_partition('hpsp.htenant', 'a0000000-0000-0000-0000-000000000000');
RESET search_path;
-- a row for the default (outside the window), one a day ahead of premake;
-- the tenant default dropped by hand
INSERT INTO hpsp.ht VALUES (:'old_row', 1), (:'ahead', 2);
UPDATE tenancy.partition_config SET premake = 2 WHERE parent = 'hpsp.ht'::regclass;
DROP TABLE hpsp.htenant_default;
-- the run's clock, for the checks below (midnight may pass before them)
SELECT now() AS ht_run_at \gset
SET search_path = hpsp_trap, pg_catalog, hpsp;
CALL tenancy.run_maintenance('hpsp.ht');
CALL tenancy.run_maintenance('hpsp.htenant');
RESET search_path;
INSERT INTO hpsp.htenant VALUES ('b0000000-0000-0000-0000-000000000000', 2);
SET search_path = hpsp_trap, pg_catalog, hpsp;
CALL tenancy.run_maintenance('hpsp.htenant');
CALL tenancy.purge('hpsp.hp', 'at', '5 days 12 hours', 2, 'hpsp.hp_archive');
SELECT count(*) > 0 AS status_listed FROM tenancy.partition_status();
RESET search_path;

-- Nothing planted ran; the planter is not superuser.
SELECT what FROM hpsp_trap.fired ORDER BY what;
SELECT rolsuper AS planter_is_superuser FROM pg_roles WHERE rolname = 'hpsp_planter';

-- And the work was done: the old partitions retired, premake reached, the
-- row ahead moved out of the default, the tenant default made again and
-- the second tenant's partition made, old rows purged into the archive.
SELECT default_rows, last_error
  FROM tenancy.partition_status() WHERE parent = 'hpsp.ht'::regclass;
SELECT count(*) AS premade_ahead FROM tenancy._partition_children('hpsp.ht', 'timestamptz')
 WHERE NOT is_default AND lower > date_trunc('day', :'ht_run_at'::timestamptz AT TIME ZONE 'UTC');
SELECT count(*) AS expired_left FROM tenancy._partition_children('hpsp.ht', 'timestamptz')
 WHERE NOT is_default AND upper <= (:'ht_run_at'::timestamptz - interval '2 days') AT TIME ZONE 'UTC';
SELECT child_name, tenants FROM tenancy._partition_children('hpsp.htenant', 'uuid') ORDER BY child_name;
SELECT (SELECT count(*) FROM hpsp.hp) AS kept, (SELECT count(*) FROM hpsp.hp_archive) AS archived;

DELETE FROM tenancy.partition_config WHERE parent IN ('hpsp.ht'::regclass, 'hpsp.htenant'::regclass);
DELETE FROM tenancy.partition_state WHERE parent IN ('hpsp.ht'::regclass, 'hpsp.htenant'::regclass);
DROP SCHEMA hpsp CASCADE;
DROP SCHEMA hpsp_trap CASCADE;
DROP ROLE hpsp_planter;
RESET client_min_messages;
