-- hostile_grantees: a role granted EXECUTE on every routine of the extension
-- (the widest delegation a DBA could make) still cannot touch a table it
-- does not own (docs/security.md, "Granted roles").
SET client_min_messages = warning;
CREATE ROLE hg_victim;
CREATE ROLE hg_delegate;
CREATE SCHEMA hg AUTHORIZATION hg_victim;
GRANT USAGE ON SCHEMA hg TO hg_delegate;

SET ROLE hg_victim;
CREATE TABLE hg.events (workspace_id uuid NOT NULL, ts timestamptz NOT NULL, note text)
  PARTITION BY RANGE (ts);
CREATE TABLE hg.events_old PARTITION OF hg.events
  FOR VALUES FROM ('2000-01-01 00:00+00') TO ('2000-02-01 00:00+00');
CREATE TABLE hg.events_default PARTITION OF hg.events DEFAULT;
CREATE TABLE hg.profiles (workspace_id uuid NOT NULL, note text) PARTITION BY LIST (workspace_id);
CREATE TABLE hg.profiles_default PARTITION OF hg.profiles DEFAULT;
CREATE TABLE hg.members (workspace_id uuid NOT NULL, user_id uuid NOT NULL, role text);
CREATE TABLE hg.plain (workspace_id uuid NOT NULL, ts timestamptz NOT NULL);
INSERT INTO hg.events VALUES ('00000000-0000-0000-0000-0000000000a1', '2000-01-15 00:00+00', 'old'),
                             ('00000000-0000-0000-0000-0000000000a1', '1999-06-01 00:00+00', 'in default');
INSERT INTO hg.profiles VALUES ('00000000-0000-0000-0000-0000000000a1', 'p');
INSERT INTO hg.members VALUES ('00000000-0000-0000-0000-0000000000a1', '00000000-0000-0000-0000-0000000000b1', 'owner');
INSERT INTO hg.plain VALUES ('00000000-0000-0000-0000-0000000000a1', '2000-01-01 00:00+00');
GRANT SELECT ON ALL TABLES IN SCHEMA hg TO hg_delegate;
RESET ROLE;

-- The victim's tables are registered by the superuser, so that calls on a
-- registered set are tried too.
SELECT tenancy.partition_by_tenant('hg.profiles', 'workspace_id') >= 0 AS registered;

GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA tenancy TO hg_delegate;
GRANT EXECUTE ON ALL PROCEDURES IN SCHEMA tenancy TO hg_delegate;
GRANT SELECT, INSERT, UPDATE, DELETE ON tenancy.partition_config, tenancy.partition_state TO hg_delegate;

-- Everything about the victim's tables that a call could change.
CREATE FUNCTION pg_temp.victim_state() RETURNS text LANGUAGE sql AS $$
  SELECT md5(string_agg(x, E'\n' ORDER BY x)) FROM (
    SELECT format('rel %s %s %s %s %s', c.oid::regclass, c.relowner::regrole, c.relkind,
                  c.relrowsecurity, c.relforcerowsecurity) AS x
      FROM pg_class c WHERE c.relnamespace = 'hg'::regnamespace
    UNION ALL SELECT format('policy %s %s', polrelid::regclass, polname) FROM pg_policy p
      JOIN pg_class c ON c.oid = p.polrelid WHERE c.relnamespace = 'hg'::regnamespace
    UNION ALL SELECT format('trigger %s %s', tgrelid::regclass, tgname) FROM pg_trigger t
      JOIN pg_class c ON c.oid = t.tgrelid WHERE c.relnamespace = 'hg'::regnamespace
    UNION ALL SELECT format('attr %s %s %s', attrelid::regclass, attname, attnum) FROM pg_attribute a
      JOIN pg_class c ON c.oid = a.attrelid
     WHERE c.relnamespace = 'hg'::regnamespace AND a.attnum > 0
    UNION ALL SELECT format('config %s %s', parent, kind) FROM tenancy.partition_config
     WHERE parent::regclass::text LIKE 'hg.%'
    UNION ALL SELECT format('rows events %s', count(*)) FROM hg.events
    UNION ALL SELECT format('rows profiles %s', count(*)) FROM hg.profiles
    UNION ALL SELECT format('rows members %s', count(*)) FROM hg.members
    UNION ALL SELECT format('rows plain %s', count(*)) FROM hg.plain
    UNION ALL SELECT format('membership %s', membership) FROM tenancy.membership_registration
  ) s $$;
SELECT pg_temp.victim_state() AS before \gset

-- The documented entry points, each with otherwise valid arguments.
SET ROLE hg_delegate;
SELECT call, (regress.caught(call)).state
  FROM (VALUES
    ($$SELECT tenancy.register_membership('hg.members', 'workspace_id', 'user_id', 'role')$$),
    ($$SELECT tenancy.enable_isolation('hg.plain')$$),
    ($$SELECT tenancy.disable_isolation('hg.plain')$$),
    ($$SELECT tenancy.enable_audit('hg.plain')$$),
    ($$SELECT tenancy.disable_audit('hg.plain')$$),
    ($$SELECT tenancy.partition_by_time('hg.events', 'ts', '1 month', 2, '2000-01-01 00:00+00')$$),
    ($$SELECT tenancy.partition_by_tenant('hg.profiles', 'workspace_id')$$),
    ($$SELECT tenancy.add_tenant_partition('hg.profiles', '00000000-0000-0000-0000-0000000000a1')$$),
    ($$SELECT tenancy.set_retention('hg.profiles', '1 day')$$),
    ($$CALL tenancy.run_maintenance('hg.profiles')$$),
    ($$CALL tenancy.purge('hg.plain', 'ts', '1 day')$$)
  ) v(call);
RESET ROLE;
SELECT pg_temp.victim_state() = :'before' AS victim_unchanged;

-- Every other routine whose first argument is a table, called on each of
-- the victim's tables with NULL for the rest: none may change them (errors
-- are expected and not shown; a crash would end the test).
CREATE FUNCTION pg_temp.try_everything() RETURNS int LANGUAGE plpgsql AS $$
DECLARE
  r record;
  t regclass;
  call text;
  n int := 0;
BEGIN
  FOR r IN SELECT p.oid, p.prokind, p.proargtypes, p.pronargs
             FROM pg_proc p
            WHERE p.pronamespace = 'tenancy'::regnamespace AND p.pronargs > 0
              AND p.proargtypes[0] = 'regclass'::regtype
              AND p.prorettype NOT IN ('trigger'::regtype, 'event_trigger'::regtype)
              AND NOT ('internal'::regtype = ANY (p.proargtypes::oid[]))
            ORDER BY p.oid LOOP
    FOREACH t IN ARRAY ARRAY['hg.events', 'hg.profiles', 'hg.members', 'hg.plain']::regclass[] LOOP
      SELECT format('%s %s(%L::regclass%s)', CASE r.prokind WHEN 'p' THEN 'CALL' ELSE 'SELECT' END,
                    r.oid::regproc, t,
                    coalesce(string_agg(format(', NULL::%s', format_type(a, NULL)), '' ORDER BY i), ''))
        INTO call
        FROM unnest(r.proargtypes::oid[]) WITH ORDINALITY u(a, i) WHERE i > 1;
      PERFORM regress.caught(call);
      n := n + 1;
    END LOOP;
  END LOOP;
  RETURN n;
END $$;
SET ROLE hg_delegate;
SELECT pg_temp.try_everything() > 40 AS tried_every_table_routine;
RESET ROLE;
SELECT pg_temp.victim_state() = :'before' AS victim_unchanged;

-- The state compared above does see a change (the owner's own call here).
SELECT count(*) > 0 AS isolated FROM tenancy.enable_isolation('hg.plain');
SELECT pg_temp.victim_state() <> :'before' AS change_is_seen;

DROP SCHEMA hg CASCADE;
DELETE FROM tenancy.partition_config WHERE parent::oid NOT IN (SELECT oid FROM pg_class);
DELETE FROM tenancy.partition_state WHERE parent::oid NOT IN (SELECT oid FROM pg_class);
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA tenancy FROM hg_delegate;
REVOKE ALL ON ALL PROCEDURES IN SCHEMA tenancy FROM hg_delegate;
REVOKE ALL ON tenancy.partition_config, tenancy.partition_state FROM hg_delegate;
DROP OWNED BY hg_delegate, hg_victim;
DROP ROLE hg_delegate;
DROP ROLE hg_victim;
RESET client_min_messages;
