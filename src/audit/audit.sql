-- audit.sql: the change log, its configuration, and enable/disable/seal/
-- verify (SPEC part 5).

-- CACHE: a backend logging a bulk statement takes ids 32 at a time.
CREATE SEQUENCE tenancy.audit_log_id_seq CACHE 32;

-- The relations the log names, one row per schema and name a relation
-- had when it was logged: a log row holds this id (4 bytes) instead of the
-- names. Rows are added by the audit trigger the first time a relation is
-- logged under a name (a rename or a schema rename adds a row; none is
-- ever changed), so the names a row's hash covers are the ones the
-- relation had when the row was written. Configuration: pg_dump keeps it
-- with its ids. Empty after CREATE EXTENSION, so a restore's rows never
-- collide with rows made here.
CREATE SEQUENCE tenancy.audit_relation_id_seq AS integer;
CREATE TABLE tenancy.audit_relation (
  id          integer NOT NULL DEFAULT nextval('tenancy.audit_relation_id_seq') PRIMARY KEY,
  schema_name text    NOT NULL,
  table_name  text    NOT NULL,
  CONSTRAINT audit_relation_names UNIQUE (schema_name, table_name)
);
ALTER SEQUENCE tenancy.audit_relation_id_seq OWNED BY tenancy.audit_relation.id;
SELECT pg_catalog.pg_extension_config_dump('tenancy.audit_relation', '');
SELECT pg_catalog.pg_extension_config_dump('tenancy.audit_relation_id_seq', '');
COMMENT ON TABLE tenancy.audit_relation IS
  'tenancy: the schema and table names tenancy.audit_log rows name by id (audit_log.relation)';

-- The columns are ordered so that no padding falls between them: the
-- 8-byte ones, relation, the uuids, then the variable-length ones. The
-- relation is an id in tenancy.audit_relation, not its names; see
-- docs/audit.md "Row layout" for the byte budget. The log holds no
-- hashes: seals record one anchor per chain in tenancy.audit_anchor.
CREATE TABLE tenancy.audit_log (
  id            bigint      NOT NULL DEFAULT nextval('tenancy.audit_log_id_seq'),
  logged_at     timestamptz NOT NULL DEFAULT now(),
  txid          xid8        NOT NULL DEFAULT pg_current_xact_id(),
  relation      integer     NOT NULL,  -- tenancy.audit_relation.id: the names it was logged under
  tenant_id     uuid,
  actor_id      uuid,
  op            text        NOT NULL CHECK (op IN ('INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'ERASE')),
  db_user       text        NOT NULL,
  record_key    jsonb,
  old_values    jsonb,
  new_values    jsonb,
  erased_digest bytea      -- set by erase_audit: the digest of the images it replaced
) PARTITION BY RANGE (logged_at);
ALTER SEQUENCE tenancy.audit_log_id_seq OWNED BY tenancy.audit_log.id;
-- The default partition exists from the start, so the log takes rows even
-- before it is registered and premade (audit_log_ready); maintenance moves
-- them into monthly partitions. It belongs to the extension, so its rows are
-- dumped as configuration data.
CREATE TABLE tenancy.audit_log_default PARTITION OF tenancy.audit_log DEFAULT;
SELECT pg_catalog.pg_extension_config_dump('tenancy.audit_log_default', '');
-- Chain order (transaction, then id): sealing walks it. One tenant's rows
-- by transaction: verify_audit(tenant) reads only that tenant's rows, in
-- chain order after sorting each transaction's by id. Not (tenant_id, txid,
-- id): the rows one transaction logs for one tenant share a key, which
-- btree deduplication stores once with a 6-byte row pointer per row instead
-- of a 32-byte entry per row: after a bulk statement the index is a quarter
-- of the size, and cheaper to insert into (docs/performance.md, 40_audit).
-- Each partition has its own indexes, made with it (the log's new_child
-- hook calls tenancy._audit_log_partition_indexes), and the parent none: an
-- index on the parent, which belongs to the extension, would make ATTACH
-- PARTITION in a restored dump create the child's index before the dump's
-- own CREATE INDEX of the same name, and the restore fail.
CREATE INDEX audit_log_default_chain_order ON tenancy.audit_log_default (txid, id);
CREATE INDEX audit_log_default_tenant_chain_order ON tenancy.audit_log_default (tenant_id, txid);
COMMENT ON TABLE tenancy.audit_log IS
  'tenancy: append-only change log of audited tables, partitioned by month';

-- The id of tbl's current schema and name in tenancy.audit_relation, added
-- when missing (src/audit/relation_dictionary_pg.hpp), as the audit
-- trigger finds it; only tbl's owner may call it. enable_audit adds the
-- names before any write, so that writers find them and never wait for
-- one another's insert; erase_audit logs its own row with it.
CREATE FUNCTION tenancy._audit_relation_id(tbl regclass) RETURNS integer
LANGUAGE c VOLATILE STRICT SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'audit_relation_id';

-- The ids of the names tbl and its partitions have now: the log rows of a
-- relation as it is named today (audit_history, erase_audit's record).
-- Read-only (src/audit/relation_ids_pg.cpp); grant_audit_read grants it to
-- readers.
CREATE FUNCTION tenancy._audit_relation_ids(tbl regclass) RETURNS integer[]
LANGUAGE c STABLE STRICT
AS 'MODULE_PATHNAME', 'audit_relation_ids';

-- The indexes every partition of the log has (see above). Granted to
-- nobody: the new_child hook calls it as the log's owner, and CREATE
-- INDEX itself refuses a caller who does not own the table.
CREATE FUNCTION tenancy._audit_log_partition_indexes(part regclass) RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  EXECUTE format('CREATE INDEX ON %s (txid, id)', part);
  EXECUTE format('CREATE INDEX ON %s (tenant_id, txid)', part);
  -- audit_history's lookup (src/audit/reading.sql)
  EXECUTE format('CREATE INDEX ON %s (tenancy.audit_key_hash(record_key), tenant_id)', part);
END $$;

-- One hash chain per tenant (NULL: rows of tables without a tenant). Its
-- verification starts after (start_txid, start_id) with start_hash (rows
-- up to there were dropped by retention; start_range_rows of the next
-- anchor's range with them) and its head is its last anchor.
CREATE TABLE tenancy.audit_chain (
  tenant_id        uuid UNIQUE NULLS NOT DISTINCT,
  start_hash       bytea  NOT NULL DEFAULT '\x0000000000000000000000000000000000000000000000000000000000000000',
  start_txid       xid8   NOT NULL DEFAULT '0',
  start_id         bigint NOT NULL DEFAULT 0,
  start_range_rows bigint NOT NULL DEFAULT 0,
  last_txid        xid8,
  last_id          bigint,
  last_hash        bytea,
  sealed_rows      bigint NOT NULL DEFAULT 0
);
COMMENT ON TABLE tenancy.audit_chain IS
  'tenancy: start and head of each tenant''s audit hash chain; copy the heads off the database to anchor verification';

-- What each seal recorded of each chain it extended: the range's last row,
-- how many rows of the chain it held, and the chain's link after it. A seal
-- writes one row here per chain with new rows and never touches the log.
CREATE TABLE tenancy.audit_anchor (
  tenant_id  uuid,
  end_txid   xid8   NOT NULL,
  end_id     bigint NOT NULL,
  rows       bigint NOT NULL CHECK (rows > 0),
  link       bytea  NOT NULL,
  sealed_at  timestamptz NOT NULL DEFAULT now(),
  UNIQUE NULLS NOT DISTINCT (tenant_id, end_txid, end_id)
);
COMMENT ON TABLE tenancy.audit_anchor IS
  'tenancy: one row per audit chain and seal: where the sealed range ends and the chain''s link there';

-- Everything up to (last_txid, last_id) in chain order is sealed.
CREATE TABLE tenancy.audit_seal_state (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  last_txid xid8   NOT NULL DEFAULT '0',
  last_id   bigint NOT NULL DEFAULT 0
);
-- No row until the first seal: a row inserted here would collide with the
-- dumped one on restore.

-- The log numbers transactions as pg_current_xact_id() + xid_offset (see
-- src/audit/xid_offset_pg.hpp). One row, made by CREATE EXTENSION; not
-- configuration, so pg_dump leaves it out and a restored database has its
-- own: every row it logs must number after every row the dump brought.
CREATE TABLE tenancy.audit_install (
  singleton     boolean     PRIMARY KEY DEFAULT true CHECK (singleton),
  installed_at  timestamptz NOT NULL DEFAULT now(),
  installed_xid xid8        NOT NULL DEFAULT pg_current_xact_id(),
  xid_offset    bigint      CHECK (xid_offset >= 0)  -- stored by the first writer or seal
);
INSERT INTO tenancy.audit_install DEFAULT VALUES;

-- The offset: rows logged before the extension was installed in this
-- database came with a dump; transactions from the install on must number
-- after the largest of them. Deterministic, so backends that compute it
-- before it is stored all agree.
CREATE FUNCTION tenancy.audit_xid_offset() RETURNS bigint
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT coalesce(i.xid_offset,
           greatest(0, coalesce((SELECT max(l.txid) FROM tenancy.audit_log l
                                  WHERE l.logged_at < i.installed_at)::text::numeric + 1
                                - i.installed_xid::text::numeric, 0))::bigint)
    FROM tenancy.audit_install i
$$;

SELECT pg_catalog.pg_extension_config_dump('tenancy.audit_chain', '');
SELECT pg_catalog.pg_extension_config_dump('tenancy.audit_anchor', '');
SELECT pg_catalog.pg_extension_config_dump('tenancy.audit_seal_state', '');
SELECT pg_catalog.pg_extension_config_dump('tenancy.audit_log_id_seq', '');

CREATE FUNCTION tenancy._creating_extension() RETURNS boolean
LANGUAGE c STABLE SET search_path = pg_catalog, pg_temp AS 'MODULE_PATHNAME', 'in_extension_script';

-- The log is a monthly partition set from installation (so set_retention
-- on it works at once), premade 3 months ahead and with a default
-- partition, so that a write never fails for want of a partition even when
-- maintenance has not run for a while. Inside CREATE EXTENSION this only
-- registers it: partitions made there would belong to the extension, and
-- pg_dump would skip their rows.
SELECT tenancy.partition_by_time('tenancy.audit_log', 'logged_at', '1 month', premake => 3);

-- Makes sure the log can take rows: the first time it is needed, makes its
-- premade partitions (tenancy.partition_by_time with the registered
-- premake), and registers it again if a DBA removed its registration.
-- Partitions made here (not during CREATE EXTENSION) are ordinary tables
-- to pg_dump, which dumps their rows. SECURITY DEFINER: runs as the
-- extension's owner, who owns the log; it takes no input.
CREATE FUNCTION tenancy.audit_log_ready() RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  registered_premake int;
BEGIN
  SELECT c.premake INTO registered_premake FROM tenancy.partition_config c
   WHERE c.parent = 'tenancy.audit_log'::regclass;
  IF registered_premake IS NULL
     OR NOT EXISTS (SELECT 1 FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
                     WHERE i.inhparent = 'tenancy.audit_log'::regclass
                       AND pg_get_expr(c.relpartbound, c.oid) <> 'DEFAULT') THEN
    PERFORM tenancy.partition_by_time('tenancy.audit_log', 'logged_at', '1 month',
                                      premake => coalesce(registered_premake, 3));
  END IF;
END $$;

-- Not pinned: it runs once per audited statement, where a SET clause would
-- cost a GUC save and restore, and it resolves nothing by name on the
-- caller's search_path (its one query, for the xid offset, is qualified;
-- the restore check takes schema-qualified names only).
CREATE FUNCTION tenancy.audit_trigger() RETURNS trigger
LANGUAGE c AS 'MODULE_PATHNAME', 'audit_trigger';
COMMENT ON FUNCTION tenancy.audit_trigger() IS
  'Statement trigger of audited tables: logs the transition rows into tenancy.audit_log';

-- The audit configuration of a table is its triggers: each of the four
-- tenancy_audit_* triggers carries the arguments 'tenant=<column>',
-- 'exclude=<column>' and 'redact=<column>'. pg_dump keeps them with the
-- triggers, and the trigger reads them when it prepares its statements.

-- The settings of an audited relation (no row when it is not audited).
CREATE FUNCTION tenancy.audit_settings(tbl regclass, OUT tenant_column name,
                                       OUT exclude_columns name[], OUT redact_columns name[])
RETURNS SETOF record LANGUAGE c STABLE STRICT SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'audit_settings';

-- Rows tenancy moves out of a default partition (partitions/children.sql)
-- are not changes: while the move runs, the audit trigger of that relation
-- logs nothing. Only the relation's owner may call it (PUBLIC may not
-- execute it); it ends by itself with the (sub)transaction. Backend state,
-- not a setting: no SET can switch logging off.
CREATE FUNCTION tenancy._audit_suppress(rel regclass, suppress boolean) RETURNS void
LANGUAGE c VOLATILE SET search_path = pg_catalog, pg_temp AS 'MODULE_PATHNAME', 'audit_suppress';

-- tenancy's own tables (its schema: the registry, the log and its
-- partitions, the configuration) are audited as the extension script sets
-- up, and only there: enable_audit and disable_audit refuse them otherwise.
CREATE FUNCTION tenancy._audit_check_not_own(tbl regclass) RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF NOT tenancy._creating_extension()
     AND (SELECT c.relnamespace FROM pg_class c WHERE c.oid = tbl) = 'tenancy'::regnamespace THEN
    RAISE EXCEPTION '% belongs to tenancy, whose own tables are audited as the extension sets up', tbl
      USING ERRCODE = '42809',
            HINT = 'Audit your application''s tables; tenancy.tenants is audited from installation.';
  END IF;
END $$;

CREATE FUNCTION tenancy.enable_audit(
  tbl regclass,
  exclude_columns name[] DEFAULT '{}',
  tenant_column name DEFAULT NULL,
  redact_columns name[] DEFAULT '{}')
RETURNS void LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  missing name;
  detected name;
  rel regclass;
  args text;
  trig record;
BEGIN
  IF tbl IS NULL OR exclude_columns IS NULL OR redact_columns IS NULL THEN
    RAISE EXCEPTION 'table and column lists must not be NULL' USING ERRCODE = '22004';
  END IF;
  PERFORM tenancy.check_owned_table(tbl, 'Only ordinary and partitioned tables can be audited.');
  IF tbl = 'tenancy.audit_log'::regclass
     OR 'tenancy.audit_log'::regclass IN (SELECT a.relid FROM pg_partition_ancestors(tbl) a) THEN
    RAISE EXCEPTION 'the audit log cannot audit itself' USING ERRCODE = '42809';
  END IF;
  PERFORM tenancy._audit_check_not_own(tbl);
  SELECT c INTO missing FROM unnest(exclude_columns || redact_columns) c
   WHERE NOT EXISTS (SELECT 1 FROM pg_attribute a
                      WHERE a.attrelid = tbl AND a.attname = c AND a.attnum > 0 AND NOT a.attisdropped)
   LIMIT 1;
  IF missing IS NOT NULL THEN
    RAISE EXCEPTION 'column % of % does not exist', quote_ident(missing), tbl USING ERRCODE = '42703';
  END IF;

  IF tenant_column IS NOT NULL THEN
    PERFORM tenancy.check_uuid_column(tbl, tenant_column);
    IF tenant_column = ANY (exclude_columns || redact_columns) THEN
      RAISE EXCEPTION 'the tenant column % cannot be excluded or redacted', quote_ident(tenant_column)
        USING ERRCODE = '22023';
    END IF;
    detected := tenant_column;
  ELSE
    -- the first configured tenant column name the table has as a logged uuid column
    SELECT a.attname INTO detected
      FROM unnest(tenancy.tenant_column_names()) WITH ORDINALITY n(name, pos)
      JOIN pg_attribute a ON a.attrelid = tbl AND a.attname = n.name AND a.attnum > 0
                         AND NOT a.attisdropped AND a.atttypid = 'uuid'::regtype
     WHERE NOT a.attname = ANY (exclude_columns || redact_columns)
     ORDER BY n.pos LIMIT 1;
  END IF;
  exclude_columns := ARRAY(SELECT DISTINCT c FROM unnest(exclude_columns) c ORDER BY c);
  redact_columns := ARRAY(SELECT DISTINCT c FROM unnest(redact_columns) c ORDER BY c);
  PERFORM tenancy.audit_log_ready();
  args := concat_ws(', ',
    quote_literal('tenant=' || detected),
    (SELECT string_agg(quote_literal('exclude=' || c), ', ') FROM unnest(exclude_columns) c),
    (SELECT string_agg(quote_literal('redact=' || c), ', ') FROM unnest(redact_columns) c));

  -- The table and every partition get the same four triggers; a relation
  -- already audited with these settings is left alone. Their names are in
  -- tenancy.audit_relation before their first write (not in CREATE
  -- EXTENSION, which leaves the dictionary empty for a restore's rows).
  FOR rel IN SELECT t.relid FROM tenancy.relation_tree(tbl) t ORDER BY t.level, t.relid::text LOOP
    IF NOT tenancy._creating_extension() THEN
      PERFORM tenancy._audit_relation_id(rel);
    END IF;
    CONTINUE WHEN (SELECT count(*) FROM pg_trigger t
                    WHERE t.tgrelid = rel AND NOT t.tgisinternal
                      AND t.tgname IN ('tenancy_audit_insert', 'tenancy_audit_update',
                                       'tenancy_audit_delete', 'tenancy_audit_truncate')) = 4
              AND EXISTS (SELECT 1 FROM tenancy.audit_settings(rel) s
                           WHERE s.tenant_column IS NOT DISTINCT FROM detected
                             AND s.exclude_columns = enable_audit.exclude_columns
                             AND s.redact_columns = enable_audit.redact_columns);
    FOR trig IN
      SELECT * FROM (VALUES
        ('tenancy_audit_insert', 'INSERT', 'REFERENCING NEW TABLE AS tenancy_new'),
        ('tenancy_audit_update', 'UPDATE', 'REFERENCING OLD TABLE AS tenancy_old NEW TABLE AS tenancy_new'),
        ('tenancy_audit_delete', 'DELETE', 'REFERENCING OLD TABLE AS tenancy_old'),
        ('tenancy_audit_truncate', 'TRUNCATE', '')) AS t(name, event, referencing)
    LOOP
      IF EXISTS (SELECT 1 FROM pg_trigger t
                  WHERE t.tgrelid = rel AND t.tgname = trig.name AND NOT t.tgisinternal) THEN
        EXECUTE format('DROP TRIGGER %I ON %s', trig.name, rel);
      END IF;
      EXECUTE format('CREATE TRIGGER %I AFTER %s ON %s %s FOR EACH STATEMENT '
                     'EXECUTE FUNCTION tenancy.audit_trigger(%s)',
                     trig.name, trig.event, rel, trig.referencing, args);
    END LOOP;
  END LOOP;
END $$;
COMMENT ON FUNCTION tenancy.enable_audit(regclass, name[], name, name[]) IS
  'Starts logging INSERT, UPDATE, DELETE and TRUNCATE of a table into tenancy.audit_log';

CREATE FUNCTION tenancy.disable_audit(tbl regclass)
RETURNS void LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  trig record;
BEGIN
  PERFORM tenancy.check_owned_table(tbl, 'Only ordinary and partitioned tables can be audited.');
  PERFORM tenancy._audit_check_not_own(tbl);
  FOR trig IN
    SELECT t.tgname, t.tgrelid::regclass AS rel
      FROM tenancy.relation_tree(tbl) r JOIN pg_trigger t ON t.tgrelid = r.relid
     WHERE NOT t.tgisinternal
       AND t.tgname IN ('tenancy_audit_insert', 'tenancy_audit_update',
                        'tenancy_audit_delete', 'tenancy_audit_truncate')
  LOOP
    EXECUTE format('DROP TRIGGER %I ON %s', trig.tgname, trig.rel);
  END LOOP;
END $$;
COMMENT ON FUNCTION tenancy.disable_audit(regclass) IS
  'Stops logging changes of a table; what was logged stays';

-- Audited tables and their settings, read from their triggers.
CREATE VIEW tenancy.audited_tables AS
SELECT t.tgrelid::regclass AS table_name, s.tenant_column, s.exclude_columns, s.redact_columns
  FROM pg_trigger t CROSS JOIN LATERAL tenancy.audit_settings(t.tgrelid) s
 WHERE t.tgname = 'tenancy_audit_insert' AND NOT t.tgisinternal;

-- seal_audit and verify_audit run SQL through SPI: their search_path is
-- pinned, so a caller's schemas cannot shadow the functions and operators
-- it uses.
CREATE FUNCTION tenancy.seal_audit() RETURNS bigint
LANGUAGE c SET search_path = pg_catalog, pg_temp AS 'MODULE_PATHNAME', 'seal_audit';
COMMENT ON FUNCTION tenancy.seal_audit() IS
  'Extends each tenant''s hash chain over the log rows written since the last seal: one anchor per chain, no log row rewritten';

CREATE FUNCTION tenancy.verify_audit(tenant uuid DEFAULT NULL)
RETURNS TABLE (tenant_id uuid, rows_checked bigint, rows_erased bigint, first_bad_id bigint)
LANGUAGE c STABLE SET search_path = pg_catalog, pg_temp AS 'MODULE_PATHNAME', 'verify_audit';
COMMENT ON FUNCTION tenancy.verify_audit(uuid) IS
  'Recomputes the audit hash chains; first_bad_id is the first row of the first sealed range with a changed, removed or reordered row';

-- The partition manager's hooks for the log (src/partitions/hooks.sql).
-- Each partition gets the log's indexes when it is made (the parent has
-- none, see above).
CREATE FUNCTION tenancy._audit_log_new_child(parent regclass, child regclass) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  PERFORM tenancy._audit_log_partition_indexes(child);
END $$;
-- Maintenance seals the log before planning, so that retention finds its
-- old partitions sealed.
CREATE FUNCTION tenancy._audit_log_before_run(parent regclass) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  PERFORM tenancy.seal_audit();
END $$;
-- Retention re-anchors the chains past a partition before it goes.
CREATE FUNCTION tenancy._audit_log_before_retire(parent regclass, child regclass) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  PERFORM tenancy.audit_release_partition(child);
END $$;
SELECT tenancy.partition_hook('tenancy.audit_log', 'new_child', 'tenancy._audit_log_new_child(regclass, regclass)');
SELECT tenancy.partition_hook('tenancy.audit_log', 'before_run', 'tenancy._audit_log_before_run(regclass)');
SELECT tenancy.partition_hook('tenancy.audit_log', 'before_retire',
                              'tenancy._audit_log_before_retire(regclass, regclass)');
-- Rows maintenance moves out of any default partition are not changes.
SELECT tenancy.partition_hook(NULL, 'moving_rows', 'tenancy._audit_suppress(regclass, boolean)');

-- Called before a partition of tenancy.audit_log is dropped, detached or
-- archived by retention: each chain's start moves to its last row in the
-- partition (the link there is recomputed from the chain's start, which
-- also checks the ranges on the way), so verification starts where the
-- remaining rows start. Refuses a partition that still holds unsealed
-- rows, or whose chains do not verify.
CREATE FUNCTION tenancy.audit_release_partition(part regclass) RETURNS void
LANGUAGE c SET search_path = pg_catalog, pg_temp AS 'MODULE_PATHNAME', 'audit_release_partition';
