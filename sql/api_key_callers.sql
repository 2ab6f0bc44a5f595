-- api_key_callers: tenancy.api_key_request() (PostgREST db-pre-request)
-- makes the key of header X-API-Key the caller until the transaction ends.
CREATE ROLE akc_rest;
GRANT EXECUTE ON FUNCTION tenancy.api_key_request(), tenancy._api_key_become_caller(text) TO akc_rest;
CREATE SCHEMA akc;
GRANT USAGE ON SCHEMA akc TO PUBLIC;
CREATE TABLE akc.keys (name text PRIMARY KEY, key text);
GRANT SELECT ON akc.keys TO akc_rest;
INSERT INTO akc.keys VALUES
  ('writer', tenancy.create_api_key('00000000-0000-0000-0000-00000000cc01', 'writer', '{invoices:write}')),
  ('revoked', tenancy.create_api_key('00000000-0000-0000-0000-00000000cc02', 'revoked'));
SELECT tenancy.revoke_api_key(substr(key, 5, 32)::uuid) FROM akc.keys WHERE name = 'revoked';
-- the headers PostgREST sets, for a key of this test
CREATE FUNCTION akc.headers(key_name text) RETURNS text LANGUAGE sql AS $$
  SELECT json_build_object('x-api-key', key, 'accept', '*/*')::text FROM akc.keys WHERE name = key_name $$;
GRANT EXECUTE ON FUNCTION akc.headers(text) TO akc_rest;
-- the default scope ('workspace') needs a membership table: this test's
-- own unless one is registered already (by a test before it), removed at the end
CREATE TABLE akc.members (workspace_id uuid NOT NULL, user_id uuid NOT NULL);
CREATE TABLE akc.own_registration AS
  SELECT tenancy.register_membership('akc.members', 'workspace_id', 'user_id') IS NOT NULL AS registered
   WHERE NOT EXISTS (SELECT FROM tenancy.membership_registration WHERE scope = 'workspace');
SELECT EXISTS (SELECT FROM tenancy.membership_registration WHERE scope = 'workspace') AS default_scope_registered;
-- a second scope: a key belongs to a tenant of one scope, by default the
-- default scope ('workspace'), or of the scope create_api_key names
CREATE TABLE akc.project_members (project_id uuid NOT NULL, user_id uuid NOT NULL);
SELECT tenancy.register_membership('akc.project_members', 'project_id', 'user_id', scope => 'akc_project');
INSERT INTO akc.keys VALUES
  ('project', tenancy.create_api_key('00000000-0000-0000-0000-00000000cc03', 'project key',
                                     '{files:read}', scope_name => 'akc_project'));
SELECT k.name, r.scope_name FROM akc.keys k JOIN tenancy.api_key_records r ON r.id = substr(k.key, 5, 32)::uuid
 ORDER BY k.name;

SET ROLE akc_rest;
-- without a key: no caller, the helpers answer nothing
SELECT tenancy.caller_api_key_id(), tenancy.caller_has_scope('invoices:write'),
       tenancy.user_workspaces();
-- a request with the key: its tenant, its scopes, no user
BEGIN;
SELECT set_config('request.headers', akc.headers('writer'), true) IS NOT NULL AS headers_set;
SELECT tenancy.api_key_request();
SELECT tenancy.caller_api_key_id() = (SELECT substr(key, 5, 32)::uuid FROM akc.keys WHERE name = 'writer') AS key_is_caller,
       tenancy.caller_has_scope('invoices:write') AS can_write,
       tenancy.caller_has_scope('invoices:read') AS can_read,
       tenancy.caller_has_scope('INVOICES:WRITE') AS case_matters,
       tenancy.caller_has_scope(NULL) AS null_scope,
       tenancy.current_user_id() AS user_id;
SELECT tenancy.user_workspaces(),
       tenancy.user_has_workspace_access('00000000-0000-0000-0000-00000000cc01') AS own_tenant,
       tenancy.user_has_workspace_access('00000000-0000-0000-0000-00000000cc02') AS other_tenant,
       tenancy.user_workspace_role('00000000-0000-0000-0000-00000000cc01') AS role,
       tenancy.user_has_workspace_role('00000000-0000-0000-0000-00000000cc01', 'owner') AS owner;
-- in another scope the key holds nothing (its tenant is no project), and
-- an unknown scope is an error as for a user
SELECT tenancy.user_workspaces('akc_project') AS projects,
       tenancy.user_has_workspace_access('00000000-0000-0000-0000-00000000cc01', 'akc_project') AS as_project;
SELECT state FROM regress.caught($$SELECT tenancy.user_workspaces('akc_unknown')$$);
COMMIT;
-- a key of a named scope: the helpers of that scope answer for its tenant,
-- the default scope's answer nothing
BEGIN;
SELECT set_config('request.headers', akc.headers('project'), true) IS NOT NULL AS headers_set;
SELECT tenancy.api_key_request();
SELECT tenancy.user_workspaces('akc_project') AS projects,
       tenancy.user_has_workspace_access('00000000-0000-0000-0000-00000000cc03', 'akc_project') AS own_project,
       tenancy.user_has_workspace_access('00000000-0000-0000-0000-00000000cc01', 'akc_project') AS other_project,
       tenancy.user_workspaces() AS workspaces,
       tenancy.user_has_workspace_access('00000000-0000-0000-0000-00000000cc03') AS as_workspace,
       tenancy.caller_has_scope('files:read') AS can_read_files;
SELECT state FROM regress.caught($$SELECT tenancy.user_workspaces('akc_unknown')$$);
COMMIT;

-- a key is the caller, not the user of a JWT the same request carries:
-- current_user_id() and current_user_id_text() are NULL
BEGIN;
SELECT set_config('request.jwt.claims', '{"sub": "00000000-0000-0000-0000-0000000000ee"}', true) IS NOT NULL AS claims_set;
SELECT tenancy.current_user_id() AS jwt_user, tenancy.current_user_id_text() AS jwt_user_text;
SELECT set_config('request.headers', akc.headers('writer'), true) IS NOT NULL AS headers_set;
SELECT tenancy.api_key_request();
SELECT tenancy.current_user_id() AS user_id, tenancy.current_user_id_text() AS user_id_text,
       tenancy.user_workspaces() AS workspaces;
COMMIT;
SELECT tenancy.current_user_id() AS after_commit;

-- a request without a key (a JWT's, through the same db-pre-request):
-- api_key_request() makes no caller, the JWT's claims answer as before
BEGIN;
SELECT set_config('request.jwt.claims', '{"sub": "00000000-0000-0000-0000-0000000000ee"}', true) IS NOT NULL AS claims_set,
       set_config('request.headers', '{"accept": "*/*", "authorization": "Bearer aaa.bbb.ccc"}', true) IS NOT NULL AS headers_set;
SELECT tenancy.api_key_request();
SELECT tenancy.current_user_id() AS jwt_user, tenancy.caller_api_key_id() AS key_id,
       tenancy.caller_has_scope('invoices:write') AS can_write;
-- a key header that is JSON null is no key either
SELECT set_config('request.headers', '{"x-api-key": null}', true) IS NOT NULL AS headers_set;
SELECT tenancy.api_key_request();
SELECT tenancy.current_user_id() AS jwt_user, tenancy.caller_api_key_id() AS key_id;
-- nor are headers never set (outside PostgREST)
SELECT set_config('request.headers', '', true) IS NOT NULL AS headers_cleared;
SELECT tenancy.api_key_request();
SELECT tenancy.current_user_id() AS jwt_user, tenancy.caller_api_key_id() AS key_id;
COMMIT;

-- a savepoint rolled back undoes the caller it made: the caller is again
-- the one before it (none, or another key); a released one keeps it
CREATE FUNCTION pg_temp.become(key_name text) RETURNS void LANGUAGE sql AS $$
  SELECT set_config('request.headers', akc.headers(key_name), true);
  SELECT tenancy.api_key_request() $$;
CREATE FUNCTION pg_temp.caller() RETURNS text LANGUAGE sql AS $$
  SELECT coalesce((SELECT name FROM akc.keys WHERE substr(key, 5, 32)::uuid = tenancy.caller_api_key_id()), 'none')
         || ' ' || coalesce(tenancy.user_workspaces()::text, '') || ' '
         || coalesce(tenancy.user_workspaces('akc_project')::text, '') $$;
BEGIN;
SAVEPOINT a;
SELECT pg_temp.become('writer');
SELECT pg_temp.caller() AS in_savepoint;
ROLLBACK TO SAVEPOINT a;
SELECT pg_temp.caller() AS rolled_back;
SELECT pg_temp.become('writer');
SAVEPOINT b;
SELECT pg_temp.become('project');
SELECT pg_temp.become('project');
SELECT pg_temp.caller() AS in_savepoint;
ROLLBACK TO SAVEPOINT b;
SELECT pg_temp.caller() AS back_to_writer;
SAVEPOINT c;
SAVEPOINT d;
SELECT pg_temp.become('project');
RELEASE SAVEPOINT d;
SELECT pg_temp.caller() AS released;
ROLLBACK TO SAVEPOINT c;
SELECT pg_temp.caller() AS outer_rolled_back;
SAVEPOINT e;
SELECT pg_temp.become('project');
RELEASE SAVEPOINT e;
SELECT pg_temp.caller() AS kept;
COMMIT;
SELECT pg_temp.caller() AS after_commit;
-- a PL/pgSQL exception block is a savepoint too
DO $$
BEGIN
  BEGIN
    PERFORM pg_temp.become('writer');
    RAISE EXCEPTION 'undo';
  EXCEPTION WHEN raise_exception THEN
    RAISE NOTICE 'caller after the block: %', pg_temp.caller();
  END;
END $$;
-- the transaction ended: the key is no longer the caller
SELECT tenancy.caller_api_key_id(), tenancy.user_workspaces();
-- a failed transaction ends it too
BEGIN;
SELECT set_config('request.headers', akc.headers('writer'), true) IS NOT NULL AS headers_set;
SELECT tenancy.api_key_request();
SELECT 1 / 0;
ROLLBACK;
SELECT tenancy.caller_api_key_id();
-- headers alone make no caller: the setting is not a switch
BEGIN;
SELECT set_config('request.headers', akc.headers('writer'), true) IS NOT NULL AS headers_set;
SELECT tenancy.caller_api_key_id(), tenancy.user_workspaces();
COMMIT;

-- the audit log records the key id as the actor
RESET ROLE;
CREATE TABLE akc.items (id int PRIMARY KEY, workspace_id uuid);
SELECT tenancy.enable_audit('akc.items');
GRANT INSERT ON akc.items TO akc_rest;
SET ROLE akc_rest;
BEGIN;
SELECT set_config('request.headers', akc.headers('writer'), true) IS NOT NULL AS headers_set;
SELECT tenancy.api_key_request();
INSERT INTO akc.items VALUES (1, '00000000-0000-0000-0000-00000000cc01');
COMMIT;
RESET ROLE;
SELECT op, actor_id = (SELECT substr(key, 5, 32)::uuid FROM akc.keys WHERE name = 'writer') AS actor_is_key
  FROM tenancy.audit_entries WHERE schema_name = 'akc' AND table_name = 'items';
SET ROLE akc_rest;

-- bad requests: PT401 (PostgREST: 401), never the key
CREATE FUNCTION pg_temp.request(headers text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE st text; msg text; det text; hin text; ctx text;
BEGIN
  PERFORM set_config('request.headers', headers, true);
  PERFORM tenancy.api_key_request();
  RETURN CASE WHEN tenancy.caller_api_key_id() IS NULL THEN 'no key: no caller made' ELSE 'accepted' END;
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL,
                          hin = PG_EXCEPTION_HINT, ctx = PG_EXCEPTION_CONTEXT;
  IF EXISTS (SELECT FROM akc.keys WHERE position(substr(key, 5, 8) IN concat(msg, det, hin, ctx)) > 0
                                      OR position(substr(key, 40, 8) IN concat(msg, det, hin, ctx)) > 0) THEN
    RETURN 'KEY LEAKED';
  END IF;
  RETURN concat_ws(' | ', st, msg, det);
END $$;
SELECT what, pg_temp.request(h) FROM (VALUES
  ('no headers', ''),
  ('no key header', '{"accept": "*/*"}'),
  ('not json', (SELECT '{"x-api-key": "' || key || '"' FROM akc.keys WHERE name = 'writer')),
  ('not an object', (SELECT json_build_array(key)::text FROM akc.keys WHERE name = 'writer')),
  ('revoked key', akc.headers('revoked')),
  ('truncated key', (SELECT json_build_object('x-api-key', left(key, 60))::text FROM akc.keys WHERE name = 'writer')),
  ('longer key', (SELECT json_build_object('x-api-key', key || 'A')::text FROM akc.keys WHERE name = 'writer')),
  ('null header', '{"x-api-key": null}'),
  ('number header', '{"x-api-key": 12}'),
  ('nul escape', (SELECT '{"x-api-key": "' || left(key, 40) || '\u0000"}' FROM akc.keys WHERE name = 'writer')),
  ('repeated, last wins', (SELECT '{"x-api-key": "tnk_", "x-api-key": "' || key || '"}' FROM akc.keys WHERE name = 'writer')),
  ('repeated, last bad', (SELECT '{"x-api-key": "' || key || '", "x-api-key": "tnk_"}' FROM akc.keys WHERE name = 'writer')),
  ('valid key', akc.headers('writer'))
) AS r(what, h);
RESET ROLE;

-- not PUBLIC
CREATE ROLE akc_stranger;
SET ROLE akc_stranger;
SELECT * FROM regress.caught($$SELECT tenancy.api_key_request()$$);
SELECT * FROM regress.caught($$SELECT tenancy._api_key_become_caller('tnk_')$$);
RESET ROLE;

-- a check of a key nested in another: a superuser's own trigger on the
-- records makes a key the caller while create_api_key stores a new key;
-- the new key is not wiped by the inner check (each call has a scratch of
-- its own), nor by an inner check that fails and is caught
CREATE FUNCTION akc.request_in_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  BEGIN
    PERFORM set_config('request.headers', akc.headers('revoked'), true);
    PERFORM tenancy.api_key_request();
  EXCEPTION WHEN SQLSTATE 'PT401' THEN
    RAISE NOTICE 'the inner check refused the revoked key';
  END;
  PERFORM set_config('request.headers', akc.headers('writer'), true);
  PERFORM tenancy.api_key_request();
  RETURN NULL;
END $$;
CREATE TRIGGER request_in_trigger AFTER INSERT ON tenancy.api_key_records
  FOR EACH ROW EXECUTE FUNCTION akc.request_in_trigger();
BEGIN;
INSERT INTO akc.keys VALUES ('nested', tenancy.create_api_key('00000000-0000-0000-0000-00000000cc04', 'nested'));
SELECT key ~ '^tnk_[0-9a-f]{32}_[A-Za-z0-9_-]{43}$' AS well_formed,
       tenancy.caller_api_key_id() = (SELECT substr(key, 5, 32)::uuid FROM akc.keys WHERE name = 'writer') AS writer_is_caller
  FROM akc.keys WHERE name = 'nested';
COMMIT;
DROP TRIGGER request_in_trigger ON tenancy.api_key_records;
SELECT (tenancy.authenticate_api_key(key)).tenant_id AS nested_key_tenant FROM akc.keys WHERE name = 'nested';
-- nested deeper than 8 (a trigger making a key inside create_api_key, at
-- every level): 54001, nothing stored
CREATE FUNCTION akc.make_in_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM tenancy.create_api_key('00000000-0000-0000-0000-00000000cc05', 'deeper');
  RETURN NULL;
END $$;
CREATE TRIGGER make_in_trigger AFTER INSERT ON tenancy.api_key_records
  FOR EACH ROW EXECUTE FUNCTION akc.make_in_trigger();
SELECT * FROM regress.caught($$SELECT tenancy.create_api_key('00000000-0000-0000-0000-00000000cc05', 'deep')$$);
DROP TRIGGER make_in_trigger ON tenancy.api_key_records;
SELECT count(*) AS stored FROM tenancy.api_key_records WHERE tenant_id = '00000000-0000-0000-0000-00000000cc05';

DELETE FROM tenancy.api_key_records;
DELETE FROM tenancy.membership_registration WHERE scope = 'akc_project';
DELETE FROM tenancy.membership_registration
 WHERE scope = 'workspace' AND EXISTS (SELECT FROM akc.own_registration);
SELECT tenancy.disable_audit('akc.items');
DROP SCHEMA akc CASCADE;
DROP OWNED BY akc_rest, akc_stranger;
DROP ROLE akc_rest;
DROP ROLE akc_stranger;
