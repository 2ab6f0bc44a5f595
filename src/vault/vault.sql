-- vault.sql: the tenant registry and sealed connection storage (SPEC part 6).
-- See docs/tenants.md. Secrets are sealed in C (libsodium XChaCha20-Poly1305)
-- under keys read from tenancy.key_file; tables hold ciphertext only.

CREATE TABLE tenancy.tenants (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name        text NOT NULL,
    subdomain   text UNIQUE NOT NULL
                CONSTRAINT tenants_subdomain_is_dns_label
                CHECK (subdomain ~ '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$'),
    status      text NOT NULL DEFAULT 'active'
                CONSTRAINT tenants_status_known
                CHECK (status IN ('active', 'suspended', 'deleted')),
    region      text,
    pool_config jsonb
                CONSTRAINT tenants_pool_config_is_object
                CHECK (pool_config IS NULL OR jsonb_typeof(pool_config) = 'object'),
    data_source bytea
                CONSTRAINT tenants_data_source_sealed
                CHECK (data_source IS NULL
                       OR (length(data_source) >= 45 AND get_byte(data_source, 0) = 1)),
    service_key bytea
                CONSTRAINT tenants_service_key_sealed
                CHECK (service_key IS NULL
                       OR (length(service_key) >= 45 AND get_byte(service_key, 0) = 1)),
    key_id      int CONSTRAINT tenants_key_id_positive CHECK (key_id > 0),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT tenants_key_id_with_data_source
        CHECK ((data_source IS NULL) = (key_id IS NULL)),
    CONSTRAINT tenants_service_key_needs_data_source
        CHECK (service_key IS NULL OR data_source IS NOT NULL)
);
COMMENT ON TABLE tenancy.tenants IS
    'Tenant registry: where each tenant''s data lives; data_source and service_key hold sealed envelopes only';
COMMENT ON COLUMN tenancy.tenants.data_source IS
    'libpq connection string sealed by tenancy.set_tenant_connection()';
COMMENT ON COLUMN tenancy.tenants.service_key IS
    'Service key sealed by tenancy.set_tenant_connection()';
COMMENT ON COLUMN tenancy.tenants.key_id IS
    'Key id that sealed data_source and service_key';

CREATE FUNCTION tenancy.tenants_touch() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    NEW.created_at := OLD.created_at;
    NEW.updated_at := now();
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION tenancy.tenants_touch() IS
    'Keeps tenancy.tenants.created_at and maintains updated_at';

CREATE TRIGGER tenants_touch BEFORE UPDATE ON tenancy.tenants
    FOR EACH ROW EXECUTE FUNCTION tenancy.tenants_touch();

-- One row per key id, written the first time that key seals: a wrong or
-- regenerated key file is then diagnosed by name instead of failing as a
-- generic decryption error. A fingerprint is a keyed BLAKE2b hash of a fixed
-- label: it identifies the key and reveals nothing of it.
CREATE TABLE tenancy.key_fingerprints (
    key_id          int PRIMARY KEY CHECK (key_id > 0),
    fingerprint     bytea NOT NULL CHECK (length(fingerprint) = 16),
    first_sealed_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE tenancy.key_fingerprints IS
    'Fingerprint of each key id, recorded when it first sealed a value';

SELECT pg_catalog.pg_extension_config_dump('tenancy.tenants', '');
SELECT pg_catalog.pg_extension_config_dump('tenancy.key_fingerprints', '');

CREATE FUNCTION tenancy.set_tenant_connection(
    tenant uuid, conninfo text, service_key text DEFAULT NULL)
RETURNS void
LANGUAGE c VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'set_tenant_connection';
COMMENT ON FUNCTION tenancy.set_tenant_connection(uuid, text, text) IS
    'Validates a libpq connection string and stores it, and the service key, sealed under the active key';

CREATE FUNCTION tenancy.tenant_connection(tenant uuid) RETURNS text
LANGUAGE c VOLATILE STRICT SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'tenant_connection';
COMMENT ON FUNCTION tenancy.tenant_connection(uuid) IS
    'The tenant''s connection string, opened; grant it to the router role only';

CREATE FUNCTION tenancy.tenant_service_key(tenant uuid) RETURNS text
LANGUAGE c VOLATILE STRICT SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'tenant_service_key';
COMMENT ON FUNCTION tenancy.tenant_service_key(uuid) IS
    'The tenant''s service key, opened; grant it to the router role only';

CREATE FUNCTION tenancy.tenant_connection_info(
    tenant uuid,
    OUT host text, OUT port text, OUT dbname text, OUT user_name text,
    OUT sslmode text, OUT has_password boolean)
LANGUAGE c VOLATILE STRICT SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'tenant_connection_info';
COMMENT ON FUNCTION tenancy.tenant_connection_info(uuid) IS
    'The non-secret parts of the tenant''s connection string, for display';

CREATE FUNCTION tenancy.check_tenant_connection(
    tenant uuid, timeout interval DEFAULT '3s',
    OUT ok boolean, OUT latency_ms float8, OUT server_version text, OUT error text)
LANGUAGE c VOLATILE STRICT SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'check_tenant_connection';
COMMENT ON FUNCTION tenancy.check_tenant_connection(uuid, interval) IS
    'Connects to the tenant''s database and reports success, latency and server version, or a scrubbed error';

CREATE FUNCTION tenancy.reseal_batch(batch_size int) RETURNS int
LANGUAGE c VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'reseal_batch';
COMMENT ON FUNCTION tenancy.reseal_batch(int) IS
    'Re-seals up to batch_size tenants not under the active key; the worker of rotate_keys';

-- A procedure that COMMITs can be neither SECURITY DEFINER nor carry a SET
-- clause, so it runs as the caller (who needs EXECUTE on it and on
-- tenancy.reseal_batch), and it is a thin loop whose search_path cannot
-- matter: its one call is schema-qualified, its operators are written
-- OPERATOR(pg_catalog.x), and reseal_batch checks batch_size (NULL or
-- below 1 is refused by the first call, before anything is re-sealed).
-- SELECT ... INTO instead of := keeps even assignment free of operators.
CREATE PROCEDURE tenancy.rotate_keys(batch_size int DEFAULT 1000)
LANGUAGE plpgsql
AS $$
DECLARE
    done bigint DEFAULT 0;
    n int;
BEGIN
    LOOP
        SELECT tenancy.reseal_batch(batch_size) INTO n;
        EXIT WHEN n OPERATOR(pg_catalog.=) 0;
        SELECT done OPERATOR(pg_catalog.+) n INTO done;
        COMMIT;
    END LOOP;
    RAISE NOTICE 'rotate_keys: % tenants re-sealed', done;
END
$$;
COMMENT ON PROCEDURE tenancy.rotate_keys(int) IS
    'Re-seals every value not under the active key, committing after each batch; resumable and idempotent';

-- Registry changes are audited; the two secret columns only as changed.
SELECT tenancy.enable_audit('tenancy.tenants', tenant_column => 'id',
                            redact_columns => '{data_source,service_key}');
