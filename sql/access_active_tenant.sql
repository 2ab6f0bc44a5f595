-- access_active_tenant: tenancy.active_tenant_claim narrows the helpers to
-- the tenant the caller's claims name (Clerk's and Supabase's org_id).

CREATE SCHEMA active_tenant;
CREATE ROLE active_tenant_app;
GRANT USAGE ON SCHEMA active_tenant TO active_tenant_app;
CREATE FUNCTION active_tenant.claims(claims text) RETURNS void LANGUAGE sql AS $$
  SELECT set_config('request.jwt.claims', coalesce(claims, ''), false)
$$;
-- What every helper answers for the tenants t1, t2, t3.
CREATE FUNCTION active_tenant.answers(
  OUT tenants uuid[], OUT t1 boolean, OUT t2 boolean, OUT t3 boolean,
  OUT role_t1 text, OUT role_t2 text, OUT owner_t1 boolean, OUT viewer_t2 boolean)
LANGUAGE sql AS $$
  SELECT tenancy.user_workspaces(),
         tenancy.user_has_workspace_access('00000000-0000-0000-0000-0000000000f1'),
         tenancy.user_has_workspace_access('00000000-0000-0000-0000-0000000000f2'),
         tenancy.user_has_workspace_access('00000000-0000-0000-0000-0000000000f3'),
         tenancy.user_workspace_role('00000000-0000-0000-0000-0000000000f1'),
         tenancy.user_workspace_role('00000000-0000-0000-0000-0000000000f2'),
         tenancy.user_has_workspace_role('00000000-0000-0000-0000-0000000000f1', 'owner'),
         tenancy.user_has_workspace_role('00000000-0000-0000-0000-0000000000f2', 'viewer')
$$;
GRANT EXECUTE ON FUNCTION active_tenant.claims(text), active_tenant.answers() TO active_tenant_app;

-- ann: owner of t1, viewer of t2; t3 is someone else's.
CREATE TABLE active_tenant.members (tenant_id uuid, user_id uuid NOT NULL, role text);
CREATE INDEX ON active_tenant.members (user_id);
INSERT INTO active_tenant.members VALUES
  ('00000000-0000-0000-0000-0000000000f1', 'aaaaaaaa-0000-0000-0000-000000000001', 'owner'),
  ('00000000-0000-0000-0000-0000000000f2', 'aaaaaaaa-0000-0000-0000-000000000001', 'viewer'),
  ('00000000-0000-0000-0000-0000000000f3', 'bbbbbbbb-0000-0000-0000-000000000002', 'owner');
SELECT tenancy.register_membership('active_tenant.members', 'tenant_id', 'user_id', 'role');
CREATE TABLE active_tenant.items (workspace_id uuid NOT NULL, name text);
INSERT INTO active_tenant.items VALUES
  ('00000000-0000-0000-0000-0000000000f1', 'one'), ('00000000-0000-0000-0000-0000000000f2', 'two'),
  ('00000000-0000-0000-0000-0000000000f3', 'three');
ALTER TABLE active_tenant.items ENABLE ROW LEVEL SECURITY;
CREATE POLICY by_array ON active_tenant.items FOR SELECT
  USING (workspace_id = ANY (tenancy.user_workspaces()));
GRANT SELECT ON active_tenant.items TO active_tenant_app;

-- Unset by default: an org_id claim changes nothing.
SHOW tenancy.active_tenant_claim;
SELECT active_tenant.claims('{"sub": "aaaaaaaa-0000-0000-0000-000000000001", "org_id": "00000000-0000-0000-0000-0000000000f1"}');
SELECT * FROM active_tenant.answers();

SET tenancy.active_tenant_claim = 'org_id';
-- The claim names t1: the helpers answer for t1 only.
SELECT * FROM active_tenant.answers();
-- ... and t2 when it names t2.
SELECT active_tenant.claims('{"sub": "aaaaaaaa-0000-0000-0000-000000000001", "org_id": "00000000-0000-0000-0000-0000000000f2"}');
SELECT * FROM active_tenant.answers();
-- A tenant the user does not belong to: no access at all.
SELECT active_tenant.claims('{"sub": "aaaaaaaa-0000-0000-0000-000000000001", "org_id": "00000000-0000-0000-0000-0000000000f3"}');
SELECT * FROM active_tenant.answers();
-- No claim, or a JSON null (no active organization): all of the user's tenants.
SELECT active_tenant.claims('{"sub": "aaaaaaaa-0000-0000-0000-000000000001"}');
SELECT * FROM active_tenant.answers();
SELECT active_tenant.claims('{"sub": "aaaaaaaa-0000-0000-0000-000000000001", "org_id": null}');
SELECT * FROM active_tenant.answers();
-- No user: nothing, whatever the claim says.
SELECT active_tenant.claims('{"org_id": "00000000-0000-0000-0000-0000000000f1"}');
SELECT * FROM active_tenant.answers();

-- Policies follow, for an application role, and switching the claim is not
-- a membership change: the cache answers (one fill for ann).
SELECT tenancy.cache_reset();
SET ROLE active_tenant_app;
SELECT active_tenant.claims('{"sub": "aaaaaaaa-0000-0000-0000-000000000001", "org_id": "00000000-0000-0000-0000-0000000000f1"}');
SELECT name FROM active_tenant.items ORDER BY name;
SELECT active_tenant.claims('{"sub": "aaaaaaaa-0000-0000-0000-000000000001", "org_id": "00000000-0000-0000-0000-0000000000f2"}');
SELECT name FROM active_tenant.items ORDER BY name;
SELECT active_tenant.claims('{"sub": "aaaaaaaa-0000-0000-0000-000000000001"}');
SELECT name FROM active_tenant.items ORDER BY name;
RESET ROLE;
SELECT misses, entries FROM tenancy.cache_stats() WHERE cache = 'memberships';

-- A claim that is not a UUID is an error naming the claim, never no access
-- or all access, and the value is not shown.
SELECT regress.with_setting('request.jwt.claims',
  '{"sub": "aaaaaaaa-0000-0000-0000-000000000001", "org_id": "org_TOKENSECRET"}',
  $$SELECT tenancy.user_workspaces()::text$$);
SELECT regress.with_setting('request.jwt.claims',
  '{"sub": "aaaaaaaa-0000-0000-0000-000000000001", "org_id": 12345}',
  $$SELECT tenancy.user_has_workspace_access('00000000-0000-0000-0000-0000000000f1')::text$$, '12345');
SELECT regress.with_setting('request.jwt.claims',
  '{"sub": "aaaaaaaa-0000-0000-0000-000000000001", "org_id": ["00000000-0000-0000-0000-0000000000f1"]}',
  $$SELECT tenancy.user_workspaces()::text$$);

-- Any claim name, spelled exactly (a namespaced claim with a space and quotes).
SET tenancy.active_tenant_claim = 'https://example.com/"active org"';
SELECT active_tenant.claims('{"sub": "aaaaaaaa-0000-0000-0000-000000000001", "https://example.com/\"active org\"": "00000000-0000-0000-0000-0000000000f2", "org_id": "00000000-0000-0000-0000-0000000000f1"}');
SELECT tenancy.user_workspaces();

-- The setting: a superuser's choice (an application role cannot turn it off),
-- a valid claim name or empty; a refused value changes nothing.
SET ROLE active_tenant_app;
SELECT state, message FROM regress.caught($$SET tenancy.active_tenant_claim = ''$$);
RESET ROLE;
SELECT state, message, detail FROM regress.caught($$SET tenancy.active_tenant_claim = E'org\nid'$$);
SELECT state, message FROM regress.caught(format('SET tenancy.active_tenant_claim = %L', repeat('x', 256)));
SHOW tenancy.active_tenant_claim;
RESET tenancy.active_tenant_claim;

SELECT active_tenant.claims(NULL);
DROP SCHEMA active_tenant CASCADE;
DROP ROLE active_tenant_app;
