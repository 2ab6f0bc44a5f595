-- partition_edge_cases: a default partition dropped by hand is made again
-- while with_default is set (and not when it is not); run_maintenance on a
-- relation that does not exist, and run_maintenance and purge where they
-- cannot commit, fail with a clear error and change nothing.
\set SHOW_CONTEXT never
CREATE SCHEMA part_edges;
SET search_path = part_edges, public;

-- The default comes back at the next run, before rows would need it.
CREATE TABLE ev (at timestamptz NOT NULL) PARTITION BY RANGE (at);
SELECT tenancy.partition_by_time('ev', 'at', '1 month', 1) AS made;
DROP TABLE ev_default;
CALL tenancy.run_maintenance('ev');
SELECT tenancy._partition_default_of('ev') = 'ev_default'::regclass AS default_again, last_error
  FROM tenancy.partition_status() WHERE parent = 'ev'::regclass;
INSERT INTO ev VALUES ('1999-01-01');
SELECT tableoid::regclass AS landed FROM ev;
-- the same for a tenant set
CREATE TABLE pr (w uuid NOT NULL) PARTITION BY LIST (w);
SELECT tenancy.partition_by_tenant('pr', 'w') AS made;
DROP TABLE pr_default;
CALL tenancy.run_maintenance('pr');
SELECT child_name FROM tenancy._partition_children('pr', 'uuid') WHERE is_default;
-- with_default off: a missing default stays missing
SELECT tenancy.partition_by_tenant('pr', 'w', with_default => false) AS made;
DROP TABLE pr_default;
CALL tenancy.run_maintenance('pr');
SELECT count(*) AS defaults FROM tenancy._partition_children('pr', 'uuid') WHERE is_default;

-- A relation that does not exist (OID 0, or a dropped table's).
SELECT * FROM regress.caught('CALL tenancy.run_maintenance(0)');
CREATE TABLE gone (at timestamptz);
SELECT 'gone'::regclass::oid AS gone_oid \gset
DROP TABLE gone;
SELECT state, replace(message, :'gone_oid', 'N') AS message, hint
  FROM regress.caught(format('CALL tenancy.run_maintenance(%s)', :gone_oid));
SELECT state, message FROM regress.caught($$SELECT tenancy.partition_by_time(0, 'at', '1 day')$$);
SELECT state, message FROM regress.caught($$CALL tenancy.purge(0, 'at', '1 day')$$);

-- Where a procedure cannot commit: inside a transaction block, and inside
-- a function. The error comes before any work; nothing is made or deleted.
-- next month's partition dropped: a run would make it again
DO $$ BEGIN
    EXECUTE (SELECT format('DROP TABLE %s', child) FROM tenancy._partition_children('part_edges.ev', 'timestamptz')
              WHERE NOT is_default ORDER BY lower DESC LIMIT 1);
END $$;
CREATE TABLE old_rows (at timestamptz NOT NULL);
INSERT INTO old_rows VALUES ('2000-01-01'), ('2000-01-02');
CREATE TABLE before AS SELECT
    (SELECT count(*) FROM pg_inherits WHERE inhparent = 'ev'::regclass) AS partitions,
    (SELECT count(*) FROM old_rows) AS old_rows;
BEGIN;
CALL tenancy.run_maintenance('ev');
ROLLBACK;
BEGIN;
CALL tenancy.purge('old_rows', 'at', '1 day');
ROLLBACK;
SELECT * FROM regress.caught($$CALL tenancy.run_maintenance('ev')$$);
SELECT * FROM regress.caught($$CALL tenancy.purge('old_rows', 'at', '1 day')$$);
-- bad arguments are still reported as such first
BEGIN;
CALL tenancy.run_maintenance('ev', lock_wait => '0s');
ROLLBACK;
SELECT (SELECT count(*) FROM pg_inherits WHERE inhparent = 'ev'::regclass) = b.partitions AS partitions_unchanged,
       (SELECT count(*) FROM old_rows) = b.old_rows AS rows_unchanged
  FROM before b;
-- on its own it works (and a DO block at top level may commit too)
DO $$ BEGIN CALL tenancy.purge('part_edges.old_rows', 'at', '1 day'); END $$;
SELECT count(*) AS old_rows_left FROM old_rows;

DELETE FROM tenancy.partition_config WHERE parent IN ('ev'::regclass, 'pr'::regclass);
DELETE FROM tenancy.partition_state WHERE parent IN ('ev'::regclass, 'pr'::regclass);
DROP SCHEMA part_edges CASCADE;
