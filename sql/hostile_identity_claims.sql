-- hostile_identity_claims: valid JSON claims whose unrelated members
-- PostgreSQL cannot convert (a number beyond numeric's range, nesting past
-- the stack limit, a \u0000 escape) do not stop the caller from being
-- identified: current_user_id() and the claims tenancy reads come from a
-- scan that converts only them. current_claims(), which must convert them
-- all, reports 22P02 naming the setting, never the token.

-- regress.with_setting (sql/core.sql) sets the claims inside the call and
-- reports what sql returned or raised; it fails loudly if the secret shows
-- in any field.
CREATE TABLE pg_temp.hclaims (label text, claims text);
INSERT INTO pg_temp.hclaims VALUES
  ('huge number', '{"sub": "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "role": "authenticated", "x": 1e1000000, "note": "TOKENSECRET"}'),
  ('huge number first', '{"x": -1e-1000000, "sub": "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "role": "authenticated", "note": "TOKENSECRET"}'),
  ('deep arrays', '{"sub": "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "role": "authenticated", "x": '
                  || repeat('[', 200000) || repeat(']', 200000) || ', "note": "TOKENSECRET"}'),
  ('deep objects', '{"x": ' || repeat('{"k": ', 200000) || '0' || repeat('}', 200000)
                   || ', "sub": "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "role": "authenticated", "note": "TOKENSECRET"}'),
  ('NUL escape', '{"sub": "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "role": "authenticated", "x": "TOKENSECRET\u0000"}');

-- The caller is identified, its role read; the unconvertible claim itself
-- and the whole object are 22P02 naming the setting.
SELECT label,
       regress.with_setting('request.jwt.claims', claims, 'SELECT tenancy.current_user_id()::text') AS user_id,
       regress.with_setting('request.jwt.claims', claims, $$SELECT tenancy.current_claim('role')$$) AS role,
       regress.with_setting('request.jwt.claims', claims, $$SELECT tenancy.current_claim('absent')$$) AS absent
  FROM pg_temp.hclaims ORDER BY label;
SELECT label, regress.with_setting('request.jwt.claims', claims, $$SELECT tenancy.current_claim('x')$$) AS x
  FROM pg_temp.hclaims ORDER BY label;
SELECT label, regress.with_setting('request.jwt.claims', claims, 'SELECT tenancy.current_claims()::text') AS claims
  FROM pg_temp.hclaims ORDER BY label;

-- A claim name is compared with its escapes decoded; the last of two
-- equal names wins, as in jsonb.
SELECT regress.with_setting('request.jwt.claims', '{"s\u0075b": "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "x": 1e1000000}',
                      'SELECT tenancy.current_user_id()::text');
SELECT regress.with_setting('request.jwt.claims', '{"sub": "00000000-0000-0000-0000-000000000001", "sub": "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"}',
                      'SELECT tenancy.current_user_id()::text');
-- A user claim with escapes is decoded before it is read as a UUID.
SELECT regress.with_setting('request.jwt.claims', '{"sub": "\u0061\u0030eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"}',
                      'SELECT tenancy.current_user_id()::text');

-- Malformed documents are still refused, whatever the claim asked.
SELECT regress.with_setting('request.jwt.claims', '{"sub": "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "x": [}', 'SELECT tenancy.current_user_id()::text');
SELECT regress.with_setting('request.jwt.claims', '{"sub": "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "x": ' || repeat('[', 1000) || '}',
                      'SELECT tenancy.current_user_id()::text');
SELECT regress.with_setting('request.jwt.claims', '{"sub": "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "x": 01}', $$SELECT tenancy.current_claim('sub')$$);
SELECT regress.with_setting('request.jwt.claims', '[{"sub": "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"}]', 'SELECT tenancy.current_user_id()::text');
-- A user claim that is not a UUID (here: non-ASCII, or a \u0000) stays 22P02.
SELECT regress.with_setting('request.jwt.claims', '{"sub": "TOKENSECRET\u0000", "x": 1e1000000}', 'SELECT tenancy.current_user_id()::text');
SELECT regress.with_setting('request.jwt.claims', '{"sub": "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1\u00e9"}', 'SELECT tenancy.current_user_id()::text');
