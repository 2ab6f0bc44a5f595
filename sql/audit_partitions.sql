-- audit_partitions: audited partitioned tables, and the log's own partitions.

-- The log is a managed monthly partition set with a default partition.
SELECT kind, control, step, premake, with_default FROM tenancy.partition_config
 WHERE parent = 'tenancy.audit_log'::regclass;
SELECT count(*) >= 4 AS premade FROM pg_inherits WHERE inhparent = 'tenancy.audit_log'::regclass;

-- Rows written through the parent and into a partition directly are logged
-- once each; partitions made later (by PARTITION OF, by ATTACH, by
-- tenancy's own partitioning) are audited too.
CREATE TABLE visits_log (id int, workspace_id uuid NOT NULL, day date NOT NULL, note text)
  PARTITION BY RANGE (day);
CREATE TABLE visits_log_2026_01 PARTITION OF visits_log FOR VALUES FROM ('2026-01-01') TO ('2026-02-01');
SELECT tenancy.enable_audit('visits_log', exclude_columns => '{note}');
CREATE TABLE visits_log_2026_02 PARTITION OF visits_log FOR VALUES FROM ('2026-02-01') TO ('2026-03-01');
CREATE TABLE visits_log_2026_03 (LIKE visits_log);
ALTER TABLE visits_log ATTACH PARTITION visits_log_2026_03 FOR VALUES FROM ('2026-03-01') TO ('2026-04-01');
SELECT tenancy.partition_by_time('visits_log', 'day', '1 month', premake => 1,
                                 start_at => '2026-04-01', with_default => false) > 0 AS made;
SELECT c.relname, s.tenant_column, s.exclude_columns
  FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
  CROSS JOIN LATERAL tenancy.audit_settings(i.inhrelid) s
 WHERE i.inhparent = 'visits_log'::regclass AND c.relname <= 'visits_log_p2026_04'
 ORDER BY 1;
INSERT INTO visits_log VALUES
  (1, '00000000-0000-0000-0000-0000000000c1', '2026-01-10', 'secret note'),
  (2, '00000000-0000-0000-0000-0000000000c1', '2026-04-10', 'secret note');
INSERT INTO visits_log_2026_02 VALUES (3, '00000000-0000-0000-0000-0000000000c1', '2026-02-10', 'x');
INSERT INTO visits_log_2026_03 VALUES (4, '00000000-0000-0000-0000-0000000000c1', '2026-03-10', 'x');
UPDATE visits_log SET day = '2026-02-11' WHERE id = 1;   -- moves between partitions
UPDATE visits_log_2026_02 SET id = 30 WHERE id = 3;
DELETE FROM visits_log WHERE id = 4;
SELECT table_name, op, record_key, old_values, new_values FROM tenancy.audit_entries
 WHERE table_name LIKE 'visits_log%' ORDER BY id;

-- Retention of the log re-anchors the chains: after a partition is
-- released and dropped, what remains still verifies.
CREATE TABLE tenancy.audit_log_p2020_01 PARTITION OF tenancy.audit_log
  FOR VALUES FROM ('2020-01-01') TO ('2020-02-01');
INSERT INTO tenancy.audit_relation (schema_name, table_name) VALUES ('public', 'old_table');
INSERT INTO tenancy.audit_log (logged_at, relation, op, tenant_id, db_user)
SELECT '2020-01-15', (SELECT id FROM tenancy.audit_relation WHERE table_name = 'old_table'),
       'INSERT', '00000000-0000-0000-0000-0000000000dd', 'postgres'
  FROM generate_series(1, 3);
CREATE TABLE kept_rows (id int PRIMARY KEY, workspace_id uuid);
SELECT tenancy.enable_audit('kept_rows');
INSERT INTO kept_rows VALUES (1, '00000000-0000-0000-0000-0000000000dd'), (2, '00000000-0000-0000-0000-0000000000dd');
-- unsealed rows are refused
SELECT tenancy.audit_release_partition('tenancy.audit_log_p2020_01');
SELECT tenancy.seal_audit() > 0 AS sealed;
SELECT rows_checked, first_bad_id FROM tenancy.verify_audit('00000000-0000-0000-0000-0000000000dd');
-- a partition whose rows do not verify is refused: dropping them would
-- destroy the evidence
BEGIN;
UPDATE tenancy.audit_log_p2020_01 SET db_user = 'someone_else'
 WHERE id = (SELECT min(id) FROM tenancy.audit_log_p2020_01);
SELECT state, regexp_replace(message, '[0-9]+$', 'N') AS message, hint
  FROM regress.caught($$SELECT tenancy.audit_release_partition('tenancy.audit_log_p2020_01')$$);
ROLLBACK;
-- the five rows were sealed in one range: the chain now starts inside it
SELECT tenancy.audit_release_partition('tenancy.audit_log_p2020_01');
SELECT start_range_rows FROM tenancy.audit_chain WHERE tenant_id = '00000000-0000-0000-0000-0000000000dd';
DROP TABLE tenancy.audit_log_p2020_01;
SELECT rows_checked, first_bad_id FROM tenancy.verify_audit('00000000-0000-0000-0000-0000000000dd');
-- and a tamper after the anchor is still found
BEGIN;
DELETE FROM tenancy.audit_log WHERE relation = ANY (tenancy._audit_relation_ids('kept_rows')) AND record_key = '{"id": 1}';
SELECT first_bad_id IS NOT NULL AS found FROM tenancy.verify_audit('00000000-0000-0000-0000-0000000000dd');
ROLLBACK;
-- The chain of rows without a tenant is released the same way (its start
-- and anchors are found with tenant_id IS NULL).
CREATE TABLE tenancy.audit_log_p2020_02 PARTITION OF tenancy.audit_log
  FOR VALUES FROM ('2020-02-01') TO ('2020-03-01');
INSERT INTO tenancy.audit_log (logged_at, relation, op, tenant_id, db_user)
SELECT '2020-02-15', (SELECT id FROM tenancy.audit_relation WHERE table_name = 'old_table'),
       'INSERT', NULL, 'postgres'
  FROM generate_series(1, 3);
CREATE TABLE untenanted_rows (id int PRIMARY KEY, note text);
SELECT tenancy.enable_audit('untenanted_rows');
INSERT INTO untenanted_rows VALUES (1, 'a'), (2, 'b');
SELECT tenancy.seal_audit() > 0 AS sealed;
SELECT first_bad_id FROM tenancy.verify_audit() WHERE tenant_id IS NULL;
SELECT tenancy.audit_release_partition('tenancy.audit_log_p2020_02');
SELECT start_id = (SELECT max(id) FROM tenancy.audit_log_p2020_02) AS starts_after_released
  FROM tenancy.audit_chain WHERE tenant_id IS NULL;
DROP TABLE tenancy.audit_log_p2020_02;
-- what remains: the two rows logged after the released ones
SELECT rows_checked, first_bad_id FROM tenancy.verify_audit() WHERE tenant_id IS NULL;
