-- reading.sql: reading the audit log per tenant (docs/audit.md, "Reading
-- the log"): row level security on tenancy.audit_log, the grants that give
-- a role its tenants' rows, and a record's history.
--
-- The columns this file reads (tenant_id, record_key, relation, txid, id
-- and the images) are named here only. Readers also read
-- tenancy.audit_relation, the names the log's relation ids stand for.

-- Row level security, not forced: the log's owner (sealing, verification,
-- retention, a restore's COPY), superusers and BYPASSRLS roles read every
-- row; any other role reads only the rows the policy below gives the
-- readers grant_audit_read records, so SELECT granted by hand shows no row.
-- Partitions made later copy it, with the parent's grants and policies
-- (partitions/children.sql).
ALTER TABLE tenancy.audit_log ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenancy.audit_log_default ENABLE ROW LEVEL SECURITY;

-- The roles that read the log (grant_audit_read), each optionally only
-- where the user's membership role is one of member_roles, and optionally
-- only where a role of the user grants permission (tenancy's membership
-- permissions, docs/access.md "Roles and permissions"). Configuration
-- of the extension, dumped with its rows: pg_dump skips the policies of the
-- extension's own tables (the log, its default partition), so their policy
-- is made here, by CREATE EXTENSION, and reads this table: a restore keeps
-- its readers without grant_audit_read being run again. regrole: dumped
-- as the role's name. Readable by PUBLIC, as pg_policies shows any
-- policy's roles and condition to anyone.
CREATE TABLE tenancy.audit_readers (
  reader       regrole PRIMARY KEY,
  member_roles text[] CHECK (cardinality(member_roles) > 0 AND array_position(member_roles, NULL) IS NULL),
  permission   text CHECK (permission <> '')
);
SELECT pg_catalog.pg_extension_config_dump('tenancy.audit_readers', '');
COMMENT ON TABLE tenancy.audit_readers IS
  'tenancy: roles that read their users'' tenants'' audit log rows (grant_audit_read)';

-- The tenants whose log rows the current role reads: those of the current
-- user (tenancy.user_workspaces(): the membership cache, never stale)
-- where a reader the current role has the privileges of allows it. The
-- policy calls it once per statement (a scalar subquery), not per row.
-- PL/pgSQL, not SQL: a SQL function with a SET clause is parsed and
-- planned again by every statement that calls it (about half of a history
-- lookup's time); this plan is kept for the session.
CREATE FUNCTION tenancy.audit_readable_tenants() RETURNS uuid[]
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  RETURN (SELECT coalesce(array_agg(w.id), '{}')
            FROM unnest(tenancy.user_workspaces()) w(id)
           WHERE EXISTS (SELECT 1 FROM tenancy.audit_readers r
                          WHERE pg_has_role(r.reader, 'USAGE')
                            AND (r.member_roles IS NULL
                                 OR tenancy.user_has_workspace_role(w.id, VARIADIC r.member_roles))
                            AND (r.permission IS NULL
                                 OR tenancy.user_has_permission(w.id, r.permission))));
END $$;

-- The one reading policy of every relation of the log.
CREATE POLICY tenancy_audit_read ON tenancy.audit_log AS PERMISSIVE FOR SELECT TO PUBLIC
  USING (tenant_id = ANY ((SELECT tenancy.audit_readable_tenants())::uuid[]));
CREATE POLICY tenancy_audit_read ON tenancy.audit_log_default AS PERMISSIVE FOR SELECT TO PUBLIC
  USING (tenant_id = ANY ((SELECT tenancy.audit_readable_tenants())::uuid[]));

-- The log's rows with the names of their relations, as they were named
-- when logged. With the caller's rights (security_invoker): a reader
-- (grant_audit_read grants it SELECT) sees the rows its policy gives it,
-- as from the log.
CREATE VIEW tenancy.audit_entries WITH (security_invoker = true) AS
SELECT l.id, l.logged_at, l.txid, l.tenant_id, l.actor_id, l.op, d.schema_name, d.table_name,
       l.db_user, l.record_key, l.old_values, l.new_values, l.erased_digest
  FROM tenancy.audit_log l
  LEFT JOIN tenancy.audit_relation d ON d.id = l.relation;
COMMENT ON VIEW tenancy.audit_entries IS
  'tenancy.audit_log with the schema and table names of its rows'' relations';

-- The 64-bit code of a record key (src/audit/record_key_hash_pg.cpp):
-- ordered like the id for a one-column integer key, jsonb's hash for any
-- other key. LEAKPROOF, so that a reader's condition on it is an index condition under
-- row level security; a condition on the jsonb is not (jsonb's = is not
-- leakproof). Executable by PUBLIC: every writer's trigger computes it for
-- the index.
CREATE FUNCTION tenancy.audit_key_hash(key jsonb) RETURNS bigint
LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF
AS 'MODULE_PATHNAME', 'audit_key_hash';

-- audit_history's lookup: a record's rows by the code of their key, then
-- their tenants (the policies' condition). Each partition has its own,
-- made with it (partitions/children.sql), for the reason audit.sql gives
-- for the chain order index.
CREATE INDEX audit_log_default_record
  ON tenancy.audit_log_default (tenancy.audit_key_hash(record_key), tenant_id);

-- Stops reader reading the log: removes it from the readers and revokes
-- SELECT on every table of the log.
CREATE FUNCTION tenancy.revoke_audit_read(reader regrole) RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  t regclass;
BEGIN
  IF reader IS NULL THEN
    RAISE EXCEPTION 'reader must not be NULL' USING ERRCODE = '22004';
  END IF;
  DELETE FROM tenancy.audit_readers r WHERE r.reader = revoke_audit_read.reader;
  FOR t IN SELECT r.relid FROM tenancy.relation_tree('tenancy.audit_log') r LOOP
    EXECUTE format('REVOKE SELECT ON %s FROM %s', t, reader);
  END LOOP;
  EXECUTE format('REVOKE SELECT ON tenancy.audit_relation, tenancy.audit_entries FROM %s', reader);
  EXECUTE format('REVOKE EXECUTE ON FUNCTION tenancy._audit_relation_ids(regclass) FROM %s', reader);
END $$;
COMMENT ON FUNCTION tenancy.revoke_audit_read(regrole) IS
  'Stops a role reading tenancy.audit_log: removes it from tenancy.audit_readers and revokes SELECT';

-- Lets reader (and its members) read the log rows of the tenants the
-- current user belongs to, as tenancy.user_workspaces() says (the
-- membership cache: never stale), optionally only those where the user's
-- role is one of member_roles. Calling it again replaces member_roles.
CREATE FUNCTION tenancy.grant_audit_read(reader regrole, member_roles text[] DEFAULT NULL,
                                         permission text DEFAULT NULL)
RETURNS void LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  role record;
  t regclass;
BEGIN
  IF reader IS NULL THEN
    RAISE EXCEPTION 'reader must not be NULL' USING ERRCODE = '22004';
  END IF;
  SELECT r.rolname, r.rolsuper OR r.rolbypassrls AS bypasses INTO role
    FROM pg_roles r WHERE r.oid = reader;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'role with OID % does not exist', reader::oid USING ERRCODE = '42704';
  END IF;
  IF role.bypasses THEN
    RAISE EXCEPTION 'role % bypasses row level security and would read every tenant''s rows', reader
      USING ERRCODE = '22023',
            HINT = 'Grant reading to an application role without SUPERUSER or BYPASSRLS.';
  END IF;
  IF member_roles IS NOT NULL AND (cardinality(member_roles) = 0
                                   OR array_position(member_roles, NULL) IS NOT NULL) THEN
    RAISE EXCEPTION 'member_roles must name at least one role and hold no NULL'
      USING ERRCODE = '22023',
            HINT = 'Pass NULL to let members read whatever their role, or the membership roles that may read, e.g. ''{owner,admin}''.';
  END IF;
  IF permission = '' THEN
    RAISE EXCEPTION 'permission must not be empty'
      USING ERRCODE = '22023',
            HINT = 'Pass NULL to let members read whatever their permissions, or a permission name, e.g. ''audit.read''.';
  END IF;

  INSERT INTO tenancy.audit_readers AS r (reader, member_roles, permission)
  VALUES (grant_audit_read.reader, grant_audit_read.member_roles, grant_audit_read.permission)
  ON CONFLICT ON CONSTRAINT audit_readers_pkey
  DO UPDATE SET member_roles = excluded.member_roles, permission = excluded.permission;
  FOR t IN SELECT r.relid FROM tenancy.relation_tree('tenancy.audit_log') r ORDER BY r.level, r.relid::text LOOP
    EXECUTE format('GRANT SELECT ON %s TO %s', t, reader);
  END LOOP;
  EXECUTE format('GRANT SELECT ON tenancy.audit_relation, tenancy.audit_entries TO %s', reader);
  -- audit_history's lookup of the table's names, with the reader's rights
  EXECUTE format('GRANT EXECUTE ON FUNCTION tenancy._audit_relation_ids(regclass) TO %s', reader);
END $$;
COMMENT ON FUNCTION tenancy.grant_audit_read(regrole, text[], text) IS
  'Lets a role read the tenancy.audit_log rows of its current user''s tenants (optionally only for some membership roles, or a permission)';

-- audit_history's checks of its arguments: true, or an error (22004 for a
-- NULL, 22023 for a key that is not tbl's primary key columns by name;
-- src/audit/history_arguments_pg.cpp). Not STRICT: a NULL must raise.
CREATE FUNCTION tenancy._audit_history_arguments(tbl regclass, key jsonb) RETURNS boolean
LANGUAGE c STABLE
AS 'MODULE_PATHNAME', 'audit_history_arguments';

-- The log rows of one record of tbl (and of its partitions), oldest first
-- in chain order: transaction order, then the order they were logged.
-- key is the record's primary key as the log records it (record_key): a
-- jsonb object of the key columns by name. Invoker's rights: a caller reads
-- only the rows row level security gives it.
--
-- A SQL function without a SET clause, so that the planner inlines it into
-- the calling query (a prepared statement plans it once, as it would the
-- query written out); so every function and operator in it is qualified,
-- and the caller's search_path resolves nothing. The checks run once (an
-- InitPlan), before the log is read; the names' ids once too.
CREATE FUNCTION tenancy.audit_history(tbl regclass, key jsonb)
RETURNS TABLE (id bigint, logged_at timestamptz, op text, tenant_id uuid, actor_id uuid,
               db_user text, old_values jsonb, new_values jsonb)
LANGUAGE sql STABLE
AS $$
  SELECT l.id, l.logged_at, l.op, l.tenant_id, l.actor_id, l.db_user, l.old_values, l.new_values
    FROM tenancy.audit_log l
   WHERE (SELECT tenancy._audit_history_arguments(tbl, key))
     -- (SELECT key), not key: a NULL key must reach the check above, not
     -- make the planner fold the condition to false and return no rows
     AND tenancy.audit_key_hash(l.record_key) OPERATOR(pg_catalog.=) tenancy.audit_key_hash((SELECT key))
     AND l.record_key OPERATOR(pg_catalog.=) (SELECT key)
     -- rows name the relation the statement targeted: the table, or one
     -- of its partitions when written to directly (looked up once, an
     -- InitPlan, not per row)
     AND l.relation OPERATOR(pg_catalog.=) ANY ((SELECT tenancy._audit_relation_ids(tbl))::integer[])
   ORDER BY l.txid, l.id
$$;
COMMENT ON FUNCTION tenancy.audit_history(regclass, jsonb) IS
  'The audit log rows of one record, by its primary key as jsonb, that row level security lets the caller read';
