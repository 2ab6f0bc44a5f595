-- apikeys.sql: API keys and the caller a key makes (docs/api-keys.md).

-- The stored keys. Only the keyed hash of a key is kept; the table is
-- readable by no application role (tenancy.api_keys is their view).
CREATE TABLE tenancy.api_key_records (
  id           uuid PRIMARY KEY,
  tenant_id    uuid NOT NULL,
  name         text NOT NULL CHECK (pg_catalog.octet_length(name) BETWEEN 1 AND 200),
  scopes       text[] NOT NULL DEFAULT '{}',
  hash         bytea NOT NULL,
  hash_key_id  integer NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT pg_catalog.now(),
  expires_at   timestamptz,
  revoked_at   timestamptz,
  last_used_at timestamptz,
  -- the membership scope (docs/access.md) whose tenant tenant_id is
  scope_name   text NOT NULL DEFAULT 'workspace'
    CHECK (scope_name ~ '^[a-z][a-z0-9_]*$' AND pg_catalog.octet_length(scope_name) <= 63)
);
CREATE INDEX ON tenancy.api_key_records (tenant_id);
SELECT pg_catalog.pg_extension_config_dump('tenancy.api_key_records', '');
COMMENT ON TABLE tenancy.api_key_records IS
'API keys: the keyed hash under key hash_key_id of tenancy.key_file, never the key.';

-- Every change but last_used_at reaches every backend's cache at its next
-- statement (ENABLE ALWAYS: a replica's apply fires them too).
CREATE FUNCTION tenancy.api_keys_changed() RETURNS trigger
LANGUAGE c
AS 'MODULE_PATHNAME', 'api_keys_changed';
CREATE TRIGGER api_keys_changed
  AFTER INSERT OR DELETE OR UPDATE OF id, tenant_id, scopes, hash, hash_key_id, expires_at, revoked_at,
                                      scope_name
  ON tenancy.api_key_records FOR EACH STATEMENT EXECUTE FUNCTION tenancy.api_keys_changed();
CREATE TRIGGER api_keys_truncated AFTER TRUNCATE ON tenancy.api_key_records
  FOR EACH STATEMENT EXECUTE FUNCTION tenancy.api_keys_changed();
ALTER TABLE tenancy.api_key_records ENABLE ALWAYS TRIGGER api_keys_changed;
ALTER TABLE tenancy.api_key_records ENABLE ALWAYS TRIGGER api_keys_truncated;

-- What an application role sees: its tenants' keys, never the hash.
CREATE VIEW tenancy.api_keys WITH (security_barrier) AS
  SELECT id, tenant_id, name, scopes, created_at, expires_at, revoked_at, last_used_at, scope_name
    FROM tenancy.api_key_records
   WHERE tenancy.user_has_workspace_access(tenant_id, scope_name);

CREATE FUNCTION tenancy.create_api_key(tenant uuid, name text, scopes text[] DEFAULT '{}',
                                       expires_at timestamptz DEFAULT NULL,
                                       scope_name text DEFAULT 'workspace')
RETURNS text
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'create_api_key';
COMMENT ON FUNCTION tenancy.create_api_key(uuid, text, text[], timestamptz, text) IS
'Makes an API key for a tenant of the membership scope and returns it, once: only its keyed hash is stored.';

CREATE FUNCTION tenancy.revoke_api_key(key_id uuid) RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF key_id IS NULL THEN
    RAISE EXCEPTION 'the API key to revoke must not be NULL'
      USING ERRCODE = 'invalid_parameter_value', HINT = 'Pass the id tenancy.api_keys shows.';
  END IF;
  UPDATE tenancy.api_key_records SET revoked_at = now()
   WHERE id = key_id AND revoked_at IS NULL;
  RETURN FOUND;
END $$;
COMMENT ON FUNCTION tenancy.revoke_api_key(uuid) IS
'Revokes an API key: every backend refuses it from its next statement on. False when already revoked or unknown.';

CREATE FUNCTION tenancy.authenticate_api_key(key text, OUT key_id uuid, OUT tenant_id uuid,
                                             OUT scopes text[])
LANGUAGE c VOLATILE PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'authenticate_api_key';
COMMENT ON FUNCTION tenancy.authenticate_api_key(text) IS
'The id, tenant and scopes of an active API key; SQLSTATE PT401 for any other key.';

CREATE FUNCTION tenancy._api_key_become_caller(key text) RETURNS void
LANGUAGE c VOLATILE PARALLEL UNSAFE
AS 'MODULE_PATHNAME', '_api_key_become_caller';

-- PostgREST's db-pre-request: the key in header X-API-Key becomes the
-- caller for the transaction. A malformed header document is reported
-- without its text (it holds the key).
CREATE FUNCTION tenancy.api_key_request() RETURNS void
LANGUAGE c VOLATILE PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'api_key_request';
COMMENT ON FUNCTION tenancy.api_key_request() IS
'PostgREST db-pre-request: the key of header X-API-Key is the caller until the transaction ends.';

-- Writes the uses of keys noted in shared memory (read-only transactions,
-- standbys, repeatable read) to last_used_at; run_maintenance calls it.
CREATE FUNCTION tenancy.flush_api_key_use() RETURNS bigint
LANGUAGE c VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'flush_api_key_use';
COMMENT ON FUNCTION tenancy.flush_api_key_use() IS
'Writes the uses of API keys noted in shared memory to last_used_at; the number of keys written.';

CREATE FUNCTION tenancy.caller_has_scope(scope text) RETURNS boolean
LANGUAGE c STABLE PARALLEL RESTRICTED
AS 'MODULE_PATHNAME', 'caller_has_scope';
COMMENT ON FUNCTION tenancy.caller_has_scope(text) IS
'True when the transaction''s caller is an API key that holds this scope.';

CREATE FUNCTION tenancy.caller_api_key_id() RETURNS uuid
LANGUAGE c STABLE PARALLEL RESTRICTED
AS 'MODULE_PATHNAME', 'caller_api_key_id';
COMMENT ON FUNCTION tenancy.caller_api_key_id() IS
'The id of the API key that is the transaction''s caller, or NULL.';
