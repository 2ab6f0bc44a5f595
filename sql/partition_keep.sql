-- partition_keep: retention keep rules (issue 13, item 1). A partition past
-- retention that holds rows matching keep_where stays; its other rows are
-- removed in committed batches (by the parent's action); it goes when it
-- holds no kept row. The rule is validated at registration, evaluated as
-- the table's owner, and shown by partition_status.
\set SHOW_CONTEXT never
CREATE SCHEMA part_keep;
CREATE ROLE part_keep_owner;
GRANT USAGE, CREATE ON SCHEMA part_keep TO part_keep_owner;
-- Hostile names: the table, a column with a capital and a space.
CREATE TABLE part_keep."Out Box;" (id int, "Msg Status" text, sent_at timestamptz NOT NULL)
  PARTITION BY RANGE (sent_at);
ALTER TABLE part_keep."Out Box;" OWNER TO part_keep_owner;
-- raises unless evaluated as the owner: the rule runs with the owner's rights
CREATE FUNCTION part_keep.held(status text) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF current_user <> 'part_keep_owner' THEN
    RAISE EXCEPTION 'keep rule evaluated as %', current_user;
  END IF;
  RETURN status IN ('pending', 'scheduled');
END $$;
ALTER FUNCTION part_keep.held(text) OWNER TO part_keep_owner;
SELECT tenancy.partition_by_time('part_keep."Out Box;"', 'sent_at', '1 month', premake => 1,
                                 start_at => now() - interval '3 months') > 0 AS made;

-- Refused, changing nothing: not one expression, a subquery, an aggregate,
-- a function that is not IMMUTABLE, no column, an unknown column, not a
-- boolean, and a rule without a retention period.
SELECT rule, (regress.caught(format('SELECT tenancy.set_retention(%L, %L, keep_where => %L)',
                                    'part_keep."Out Box;"', '1 month', rule))).*
  FROM unnest(ARRAY[
    '"Msg Status" = ''pending''; DROP TABLE part_keep."Out Box;"',
    '"Msg Status" = ''pending'') OR (true',
    '"Msg Status" = ''pending'' FROM pg_authid',
    '*',
    '"Msg Status" IN (SELECT rolname FROM pg_authid)',
    'count(*) > 0',
    'random() > 0.5',
    'sent_at > now() - interval ''1 day''',
    'true',
    'status = ''pending''',
    '"Msg Status"']) AS rule;
SELECT * FROM regress.caught($$SELECT tenancy.set_retention('part_keep."Out Box;"', NULL,
                                                            keep_where => '"Msg Status" = ''pending''')$$);
SELECT retention, keep_where FROM tenancy.partition_config WHERE parent = 'part_keep."Out Box;"'::regclass;

-- Stored as PostgreSQL deparses it: one expression, names qualified where
-- the pinned search_path would not find them, a trailing comment gone.
SELECT tenancy.set_retention('part_keep."Out Box;"', '1 month',
                             keep_where => 'part_keep.held("Msg Status") -- pending or scheduled');
SELECT retention, keep_where FROM tenancy.partition_config WHERE parent = 'part_keep."Out Box;"'::regclass;

-- Three months old: 3 pending and 5 sent; two months old: 4 sent; now: 2 sent.
INSERT INTO part_keep."Out Box;"
SELECT i, CASE WHEN i <= 3 THEN 'pending' ELSE 'sent' END, now() - interval '3 months' FROM generate_series(1, 8) i;
INSERT INTO part_keep."Out Box;" SELECT i, 'sent', now() - interval '2 months' FROM generate_series(11, 14) i;
INSERT INTO part_keep."Out Box;" SELECT i, 'sent', now() FROM generate_series(21, 22) i;
CALL tenancy.run_maintenance('part_keep."Out Box;"');
-- the kept rows stay, in their partition; the sent ones past retention
-- are gone; the two-months-old partition (no kept row) is dropped
SELECT id, "Msg Status", sent_at < now() - interval '1 month' AS past_retention
  FROM part_keep."Out Box;" ORDER BY id;
SELECT count(DISTINCT tableoid) AS partitions_past_retention
  FROM part_keep."Out Box;" WHERE sent_at < now() - interval '1 month';
SELECT held_back, held_back_by, last_error FROM tenancy.partition_status()
 WHERE parent = 'part_keep."Out Box;"'::regclass;

-- Once sent, the held partition goes at the next run.
UPDATE part_keep."Out Box;" SET "Msg Status" = 'sent' WHERE id <= 2;
CALL tenancy.run_maintenance('part_keep."Out Box;"');
SELECT id, "Msg Status" FROM part_keep."Out Box;" WHERE sent_at < now() - interval '1 month' ORDER BY id;
UPDATE part_keep."Out Box;" SET "Msg Status" = 'sent' WHERE id = 3;
CALL tenancy.run_maintenance('part_keep."Out Box;"');
SELECT count(*) AS rows_past_retention FROM part_keep."Out Box;" WHERE sent_at < now() - interval '1 month';
SELECT held_back, last_error FROM tenancy.partition_status() WHERE parent = 'part_keep."Out Box;"'::regclass;

-- The default partition's expired rows follow the rule too.
INSERT INTO part_keep."Out Box;" VALUES (31, 'scheduled', now() - interval '2 years'),
                                        (32, 'sent', now() - interval '2 years');
CALL tenancy.run_maintenance('part_keep."Out Box;"');
SELECT id, "Msg Status" FROM part_keep."Out Box;" WHERE sent_at < now() - interval '1 year' ORDER BY id;

-- A rule that no longer applies (its column renamed) retires nothing: the
-- error is recorded and every row stays; partition_status says why.
DO $$
DECLARE
  lower timestamptz := date_trunc('month', (now() - interval '3 months') AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
BEGIN
  EXECUTE format('CREATE TABLE part_keep.old_month PARTITION OF part_keep."Out Box;" FOR VALUES FROM (%L) TO (%L)',
                 lower, lower + interval '1 month');
END $$;
INSERT INTO part_keep."Out Box;" VALUES (41, 'sent', now() - interval '3 months');
ALTER TABLE part_keep."Out Box;" RENAME COLUMN "Msg Status" TO state;
CALL tenancy.run_maintenance('part_keep."Out Box;"');
SELECT id FROM part_keep."Out Box;" WHERE id = 41;
SELECT last_error, held_back, held_back_by FROM tenancy.partition_status()
 WHERE parent = 'part_keep."Out Box;"'::regclass;
ALTER TABLE part_keep."Out Box;" RENAME COLUMN state TO "Msg Status";

-- detach: the rows not kept move into <parent>_expired, in committed
-- batches of 10000; the partition with kept rows stays attached.
CREATE TABLE part_keep.queue (id int, state text, at timestamptz NOT NULL) PARTITION BY RANGE (at);
SELECT tenancy.partition_by_time('part_keep.queue', 'at', '1 month', premake => 1,
                                 start_at => now() - interval '3 months') > 0 AS made;
SELECT tenancy.set_retention('part_keep.queue', '1 month', 'detach', keep_where => 'state = ''held''');
INSERT INTO part_keep.queue SELECT i, CASE WHEN i = 1 THEN 'held' ELSE 'done' END, now() - interval '3 months'
  FROM generate_series(1, 10002) i;
CALL tenancy.run_maintenance('part_keep.queue');
SELECT id, state FROM part_keep.queue WHERE at < now() - interval '1 month';
SELECT count(*) AS moved, count(DISTINCT xmin::text) AS batches, bool_and(state = 'done') AS only_done
  FROM part_keep.queue_expired;

-- Turning the rule off with retention: set_retention without keep_where.
SELECT tenancy.set_retention('part_keep.queue', '1 month', 'detach');
SELECT keep_where FROM tenancy.partition_config WHERE parent = 'part_keep.queue'::regclass;

DELETE FROM tenancy.partition_config WHERE parent IN ('part_keep."Out Box;"'::regclass, 'part_keep.queue'::regclass);
DELETE FROM tenancy.partition_state WHERE parent IN ('part_keep."Out Box;"'::regclass, 'part_keep.queue'::regclass);
SET client_min_messages = warning; -- the detached partitions' names hold dates
DROP SCHEMA part_keep CASCADE;
RESET client_min_messages;
DROP OWNED BY part_keep_owner;
DROP ROLE part_keep_owner;
