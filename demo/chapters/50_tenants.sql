\echo
\echo '=== The tenant registry and sealed connections ==='
\echo 'Two tenants: one on a shared database, one on a dedicated one.'
INSERT INTO tenancy.tenants (id, name, subdomain, region, pool_config) VALUES
  ('11111111-1111-1111-1111-111111111111', 'Acme Events', 'acme', 'eu-west-1', '{"max": 5}'),
  ('22222222-2222-2222-2222-222222222222', 'Globex', 'globex', 'us-east-1', '{"max": 20}');

\echo 'Connection strings are validated, sealed under key 1, stored as ciphertext.'
\echo '(A demo passes literals; real admin tools pass secrets as bind parameters, see docs/tenants.md.)'
SELECT tenancy.set_tenant_connection('11111111-1111-1111-1111-111111111111',
  'postgresql://acme_app:acme-demo-secret@shared-1.internal:5432/tenants?sslmode=require',
  'acme-service-key-demo');
CREATE ROLE globex_app LOGIN PASSWORD 'globex-demo-secret';
SELECT tenancy.set_tenant_connection('22222222-2222-2222-2222-222222222222',
  format('host=%s port=%s dbname=demo user=globex_app password=globex-demo-secret',
         current_setting('unix_socket_directories'), current_setting('port')));
SELECT subdomain, key_id, length(data_source) AS bytes,
       left(encode(data_source, 'hex'), 36) || '...' AS data_source_envelope
  FROM tenancy.tenants ORDER BY subdomain;

\echo 'A bad connection string is refused without being echoed (its password included):'
DO $$
DECLARE detail text;
BEGIN
  PERFORM tenancy.set_tenant_connection('11111111-1111-1111-1111-111111111111',
    'postgresql://acme_app:hunter2@shared-1.internal:99999/tenants');
EXCEPTION WHEN invalid_parameter_value THEN
  GET STACKED DIAGNOSTICS detail = PG_EXCEPTION_DETAIL;
  RAISE NOTICE '%: %', SQLERRM, detail;
END $$;

\echo 'The non-secret parts, for dashboards:'
SELECT t.subdomain, i.*
  FROM tenancy.tenants t, tenancy.tenant_connection_info(t.id) i ORDER BY 1;

\echo 'Health check (globex points at this demo server, which asks globex_app for its password):'
SELECT t.subdomain, c.ok, c.server_version IS NOT NULL AS got_version, c.error
  FROM tenancy.tenants t, tenancy.check_tenant_connection(t.id, '2s') c
 WHERE t.subdomain = 'globex';
\echo 'A server that lets the stored user in without asking for the password is refused:'
\echo '(the check never lends the database server credentials: docs/security.md)'
SELECT tenancy.set_tenant_connection('22222222-2222-2222-2222-222222222222',
  format('host=%s port=%s dbname=demo user=postgres password=anything',
         current_setting('unix_socket_directories'), current_setting('port')));
SELECT t.subdomain, c.ok, c.error
  FROM tenancy.tenants t, tenancy.check_tenant_connection(t.id, '2s') c
 WHERE t.subdomain = 'globex';

\echo 'What a router role sees: the connection, through one granted function only.'
CREATE ROLE demo_router;
GRANT EXECUTE ON FUNCTION tenancy.tenant_connection(uuid) TO demo_router;
SET ROLE demo_router;
SELECT tenancy.tenant_connection('11111111-1111-1111-1111-111111111111') AS acme_connection;
DO $$
BEGIN
  PERFORM count(*) FROM tenancy.tenants;
EXCEPTION WHEN insufficient_privilege THEN
  RAISE NOTICE 'router reading the table: %', SQLERRM;
END $$;
DO $$
BEGIN
  PERFORM tenancy.tenant_service_key('11111111-1111-1111-1111-111111111111');
EXCEPTION WHEN insufficient_privilege THEN
  RAISE NOTICE 'router asking for the service key: %', SQLERRM;
END $$;
RESET ROLE;

\echo 'A value copied to another tenant does not open:'
DO $$
BEGIN
  UPDATE tenancy.tenants SET data_source = (SELECT data_source FROM tenancy.tenants WHERE subdomain = 'acme')
   WHERE subdomain = 'globex';
  PERFORM tenancy.tenant_connection('22222222-2222-2222-2222-222222222222');
EXCEPTION WHEN data_corrupted THEN
  RAISE NOTICE 'globex with acme''s ciphertext: %', SQLERRM;
END $$;

\echo 'Rotation to key 2, in committed batches:'
SET tenancy.active_key_id = 2;
CALL tenancy.rotate_keys(batch_size => 1);
SELECT subdomain, key_id, get_byte(data_source, 4) AS envelope_key_id,
       tenancy.tenant_connection(id) IS NOT NULL AS opens
  FROM tenancy.tenants ORDER BY subdomain;
SELECT key_id, first_sealed_at IS NOT NULL AS recorded FROM tenancy.key_fingerprints ORDER BY 1;
RESET tenancy.active_key_id;
DROP OWNED BY demo_router;
DROP ROLE demo_router;
