-- hostile_access_text_ids: text user and tenant ids an attacker chooses —
-- quotes and SQL, empty, huge, odd unicode, a near miss — in a text scope.
-- Each reaches exactly its own memberships; a claim that is no id is
-- refused without being shown.

CREATE SCHEMA hostile_text_ids;
CREATE TABLE hostile_text_ids.members (tenant text NOT NULL, user_id text NOT NULL);
INSERT INTO hostile_text_ids.members VALUES
  ('t_quote', 'o''hara"; DROP TABLE x; --'),
  ('t_unicode', E'\u00fcser\u200b\U0001F600'),
  ('t_nfd', E'u\u0308ser\u200b\U0001F600'),
  ('t_max', repeat('u', 255)),
  ('t_long', repeat('u', 256)),
  ('t_empty', ''),
  ('', 'user_empty_tenant'),
  (repeat('T', 5000), 'user_huge_tenant'),
  (E'O''Brien\\', 'user_odd_tenant'),
  ('t_victim', 'user_2abc');
CREATE INDEX ON hostile_text_ids.members (user_id);
SELECT tenancy.register_membership('hostile_text_ids.members', 'tenant', 'user_id', scope => 'htext');
CREATE FUNCTION hostile_text_ids.tenants(claims text) RETURNS text LANGUAGE sql AS $$
  SELECT regress.with_setting('request.jwt.claims', claims,
    $q$SELECT array_to_string(ARRAY(SELECT left(t, 12) || '(' || length(t) || ')' FROM unnest(tenancy.user_workspaces_text('htext')) t), ',')$q$)
$$;

-- Quotes and SQL are an id like any other.
SELECT hostile_text_ids.tenants(json_build_object('sub', 'o''hara"; DROP TABLE x; --')::text);
-- Unicode is compared byte for byte: the decomposed spelling is another user.
SELECT hostile_text_ids.tenants(json_build_object('sub', E'\u00fcser\u200b\U0001F600')::text);
SELECT hostile_text_ids.tenants(E'{"sub": "\\u00fcser\\u200b\\ud83d\\ude00"}');
SELECT hostile_text_ids.tenants(json_build_object('sub', E'u\u0308ser\u200b\U0001F600')::text);
-- 255 bytes is the longest user id; a longer claim is refused, never cut to a shorter user.
SELECT hostile_text_ids.tenants(json_build_object('sub', repeat('u', 255))::text);
SELECT hostile_text_ids.tenants(json_build_object('sub', 'TOKENSECRET' || repeat('u', 245))::text);
-- An empty claim is no user id (22P02), never the empty user's memberships.
SELECT hostile_text_ids.tenants('{"sub": ""}');
-- NUL, a number, an object: refused without showing them.
SELECT hostile_text_ids.tenants('{"sub": "TOKENSECRET\u0000user_2abc"}');
SELECT hostile_text_ids.tenants('{"sub": {"id": "TOKENSECRET"}}');
-- Near misses reach nothing.
SELECT hostile_text_ids.tenants('{"sub": "user_2ab"}');
SELECT hostile_text_ids.tenants('{"sub": "user_2abc "}');
SELECT hostile_text_ids.tenants('{"sub": "USER_2ABC"}');
-- Odd tenant ids: empty, huge, quotes and backslashes come back whole.
SELECT hostile_text_ids.tenants('{"sub": "user_empty_tenant"}');
SELECT hostile_text_ids.tenants('{"sub": "user_huge_tenant"}');
SELECT hostile_text_ids.tenants('{"sub": "user_odd_tenant"}');
SELECT regress.with_setting('request.jwt.claims', '{"sub": "user_odd_tenant"}',
  $$SELECT tenancy.user_has_workspace_access(E'O''Brien\\', 'htext')::text$$);
SELECT regress.with_setting('request.jwt.claims', '{"sub": "user_huge_tenant"}',
  $$SELECT tenancy.user_has_workspace_access(repeat('T', 5000), 'htext')::text
     || tenancy.user_has_workspace_access(repeat('T', 4999), 'htext')::text$$);

DROP SCHEMA hostile_text_ids CASCADE;
DELETE FROM tenancy.membership_registration WHERE scope = 'htext';
