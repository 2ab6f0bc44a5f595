-- identity_user_id_text: tenancy.current_user_id_text(), the user claim as
-- any string (Clerk's user_2abc..., Auth0's auth0|123), for text owner
-- columns; current_user_id() stays the uuid form.

CREATE SCHEMA user_id_text;
CREATE ROLE user_id_text_app;
GRANT USAGE ON SCHEMA user_id_text TO user_id_text_app;
CREATE FUNCTION user_id_text.as_claims(claims text, OUT text_id text, OUT uuid_id text)
LANGUAGE sql AS $$
  SELECT regress.with_setting('request.jwt.claims', claims, $q$SELECT tenancy.current_user_id_text()$q$),
         regress.with_setting('request.jwt.claims', claims, $q$SELECT tenancy.current_user_id()::text$q$)
$$;

SELECT p.oid::regprocedure, provolatile, proparallel, prorettype::regtype
  FROM pg_proc p WHERE p.oid = 'tenancy.current_user_id_text()'::regprocedure;

-- A Clerk id: the text form reads it, the uuid form still refuses it.
SELECT * FROM user_id_text.as_claims('{"sub": "user_2abcDEF123", "org_id": "org_9"}');
-- A UUID reads as it is spelled in the token.
SELECT * FROM user_id_text.as_claims('{"sub": "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11"}');
-- Escapes are decoded; any ASCII character is kept.
SELECT * FROM user_id_text.as_claims('{"sub": "auth0|abc\/def \"x\""}');
-- Absent, JSON null, no claims: NULL.
SELECT * FROM user_id_text.as_claims('{"role": "anon"}');
SELECT * FROM user_id_text.as_claims('{"sub": null}');
SELECT * FROM user_id_text.as_claims('');
-- 255 bytes is the longest id.
SELECT length(text_id) FROM user_id_text.as_claims(json_build_object('sub', repeat('u', 255))::text);
-- Not a user id: 22P02 naming the claim, never showing the value.
SELECT regress.with_setting('request.jwt.claims', '{"sub": 424242}',
  $$SELECT tenancy.current_user_id_text()$$, '424242');
SELECT regress.with_setting('request.jwt.claims', '{"sub": {"id": "TOKENSECRET"}}',
  $$SELECT tenancy.current_user_id_text()$$);
SELECT regress.with_setting('request.jwt.claims', '{"sub": ""}',
  $$SELECT tenancy.current_user_id_text()$$);
SELECT regress.with_setting('request.jwt.claims', json_build_object('sub', 'TOKENSECRET' || repeat('u', 245))::text,
  $$SELECT tenancy.current_user_id_text()$$);
-- Any characters but NUL: non-ASCII is an id too.
SELECT regress.with_setting('request.jwt.claims', '{"sub": "TOKENSECRET-\u00fc"}',
  $$SELECT tenancy.current_user_id_text()$$);
-- A malformed document is refused as for current_user_id().
SELECT regress.with_setting('request.jwt.claims', '{"sub": "TOKENSECRET"',
  $$SELECT tenancy.current_user_id_text()$$);
-- The older per-claim setting, as it is, when there is no claims document.
SELECT regress.with_setting('request.jwt.claim.sub', 'user_legacy 1', $$SELECT tenancy.current_user_id_text()$$);
-- tenancy.user_claim names the claim for both forms.
SET tenancy.user_claim = 'uid';
SELECT * FROM user_id_text.as_claims('{"sub": "user_not_this", "uid": "user_this"}');
RESET tenancy.user_claim;

-- A policy on a text owner column, for an application role.
CREATE TABLE user_id_text.notes (owner_id text NOT NULL, body text);
INSERT INTO user_id_text.notes VALUES ('user_2abc', 'mine'), ('user_2xyz', 'theirs');
ALTER TABLE user_id_text.notes ENABLE ROW LEVEL SECURITY;
CREATE POLICY own ON user_id_text.notes USING (owner_id = tenancy.current_user_id_text());
GRANT SELECT ON user_id_text.notes TO user_id_text_app;
SET ROLE user_id_text_app;
SELECT regress.with_setting('request.jwt.claims', '{"sub": "user_2abc"}',
  $$SELECT string_agg(body, ',') FROM user_id_text.notes$$);
SELECT regress.with_setting('request.jwt.claims', '{"sub": "user_2nobody"}',
  $$SELECT string_agg(body, ',') FROM user_id_text.notes$$);
RESET ROLE;

DROP SCHEMA user_id_text CASCADE;
DROP ROLE user_id_text_app;
