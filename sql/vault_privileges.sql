-- vault_privileges: PUBLIC may neither open nor change sealed values; the
-- DBA grants the decrypt functions to the router role.
CREATE ROLE regress_vault_router;
CREATE ROLE regress_vault_stranger;
CREATE FUNCTION pg_temp.err(sql text) RETURNS text LANGUAGE sql AS $$
  SELECT CASE WHEN e.state IS NULL THEN 'no error'
              ELSE e.state || ' | ' || e.message END
    FROM regress.caught(sql) e
$$;
GRANT EXECUTE ON FUNCTION pg_temp.err(text) TO PUBLIC;

-- Who may execute what, for PUBLIC.
SELECT p.oid::regprocedure AS function, has_function_privilege('public', p.oid, 'EXECUTE') AS public
  FROM pg_proc p
 WHERE p.pronamespace = 'tenancy'::regnamespace
   AND p.proname IN ('set_tenant_connection', 'tenant_connection', 'tenant_service_key',
                     'tenant_connection_info', 'check_tenant_connection', 'reseal_batch',
                     'rotate_keys', 'tenants_touch')
 ORDER BY 1::text;

-- A stranger is refused everywhere with 42501.
SET ROLE regress_vault_stranger;
SELECT pg_temp.err($$SELECT tenancy.tenant_connection('00000000-0000-0000-0000-00000000000a')$$);
SELECT pg_temp.err($$SELECT tenancy.tenant_service_key('00000000-0000-0000-0000-00000000000a')$$);
SELECT pg_temp.err($$SELECT tenancy.tenant_connection_info('00000000-0000-0000-0000-00000000000a')$$);
SELECT pg_temp.err($$SELECT tenancy.check_tenant_connection('00000000-0000-0000-0000-00000000000a')$$);
SELECT pg_temp.err($$SELECT tenancy.set_tenant_connection('00000000-0000-0000-0000-00000000000a', 'host=h')$$);
SELECT pg_temp.err($$SELECT tenancy.reseal_batch(10)$$);
SELECT pg_temp.err($$CALL tenancy.rotate_keys()$$);
SELECT pg_temp.err($$SELECT count(*) FROM tenancy.tenants$$);
SELECT pg_temp.err($$SELECT count(*) FROM tenancy.key_fingerprints$$);
SELECT pg_temp.err($$UPDATE tenancy.tenants SET data_source = NULL$$);
RESET ROLE;

-- The router is granted exactly what it needs to route.
GRANT EXECUTE ON FUNCTION tenancy.tenant_connection(uuid), tenancy.tenant_service_key(uuid)
   TO regress_vault_router;
SET ROLE regress_vault_router;
SELECT tenancy.tenant_connection('00000000-0000-0000-0000-00000000000a') LIKE 'postgresql://acme_app:%' AS router_opens;
SELECT tenancy.tenant_service_key('00000000-0000-0000-0000-00000000000a') LIKE 'svc-%' AS router_opens_key;
-- a prepared statement with a bind parameter, as a router sends it
PREPARE route(uuid) AS SELECT tenancy.tenant_connection($1) IS NOT NULL AS routed;
EXECUTE route('00000000-0000-0000-0000-00000000000b');
DEALLOCATE route;
-- but still cannot read the table, change a connection, or rotate keys
SELECT pg_temp.err($$SELECT count(*) FROM tenancy.tenants$$);
SELECT pg_temp.err($$SELECT tenancy.set_tenant_connection('00000000-0000-0000-0000-00000000000a', 'host=h')$$);
SELECT pg_temp.err($$CALL tenancy.rotate_keys()$$);
SELECT pg_temp.err($$SELECT tenancy.tenant_connection_info('00000000-0000-0000-0000-00000000000a')$$);
RESET ROLE;

REVOKE EXECUTE ON FUNCTION tenancy.tenant_connection(uuid), tenancy.tenant_service_key(uuid)
  FROM regress_vault_router;
DROP ROLE regress_vault_router;
DROP ROLE regress_vault_stranger;
