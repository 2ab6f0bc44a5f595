-- hostile_partitions_owner: tenancy's work on a table's rows runs as the
-- table's owner, in a security-restricted operation, whoever calls it
-- (issue 10, defects 1 and 12). A non-superuser owner plants code in its
-- tables (a row trigger, a CHECK constraint, an index expression, a column
-- default) that records current_user, tries what only a superuser may, and
-- changes the session's search_path; a superuser then runs maintenance,
-- add_tenant_partition, purge and retention. The planted code must see the
-- owner, fail where a superuser would succeed, and leave no setting behind.
\set SHOW_CONTEXT never
CREATE ROLE hpo_owner;
CREATE ROLE hpo_other;
CREATE SCHEMA "hpo; Zone" AUTHORIZATION hpo_owner;
SET search_path = "hpo; Zone", public;
-- Delegation as docs/partitions.md shows it, to the owner and to another role.
SELECT regress.grant_partition_calls('hpo_owner, hpo_other');

SET ROLE hpo_owner;
GRANT USAGE ON SCHEMA "hpo; Zone" TO hpo_other;
CREATE TABLE seen (what text, who name, tried text);
CREATE FUNCTION try(stmt text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE stmt;
    RETURN 'done';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ' ' || SQLERRM;
END $$;
-- The planted code: what a superuser running it would be made to do.
CREATE FUNCTION note(what text) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO "hpo; Zone".seen
    VALUES (what, current_user,
            -- the SQLSTATE only of ALTER ROLE: its message changed in 16
            concat_ws('; ', split_part("hpo; Zone".try('ALTER ROLE hpo_owner SUPERUSER'), ' ', 1),
                      "hpo; Zone".try('LISTEN hpo_channel')));
    PERFORM set_config('search_path', 'planted_by_hpo_owner', false);
    RETURN true;
END $$;
-- IMMUTABLE only so that an index expression may call it.
CREATE FUNCTION note_key(what text, v int) RETURNS int LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    PERFORM "hpo; Zone".note(what);
    RETURN v;
END $$;
CREATE FUNCTION on_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM "hpo; Zone".note('delete trigger');
    RETURN OLD;
END $$;

-- 1. run_maintenance moving rows out of the default: the default's row
-- trigger, and the CHECK and index expression of the new partition.
CREATE TABLE "Events" (id int, at timestamptz, CHECK ("hpo; Zone".note('check constraint')))
    PARTITION BY RANGE (at);
CREATE INDEX ON "Events" ("hpo; Zone".note_key('index expression', id));
CREATE TRIGGER planted BEFORE DELETE ON "Events" FOR EACH ROW EXECUTE FUNCTION on_delete();
SELECT tenancy.partition_by_time('"Events"', 'at', '1 day', 0) AS made;
-- tomorrow's rows (in UTC days: '1 day' would follow a DST change) have no
-- partition yet: they land in the default
INSERT INTO "Events" VALUES (1, now() + interval '24 hours'), (2, now() + interval '24 hours');
RESET ROLE;
SET search_path = "hpo; Zone", public; -- the owner's own insert ran note()
TRUNCATE seen;
UPDATE tenancy.partition_config SET premake = 1 WHERE parent = '"Events"'::regclass;
CALL tenancy.run_maintenance('"Events"');
SELECT current_setting('search_path') AS search_path_after;
SELECT rolsuper AS owner_became_superuser FROM pg_roles WHERE rolname = 'hpo_owner';
SELECT DISTINCT what, who, tried FROM seen ORDER BY what;
SELECT (SELECT count(*) FROM ONLY "Events_default") AS left_in_default, count(*) AS rows_kept FROM "Events";
SELECT last_error FROM tenancy.partition_status() WHERE parent = '"Events"'::regclass;
TRUNCATE seen;

-- 2. A tenant set under enable_isolation (FORCE ROW LEVEL SECURITY): its
-- owner, without claims, sees none of its rows by query, yet tenancy's
-- work sees them all: partition_status counts them, maintenance moves them.
SET ROLE hpo_owner;
CREATE TABLE docs (id int, workspace_id uuid) PARTITION BY LIST (workspace_id);
CREATE TRIGGER planted BEFORE DELETE ON docs FOR EACH ROW EXECUTE FUNCTION on_delete();
RESET ROLE;
SELECT tenancy.partition_by_tenant('docs', 'workspace_id') AS made;
SELECT count(*) > 0 AS isolated FROM tenancy.enable_isolation('docs');
SELECT relname, relforcerowsecurity FROM pg_class WHERE oid IN ('docs'::regclass, 'docs_default'::regclass) ORDER BY 1;
INSERT INTO docs VALUES (1, 'aaaaaaaa-0000-0000-0000-000000000001'), (2, 'aaaaaaaa-0000-0000-0000-000000000001'),
                        (3, 'bbbbbbbb-0000-0000-0000-000000000002');
SET ROLE hpo_owner;
SELECT count(*) AS owner_query_sees FROM docs;
SELECT default_rows FROM tenancy.partition_status() WHERE parent = 'docs'::regclass;
CALL tenancy.run_maintenance('docs');
SELECT last_error FROM tenancy.partition_status() WHERE parent = 'docs'::regclass;
RESET ROLE;
SELECT tableoid::regclass AS partition, count(*) FROM docs GROUP BY 1 ORDER BY 1;
SELECT DISTINCT what, who, tried FROM seen ORDER BY what;
TRUNCATE seen;
-- add_tenant_partition by a superuser moves the new tenant's row as the owner
INSERT INTO docs VALUES (4, 'cccccccc-0000-0000-0000-000000000003');
SELECT tenancy.add_tenant_partition('docs', 'cccccccc-0000-0000-0000-000000000003');
SELECT current_setting('search_path') AS search_path_after;
SELECT DISTINCT what, who, tried FROM seen ORDER BY what;
TRUNCATE seen;

-- 3. purge of a FORCE RLS table by its owner deletes what is old, not
-- what the owner's policies let it see.
SET ROLE hpo_owner;
CREATE TABLE notes (at timestamptz, workspace_id uuid);
RESET ROLE;
SELECT count(*) > 0 AS isolated FROM tenancy.enable_isolation('notes');
INSERT INTO notes SELECT now() - make_interval(days => i), 'aaaaaaaa-0000-0000-0000-000000000001'
  FROM generate_series(1, 5) i;
SET ROLE hpo_owner;
CALL tenancy.purge('notes', 'at', '36 hours');
RESET ROLE;
SELECT count(*) AS kept FROM notes;

-- 4. purge by a superuser into an archive owned by another role: the
-- batches write the archive as the purged table's owner, who must be
-- allowed to; the archive's default expression runs as that owner too.
SET ROLE hpo_owner;
CREATE TABLE logs (id int, at timestamptz);
CREATE TRIGGER planted BEFORE DELETE ON logs FOR EACH ROW EXECUTE FUNCTION on_delete();
INSERT INTO logs SELECT i, now() - make_interval(days => i) FROM generate_series(1, 5) i;
RESET ROLE;
CREATE TABLE logs_archive (id int, at timestamptz, noted boolean DEFAULT "hpo; Zone".note('archive default'));
ALTER TABLE logs_archive OWNER TO hpo_other;
SELECT * FROM regress.caught($$CALL tenancy.purge('"hpo; Zone".logs', 'at', '36 hours', 2, '"hpo; Zone".logs_archive')$$);
SELECT count(*) AS kept FROM logs;
-- nor when the owner may not reach the archive's schema
CREATE SCHEMA hpo_private;
CREATE TABLE hpo_private.logs_archive (id int, at timestamptz);
GRANT INSERT ON hpo_private.logs_archive TO hpo_owner;
SELECT * FROM regress.caught($$CALL tenancy.purge('"hpo; Zone".logs', 'at', '36 hours', 2, 'hpo_private.logs_archive')$$);
DROP SCHEMA hpo_private CASCADE;
GRANT INSERT ON logs_archive TO hpo_owner;
CALL tenancy.purge('logs', 'at', '36 hours', 2, 'logs_archive');
SELECT current_setting('search_path') AS search_path_after;
SELECT (SELECT count(*) FROM logs) AS kept, count(*) AS archived, bool_and(noted) AS noted FROM logs_archive;
SELECT DISTINCT what, who, tried FROM seen ORDER BY what;
TRUNCATE seen;

-- 5. Retention of the default's expired rows runs as the owner too.
SET ROLE hpo_owner;
INSERT INTO "Events" VALUES (3, now() - interval '30 days');
RESET ROLE;
SET search_path = "hpo; Zone", public;
TRUNCATE seen;
SELECT tenancy.set_retention('"Events"', '10 days');
CALL tenancy.run_maintenance('"Events"');
SELECT current_setting('search_path') AS search_path_after;
SELECT DISTINCT what, who, tried FROM seen ORDER BY what;
SELECT count(*) AS left_in_default FROM ONLY "Events_default";
TRUNCATE seen;
-- archived into a schema the owner may not use: refused, nothing moves;
-- once granted, the rows move into a table of the owner's
CREATE SCHEMA hpo_vault;
SELECT tenancy.set_retention('"Events"', '10 days', 'archive', 'hpo_vault');
SET ROLE hpo_owner;
INSERT INTO "Events" VALUES (4, now() - interval '30 days');
RESET ROLE;
SET search_path = "hpo; Zone", public;
CALL tenancy.run_maintenance('"Events"');
SELECT last_error FROM tenancy.partition_status() WHERE parent = '"Events"'::regclass;
GRANT USAGE ON SCHEMA hpo_vault TO hpo_owner;
TRUNCATE seen;
CALL tenancy.run_maintenance('"Events"');
SELECT last_error FROM tenancy.partition_status() WHERE parent = '"Events"'::regclass;
SELECT e.id, e.tableoid::regclass, pg_get_userbyid(c.relowner) AS owner
  FROM hpo_vault."Events_expired" e JOIN pg_class c ON c.oid = e.tableoid;
SELECT DISTINCT what, who, tried FROM seen ORDER BY what;
DROP SCHEMA hpo_vault CASCADE;
TRUNCATE seen;

-- 6. Another role, even granted every internal routine, gets no access to
-- the owner's rows: the switch to the owner needs the owner's privileges.
SET ROLE hpo_other;
SELECT * FROM regress.caught($$SELECT tenancy._partition_as_owner('"hpo; Zone".logs', 'SELECT count(*) FROM "hpo; Zone".logs', NULL::bigint)$$);
SELECT * FROM regress.caught($$SELECT tenancy._partition_as_owner('"hpo; Zone".logs', 'WITH d AS (DELETE FROM "hpo; Zone".logs RETURNING 1) SELECT count(*) FROM d', NULL::bigint)$$);
SELECT * FROM regress.caught($$SELECT tenancy._partition_has_rows('"hpo; Zone".docs_default')$$);
SELECT * FROM regress.caught($$SELECT tenancy._partition_delete_batch('"hpo; Zone".logs', 'true', 10, NULL)$$);
SELECT * FROM regress.caught($$CALL tenancy.purge('"hpo; Zone".logs', 'at', '1 second')$$);
SELECT count(*) AS sets_visible FROM tenancy.partition_status();
RESET ROLE;
SELECT count(*) AS kept FROM logs;
-- bad input
SELECT * FROM regress.caught($$SELECT tenancy._partition_as_owner(NULL, 'SELECT 1', NULL::int)$$);
SELECT * FROM regress.caught($$SELECT tenancy._partition_as_owner('"hpo; Zone".logs', 'SELECT 1, 2', NULL::int)$$);
SELECT * FROM regress.caught($$SELECT tenancy._partition_as_owner('"hpo; Zone".logs', 'SELECT 1', NULL::text)$$);

DELETE FROM tenancy.partition_config WHERE parent IN ('"Events"'::regclass, 'docs'::regclass);
DELETE FROM tenancy.partition_state WHERE parent IN ('"Events"'::regclass, 'docs'::regclass);
RESET search_path;
DROP SCHEMA "hpo; Zone" CASCADE;
DROP OWNED BY hpo_owner, hpo_other;
DROP ROLE hpo_owner, hpo_other;
