-- partition_archive_table: retention's action archive into a table (issue
-- 13, item 2). archive_to a partitioned table with the same columns: each
-- expired partition is detached and attached there (no row copied); a plain
-- table: rows are copied in committed batches, then the partition dropped.
-- The target is checked by set_retention (columns, types, owner) and again
-- before each move.
\set SHOW_CONTEXT never
CREATE SCHEMA part_arch;
CREATE ROLE part_arch_other;
CREATE TABLE part_arch."Ev""ents" (id int, at timestamptz NOT NULL, "Note" text) PARTITION BY RANGE (at);
SELECT tenancy.partition_by_time('part_arch."Ev""ents"', 'at', '1 month', premake => 1,
                                 start_at => now() - interval '3 months') > 0 AS made;
-- a plain target may have more columns (their defaults fill them)
CREATE TABLE part_arch."Plain Archive" (id int, at timestamptz NOT NULL, "Note" text,
                                        archived boolean DEFAULT true);
CREATE TABLE part_arch.part_archive (id int, at timestamptz NOT NULL, "Note" text) PARTITION BY RANGE (at);
CREATE TABLE part_arch.lacks (id int, at timestamptz NOT NULL);
CREATE TABLE part_arch.wrong_type (id bigint, at timestamptz NOT NULL, "Note" text);
CREATE TABLE part_arch.other_owner (id int, at timestamptz NOT NULL, "Note" text);
ALTER TABLE part_arch.other_owner OWNER TO part_arch_other;
CREATE TABLE part_arch.part_extra (id int, at timestamptz NOT NULL, "Note" text, extra int)
  PARTITION BY RANGE (at);
CREATE TABLE part_arch.part_by_id (id int, at timestamptz NOT NULL, "Note" text) PARTITION BY RANGE (id);
CREATE VIEW part_arch.a_view AS SELECT * FROM part_arch."Plain Archive";

-- Refused, changing nothing.
SELECT target, (regress.caught(format('SELECT tenancy.set_retention(%L, %L, %L, archive_to => %L)',
                                      'part_arch."Ev""ents"', '1 month', 'archive', target))).*
  FROM unnest('{part_arch.lacks,part_arch.wrong_type,part_arch.other_owner,part_arch.part_extra,
                part_arch.part_by_id,part_arch.a_view,"part_arch.\"Ev\"\"ents\""}'::text[]) target;
SELECT * FROM regress.caught($$SELECT tenancy.set_retention('part_arch."Ev""ents"', '1 month', 'archive',
                                archive_schema => 'part_arch', archive_to => 'part_arch.part_archive')$$);
SELECT * FROM regress.caught($$SELECT tenancy.set_retention('part_arch."Ev""ents"', '1 month',
                                archive_to => 'part_arch.part_archive')$$);
SELECT retention, retention_action, archive_to FROM tenancy.partition_config
 WHERE parent = 'part_arch."Ev""ents"'::regclass;

-- The partitions of parent past retention at clock run_at (taken before
-- the run: midnight may pass before the check), by their upper bound.
CREATE FUNCTION pg_temp.expired_children(parent regclass, run_at timestamptz) RETURNS SETOF regclass
LANGUAGE sql AS $$
  SELECT i.inhrelid::regclass FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
   WHERE i.inhparent = parent AND pg_get_expr(c.relpartbound, c.oid) <> 'DEFAULT'
     AND (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'TO \(''([^'']*)''\)'))[1]::timestamptz
         <= run_at - interval '1 month'
$$;

-- Plain: 10001 rows three months old and 2 two months old are copied, in
-- committed batches of 10000 (3 transactions), and the partitions dropped.
SELECT tenancy.set_retention('part_arch."Ev""ents"', '1 month', 'archive', archive_to => 'part_arch."Plain Archive"');
INSERT INTO part_arch."Ev""ents" SELECT i, now() - interval '3 months', 'old' FROM generate_series(1, 10001) i;
INSERT INTO part_arch."Ev""ents" SELECT i, now() - interval '2 months', 'old' FROM generate_series(10002, 10003) i;
INSERT INTO part_arch."Ev""ents" VALUES (0, now(), 'new');
SELECT now() AS run_at \gset
CALL tenancy.run_maintenance('part_arch."Ev""ents"');
SELECT count(*) AS copied, count(DISTINCT xmin::text) AS transactions, bool_and(archived) AS defaults_filled,
       bool_and("Note" = 'old') AS only_old
  FROM part_arch."Plain Archive";
SELECT count(*) AS partitions_past_retention FROM pg_temp.expired_children('part_arch."Ev""ents"', :'run_at');
SELECT id FROM part_arch."Ev""ents";
SELECT last_error FROM tenancy.partition_status() WHERE parent = 'part_arch."Ev""ents"'::regclass;

-- Partitioned: the partition itself moves (its rows are not copied).
SELECT tenancy.set_retention('part_arch."Ev""ents"', '1 month', 'archive', archive_to => 'part_arch.part_archive');
SELECT retention_action, archive_schema, archive_to FROM tenancy.partition_config
 WHERE parent = 'part_arch."Ev""ents"'::regclass;
DO $$
DECLARE
  lower timestamptz := date_trunc('month', (now() - interval '3 months') AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
BEGIN
  EXECUTE format('CREATE TABLE part_arch.old_month PARTITION OF part_arch."Ev""ents" FOR VALUES FROM (%L) TO (%L)',
                 lower, lower + interval '1 month');
END $$;
INSERT INTO part_arch."Ev""ents" VALUES (1, now() - interval '3 months', 'moved'), (2, now() - interval '3 months', 'moved');
CREATE TEMP TABLE before_move AS SELECT xmin::text AS x, id FROM part_arch.old_month;
SELECT now() AS run_at \gset
CALL tenancy.run_maintenance('part_arch."Ev""ents"');
SELECT inhparent::regclass AS now_under FROM pg_inherits WHERE inhrelid = 'part_arch.old_month'::regclass;
SELECT id, a."Note", a.xmin::text = b.x AS not_copied
  FROM part_arch.part_archive a JOIN before_move b USING (id) ORDER BY id;
SELECT count(*) AS partitions_past_retention FROM pg_temp.expired_children('part_arch."Ev""ents"', :'run_at');

-- A target changed since set_retention is checked again: the move fails,
-- is recorded, and nothing moves.
DO $$
DECLARE
  lower timestamptz := date_trunc('month', (now() - interval '3 months') AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
BEGIN
  EXECUTE format('CREATE TABLE part_arch.old_month_2 PARTITION OF part_arch."Ev""ents" FOR VALUES FROM (%L) TO (%L)',
                 lower - interval '1 month', lower);
END $$;
ALTER TABLE part_arch.part_archive OWNER TO part_arch_other;
SELECT now() AS run_at \gset
CALL tenancy.run_maintenance('part_arch."Ev""ents"');
SELECT inhparent::regclass AS still_under FROM pg_inherits WHERE inhrelid = 'part_arch.old_month_2'::regclass;
SELECT last_error LIKE '%archive table part_arch.part_archive is not owned by the owner of part_arch."Ev""ents"%'
       AS recorded
  FROM tenancy.partition_status() WHERE parent = 'part_arch."Ev""ents"'::regclass;

DELETE FROM tenancy.partition_config WHERE parent = 'part_arch."Ev""ents"'::regclass;
DELETE FROM tenancy.partition_state WHERE parent = 'part_arch."Ev""ents"'::regclass;
SET client_min_messages = warning; -- partition names hold dates
DROP SCHEMA part_arch CASCADE;
RESET client_min_messages;
DROP TABLE before_move;
DROP ROLE part_arch_other;
