-- isolation_partitions: a partitioned table is covered with every existing
-- partition, and every partition created or attached later; a partition
-- queried directly never leaks.
CREATE TABLE iso_events (workspace_id uuid NOT NULL, at date NOT NULL, what text)
  PARTITION BY RANGE (at);
CREATE TABLE iso_events_2026_10 PARTITION OF iso_events
  FOR VALUES FROM ('2026-10-01') TO ('2026-11-01');
CREATE TABLE iso_events_2026_11 PARTITION OF iso_events
  FOR VALUES FROM ('2026-11-01') TO ('2026-12-01') PARTITION BY LIST (workspace_id);
CREATE TABLE iso_events_2026_11_a PARTITION OF iso_events_2026_11
  FOR VALUES IN ('00000000-0000-0000-0000-00000000000a');
CREATE TABLE iso_events_2026_11_rest PARTITION OF iso_events_2026_11 DEFAULT;
ALTER TABLE iso_events OWNER TO iso_owner;
ALTER TABLE iso_events_2026_10 OWNER TO iso_owner;
ALTER TABLE iso_events_2026_11 OWNER TO iso_owner;
ALTER TABLE iso_events_2026_11_a OWNER TO iso_owner;
ALTER TABLE iso_events_2026_11_rest OWNER TO iso_owner;
GRANT SELECT ON iso_events, iso_events_2026_10, iso_events_2026_11, iso_events_2026_11_a,
                iso_events_2026_11_rest TO iso_app;
INSERT INTO iso_events VALUES
  ('00000000-0000-0000-0000-00000000000a', '2026-10-05', 'a in october'),
  ('00000000-0000-0000-0000-00000000000c', '2026-10-06', 'c in october'),
  ('00000000-0000-0000-0000-00000000000a', '2026-11-05', 'a in november'),
  ('00000000-0000-0000-0000-00000000000c', '2026-11-06', 'c in november');

SET ROLE iso_owner;
SELECT * FROM tenancy.enable_isolation('iso_events');
SELECT * FROM tenancy.enable_isolation('iso_events');
RESET ROLE;

SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
       (SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid) AS policies
  FROM pg_partition_tree('iso_events') t JOIN pg_class c ON c.oid = t.relid ORDER BY c.relname;

-- Made later, by CREATE TABLE ... PARTITION OF and by ATTACH PARTITION.
SET ROLE iso_owner;
CREATE TABLE iso_events_2026_12 PARTITION OF iso_events
  FOR VALUES FROM ('2026-12-01') TO ('2027-01-01');
CREATE TABLE iso_events_2027_01 (LIKE iso_events);
ALTER TABLE iso_events ATTACH PARTITION iso_events_2027_01
  FOR VALUES FROM ('2027-01-01') TO ('2027-02-01');
RESET ROLE;
GRANT SELECT ON iso_events_2026_12, iso_events_2027_01 TO iso_app;
INSERT INTO iso_events VALUES
  ('00000000-0000-0000-0000-00000000000c', '2026-12-06', 'c in december'),
  ('00000000-0000-0000-0000-00000000000c', '2027-01-06', 'c in january');
SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
       (SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid) AS policies
  FROM pg_partition_tree('iso_events') t JOIN pg_class c ON c.oid = t.relid ORDER BY c.relname;

-- User a1 (workspaces a and b) sees only workspace a's rows, through the
-- parent and through every partition queried directly.
SET ROLE iso_app;
BEGIN;
SELECT set_config('request.jwt.claims', '{"sub":"00000000-0000-0000-0000-0000000000a1"}', true) IS NOT NULL AS claims_set;
SELECT what FROM iso_events ORDER BY at;
SELECT what FROM iso_events_2026_10;
SELECT what FROM iso_events_2026_11_rest;
SELECT what FROM iso_events_2026_12;
SELECT what FROM iso_events_2027_01;
COMMIT;
RESET ROLE;

-- disable_isolation removes it from every partition.
SET ROLE iso_owner;
SELECT count(*) AS statements FROM tenancy.disable_isolation('iso_events');
RESET ROLE;
SELECT count(*) AS tenancy_policies_left FROM pg_policy
 WHERE polname LIKE 'tenancy\_%' AND polrelid IN (SELECT relid FROM pg_partition_tree('iso_events'));
SELECT bool_or(c.relrowsecurity) AS any_rls_left
  FROM pg_partition_tree('iso_events') t JOIN pg_class c ON c.oid = t.relid;
-- and a partition made now is left alone
CREATE TABLE iso_events_2027_02 PARTITION OF iso_events
  FOR VALUES FROM ('2027-02-01') TO ('2027-03-01');
SELECT count(*) AS policies FROM pg_policy WHERE polrelid = 'iso_events_2027_02'::regclass;
-- DDL on unrelated tables is untouched by the event trigger
CREATE TABLE unrelated (workspace_id uuid);
ALTER TABLE unrelated ADD COLUMN x int;
SELECT count(*) AS policies FROM pg_policy WHERE polrelid = 'unrelated'::regclass;
