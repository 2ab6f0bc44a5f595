-- audit_registry: changes to tenancy.tenants are audited from installation,
-- the sealed columns only as changed (never ciphertext or plaintext).
-- tenancy.key_file is set by the test configuration (keys 1 and 2).
CREATE FUNCTION pg_temp.marker() RETURNS text LANGUAGE sql AS $$ SELECT 'Au' || 'd1' || 'tPw' || 'X4' $$;
SELECT * FROM tenancy.audited_tables WHERE table_name = 'tenancy.tenants'::regclass;
SELECT max(id) AS last_id FROM tenancy.audit_log \gset
INSERT INTO tenancy.tenants (id, name, subdomain)
VALUES ('00000000-0000-0000-0000-0000000000a9', 'Audited Co', 'audited-co');
SELECT tenancy.set_tenant_connection('00000000-0000-0000-0000-0000000000a9',
  format('postgresql://app:%s@db.internal:5432/main', pg_temp.marker()), 'service-' || pg_temp.marker());
UPDATE tenancy.tenants SET status = 'suspended' WHERE id = '00000000-0000-0000-0000-0000000000a9';
SELECT tenancy.set_tenant_connection('00000000-0000-0000-0000-0000000000a9', 'host=db2.internal');
DELETE FROM tenancy.tenants WHERE id = '00000000-0000-0000-0000-0000000000a9';
SELECT op, tenant_id, record_key,
       old_values - '{created_at,updated_at}'::text[] AS old_values,
       new_values - '{created_at,updated_at}'::text[] AS new_values
  FROM tenancy.audit_entries
 WHERE id > :last_id AND table_name = 'tenants' ORDER BY id;
-- neither the marker nor any ciphertext reached the log
SELECT count(*) AS leaks FROM tenancy.audit_entries l
 WHERE l::text LIKE '%' || pg_temp.marker() || '%'
    OR (l.table_name = 'tenants'
        AND concat(l.old_values::text, l.new_values::text) LIKE '%\\x%');

-- A COPY into the registry is logged; one run as a restore runs it (with
-- row_security off, as pg_dump's scripts and pg_restore do) loads the
-- dump's state and is not. A COPY into an application table is always logged.
SELECT max(id) AS last_id FROM tenancy.audit_log \gset
COPY tenancy.tenants (id, name, subdomain) FROM stdin;
00000000-0000-0000-0000-0000000000b1	Copied Co	copied-co
\.
SET row_security = off;
COPY tenancy.tenants (id, name, subdomain) FROM stdin;
00000000-0000-0000-0000-0000000000b2	Restored Co	restored-co
\.
CREATE TABLE copied_orders (id int PRIMARY KEY);
SELECT tenancy.enable_audit('copied_orders');
COPY copied_orders FROM stdin;
1
\.
RESET row_security;
SELECT table_name, op, record_key FROM tenancy.audit_entries WHERE id > :last_id ORDER BY id;
DELETE FROM tenancy.tenants WHERE subdomain IN ('copied-co', 'restored-co');
DROP TABLE copied_orders;
