-- identity_claims: current_user_id(), current_claims(), current_claim()
-- across the ways PostgREST, Supabase and poolers set the claims.

-- regress.with_setting (sql/core.sql) sets a claims setting inside the
-- call and reports what sql returned or raised; it fails loudly if the
-- secret shows in any field (message, detail, hint or context). The setting
-- is not part of the statement text, so the context cannot quote it by
-- accident.

-- All STABLE (never IMMUTABLE) and PARALLEL SAFE.
SELECT p.oid::regprocedure, provolatile, proparallel, proisstrict
  FROM pg_proc p WHERE pronamespace = 'tenancy'::regnamespace
   AND proname IN ('current_user_id', 'current_claims', 'current_claim')
 ORDER BY p.oid::regprocedure::text;

-- Nothing set: NULL everywhere.
SELECT tenancy.current_user_id(), tenancy.current_claims(), tenancy.current_claim('sub');
-- Empty string (what RESET leaves for a placeholder) is "unset" too.
SET request.jwt.claims = '';
SELECT tenancy.current_user_id(), tenancy.current_claims();

-- PostgREST's JSON claims.
SET request.jwt.claims = '{"sub": "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "role": "authenticated", "email": "ann@example.com", "exp": 1700000000, "admin": true, "meta": {"plan": "pro"}, "groups": ["a", "b"], "nothing": null}';
SELECT tenancy.current_user_id();
SELECT tenancy.current_claims() ->> 'email' AS email, jsonb_typeof(tenancy.current_claims()) AS kind;
SELECT tenancy.current_claim('role') AS role, tenancy.current_claim('exp') AS exp,
       tenancy.current_claim('admin') AS admin, tenancy.current_claim('meta') AS meta,
       tenancy.current_claim('groups') AS groups, tenancy.current_claim('nothing') IS NULL AS null_claim,
       tenancy.current_claim('missing') IS NULL AS missing, tenancy.current_claim(NULL) IS NULL AS null_name;
-- Same as jsonb's ->> for every claim.
SELECT key, tenancy.current_claim(key) IS NOT DISTINCT FROM (tenancy.current_claims() ->> key) AS same
  FROM jsonb_object_keys(tenancy.current_claims()) AS key ORDER BY key;

-- Other UUID spellings are accepted as uuid_in accepts them.
SET request.jwt.claims = '{"sub": "{A0EEBC999C0B4EF8BB6D6BB9BD380A11}"}';
SELECT tenancy.current_user_id();
-- No sub (e.g. PostgREST's anon role), or a JSON null sub: no user.
SET request.jwt.claims = '{"role": "anon"}';
SELECT tenancy.current_user_id() IS NULL AS no_user, tenancy.current_claim('role');
SET request.jwt.claims = '{"sub": null}';
SELECT tenancy.current_user_id() IS NULL AS no_user;

-- Malformed: 22P02 naming the setting or claim, never echoing the token.
SELECT regress.with_setting('request.jwt.claims', '{"sub": "TOKENSECRET"', $$SELECT tenancy.current_user_id()$$);
SELECT regress.with_setting('request.jwt.claims', 'eyJTOKENSECRET.eyJ.sig', $$SELECT tenancy.current_claims()$$);
SELECT regress.with_setting('request.jwt.claims', '{"sub": "TOKENSECRET"}', $$SELECT tenancy.current_user_id()$$);
SELECT regress.with_setting('request.jwt.claims', '{"sub": 42, "x": "TOKENSECRET"}', $$SELECT tenancy.current_user_id()$$);
SELECT regress.with_setting('request.jwt.claims', '{"sub": ["TOKENSECRET"]}', $$SELECT tenancy.current_user_id()$$);
SELECT regress.with_setting('request.jwt.claims', '["TOKENSECRET"]', $$SELECT tenancy.current_claim('sub')$$);
SELECT regress.with_setting('request.jwt.claims', '"TOKENSECRET"', $$SELECT tenancy.current_claims()$$);
SELECT regress.with_setting('request.jwt.claims', '{"sub": "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "k": "TOKENSECRET\u0000"}', $$SELECT tenancy.current_claims()$$);
SELECT regress.with_setting('request.jwt.claims', '{"sub": "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11 TOKENSECRET"}', $$SELECT tenancy.current_user_id()$$);
-- Only the user claim is checked: other functions still work on the object.
SELECT regress.with_setting('request.jwt.claims', '{"sub": "not-a-uuid", "role": "x"}',
  $$SELECT tenancy.current_claim('role')$$, 'not-a-uuid');
SELECT regress.with_setting('request.jwt.claims', '{"sub": "not-a-uuid", "role": "x"}',
  $$SELECT tenancy.current_claims() ->> 'role'$$, 'not-a-uuid');
SELECT regress.with_setting('request.jwt.claims', '{"sub": "not-a-uuid", "role": "x"}',
  $$SELECT tenancy.current_user_id()$$, 'not-a-uuid');
-- Errors are raised again on every call (not cached as "no user").
SET request.jwt.claims = '{"sub": "not-a-uuid"}';
SELECT tenancy.current_user_id();
SELECT tenancy.current_user_id();
-- After an error the session goes on, and a good value parses again.
SET request.jwt.claims = '{"sub": "11111111-1111-1111-1111-111111111111"}';
SELECT tenancy.current_user_id();
RESET request.jwt.claims;

-- Older PostgREST: request.jwt.claim.<claim>.
SET request.jwt.claim.sub = '22222222-2222-2222-2222-222222222222';
SET request.jwt.claim.role = 'authenticated';
SELECT tenancy.current_user_id(), tenancy.current_claims() IS NULL AS no_object,
       tenancy.current_claim('role');
SELECT regress.with_setting('request.jwt.claim.sub', 'TOKENSECRET', $$SELECT tenancy.current_user_id()$$);
-- The JSON claims win when both are set.
SET request.jwt.claims = '{"sub": "33333333-3333-3333-3333-333333333333"}';
SELECT tenancy.current_user_id(), tenancy.current_claim('role') IS NULL AS role_not_mixed_in;
RESET request.jwt.claims;
RESET request.jwt.claim.sub;
RESET request.jwt.claim.role;

-- tenancy.user_claim and tenancy.claims_setting (superuser settings).
SET request.jwt.claims = '{"sub": "44444444-4444-4444-4444-444444444444", "uid": "55555555-5555-5555-5555-555555555555"}';
SET tenancy.user_claim = 'uid';
SELECT tenancy.current_user_id();
RESET tenancy.user_claim;
SELECT tenancy.current_user_id();
SET app.claims = '{"sub": "66666666-6666-6666-6666-666666666666"}';
SET tenancy.claims_setting = 'app.claims';
SELECT tenancy.current_user_id();
RESET tenancy.claims_setting;
SELECT tenancy.current_user_id();
SET tenancy.user_claim = '';
SET tenancy.user_claim = E'line\nbreak';
SET tenancy.claims_setting = '';
CREATE ROLE identity_plain;
SET ROLE identity_plain;
SET tenancy.user_claim = 'uid';
RESET ROLE;
RESET request.jwt.claims;

-- Per transaction, as PostgREST and poolers in transaction mode do it.
BEGIN;
SELECT set_config('request.jwt.claims', '{"sub": "77777777-7777-7777-7777-777777777777"}', true);
SELECT tenancy.current_user_id();
COMMIT;
SELECT tenancy.current_user_id() IS NULL AS gone_after_commit;
BEGIN;
SET LOCAL request.jwt.claims = '{"sub": "88888888-8888-8888-8888-888888888888"}';
SELECT tenancy.current_user_id();
-- savepoints: a rolled-back change is undone, a released one kept
SAVEPOINT s1;
SET LOCAL request.jwt.claims = '{"sub": "99999999-9999-9999-9999-999999999999"}';
SELECT tenancy.current_user_id();
ROLLBACK TO SAVEPOINT s1;
SELECT tenancy.current_user_id();
SAVEPOINT s2;
SET LOCAL request.jwt.claims = '{"sub": "aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa"}';
RELEASE SAVEPOINT s2;
SELECT tenancy.current_user_id();
ROLLBACK;
SELECT tenancy.current_user_id() IS NULL AS gone_after_rollback;

-- A function with a SET clause sees its own claims; the caller gets its back.
SET request.jwt.claims = '{"sub": "bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb"}';
CREATE FUNCTION pg_temp.as_service() RETURNS uuid LANGUAGE sql
SET request.jwt.claims = '{"sub": "cccccccc-cccc-cccc-cccc-cccccccccccc"}'
AS 'SELECT tenancy.current_user_id()';
SELECT pg_temp.as_service() AS inside, tenancy.current_user_id() AS outside;
-- Evaluated per row, with the setting changing between rows.
SELECT i, pg_temp.as_service() AS inside, tenancy.current_user_id() AS outside
  FROM generate_series(1, 2) i;

-- SET ROLE changes nothing about the claims.
GRANT USAGE ON SCHEMA tenancy TO identity_plain;
SET ROLE identity_plain;
SELECT tenancy.current_user_id();
RESET ROLE;

-- Generic plans: the value is read at execution, never folded into a plan.
SET plan_cache_mode = force_generic_plan;
PREPARE who AS SELECT tenancy.current_user_id();
EXECUTE who;
SET request.jwt.claims = '{"sub": "dddddddd-dddd-dddd-dddd-dddddddddddd"}';
EXECUTE who;
DEALLOCATE who;
RESET plan_cache_mode;

-- Parallel workers receive the leader's setting and parse it themselves.
CREATE TABLE identity_rows AS SELECT g AS id FROM generate_series(1, 1000) g;
ANALYZE identity_rows;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
-- force_parallel_mode is named debug_parallel_query from PostgreSQL 16 on
SELECT set_config(name, 'on', false) AS parallel_forced FROM pg_settings
 WHERE name IN ('force_parallel_mode', 'debug_parallel_query');
EXPLAIN (COSTS OFF)
SELECT count(*) FROM identity_rows WHERE tenancy.current_user_id() = 'dddddddd-dddd-dddd-dddd-dddddddddddd';
SELECT count(*) FROM identity_rows WHERE tenancy.current_user_id() = 'dddddddd-dddd-dddd-dddd-dddddddddddd';
SELECT count(*) FROM identity_rows WHERE tenancy.current_claim('sub') = 'dddddddd-dddd-dddd-dddd-dddddddddddd';
SELECT set_config(name, 'off', false) AS parallel_forced FROM pg_settings
 WHERE name IN ('force_parallel_mode', 'debug_parallel_query');
RESET max_parallel_workers_per_gather;
RESET min_parallel_table_scan_size;
RESET parallel_tuple_cost;
RESET parallel_setup_cost;
DROP TABLE identity_rows;

-- The claims are parsed once per distinct value.
SELECT tenancy.cache_reset();
SELECT count(tenancy.current_user_id()) FROM generate_series(1, 100);
SELECT cache, hits, misses, entries FROM tenancy.cache_stats() WHERE cache = 'claims';
SET request.jwt.claims = '{"sub": "eeeeeeee-eeee-eeee-eeee-eeeeeeeeeeee"}';
SELECT tenancy.current_user_id();
SELECT cache, hits, misses, invalidations, entries FROM tenancy.cache_stats() WHERE cache = 'claims';
RESET request.jwt.claims;
REVOKE USAGE ON SCHEMA tenancy FROM identity_plain;
DROP ROLE identity_plain;
