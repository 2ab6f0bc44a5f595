-- access_active_scope: the active tenant claim naming a tenant of a parent
-- scope (tenancy.active_tenant_scope; docs/access.md "The active tenant
-- claim"). Organizations own workspaces; `org_id` names an organization:
-- the organization scope answers for it alone, the workspace scope for its
-- workspaces the user reaches.

CREATE SCHEMA access_active_scope;
SET search_path = access_active_scope, public;

-- ann: admin of o1 (so w1, w2), member of w3 (in o2). bob: member of w1 only.
CREATE TABLE org_members (org_id uuid, user_id uuid, role text, PRIMARY KEY (user_id, org_id));
INSERT INTO org_members VALUES
  ('00000000-0000-0000-0000-0000000000a1', 'aaaaaaaa-0000-0000-0000-000000000001', 'admin');
CREATE TABLE workspaces (id uuid PRIMARY KEY, organization_id uuid);
CREATE INDEX ON workspaces (organization_id);
INSERT INTO workspaces VALUES
  ('00000000-0000-0000-0000-0000000000f1', '00000000-0000-0000-0000-0000000000a1'),
  ('00000000-0000-0000-0000-0000000000f2', '00000000-0000-0000-0000-0000000000a1'),
  ('00000000-0000-0000-0000-0000000000f3', '00000000-0000-0000-0000-0000000000a2');
CREATE TABLE ws_members (workspace_id uuid, user_id uuid, role text, PRIMARY KEY (user_id, workspace_id));
INSERT INTO ws_members VALUES
  ('00000000-0000-0000-0000-0000000000f3', 'aaaaaaaa-0000-0000-0000-000000000001', 'editor'),
  ('00000000-0000-0000-0000-0000000000f1', 'bbbbbbbb-0000-0000-0000-000000000002', 'editor');
SELECT tenancy.register_membership('org_members', 'org_id', 'user_id', 'role', scope => 'organization');
SELECT tenancy.register_membership('ws_members', 'workspace_id', 'user_id', 'role');
SELECT tenancy.register_scope_parent('workspace', 'organization', 'workspaces', 'id', 'organization_id');

CREATE FUNCTION pg_temp.reach() RETURNS TABLE (orgs uuid[], workspaces uuid[], w1 boolean, w3 boolean)
LANGUAGE sql AS $$
  SELECT tenancy.user_workspaces('organization'), tenancy.user_workspaces(),
         tenancy.user_has_workspace_access('00000000-0000-0000-0000-0000000000f1'),
         tenancy.user_has_workspace_access('00000000-0000-0000-0000-0000000000f3')
$$;

SET tenancy.active_tenant_claim = 'org_id';
SHOW tenancy.active_tenant_scope;
SET tenancy.active_tenant_scope = 'organization';

-- no org_id: everything the user reaches
SELECT regress.as_user('aaaaaaaa-0000-0000-0000-000000000001');
SELECT * FROM pg_temp.reach();
-- org_id o1: the organization alone, and its workspaces
SELECT regress.as_user('aaaaaaaa-0000-0000-0000-000000000001', '00000000-0000-0000-0000-0000000000a1');
SELECT * FROM pg_temp.reach();
-- org_id o2: not a member of o2, so no organization; of its workspaces, the one she is a member of
SELECT regress.as_user('aaaaaaaa-0000-0000-0000-000000000001', '00000000-0000-0000-0000-0000000000a2');
SELECT * FROM pg_temp.reach();
-- bob names o1: he is no member of o1, but of its workspace w1
SELECT regress.as_user('bbbbbbbb-0000-0000-0000-000000000002', '00000000-0000-0000-0000-0000000000a1');
SELECT * FROM pg_temp.reach();
-- a claim that is no organization id
SELECT regress.as_user('aaaaaaaa-0000-0000-0000-000000000001', 'not-a-uuid');
SELECT state, message FROM regress.caught($$SELECT tenancy.user_workspaces()$$);

-- a membership change reaches the narrowed answer at the next statement
SELECT regress.as_user('aaaaaaaa-0000-0000-0000-000000000001', '00000000-0000-0000-0000-0000000000a1');
UPDATE workspaces SET organization_id = '00000000-0000-0000-0000-0000000000a2'
 WHERE id = '00000000-0000-0000-0000-0000000000f2';
SELECT * FROM pg_temp.reach();

-- the setting naming the default scope again: org_id names a workspace, as before
SET tenancy.active_tenant_scope = 'workspace';
SELECT regress.as_user('aaaaaaaa-0000-0000-0000-000000000001', '00000000-0000-0000-0000-0000000000f3');
SELECT * FROM pg_temp.reach();
SET tenancy.active_tenant_scope = 'organization';
SELECT regress.as_user('aaaaaaaa-0000-0000-0000-000000000001', '00000000-0000-0000-0000-0000000000a1');
SELECT * FROM pg_temp.reach();

-- bad values change nothing; only a superuser sets it
SELECT state, message, detail FROM regress.caught($$SET tenancy.active_tenant_scope = 'Organization'$$);
SELECT state, message FROM regress.caught($$SET tenancy.active_tenant_scope = ''$$);
SELECT state FROM regress.caught($$SET tenancy.active_tenant_scope = 'org;x'$$);
SHOW tenancy.active_tenant_scope;
CREATE ROLE access_active_scope_user;
SET ROLE access_active_scope_user;
SELECT state, message FROM regress.caught($$SET tenancy.active_tenant_scope = 'workspace'$$);
RESET ROLE;
DROP ROLE access_active_scope_user;

SELECT regress.as_user(NULL);
RESET tenancy.active_tenant_scope;
RESET tenancy.active_tenant_claim;
SELECT tenancy.unregister_scope_parent('workspace');
DELETE FROM tenancy.membership_registration WHERE scope <> 'workspace';
RESET search_path;
DROP SCHEMA access_active_scope CASCADE;
