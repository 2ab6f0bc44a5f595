-- audit_index_entries: the audit trigger adds the index entries of the rows
-- it writes into the log's partition itself (src/audit/log_index_entries_pg.hpp),
-- computing audit_history's key code without the index expression. Every
-- row is found through every index, as if the executor had added them; an
-- index added by hand sends the entries through the executor, which
-- enforces it.
CREATE SCHEMA aie;
CREATE TABLE aie.docs (id int PRIMARY KEY, workspace_id uuid, title text);
CREATE TABLE aie.codes (code text PRIMARY KEY, n int);              -- hashed key, no tenant
CREATE TABLE aie.big (id bigint PRIMARY KEY, workspace_id uuid);    -- beyond 32 bits: hashed
CREATE TABLE aie.nokey (v int);                                     -- no key: NULL code
SELECT tenancy.enable_audit(t) FROM unnest('{aie.docs,aie.codes,aie.big,aie.nokey}'::regclass[]) t;

CREATE FUNCTION aie.write(round int) RETURNS void LANGUAGE sql AS $$
  INSERT INTO aie.docs SELECT g + 10 * round, '00000000-0000-0000-0000-0000000000a1', 'd'
    FROM generate_series(1, 5) g;
  UPDATE aie.docs SET title = 'e' WHERE id % 2 = 0;
  INSERT INTO aie.codes VALUES ('c' || round, round), ('x' || round, -round);
  INSERT INTO aie.big VALUES (5000000000 + round, '00000000-0000-0000-0000-0000000000b2'),
                             (-3 - round, NULL);
  DELETE FROM aie.big WHERE id < 0;
  INSERT INTO aie.nokey VALUES (round);
$$;

-- For each index of the log's partitions, the rows of these tables that a
-- lookup through it does not find: the rows are listed first, then each
-- looked up with sequential scans off, through the one index its
-- conditions fit.
CREATE FUNCTION aie.unfound() RETURNS TABLE (rows bigint, by_chain_order bigint,
                                             by_tenant bigint, by_key bigint)
LANGUAGE plpgsql AS $$
BEGIN
  CREATE TEMP TABLE aie_rows ON COMMIT DROP AS
    SELECT l.id, l.txid, l.tenant_id, l.record_key FROM tenancy.audit_log l
     WHERE l.relation = ANY (tenancy._audit_relation_ids('aie.docs') || tenancy._audit_relation_ids('aie.codes')
                             || tenancy._audit_relation_ids('aie.big') || tenancy._audit_relation_ids('aie.nokey'));
  SET LOCAL enable_seqscan = off;
  RETURN QUERY SELECT count(*),
         count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM tenancy.audit_log i
                                             WHERE i.txid = l.txid AND i.id = l.id)),
         count(*) FILTER (WHERE CASE WHEN l.tenant_id IS NULL
                                     THEN NOT EXISTS (SELECT 1 FROM tenancy.audit_log i
                                                       WHERE i.tenant_id IS NULL AND i.txid = l.txid
                                                         AND i.id = l.id)
                                     ELSE NOT EXISTS (SELECT 1 FROM tenancy.audit_log i
                                                       WHERE i.tenant_id = l.tenant_id AND i.txid = l.txid
                                                         AND i.id = l.id) END),
         count(*) FILTER (WHERE l.record_key IS NOT NULL AND NOT EXISTS (
                            SELECT 1 FROM tenancy.audit_log i
                             WHERE tenancy.audit_key_hash(i.record_key) = tenancy.audit_key_hash(l.record_key)
                               AND i.id = l.id))
    FROM aie_rows l;
END $$;

SELECT aie.write(1);
SELECT aie.write(2);
BEGIN;
SELECT * FROM aie.unfound();
COMMIT;
-- what audit_history reads
SELECT op, old_values, new_values FROM tenancy.audit_history('aie.docs', '{"id": 12}');
SELECT op, new_values FROM tenancy.audit_history('aie.codes', '{"code": "x2"}');
SELECT op FROM tenancy.audit_history('aie.big', '{"id": 5000000002}');

-- An index added by hand to the partition that takes today's rows: the
-- executor adds every entry, and enforces it (a unique index here).
SELECT i.tableoid::regclass AS today FROM tenancy.audit_log i
 WHERE i.relation = ANY (tenancy._audit_relation_ids('aie.docs')) LIMIT 1 \gset
CREATE UNIQUE INDEX aie_by_hand ON :today (id);
SELECT aie.write(3);
BEGIN;
SELECT * FROM aie.unfound();
COMMIT;
SELECT max(id) AS last_id FROM tenancy.audit_log \gset
SELECT setval('tenancy.audit_log_id_seq', :last_id - 1) IS NOT NULL AS ids_reused;
-- the next log row takes an id the index holds: refused, with the statement
SELECT (regress.caught($$INSERT INTO aie.nokey VALUES (99)$$)).state AS duplicate_id;
SELECT setval('tenancy.audit_log_id_seq', :last_id) IS NOT NULL AS ids_back;
DROP INDEX tenancy.aie_by_hand;
SELECT aie.write(4);
BEGIN;
SELECT * FROM aie.unfound();
COMMIT;
