-- partition_attach_locks: what a new partition's ATTACH waits on when the
-- parent has a foreign key to a partitioned table (issue 13, insert p99
-- under maintenance). ATTACH clones the key under SHARE ROW EXCLUSIVE on the
-- referenced table and its partitions; before it, tenancy builds their
-- relation cache entries under ACCESS SHARE only
-- (tenancy._partition_load_referenced), so that the locked part is short.
\set SHOW_CONTEXT never
CREATE SCHEMA part_attach;
CREATE ROLE part_attach_other;
CREATE TABLE part_attach.orders (id int, created_at timestamptz NOT NULL,
                                 PRIMARY KEY (id, created_at)) PARTITION BY RANGE (created_at);
CREATE TABLE part_attach.lines (order_id int, created_at timestamptz NOT NULL,
                                FOREIGN KEY (order_id, created_at) REFERENCES part_attach.orders)
  PARTITION BY RANGE (created_at);
CREATE TABLE part_attach.notes (created_at timestamptz NOT NULL) PARTITION BY RANGE (created_at);
SELECT tenancy.partition_by_time(t, 'created_at', '1 month', premake => 1) > 0 AS made
  FROM unnest(ARRAY['part_attach.orders', 'part_attach.lines', 'part_attach.notes']) t;

-- The locks it takes: ACCESS SHARE on the referenced table, each of its
-- partitions and each of their indexes; nothing on the referencing side
-- but the parent's own ACCESS SHARE.
CREATE FUNCTION pg_temp.held_locks() RETURNS TABLE (kind text, mode text, relations bigint)
LANGUAGE sql AS $$
  WITH locked AS (
    SELECT l.mode, c.relname, c.relkind,
           coalesce(x.indrelid, c.oid) AS table_oid
      FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
      LEFT JOIN pg_index x ON x.indexrelid = c.oid
     WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation'
       AND c.relnamespace = 'part_attach'::regnamespace
  )
  SELECT CASE WHEN k.relkind IN ('i', 'I') THEN 'index of ' ELSE '' END
         || CASE WHEN k.table_oid = 'part_attach.orders'::regclass THEN 'referenced table'
                 WHEN EXISTS (SELECT 1 FROM pg_inherits i WHERE i.inhrelid = k.table_oid
                                 AND i.inhparent = 'part_attach.orders'::regclass)
                   THEN 'referenced partition'
                 ELSE k.relname END,
         k.mode, count(*)
    FROM locked k GROUP BY 1, 2 ORDER BY 1, 2
$$;
BEGIN;
SELECT tenancy._partition_load_referenced('part_attach.lines');
SELECT count(*) AS partitions_of_orders FROM pg_inherits WHERE inhparent = 'part_attach.orders'::regclass;
SELECT * FROM pg_temp.held_locks();
ROLLBACK;
-- A parent without foreign keys: nothing
-- but the parent's ACCESS SHARE.
BEGIN;
SELECT tenancy._partition_load_referenced('part_attach.notes');
SELECT * FROM pg_temp.held_locks();
ROLLBACK;
-- NULL: nothing (strict); a dropped table: nothing; another owner: 42501,
-- nothing locked.
SELECT tenancy._partition_load_referenced(NULL) IS NULL AS null_in_null_out;
CREATE TABLE part_attach.gone (id int);
SELECT 'part_attach.gone'::regclass::oid AS gone \gset
DROP TABLE part_attach.gone;
SELECT tenancy._partition_load_referenced(:gone);
GRANT USAGE ON SCHEMA part_attach TO part_attach_other;
GRANT EXECUTE ON FUNCTION tenancy._partition_load_referenced(regclass) TO part_attach_other;
SET ROLE part_attach_other;
BEGIN;
SELECT * FROM regress.caught($$SELECT tenancy._partition_load_referenced('part_attach.lines')$$);
SELECT count(*) AS locked_on_orders FROM pg_locks l
 WHERE l.pid = pg_backend_pid() AND l.relation = 'part_attach.orders'::regclass;
ROLLBACK;
RESET ROLE;
REVOKE ALL ON FUNCTION tenancy._partition_load_referenced(regclass) FROM part_attach_other;

-- Partitions made for the referencing table still get the foreign key,
-- validated, as a partition of the parent's key.
SELECT tenancy.partition_by_time('part_attach.lines', 'created_at', '1 month', premake => 3) >= 2 AS made_more;
SELECT count(*) FILTER (WHERE k.convalidated AND k.conparentid <> 0) = count(*) AS every_partition_keyed
  FROM pg_inherits i
  JOIN pg_class c ON c.oid = i.inhrelid
  LEFT JOIN pg_constraint k ON k.conrelid = i.inhrelid AND k.contype = 'f'
                           AND k.confrelid = 'part_attach.orders'::regclass
 WHERE i.inhparent = 'part_attach.lines'::regclass;

DELETE FROM tenancy.partition_config WHERE parent::text LIKE 'part_attach.%';
DELETE FROM tenancy.partition_state WHERE parent::text LIKE 'part_attach.%';
SET client_min_messages = warning;
DROP SCHEMA part_attach CASCADE;
RESET client_min_messages;
DROP ROLE part_attach_other;
