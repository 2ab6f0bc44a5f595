-- partition_time: monthly and daily time partitions, and what a partition
-- inherits from its parent. Output never depends on today's date: fixed
-- start_at, and comparisons against now() computed in the query. Each call
-- and the checks of what it made share one transaction, so one now(): the
-- calendar sweep (test/calendar) starts this test a second before a month
-- ends, and the checks must not see another month than the call.
\set SHOW_CONTEXT never
-- Its own schema: other capabilities' tests share this database.
CREATE SCHEMA part_time;
SET search_path = part_time, public;
SET client_min_messages = warning;
CREATE ROLE part_owner;
CREATE ROLE part_reader;
CREATE ROLE "Part Writer";
GRANT USAGE, CREATE ON SCHEMA part_time TO part_owner;
GRANT USAGE ON SCHEMA part_time TO part_reader, "Part Writer";
-- Delegation to a table owner (docs/partitions.md): the calls, and the
-- configuration tables, whose row level security shows each owner its own.
SELECT regress.grant_partition_calls('part_owner');
SET client_min_messages = notice;

-- Monthly, from a fixed start_at, two months ahead, with a default.
BEGIN;
CREATE TABLE events (id bigint NOT NULL, at timestamptz NOT NULL, workspace_id uuid,
                     body text CHECK (body <> ''), PRIMARY KEY (id, at))
    PARTITION BY RANGE (at);
CREATE INDEX events_ws ON events (workspace_id);
SELECT tenancy.partition_by_time('events', 'at', '1 month', premake => 2, start_at => '2020-01-15')
     = (SELECT (12 * (extract(year FROM n) - 2020) + extract(month FROM n))::int + 2 + 1
          FROM (SELECT now() AT TIME ZONE 'UTC' AS n) q) AS made_every_month_and_the_default;
SELECT child_name, lower, upper FROM tenancy._partition_children('events', 'timestamptz')
 WHERE lower < '2020-05-01' OR is_default ORDER BY lower NULLS LAST;
-- no gaps and no overlaps between consecutive partitions
SELECT count(*) AS gaps FROM (
    SELECT upper, lead(lower) OVER (ORDER BY lower) AS next
      FROM tenancy._partition_children('events', 'timestamptz') WHERE NOT is_default) q
 WHERE next IS NOT NULL AND next <> upper;
-- the newest is two months after the current one
SELECT max(lower) = date_trunc('month', now() AT TIME ZONE 'UTC') + interval '2 months' AS newest_ok
  FROM tenancy._partition_children('events', 'timestamptz');
SELECT kind, premade_ahead, default_rows, retention, last_error
  FROM tenancy.partition_status() WHERE parent = 'events'::regclass;
-- rows land in their month
INSERT INTO events VALUES (1, '2020-02-10 12:00+00', NULL, 'a'), (2, '2020-02-29 23:59:59.999999+00', NULL, 'b');
SELECT tableoid::regclass, id FROM events ORDER BY id;

-- Calling it again with the same control and step updates premake and
-- makes what is then missing; nothing else changes.
SELECT tenancy.partition_by_time('events', 'at', '1 month', premake => 3) AS made_on_second_call;
SELECT tenancy.partition_by_time('events', 'at', '1 month', premake => 3) AS made_on_third_call;
SELECT premake FROM tenancy.partition_config WHERE parent = 'events'::regclass;
COMMIT;

-- Daily partitions of a date column; the default is optional. start_at is
-- given as a UTC date: a timestamptz start_at is read as a date in the
-- session's zone, which is not UTC's date for part of each day.
BEGIN;
CREATE TABLE visits (day date NOT NULL, hits int) PARTITION BY RANGE (day);
SELECT tenancy.partition_by_time('visits', 'day', '1 day', premake => 3,
                                 start_at => (now() AT TIME ZONE 'UTC')::date - 2,
                                 with_default => false) AS made;
SELECT count(*) AS partitions, bool_or(is_default) AS has_default,
       min(child_name) = 'visits_p' || to_char(now() AT TIME ZONE 'UTC' - interval '2 days', 'YYYYMMDD') AS oldest_ok,
       max(child_name) = 'visits_p' || to_char(now() AT TIME ZONE 'UTC' + interval '3 days', 'YYYYMMDD') AS newest_ok
  FROM tenancy._partition_children('visits', 'date');
-- date literals, no time of day (in the regress DateStyle, MDY)
SELECT pg_get_expr(relpartbound, oid) ~ '^FOR VALUES FROM \(''[0-9-]+''\) TO \(''[0-9-]+''\)$' AS date_bounds
  FROM pg_class WHERE relname = 'visits_p' || to_char(now() AT TIME ZONE 'UTC', 'YYYYMMDD');
COMMIT;

-- Other steps: quarterly, weekly (Monday), hourly on a timestamp column.
-- Every quarter from the one holding 2021-05-05 to the current one.
BEGIN;
CREATE TABLE q (at timestamp) PARTITION BY RANGE (at);
SELECT tenancy.partition_by_time('q', 'at', '3 months', 0, '2021-05-05', false)
     = (SELECT 4 * (extract(year FROM n)::int - 2021) + (extract(month FROM n)::int - 1) / 3
          FROM (SELECT now() AT TIME ZONE 'UTC' AS n) q) AS made_every_quarter;
COMMIT;
SELECT child_name, lower, upper FROM tenancy._partition_children('q', 'timestamp') WHERE lower < '2022-01-01' ORDER BY lower;
-- a week starts on Monday: the first partition is the week holding start_at
BEGIN;
CREATE TABLE w (at timestamptz) PARTITION BY RANGE (at);
SELECT tenancy.partition_by_time('w', 'at', '1 week', 0, now() - interval '10 days', false) > 0 AS made;
SELECT child_name = 'w_p' || to_char(lower, 'YYYYMMDD') AS named_for_its_monday,
       extract(isodow FROM lower) AS dow,
       (now() - interval '10 days') AT TIME ZONE 'UTC' >= lower AND
       (now() - interval '10 days') AT TIME ZONE 'UTC' < lower + interval '1 week' AS holds_start_at
  FROM tenancy._partition_children('w', 'timestamptz') ORDER BY lower LIMIT 1;
COMMIT;
CREATE TABLE h (at timestamp) PARTITION BY RANGE (at);
SELECT tenancy.partition_by_time('h', 'at', '6 hours', 1, NULL, false) AS made;
SELECT count(*) FILTER (WHERE child_name ~ '^h_p\d{8}_(00|06|12|18)$') AS hourly_names
  FROM tenancy._partition_children('h', 'timestamp');

-- What a partition inherits: owner, grants (table and column), indexes,
-- check constraints, RLS and copies of the policies, and triggers.
SET ROLE part_owner;
CREATE TABLE docs (id int, at timestamptz NOT NULL, workspace_id uuid, secret text)
    PARTITION BY RANGE (at);
CREATE INDEX docs_ws ON docs (workspace_id);
GRANT SELECT, INSERT ON docs TO part_reader;
GRANT UPDATE (secret) ON docs TO "Part Writer";
ALTER TABLE docs ENABLE ROW LEVEL SECURITY;
ALTER TABLE docs FORCE ROW LEVEL SECURITY;
CREATE POLICY "ws only" ON docs FOR SELECT TO part_reader USING (workspace_id = '11111111-1111-1111-1111-111111111111');
CREATE POLICY docs_insert ON docs AS RESTRICTIVE FOR INSERT WITH CHECK (id > 0);
CREATE POLICY "owner's" ON docs TO part_owner USING (true) WITH CHECK (true);
CREATE FUNCTION docs_row_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN NEW.secret := coalesce(NEW.secret, 'row:' || TG_TABLE_NAME); RETURN NEW; END $$;
CREATE FUNCTION docs_stmt_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE NOTICE 'statement trigger on % with %', TG_TABLE_NAME, TG_ARGV; RETURN NULL; END $$;
CREATE TRIGGER docs_fill BEFORE INSERT ON docs FOR EACH ROW EXECUTE FUNCTION docs_row_trigger();
CREATE TRIGGER "docs audit" AFTER INSERT OR UPDATE ON docs FOR EACH STATEMENT
    EXECUTE FUNCTION docs_stmt_trigger('it''s', 'two');
SELECT tenancy.partition_by_time('docs', 'at', '1 month', 0, '2020-03-01', true) > 0 AS made;
RESET ROLE;
-- Partitions carry the parent's ACL. The grants to others are shown; the
-- owner's own entry is not, as its letters grow with the server version
-- (MAINTAIN from PostgreSQL 17 on).
SELECT c.relname, c.relowner::regrole, c.relacl = p.relacl AS parent_acl,
       array(SELECT a::text FROM unnest(c.relacl) a WHERE a::text NOT LIKE 'part_owner=%') AS granted,
       c.relrowsecurity, c.relforcerowsecurity
  FROM pg_class c, pg_class p
 WHERE p.oid = 'docs'::regclass AND c.relname IN ('docs', 'docs_p2020_03', 'docs_default') ORDER BY 1;
SELECT attrelid::regclass, attname, attacl FROM pg_attribute
 WHERE attrelid IN ('docs'::regclass, 'docs_p2020_03'::regclass) AND attacl IS NOT NULL ORDER BY attrelid::regclass::text, attname;
SELECT tablename, policyname, permissive, roles, cmd, qual, with_check FROM pg_policies
 WHERE tablename IN ('docs', 'docs_p2020_03') ORDER BY 1, 2;
SELECT indrelid::regclass, indexrelid::regclass FROM pg_index
 WHERE indrelid IN ('docs'::regclass, 'docs_p2020_03'::regclass) ORDER BY indrelid::regclass::text, indexrelid::regclass::text;
SELECT tgrelid::regclass, tgname, tgparentid <> 0 AS cloned, tgnargs
  FROM pg_trigger WHERE tgrelid IN ('docs'::regclass, 'docs_p2020_03'::regclass) AND NOT tgisinternal
 ORDER BY tgrelid::regclass::text, tgname;
-- a row inserted directly into the partition fires both kinds of triggers
SET ROLE part_owner;
INSERT INTO docs_p2020_03 (id, at, workspace_id) VALUES (1, '2020-03-03', '11111111-1111-1111-1111-111111111111'),
                                                     (2, '2020-03-04', '22222222-2222-2222-2222-222222222222');
INSERT INTO docs_p2020_03 (id, at) VALUES (-1, '2020-03-05');
SELECT id, secret FROM docs ORDER BY id;
RESET ROLE;
-- queried directly, the partition does not leak: the reader sees its workspace only
SET ROLE part_reader;
SELECT id FROM docs_p2020_03 ORDER BY id;
SELECT id FROM docs ORDER BY id;
RESET ROLE;

-- The child is made LIKE the parent and attached: check constraints came
-- along. (NOT NULL constraints are in pg_constraint from PostgreSQL 18 on.)
SELECT conrelid::regclass, conname, pg_get_constraintdef(oid) FROM pg_constraint
 WHERE conrelid = 'events_p2020_01'::regclass AND contype <> 'n' ORDER BY conname;

-- A parent isolated with tenancy.enable_isolation (SPEC part 3): each new
-- partition gets the four tenancy policies before ATTACH, exactly once (the
-- isolation event trigger then finds it isolated already).
CREATE TABLE iso_parted (workspace_id uuid NOT NULL, at timestamptz NOT NULL) PARTITION BY RANGE (at);
SELECT count(*) > 0 AS isolated FROM tenancy.enable_isolation('iso_parted');
SELECT tenancy.partition_by_time('iso_parted', 'at', '1 month', 0, '2020-01-01', false) > 0 AS made;
SELECT policyname, cmd FROM pg_policies WHERE tablename = 'iso_parted_p2020_01' ORDER BY policyname;
SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE oid = 'iso_parted_p2020_01'::regclass;
