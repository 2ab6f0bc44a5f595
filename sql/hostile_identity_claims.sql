-- hostile_identity_claims: valid JSON claims whose unrelated members
-- PostgreSQL cannot convert (a number beyond numeric's range, nesting past
-- the stack limit, a \u0000 escape) do not stop the caller from being
-- identified: current_user_id() and the claims tenancy reads come from a
-- scan that converts only them. current_claims(), which must convert them
-- all, reports 22P02 naming the setting, never the token.

-- Sets the claims inside the call and reports the error of sql, if any;
-- fails loudly if the secret shows in any field.
CREATE FUNCTION pg_temp.fields(value text, sql text, secret text DEFAULT 'TOKENSECRET')
RETURNS text LANGUAGE plpgsql AS $$
DECLARE st text; msg text; det text; hin text; ctx text; result text;
BEGIN
  PERFORM set_config('request.jwt.claims', value, true);
  EXECUTE sql INTO result;
  RETURN coalesce(result, '<NULL>');
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT,
                          det = PG_EXCEPTION_DETAIL, hin = PG_EXCEPTION_HINT,
                          ctx = PG_EXCEPTION_CONTEXT;
  IF position(secret IN concat_ws('|', msg, det, hin, ctx)) > 0 THEN
    RETURN 'TOKEN LEAKED: ' || concat_ws(' | ', st, msg, det, hin, ctx);
  END IF;
  RETURN format('%s | %s | %s | %s', st, msg, det, hin);
END $$;

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
       pg_temp.fields(claims, 'SELECT tenancy.current_user_id()::text') AS user_id,
       pg_temp.fields(claims, $$SELECT tenancy.current_claim('role')$$) AS role,
       pg_temp.fields(claims, $$SELECT tenancy.current_claim('absent')$$) AS absent
  FROM pg_temp.hclaims ORDER BY label;
SELECT label, pg_temp.fields(claims, $$SELECT tenancy.current_claim('x')$$) AS x
  FROM pg_temp.hclaims ORDER BY label;
SELECT label, pg_temp.fields(claims, 'SELECT tenancy.current_claims()::text') AS claims
  FROM pg_temp.hclaims ORDER BY label;

-- A claim name is compared with its escapes decoded; the last of two
-- equal names wins, as in jsonb.
SELECT pg_temp.fields('{"s\u0075b": "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "x": 1e1000000}',
                      'SELECT tenancy.current_user_id()::text');
SELECT pg_temp.fields('{"sub": "00000000-0000-0000-0000-000000000001", "sub": "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"}',
                      'SELECT tenancy.current_user_id()::text');
-- A user claim with escapes is decoded before it is read as a UUID.
SELECT pg_temp.fields('{"sub": "\u0061\u0030eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"}',
                      'SELECT tenancy.current_user_id()::text');

-- Malformed documents are still refused, whatever the claim asked.
SELECT pg_temp.fields('{"sub": "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "x": [}', 'SELECT tenancy.current_user_id()::text');
SELECT pg_temp.fields('{"sub": "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "x": ' || repeat('[', 1000) || '}',
                      'SELECT tenancy.current_user_id()::text');
SELECT pg_temp.fields('{"sub": "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "x": 01}', $$SELECT tenancy.current_claim('sub')$$);
SELECT pg_temp.fields('[{"sub": "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"}]', 'SELECT tenancy.current_user_id()::text');
-- A user claim that is not a UUID (here: non-ASCII, or a \u0000) stays 22P02.
SELECT pg_temp.fields('{"sub": "TOKENSECRET\u0000", "x": 1e1000000}', 'SELECT tenancy.current_user_id()::text');
SELECT pg_temp.fields('{"sub": "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1\u00e9"}', 'SELECT tenancy.current_user_id()::text');
