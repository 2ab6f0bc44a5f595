-- vault_registry: tenancy.tenants and sealed connections (SPEC part 6).
-- tenancy.key_file is set by the test configuration (keys 1 and 2).

-- A marker password built at run time, so no SQL text (and no server log
-- line that quotes a statement) ever contains it.
CREATE FUNCTION pg_temp.marker() RETURNS text LANGUAGE sql AS $$ SELECT 'Mk' || 'r7' || 'Pw' || 'Q9z' $$;
-- An error's fields, with the marker and the key directory masked.
CREATE FUNCTION pg_temp.err(sql text) RETURNS text LANGUAGE sql AS $$
  SELECT CASE WHEN e.state IS NULL THEN 'no error'
              ELSE replace(replace(format('%s | %s | %s | %s', e.state, e.message, e.detail, e.hint),
                                   pg_temp.marker(), '<MARKER LEAKED>'),
                           current_setting('tenancy_regress.key_dir'), '<keys>') END
    FROM regress.caught(sql) e
$$;

-- The table: columns, defaults and checks.
SELECT attname, format_type(atttypid, atttypmod) AS type, attnotnull
  FROM pg_attribute WHERE attrelid = 'tenancy.tenants'::regclass AND attnum > 0
 ORDER BY attnum;
INSERT INTO tenancy.tenants (id, name, subdomain, region)
VALUES ('00000000-0000-0000-0000-00000000000a', 'Acme', 'acme', 'eu-west-1'),
       ('00000000-0000-0000-0000-00000000000b', 'Bolt', 'bolt-2', 'us-east-1');
SELECT name, subdomain, status, data_source, service_key, key_id,
       created_at = updated_at AS fresh
  FROM tenancy.tenants ORDER BY name;
-- subdomain is a DNS label: lower case letters, digits, inner hyphens, 1-63
\set VERBOSITY terse
INSERT INTO tenancy.tenants (name, subdomain) VALUES ('x', 'Upper');
INSERT INTO tenancy.tenants (name, subdomain) VALUES ('x', '-lead');
INSERT INTO tenancy.tenants (name, subdomain) VALUES ('x', 'trail-');
INSERT INTO tenancy.tenants (name, subdomain) VALUES ('x', 'a.b');
INSERT INTO tenancy.tenants (name, subdomain) VALUES ('x', repeat('a', 64));
INSERT INTO tenancy.tenants (name, subdomain) VALUES ('x', '');
INSERT INTO tenancy.tenants (name, subdomain) VALUES ('x', 'acme');
INSERT INTO tenancy.tenants (name, subdomain, status) VALUES ('x', 'x', 'paused');
INSERT INTO tenancy.tenants (name, subdomain, pool_config) VALUES ('x', 'x', '[1]');
-- the bytea columns take sealed envelopes only
INSERT INTO tenancy.tenants (name, subdomain, data_source, key_id) VALUES ('x', 'x', 'host=h', 1);
WITH ins AS (INSERT INTO tenancy.tenants (name, subdomain) VALUES ('x', repeat('a', 63)) RETURNING 1)
SELECT count(*) AS longest_label_ok FROM ins;
\set VERBOSITY default
DELETE FROM tenancy.tenants WHERE subdomain = repeat('a', 63);
-- updated_at is maintained, created_at kept
UPDATE tenancy.tenants SET status = 'suspended', created_at = '2000-01-01'
 WHERE subdomain = 'bolt-2';
SELECT status, created_at > '2000-01-01' AS created_kept, updated_at >= created_at AS updated
  FROM tenancy.tenants WHERE subdomain = 'bolt-2';

-- Sealing: the conninfo is validated, sealed, and stored as ciphertext only.
SELECT tenancy.set_tenant_connection('00000000-0000-0000-0000-00000000000a',
         format('postgresql://acme_app:%s@db1.internal:6432/acme?sslmode=verify-full', pg_temp.marker()),
         'svc-' || pg_temp.marker());
SELECT tenancy.set_tenant_connection('00000000-0000-0000-0000-00000000000b',
         format('host=db2.internal port=5432 dbname=bolt user=bolt_app password=%s', pg_temp.marker()));
SELECT subdomain, key_id, length(data_source) AS sealed_len, get_byte(data_source, 0) AS format,
       substr(data_source, 2, 4) AS key_id_bytes, service_key IS NOT NULL AS has_service_key,
       strpos(encode(data_source, 'escape'), pg_temp.marker()) = 0 AS data_source_is_ciphertext,
       strpos(encode(service_key, 'escape'), pg_temp.marker()) = 0 AS service_key_is_ciphertext
  FROM tenancy.tenants ORDER BY subdomain;
-- opening gives the original back
SELECT tenancy.tenant_connection('00000000-0000-0000-0000-00000000000a')
       = format('postgresql://acme_app:%s@db1.internal:6432/acme?sslmode=verify-full', pg_temp.marker()) AS acme_opens,
       tenancy.tenant_service_key('00000000-0000-0000-0000-00000000000a') = 'svc-' || pg_temp.marker() AS acme_key_opens,
       tenancy.tenant_connection('00000000-0000-0000-0000-00000000000b')
       = format('host=db2.internal port=5432 dbname=bolt user=bolt_app password=%s', pg_temp.marker()) AS bolt_opens,
       tenancy.tenant_service_key('00000000-0000-0000-0000-00000000000b') IS NULL AS bolt_has_no_key;
-- every seal uses a fresh nonce
CREATE TEMP TABLE before AS SELECT id, data_source FROM tenancy.tenants;
SELECT tenancy.set_tenant_connection('00000000-0000-0000-0000-00000000000b',
         format('host=db2.internal port=5432 dbname=bolt user=bolt_app password=%s', pg_temp.marker()));
SELECT b.data_source <> t.data_source AS fresh_nonce
  FROM before b JOIN tenancy.tenants t USING (id) WHERE t.subdomain = 'bolt-2';
-- the first seal under key 2 recorded its fingerprint (keys never stored)
SELECT key_id, length(fingerprint) AS fingerprint_len FROM tenancy.key_fingerprints ORDER BY 1;

-- The non-secret parts, for display.
SELECT * FROM tenancy.tenant_connection_info('00000000-0000-0000-0000-00000000000a');
SELECT * FROM tenancy.tenant_connection_info('00000000-0000-0000-0000-00000000000b');

-- Decrypt functions are VOLATILE: never constant-folded into a plan.
SELECT p.oid::regprocedure, provolatile, prosecdef, proconfig
  FROM pg_proc p WHERE pronamespace = 'tenancy'::regnamespace
   AND proname IN ('tenant_connection', 'tenant_service_key', 'tenant_connection_info',
                   'set_tenant_connection', 'check_tenant_connection', 'reseal_batch')
 ORDER BY 1::text;
CREATE FUNCTION pg_temp.plan_leaks(sql text) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE line text; leaked boolean := false;
BEGIN
  FOR line IN EXECUTE 'EXPLAIN (VERBOSE, COSTS OFF) ' || sql LOOP
    leaked := leaked OR strpos(line, pg_temp.marker()) > 0 OR strpos(line, 'db1.internal') > 0;
  END LOOP;
  RETURN leaked;
END $$;
SELECT pg_temp.plan_leaks($$SELECT tenancy.tenant_connection('00000000-0000-0000-0000-00000000000a')$$) AS plan_leaks;
SELECT pg_temp.plan_leaks($$SELECT tenancy.tenant_service_key('00000000-0000-0000-0000-00000000000a')$$) AS plan_leaks;
EXPLAIN (VERBOSE, COSTS OFF) SELECT tenancy.tenant_connection('00000000-0000-0000-0000-00000000000a');

-- Unknown tenants and NULL arguments.
SELECT pg_temp.err($$SELECT tenancy.tenant_connection('00000000-0000-0000-0000-0000000000ff')$$);
SELECT pg_temp.err($$SELECT tenancy.tenant_service_key('00000000-0000-0000-0000-0000000000ff')$$);
SELECT pg_temp.err($$SELECT tenancy.tenant_connection_info('00000000-0000-0000-0000-0000000000ff')$$);
SELECT pg_temp.err($$SELECT tenancy.check_tenant_connection('00000000-0000-0000-0000-0000000000ff')$$);
SELECT pg_temp.err(format($$SELECT tenancy.set_tenant_connection('00000000-0000-0000-0000-0000000000ff', 'host=h password=%s')$$, pg_temp.marker()));
SELECT pg_temp.err($$SELECT tenancy.set_tenant_connection(NULL, 'host=h')$$);
SELECT pg_temp.err($$SELECT tenancy.set_tenant_connection('00000000-0000-0000-0000-00000000000a', NULL)$$);
SELECT pg_temp.err($$SELECT tenancy.set_tenant_connection('00000000-0000-0000-0000-00000000000a', NULL, 'k')$$);
SELECT tenancy.tenant_connection(NULL) IS NULL AS strict_null,
       tenancy.tenant_service_key(NULL) IS NULL AS strict_null,
       tenancy.tenant_connection_info(NULL) IS NULL AS strict_null,
       tenancy.check_tenant_connection(NULL) IS NULL AS strict_null;
-- a tenant without a connection opens as NULL
INSERT INTO tenancy.tenants (id, name, subdomain)
VALUES ('00000000-0000-0000-0000-00000000000c', 'Cog', 'cog');
SELECT tenancy.tenant_connection('00000000-0000-0000-0000-00000000000c') IS NULL AS no_connection,
       tenancy.tenant_service_key('00000000-0000-0000-0000-00000000000c') IS NULL AS no_key,
       tenancy.tenant_connection_info('00000000-0000-0000-0000-00000000000c') IS NULL AS no_info;
SELECT ok, latency_ms, server_version, error
  FROM tenancy.check_tenant_connection('00000000-0000-0000-0000-00000000000c');

-- Tampering: a flipped bit, a value moved to another row or column, a
-- relabelled key id: "decryption failed", never garbage.
BEGIN;
UPDATE tenancy.tenants SET data_source = set_byte(data_source, 40, get_byte(data_source, 40) # 1)
 WHERE subdomain = 'acme';
SELECT pg_temp.err($$SELECT tenancy.tenant_connection('00000000-0000-0000-0000-00000000000a')$$);
SELECT pg_temp.err($$SELECT tenancy.tenant_connection_info('00000000-0000-0000-0000-00000000000a')$$);
SELECT pg_temp.err($$SELECT tenancy.check_tenant_connection('00000000-0000-0000-0000-00000000000a')$$);
ROLLBACK;
BEGIN;
UPDATE tenancy.tenants SET data_source = (SELECT data_source FROM tenancy.tenants WHERE subdomain = 'acme'),
                           key_id = (SELECT key_id FROM tenancy.tenants WHERE subdomain = 'acme')
 WHERE subdomain = 'bolt-2';
SELECT pg_temp.err($$SELECT tenancy.tenant_connection('00000000-0000-0000-0000-00000000000b')$$);
ROLLBACK;
BEGIN;
UPDATE tenancy.tenants SET service_key = data_source WHERE subdomain = 'acme';
SELECT pg_temp.err($$SELECT tenancy.tenant_service_key('00000000-0000-0000-0000-00000000000a')$$);
ROLLBACK;
BEGIN;
UPDATE tenancy.tenants SET data_source = set_byte(data_source, 4, 1) WHERE subdomain = 'acme';
SELECT pg_temp.err($$SELECT tenancy.tenant_connection('00000000-0000-0000-0000-00000000000a')$$);
UPDATE tenancy.tenants SET data_source = set_byte(data_source, 4, 9) WHERE subdomain = 'acme';
SELECT pg_temp.err($$SELECT tenancy.tenant_connection('00000000-0000-0000-0000-00000000000a')$$);
ROLLBACK;
BEGIN;
UPDATE tenancy.tenants SET data_source = substr(data_source, 1, 45) WHERE subdomain = 'acme';
SELECT pg_temp.err($$SELECT tenancy.tenant_connection('00000000-0000-0000-0000-00000000000a')$$);
ROLLBACK;
-- after the rollbacks everything opens again
SELECT count(tenancy.tenant_connection(id)) AS opened FROM tenancy.tenants;
