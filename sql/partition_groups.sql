-- partition_groups: retention groups (issue 13, item 3). Tables whose
-- foreign keys reference a time-partitioned table, partitioned on the same
-- time key, retire with it: set_retention on the referenced table names
-- them in linked; run_maintenance retires their partitions first, then the
-- referenced one, one transaction per step. Seed 004's shape: audits and
-- the audit files referencing them.
\set SHOW_CONTEXT never
CREATE SCHEMA part_groups;
CREATE ROLE part_groups_owner;
CREATE ROLE part_groups_other;
GRANT USAGE, CREATE ON SCHEMA part_groups TO part_groups_owner, part_groups_other;
CREATE TABLE part_groups.audits (id int, status text, created_at timestamptz NOT NULL,
                                 PRIMARY KEY (id, created_at)) PARTITION BY RANGE (created_at);
-- a hostile name for the referencing table
CREATE TABLE part_groups."Audit Files;" (id int, audit_id int, created_at timestamptz NOT NULL,
                                        FOREIGN KEY (audit_id, created_at) REFERENCES part_groups.audits)
  PARTITION BY RANGE (created_at);
SELECT tenancy.partition_by_time(t, 'created_at', '1 month', premake => 1,
                                 start_at => now() - interval '3 months') > 0 AS made
  FROM unnest(ARRAY['part_groups.audits', 'part_groups."Audit Files;"']) t;
ALTER TABLE part_groups.audits OWNER TO part_groups_owner;
ALTER TABLE part_groups."Audit Files;" OWNER TO part_groups_owner;

-- Without linked, retention on a referenced table is refused as before;
-- the hint says how to name the referencing tables.
SELECT * FROM regress.caught($$SELECT tenancy.set_retention('part_groups.audits', '1 month')$$);

-- Tables that cannot form a group, each refused with nothing changed:
-- no foreign key to audits; one not on the time key; another key type;
-- another step; not registered; another owner's; a cycle (each table
-- references the other).
CREATE TABLE part_groups.notes (id int, created_at timestamptz NOT NULL) PARTITION BY RANGE (created_at);
CREATE TABLE part_groups.comments (audit_id int, audit_at timestamptz, created_at timestamptz NOT NULL,
                                   FOREIGN KEY (audit_id, audit_at) REFERENCES part_groups.audits)
  PARTITION BY RANGE (created_at);
CREATE TABLE part_groups.local_files (audit_id int, created_at timestamp NOT NULL,
                                      FOREIGN KEY (audit_id, created_at) REFERENCES part_groups.audits)
  PARTITION BY RANGE (created_at);
CREATE TABLE part_groups.daily_files (audit_id int, created_at timestamptz NOT NULL,
                                      FOREIGN KEY (audit_id, created_at) REFERENCES part_groups.audits)
  PARTITION BY RANGE (created_at);
CREATE TABLE part_groups.unregistered (audit_id int, created_at timestamptz NOT NULL,
                                       FOREIGN KEY (audit_id, created_at) REFERENCES part_groups.audits)
  PARTITION BY RANGE (created_at);
CREATE TABLE part_groups.a_side (id int, b_id int, created_at timestamptz NOT NULL,
                                 PRIMARY KEY (id, created_at)) PARTITION BY RANGE (created_at);
CREATE TABLE part_groups.b_side (id int, a_id int, created_at timestamptz NOT NULL,
                                 PRIMARY KEY (id, created_at),
                                 FOREIGN KEY (a_id, created_at) REFERENCES part_groups.a_side)
  PARTITION BY RANGE (created_at);
ALTER TABLE part_groups.a_side ADD FOREIGN KEY (b_id, created_at) REFERENCES part_groups.b_side;
SELECT tenancy.partition_by_time(t, 'created_at', '1 month', premake => 1) > 0 AS made
  FROM unnest(ARRAY['part_groups.notes', 'part_groups.comments', 'part_groups.local_files',
                    'part_groups.a_side', 'part_groups.b_side']) t;
SELECT tenancy.partition_by_time('part_groups.daily_files', 'created_at', '1 day', premake => 1) > 0 AS made;
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['notes', 'comments', 'local_files', 'daily_files', 'unregistered', 'a_side', 'b_side'] LOOP
    EXECUTE format('ALTER TABLE part_groups.%I OWNER TO part_groups_owner', t);
  END LOOP;
END $$;
SELECT linked, (regress.caught(format(
         'SELECT tenancy.set_retention(%L, %L, linked => %L::regclass[])', parent, '1 month', linked))).*
  FROM (VALUES ('part_groups.audits', ARRAY[NULL]),
               ('part_groups.audits', ARRAY['part_groups.audits']),
               ('part_groups.audits', ARRAY['part_groups."Audit Files;"', 'part_groups."Audit Files;"']),
               ('part_groups.audits', ARRAY['part_groups.notes']),
               ('part_groups.audits', ARRAY['part_groups.comments']),
               ('part_groups.audits', ARRAY['part_groups.local_files']),
               ('part_groups.audits', ARRAY['part_groups.daily_files']),
               ('part_groups.audits', ARRAY['part_groups.unregistered']),
               ('part_groups.a_side', ARRAY['part_groups.b_side'])) AS t(parent, linked);
-- The caller must own each linked table (a table owner may be granted
-- set_retention; row level security shows it only its own tables).
CREATE TABLE part_groups.others_files (audit_id int, created_at timestamptz NOT NULL,
                                       FOREIGN KEY (audit_id, created_at) REFERENCES part_groups.audits)
  PARTITION BY RANGE (created_at);
SELECT tenancy.partition_by_time('part_groups.others_files', 'created_at', '1 month', premake => 1) > 0 AS made;
ALTER TABLE part_groups.others_files OWNER TO part_groups_other;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA tenancy TO part_groups_owner;
GRANT SELECT, UPDATE ON tenancy.partition_config TO part_groups_owner;
SET ROLE part_groups_owner;
SELECT * FROM regress.caught($$SELECT tenancy.set_retention('part_groups.audits', '1 month',
                                   linked => ARRAY['part_groups.others_files']::regclass[])$$);
RESET ROLE;
REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA tenancy FROM part_groups_owner;
REVOKE SELECT, UPDATE ON tenancy.partition_config FROM part_groups_owner;
DELETE FROM tenancy.partition_config
 WHERE parent IN ('part_groups.others_files'::regclass, 'part_groups.comments'::regclass,
                  'part_groups.local_files'::regclass, 'part_groups.daily_files'::regclass);
DROP TABLE part_groups.others_files, part_groups.comments, part_groups.local_files,
           part_groups.daily_files, part_groups.unregistered;
-- linked without a retention period, and archive_to, which takes one
-- table's partitions
CREATE TABLE part_groups.audits_archive (LIKE part_groups.audits) PARTITION BY RANGE (created_at);
SELECT * FROM regress.caught($$SELECT tenancy.set_retention('part_groups.audits', NULL,
                                   linked => ARRAY['part_groups."Audit Files;"']::regclass[])$$);
SELECT * FROM regress.caught($$SELECT tenancy.set_retention('part_groups.audits', '1 month', 'archive',
                                   archive_to => 'part_groups.audits_archive',
                                   linked => ARRAY['part_groups."Audit Files;"']::regclass[])$$);
SELECT parent, retention, retire_with FROM tenancy.partition_config
 WHERE parent::text LIKE 'part_groups.%' AND (retention IS NOT NULL OR retire_with IS NOT NULL);

-- The group: the files retire with their audits.
SELECT tenancy.set_retention('part_groups.audits', '1 month',
                             linked => ARRAY['part_groups."Audit Files;"']::regclass[]);
SELECT parent, retention, retention_action, retire_with FROM tenancy.partition_config
 WHERE parent IN ('part_groups.audits'::regclass, 'part_groups."Audit Files;"'::regclass) ORDER BY parent::text;
-- A member's retention is its group's: set on the member, refused.
SELECT * FROM regress.caught($$SELECT tenancy.set_retention('part_groups."Audit Files;"', '1 year')$$);
-- ... and it cannot be linked into another group.
ALTER TABLE part_groups."Audit Files;" ADD CONSTRAINT to_a_side FOREIGN KEY (audit_id, created_at)
  REFERENCES part_groups.a_side (id, created_at);
SELECT * FROM regress.caught($$SELECT tenancy.set_retention('part_groups.a_side', '1 month',
                                   linked => ARRAY['part_groups."Audit Files;"']::regclass[])$$);
ALTER TABLE part_groups."Audit Files;" DROP CONSTRAINT to_a_side;
-- ... nor the referenced table of a group (its members reference it).
ALTER TABLE part_groups.audits ADD CONSTRAINT to_a_side FOREIGN KEY (id, created_at)
  REFERENCES part_groups.a_side (id, created_at);
SELECT * FROM regress.caught($$SELECT tenancy.set_retention('part_groups.a_side', '1 month',
                                   linked => ARRAY['part_groups.audits']::regclass[])$$);
ALTER TABLE part_groups.audits DROP CONSTRAINT to_a_side;

-- Three months old: audits 1-3, two months old: 4-5, now: 6; a file each.
INSERT INTO part_groups.audits
SELECT i, 'closed', now() - CASE WHEN i <= 3 THEN interval '3 months' WHEN i <= 5 THEN interval '2 months'
                                 ELSE interval '0' END FROM generate_series(1, 6) i;
INSERT INTO part_groups."Audit Files;" SELECT 100 + id, id, created_at FROM part_groups.audits;
-- Naming the referenced table maintains its group: the files' expired
-- partitions go first, then the audits' (dropped attached, the audits'
-- partition would take the files' foreign key with it: refused).
-- Past retention is counted at the clock before the run (a day, or a
-- month, may end between the run and the check).
SELECT now() AS before_run \gset
CALL tenancy.run_maintenance('part_groups.audits');
SELECT array_agg(id ORDER BY id) AS audits FROM part_groups.audits;
SELECT array_agg(id ORDER BY id) AS files FROM part_groups."Audit Files;";
SELECT p.parent, count(ch.child) FILTER (WHERE ch.upper <= (:'before_run'::timestamptz AT TIME ZONE 'UTC') - interval '1 month')
         AS partitions_past_retention, s.last_error
  FROM tenancy.partition_config p
  JOIN tenancy.partition_state s ON s.parent = p.parent
  LEFT JOIN LATERAL tenancy._partition_children(p.parent, 'timestamptz') ch ON NOT ch.is_default
 WHERE p.parent IN ('part_groups.audits'::regclass, 'part_groups."Audit Files;"'::regclass)
 GROUP BY p.parent, s.last_error ORDER BY p.parent::text;

-- Turning retention off releases the group.
SELECT tenancy.set_retention('part_groups.audits', NULL);
SELECT parent, retention, retire_with FROM tenancy.partition_config
 WHERE parent IN ('part_groups.audits'::regclass, 'part_groups."Audit Files;"'::regclass) ORDER BY parent::text;

-- A keep rule on a group: a range whose referenced partition holds kept
-- rows is held back whole (the files of an open order stay with it); the
-- other ranges go. detach: the member's partition leaves without its
-- foreign key (the rows it referenced leave next).
CREATE TABLE part_groups.orders (id int, status text, created_at timestamptz NOT NULL,
                                 PRIMARY KEY (id, created_at)) PARTITION BY RANGE (created_at);
CREATE TABLE part_groups.order_lines (id int, order_id int, created_at timestamptz NOT NULL,
                                      FOREIGN KEY (order_id, created_at) REFERENCES part_groups.orders)
  PARTITION BY RANGE (created_at);
SELECT tenancy.partition_by_time(t, 'created_at', '1 month', premake => 1,
                                 start_at => now() - interval '3 months') > 0 AS made
  FROM unnest(ARRAY['part_groups.orders', 'part_groups.order_lines']) t;
ALTER TABLE part_groups.orders OWNER TO part_groups_owner;
ALTER TABLE part_groups.order_lines OWNER TO part_groups_owner;
SELECT tenancy.set_retention('part_groups.orders', '1 month', 'detach', keep_where => 'status = ''open''',
                             linked => ARRAY['part_groups.order_lines']::regclass[]);
INSERT INTO part_groups.orders VALUES (1, 'open', now() - interval '3 months'),
                                      (2, 'closed', now() - interval '3 months'),
                                      (3, 'closed', now() - interval '2 months');
INSERT INTO part_groups.order_lines SELECT 10 + id, id, created_at FROM part_groups.orders;
CALL tenancy.run_maintenance('part_groups.orders');
SELECT array_agg(id ORDER BY id) AS orders FROM part_groups.orders;
SELECT array_agg(id ORDER BY id) AS lines FROM part_groups.order_lines;
SELECT held_back, last_error FROM tenancy.partition_status() WHERE parent = 'part_groups.orders'::regclass;
SELECT held_back, held_back_by, last_error FROM tenancy.partition_status()
 WHERE parent = 'part_groups.order_lines'::regclass;
-- the detached partitions (names hold dates, and how many are empty
-- depends on the day): their rows, and no foreign key left on the lines'
CREATE FUNCTION pg_temp.detached(prefix text, OUT ids int[], OUT foreign_keys bigint)
LANGUAGE plpgsql AS $$
DECLARE t regclass; got int[];
BEGIN
  ids := '{}'; foreign_keys := 0;
  FOR t IN SELECT c.oid FROM pg_class c WHERE c.relnamespace = 'part_groups'::regnamespace
              AND starts_with(c.relname, prefix || '_p') AND c.relkind = 'r' AND NOT c.relispartition LOOP
    EXECUTE format('SELECT coalesce(array_agg(id), ''{}'') FROM %s', t) INTO got;
    ids := ids || got;
    foreign_keys := foreign_keys + (SELECT count(*) FROM pg_constraint k WHERE k.conrelid = t AND k.contype = 'f');
  END LOOP;
  ids := ARRAY(SELECT i FROM unnest(ids) i ORDER BY i);
END $$;
SELECT 'order_lines' AS detached, * FROM pg_temp.detached('order_lines')
UNION ALL SELECT 'orders', * FROM pg_temp.detached('orders');
-- Once the order is closed, its range goes: the lines first, then orders.
UPDATE part_groups.orders SET status = 'closed' WHERE id = 1;
CALL tenancy.run_maintenance('part_groups.orders');
SELECT count(*) AS orders_past_retention FROM part_groups.orders WHERE created_at < now() - interval '1 month';
SELECT count(*) AS lines_past_retention FROM part_groups.order_lines WHERE created_at < now() - interval '1 month';
SELECT parent, last_error FROM tenancy.partition_status()
 WHERE parent IN ('part_groups.orders'::regclass, 'part_groups.order_lines'::regclass) ORDER BY parent::text;
SELECT 'order_lines' AS detached, * FROM pg_temp.detached('order_lines')
UNION ALL SELECT 'orders', * FROM pg_temp.detached('orders');

DELETE FROM tenancy.partition_config WHERE parent::text LIKE 'part_groups.%';
DELETE FROM tenancy.partition_state WHERE parent::text LIKE 'part_groups.%';
SET client_min_messages = warning;
DROP SCHEMA part_groups CASCADE;
RESET client_min_messages;
DROP ROLE part_groups_owner;
DROP ROLE part_groups_other;
