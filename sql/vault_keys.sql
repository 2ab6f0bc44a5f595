-- vault_keys: rotation, and every way a key file can be wrong.
\getenv abs_srcdir PG_ABS_SRCDIR

CREATE FUNCTION pg_temp.err(sql text) RETURNS text LANGUAGE sql AS $$
  SELECT CASE WHEN e.state IS NULL THEN 'no error'
              ELSE replace(format('%s | %s | %s | %s', e.state, e.message, e.detail, e.hint),
                           current_setting('tenancy_regress.key_dir'), '<keys>') END
    FROM regress.caught(sql) e
$$;
-- Key id of each sealed value, from the envelope header.
CREATE VIEW pg_temp.sealed AS
SELECT subdomain, key_id,
       get_byte(data_source, 4) AS data_source_key,
       get_byte(service_key, 4) AS service_key_key,
       tenancy.tenant_connection(id) IS NOT NULL AS opens
  FROM tenancy.tenants WHERE data_source IS NOT NULL ORDER BY subdomain;
CREATE TEMP TABLE plain AS
SELECT id, tenancy.tenant_connection(id) AS conninfo, tenancy.tenant_service_key(id) AS service_key
  FROM tenancy.tenants;
CREATE VIEW pg_temp.unchanged AS
SELECT bool_and(p.conninfo IS NOT DISTINCT FROM tenancy.tenant_connection(t.id)
                AND p.service_key IS NOT DISTINCT FROM tenancy.tenant_service_key(t.id)) AS all_values_unchanged
  FROM plain p JOIN tenancy.tenants t USING (id);

-- Everything is under key 2, the highest in the file.
SELECT * FROM pg_temp.sealed;

-- Rotation to key 1, in batches of 2, committed between batches.
SET tenancy.active_key_id = 1;
CALL tenancy.rotate_keys(2);
SELECT * FROM pg_temp.sealed;
SELECT * FROM pg_temp.unchanged;
SELECT key_id FROM tenancy.key_fingerprints ORDER BY 1;
-- idempotent
CALL tenancy.rotate_keys();
-- and back to key 2 (the default), resuming after a partial run
RESET tenancy.active_key_id;
SELECT tenancy.reseal_batch(1) AS resealed;
SELECT key_id, count(*) FROM tenancy.tenants WHERE key_id IS NOT NULL GROUP BY 1 ORDER BY 1;
CALL tenancy.rotate_keys(1);
SELECT * FROM pg_temp.sealed;
SELECT * FROM pg_temp.unchanged;
-- new values follow the active key
SET tenancy.active_key_id = 1;
SELECT tenancy.set_tenant_connection('00000000-0000-0000-0000-00000000000c', 'host=cog.internal dbname=cog');
SELECT key_id, get_byte(data_source, 4) AS envelope_key FROM tenancy.tenants WHERE subdomain = 'cog';
RESET tenancy.active_key_id;
CALL tenancy.rotate_keys();
-- a procedure that commits cannot run inside a transaction block
BEGIN;
SET LOCAL tenancy.active_key_id = 1;
CALL tenancy.rotate_keys();
ROLLBACK;
-- bad arguments and an active key that is not in the file
CALL tenancy.rotate_keys(0);
CALL tenancy.rotate_keys(NULL);
SELECT pg_temp.err($$SELECT tenancy.reseal_batch(0)$$);
SET tenancy.active_key_id = 5;
SELECT pg_temp.err($$SELECT tenancy.reseal_batch(10)$$);
SELECT pg_temp.err($$SELECT tenancy.set_tenant_connection('00000000-0000-0000-0000-00000000000c', 'host=h')$$);
RESET tenancy.active_key_id;
-- only superusers set the key settings
CREATE ROLE regress_vault_nobody;
SET ROLE regress_vault_nobody;
SET tenancy.active_key_id = 1;
-- (the message of this refusal changed in PostgreSQL 16; its SQLSTATE did not)
SELECT state FROM regress.caught('SHOW tenancy.key_file');
RESET ROLE;
DROP ROLE regress_vault_nobody;

-- The key file, wrong in every way. Each needs a reload of the settings.
SELECT current_setting('tenancy_regress.key_dir') AS keys \gset
CREATE TEMP TABLE stored AS SELECT id, data_source, service_key, key_id FROM tenancy.tenants;

-- readable by others
\set f :keys/open.key
ALTER SYSTEM SET tenancy.key_file = :'f';
\i :abs_srcdir/sql/include/reload_key_file.sql
SELECT pg_temp.err($$SELECT tenancy.tenant_connection('00000000-0000-0000-0000-00000000000a')$$);
SELECT pg_temp.err($$SELECT tenancy.set_tenant_connection('00000000-0000-0000-0000-00000000000a', 'host=h')$$);
-- owned by another user (root)
\set f :keys/root.key
ALTER SYSTEM SET tenancy.key_file = :'f';
\i :abs_srcdir/sql/include/reload_key_file.sql
SELECT pg_temp.err($$SELECT tenancy.tenant_connection('00000000-0000-0000-0000-00000000000a')$$);
-- unreadable by the server
\set f :keys/unreadable.key
ALTER SYSTEM SET tenancy.key_file = :'f';
\i :abs_srcdir/sql/include/reload_key_file.sql
SELECT pg_temp.err($$SELECT tenancy.tenant_connection('00000000-0000-0000-0000-00000000000a')$$);
-- missing
\set f :keys/missing.key
ALTER SYSTEM SET tenancy.key_file = :'f';
\i :abs_srcdir/sql/include/reload_key_file.sql
SELECT pg_temp.err($$SELECT tenancy.tenant_connection('00000000-0000-0000-0000-00000000000a')$$);
SELECT pg_temp.err($$SELECT tenancy.set_tenant_connection('00000000-0000-0000-0000-00000000000a', 'host=h', 'k')$$);
SELECT pg_temp.err($$SELECT tenancy.check_tenant_connection('00000000-0000-0000-0000-00000000000a')$$);
SELECT pg_temp.err($$SELECT tenancy.reseal_batch(10)$$);
-- malformed (line 2), never quoting the line
\set f :keys/bad.key
ALTER SYSTEM SET tenancy.key_file = :'f';
\i :abs_srcdir/sql/include/reload_key_file.sql
SELECT pg_temp.err($$SELECT tenancy.tenant_connection('00000000-0000-0000-0000-00000000000a')$$);
-- a directory
\set f :keys
ALTER SYSTEM SET tenancy.key_file = :'f';
\i :abs_srcdir/sql/include/reload_key_file.sql
SELECT pg_temp.err($$SELECT tenancy.tenant_connection('00000000-0000-0000-0000-00000000000a')$$);
-- not set
\set f ''
ALTER SYSTEM SET tenancy.key_file = :'f';
\i :abs_srcdir/sql/include/reload_key_file.sql
SELECT pg_temp.err($$SELECT tenancy.tenant_connection('00000000-0000-0000-0000-00000000000a')$$);
SELECT pg_temp.err($$SELECT tenancy.set_tenant_connection('00000000-0000-0000-0000-00000000000a', 'host=h')$$);
-- a regenerated key 2: named by the fingerprint, sealing refused too
\set f :keys/wrong.key
ALTER SYSTEM SET tenancy.key_file = :'f';
\i :abs_srcdir/sql/include/reload_key_file.sql
SELECT pg_temp.err($$SELECT tenancy.tenant_connection('00000000-0000-0000-0000-00000000000a')$$);
SELECT pg_temp.err($$SELECT tenancy.set_tenant_connection('00000000-0000-0000-0000-00000000000a', 'host=h')$$);
SELECT pg_temp.err($$SELECT tenancy.reseal_batch(10)$$);
-- key 1 is still the right one: sealing under it works
SET tenancy.active_key_id = 1;
SELECT tenancy.set_tenant_connection('00000000-0000-0000-0000-00000000000c', 'host=cog.internal dbname=cog');
RESET tenancy.active_key_id;
-- key 1 retired from the file while values still use it
\set f :keys/only2.key
ALTER SYSTEM SET tenancy.key_file = :'f';
\i :abs_srcdir/sql/include/reload_key_file.sql
SELECT pg_temp.err($$SELECT tenancy.tenant_connection('00000000-0000-0000-0000-00000000000c')$$);
SELECT tenancy.tenant_connection('00000000-0000-0000-0000-00000000000a') IS NOT NULL AS key_2_opens;
-- nothing was written by any failed call (cog was re-set on purpose)
SELECT bool_and(s.data_source IS NOT DISTINCT FROM t.data_source
                AND s.service_key IS NOT DISTINCT FROM t.service_key
                AND s.key_id IS NOT DISTINCT FROM t.key_id) AS nothing_written
  FROM stored s JOIN tenancy.tenants t USING (id) WHERE t.subdomain <> 'cog';

-- back to the right file: everything opens
\set f :keys/main.key
ALTER SYSTEM RESET tenancy.key_file;
\i :abs_srcdir/sql/include/reload_key_file.sql
CALL tenancy.rotate_keys();
SELECT * FROM pg_temp.sealed;
