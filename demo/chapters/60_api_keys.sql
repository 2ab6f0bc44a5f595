\echo
\echo '=== API keys and rate limits ==='
\echo 'A key for Acme, made once: tnk_, its id, 256 random bits. Only a keyed hash is stored.'
SELECT tenancy.create_api_key('ac3e0000-0000-0000-0000-000000000001', 'billing export',
                              '{projects:read}') AS key \gset
SELECT left(:'key', 4) AS prefix, length(:'key') AS length,
       (SELECT count(*) FROM tenancy.api_key_records) AS stored,
       (SELECT length(hash) FROM tenancy.api_key_records) AS hash_bytes;

\echo 'authenticate_api_key answers from a per-backend cache that is never stale:'
SELECT tenant_id, scopes FROM tenancy.authenticate_api_key(:'key');

\echo 'A PostgREST request carrying the key (db-pre-request = tenancy.api_key_request):'
\echo 'for that transaction the key is the caller: Acme only, with its scopes, no user.'
CREATE TABLE key_projects (id int PRIMARY KEY, workspace_id uuid NOT NULL, title text NOT NULL);
INSERT INTO key_projects VALUES
  (1, 'ac3e0000-0000-0000-0000-000000000001', 'Acme invoices'),
  (2, '910be000-0000-0000-0000-000000000002', 'Globex invoices');
ALTER TABLE key_projects ENABLE ROW LEVEL SECURITY;
CREATE POLICY key_read ON key_projects FOR SELECT
  USING (workspace_id = ANY (tenancy.user_workspaces()) AND tenancy.caller_has_scope('projects:read'));
CREATE ROLE key_app;
GRANT SELECT ON key_projects TO key_app;
GRANT EXECUTE ON FUNCTION tenancy.api_key_request(), tenancy._api_key_become_caller(text) TO key_app;
BEGIN;
SELECT set_config('request.headers', json_build_object('x-api-key', :'key')::text, true) IS NOT NULL AS headers_set;
SET LOCAL ROLE key_app;
SELECT tenancy.api_key_request();
SELECT tenancy.user_workspaces() AS key_sees, tenancy.current_user_id() AS user_id,
       tenancy.caller_has_scope('projects:read') AS can_read,
       tenancy.caller_has_scope('projects:write') AS can_write;
SELECT title FROM key_projects ORDER BY title;
COMMIT;

\echo 'Revoked, it fails at the next statement, with an error that never echoes the key:'
SELECT tenancy.revoke_api_key(id) AS revoked FROM tenancy.api_key_records;
SELECT set_config('demo.key', :'key', false) IS NOT NULL AS key_in_session;
DO $$
BEGIN
  PERFORM tenancy.authenticate_api_key(current_setting('demo.key'));
EXCEPTION WHEN OTHERS THEN
  RAISE NOTICE '%: %', SQLSTATE, SQLERRM;
END $$;
RESET demo.key;

\echo 'Rate limits: a token bucket in shared memory, 3 requests a minute; no table, no WAL.'
SELECT n, tenancy.rate_limit('demo:ann', 3, '1 minute') AS allowed
  FROM generate_series(1, 5) n;
\echo 'The raising form, for db-pre-request (PostgREST answers HTTP 429):'
DO $$
BEGIN
  PERFORM tenancy.enforce_rate_limit('demo:ann', 3, '1 minute');
EXCEPTION WHEN OTHERS THEN
  RAISE NOTICE '%: %', SQLSTATE, SQLERRM;
END $$;
DROP TABLE key_projects;
DROP OWNED BY key_app;
DROP ROLE key_app;
