-- api_keys: create, authenticate, revoke and expire API keys; the per-backend
-- cache is never stale; bad keys get PT401 without echoing the key.
CREATE ROLE ak_admin;
CREATE ROLE ak_app;
CREATE ROLE ak_stranger;
GRANT EXECUTE ON FUNCTION tenancy.create_api_key(uuid, text, text[], timestamptz, text),
                          tenancy.revoke_api_key(uuid) TO ak_admin;
GRANT EXECUTE ON FUNCTION tenancy.authenticate_api_key(text) TO ak_app;
CREATE SCHEMA ak;
GRANT USAGE ON SCHEMA ak TO PUBLIC;
-- keys are shown only through this table (the test's own), never printed
CREATE TABLE ak.keys (name text PRIMARY KEY, key text);
GRANT ALL ON ak.keys TO ak_admin, ak_app;

SET ROLE ak_admin;
INSERT INTO ak.keys VALUES
  ('billing', tenancy.create_api_key('00000000-0000-0000-0000-00000000aa01', 'billing export',
                                     '{invoices:read,invoices:write}')),
  ('other', tenancy.create_api_key('00000000-0000-0000-0000-00000000aa02', 'other tenant')),
  ('soon', tenancy.create_api_key('00000000-0000-0000-0000-00000000aa01', 'expires soon',
                                  expires_at => clock_timestamp() + interval '1 hour'));
RESET ROLE;
-- the key's shape: prefix, id, secret; only the hash is stored
SELECT k.name, length(key) AS length, left(key, 4) AS prefix,
       substr(key, 5, 32) = replace(r.id::text, '-', '') AS id_in_key,
       r.scopes, octet_length(r.hash) AS hash_bytes, r.hash_key_id,
       position(substr(key, 38) IN encode(r.hash, 'escape')) AS secret_in_hash
  FROM ak.keys k JOIN tenancy.api_key_records r ON r.id = substr(k.key, 5, 32)::uuid
 ORDER BY k.name;

-- authenticate: the key's id, tenant and scopes
SET ROLE ak_app;
SELECT a.tenant_id, a.scopes, a.key_id = substr(k.key, 5, 32)::uuid AS same_id
  FROM ak.keys k, tenancy.authenticate_api_key(k.key) a ORDER BY k.name;
-- twice in one statement and again: answered from the cache, same answer
SELECT count(DISTINCT (tenancy.authenticate_api_key(key)).tenant_id) FROM ak.keys, generate_series(1, 3);

-- bad keys: PT401, a detail saying what is wrong, never the key
CREATE FUNCTION pg_temp.refused(key text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE st text; msg text; det text; hin text; ctx text;
BEGIN
  PERFORM tenancy.authenticate_api_key(key);
  RETURN 'accepted';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL,
                          hin = PG_EXCEPTION_HINT, ctx = PG_EXCEPTION_CONTEXT;
  IF length(key) > 8 AND position(substr(key, 5, 8) IN concat(msg, det, hin, ctx)) > 0 THEN
    RETURN 'KEY LEAKED';
  END IF;
  RETURN concat_ws(' | ', st, msg, det);
END $$;
SELECT what, pg_temp.refused(k) FROM (VALUES
  ('empty', ''),
  ('NULL', NULL),
  ('too long', (SELECT key || 'x' FROM ak.keys WHERE name = 'billing')),
  ('huge', repeat('tnk_', 100000)),
  ('wrong prefix', (SELECT 'tnx_' || substr(key, 5) FROM ak.keys WHERE name = 'billing')),
  ('truncated', (SELECT left(key, 79) FROM ak.keys WHERE name = 'billing')),
  ('id not hex', (SELECT 'tnk_zz' || substr(key, 7) FROM ak.keys WHERE name = 'billing')),
  ('secret not base64url', (SELECT left(key, 40) || '+' || substr(key, 42) FROM ak.keys WHERE name = 'billing')),
  ('wrong secret', (SELECT left(key, 40) || CASE substr(key, 41, 1) WHEN 'A' THEN 'B' ELSE 'A' END
                           || substr(key, 42) FROM ak.keys WHERE name = 'billing')),
  ('unknown id', (SELECT 'tnk_' || repeat('0', 32) || substr(key, 37) FROM ak.keys WHERE name = 'billing')),
  ('another key''s secret', (SELECT left(b.key, 37) || substr(o.key, 38) FROM ak.keys b, ak.keys o
                              WHERE b.name = 'billing' AND o.name = 'other'))
) AS bad(what, k);

-- uncaught, as a client sees them (and the server log, test/leak/api_keys_log.sh)
SELECT tenancy.authenticate_api_key(left(key, 79)) FROM ak.keys WHERE name = 'billing';
SELECT tenancy.authenticate_api_key(left(key, 40) || CASE substr(key, 41, 1) WHEN 'A' THEN 'B' ELSE 'A' END
                                    || substr(key, 42)) FROM ak.keys WHERE name = 'billing';

-- revocation is seen at the next statement, in this backend's cache too
RESET ROLE;
SET ROLE ak_admin;
SELECT tenancy.revoke_api_key(substr(key, 5, 32)::uuid) AS revoked FROM ak.keys WHERE name = 'other';
SELECT tenancy.revoke_api_key(substr(key, 5, 32)::uuid) AS again FROM ak.keys WHERE name = 'other';
SELECT * FROM regress.caught($$SELECT tenancy.revoke_api_key(NULL)$$);
RESET ROLE;
SET ROLE ak_app;
SELECT pg_temp.refused(key) AS revoked_key FROM ak.keys WHERE name = 'other';
-- a revocation rolled back never takes effect
RESET ROLE;
BEGIN;
SELECT tenancy.revoke_api_key(substr(key, 5, 32)::uuid) AS revoked FROM ak.keys WHERE name = 'billing';
ROLLBACK;
SET ROLE ak_app;
SELECT tenant_id FROM ak.keys, tenancy.authenticate_api_key(key) WHERE name = 'billing';
RESET ROLE;
-- expiry is checked at each call: moved into the past, the key fails at once
UPDATE tenancy.api_key_records SET expires_at = clock_timestamp() - interval '1 second'
 WHERE id = (SELECT substr(key, 5, 32)::uuid FROM ak.keys WHERE name = 'soon');
SET ROLE ak_app;
SELECT pg_temp.refused(key) AS expired_key FROM ak.keys WHERE name = 'soon';
RESET ROLE;
-- TRUNCATE forgets every key (the cache too)
BEGIN;
TRUNCATE tenancy.api_key_records;
SELECT pg_temp.refused(key) AS after_truncate FROM ak.keys WHERE name = 'billing';
ROLLBACK;

-- last use: recorded by a writable transaction (in it, so it commits with
-- it); where the table cannot or must not be written (read only, repeatable
-- read), noted in shared memory and written by the next writable use of
-- any key or by tenancy.flush_api_key_use() (run_maintenance calls it)
SET ROLE ak_admin;
INSERT INTO ak.keys VALUES
  ('read only', tenancy.create_api_key('00000000-0000-0000-0000-00000000aa01', 'reader')),
  ('repeatable', tenancy.create_api_key('00000000-0000-0000-0000-00000000aa01', 'repeatable reader')),
  ('writer', tenancy.create_api_key('00000000-0000-0000-0000-00000000aa01', 'writer')),
  ('maintained', tenancy.create_api_key('00000000-0000-0000-0000-00000000aa01', 'read, then maintenance')),
  ('flushed', tenancy.create_api_key('00000000-0000-0000-0000-00000000aa01', 'read, then flush'));
RESET ROLE;
BEGIN READ ONLY;
SET LOCAL ROLE ak_app;
SELECT tenant_id FROM ak.keys, tenancy.authenticate_api_key(key) WHERE name = 'read only';
COMMIT;
BEGIN ISOLATION LEVEL REPEATABLE READ;
SET LOCAL ROLE ak_app;
SELECT tenant_id FROM ak.keys, tenancy.authenticate_api_key(key) WHERE name = 'repeatable';
COMMIT;
CREATE VIEW ak.used AS
  SELECT k.name, r.last_used_at IS NOT NULL AS used
    FROM ak.keys k JOIN tenancy.api_key_records r ON r.id = substr(k.key, 5, 32)::uuid;
SELECT * FROM ak.used WHERE name IN ('read only', 'repeatable', 'writer') ORDER BY name;
-- a writable use of another key writes its own use and the noted ones
SET ROLE ak_app;
SELECT tenant_id FROM ak.keys, tenancy.authenticate_api_key(key) WHERE name = 'writer';
RESET ROLE;
SELECT * FROM ak.used ORDER BY name;
-- used read only, then flushed by run_maintenance or by the function
BEGIN READ ONLY;
SET LOCAL ROLE ak_app;
SELECT count(*) FROM ak.keys, tenancy.authenticate_api_key(key) WHERE name IN ('maintained', 'flushed');
COMMIT;
SELECT * FROM ak.used WHERE name IN ('maintained', 'flushed') ORDER BY name;
CALL tenancy.run_maintenance();
SELECT * FROM ak.used WHERE name IN ('maintained', 'flushed') ORDER BY name;
-- nothing left to write; in a read-only transaction the function refuses
SELECT tenancy.flush_api_key_use() AS written;
BEGIN READ ONLY;
SELECT * FROM regress.caught($$SELECT tenancy.flush_api_key_use()$$);
COMMIT;

-- a key made under another master key (another key file's key 1, or a
-- key id the file lacks) matches nothing: the same refusal as a wrong key
SET ROLE ak_admin;
INSERT INTO ak.keys VALUES ('moved', tenancy.create_api_key('00000000-0000-0000-0000-00000000aa01', 'moved'));
RESET ROLE;
UPDATE tenancy.api_key_records SET hash_key_id = hash_key_id % 2 + 1
 WHERE id = (SELECT substr(key, 5, 32)::uuid FROM ak.keys WHERE name = 'moved');
SET ROLE ak_app;
SELECT pg_temp.refused(key) AS other_master_key FROM ak.keys WHERE name = 'moved';
RESET ROLE;
UPDATE tenancy.api_key_records SET hash_key_id = 99
 WHERE id = (SELECT substr(key, 5, 32)::uuid FROM ak.keys WHERE name = 'moved');
SET ROLE ak_app;
SELECT pg_temp.refused(key) AS key_not_in_file FROM ak.keys WHERE name = 'moved';
RESET ROLE;

-- bad input to create_api_key changes nothing
SET ROLE ak_admin;
SELECT * FROM regress.caught($$SELECT tenancy.create_api_key(NULL, 'x')$$);
SELECT * FROM regress.caught($$SELECT tenancy.create_api_key('00000000-0000-0000-0000-00000000aa01', '')$$);
SELECT * FROM regress.caught($$SELECT tenancy.create_api_key('00000000-0000-0000-0000-00000000aa01', NULL)$$);
SELECT * FROM regress.caught($$SELECT tenancy.create_api_key('00000000-0000-0000-0000-00000000aa01', repeat('n', 201))$$);
SELECT * FROM regress.caught($$SELECT tenancy.create_api_key('00000000-0000-0000-0000-00000000aa01', 'x', '{a,NULL}')$$);
SELECT * FROM regress.caught($$SELECT tenancy.create_api_key('00000000-0000-0000-0000-00000000aa01', 'x', '{{a},{b}}')$$);
SELECT * FROM regress.caught($$SELECT tenancy.create_api_key('00000000-0000-0000-0000-00000000aa01', 'x', '{}', now() - interval '1 day')$$);
-- the membership scope: NULL, or a scope no membership table is registered for
SELECT * FROM regress.caught($$SELECT tenancy.create_api_key('00000000-0000-0000-0000-00000000aa01', 'x', scope_name => NULL)$$);
SELECT * FROM regress.caught($$SELECT tenancy.create_api_key('00000000-0000-0000-0000-00000000aa01', 'x', scope_name => 'ak_nowhere')$$);
SELECT * FROM regress.caught($$SELECT tenancy.create_api_key('00000000-0000-0000-0000-00000000aa01', 'x', scope_name => 'Ak "x"; --')$$);
RESET ROLE;
SELECT count(*) AS stored FROM tenancy.api_key_records;

-- not PUBLIC: creating, revoking, authenticating; the table is not readable
SET ROLE ak_stranger;
SELECT * FROM regress.caught($$SELECT tenancy.create_api_key('00000000-0000-0000-0000-00000000aa01', 'x')$$);
SELECT * FROM regress.caught($$SELECT tenancy.revoke_api_key('00000000-0000-0000-0000-00000000aa01')$$);
SELECT * FROM regress.caught($$SELECT tenancy.authenticate_api_key('tnk_')$$);
SELECT * FROM regress.caught($$SELECT * FROM tenancy.api_key_records$$);
SELECT * FROM regress.caught($$SELECT hash FROM tenancy.api_keys$$);
RESET ROLE;

DELETE FROM tenancy.api_key_records;
DROP SCHEMA ak CASCADE;
DROP OWNED BY ak_admin, ak_app, ak_stranger;
DROP ROLE ak_admin;
DROP ROLE ak_app;
DROP ROLE ak_stranger;
