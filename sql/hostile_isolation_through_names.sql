-- hostile_isolation_through_names: tables and columns with hostile names
-- (a semicolon, quotes, spaces, mixed case, 63 bytes, SQL) on both ends of
-- isolation through a foreign key: the parent table, its key, the child
-- table and its through column. Each goes through enable_isolation (parent,
-- then child), a read as each user, the report, and disable_isolation.
CREATE SCHEMA "hthr; x";
CREATE TABLE "hthr; x".members (workspace_id uuid, user_id uuid, role text);
INSERT INTO "hthr; x".members VALUES
  ('00000000-0000-0000-0000-00000000000a', '00000000-0000-0000-0000-0000000000a1', 'owner'),
  ('00000000-0000-0000-0000-00000000000b', '00000000-0000-0000-0000-0000000000b1', 'owner');
SELECT tenancy.register_membership('"hthr; x".members', 'workspace_id', 'user_id', 'role');
CREATE ROLE hthr_app;
GRANT USAGE ON SCHEMA "hthr; x" TO hthr_app;

CREATE FUNCTION pg_temp.round_trip(parent_name name, key_name name, child_name name, through_name name)
RETURNS TABLE (step text, outcome text) LANGUAGE plpgsql AS $$
DECLARE
  parent regclass;
  child regclass;
BEGIN
  EXECUTE format('CREATE TABLE "hthr; x".%I (%I int PRIMARY KEY, workspace_id uuid)', parent_name, key_name);
  EXECUTE format('CREATE TABLE "hthr; x".%I (%I int REFERENCES "hthr; x".%I, note text)',
                 child_name, through_name, parent_name);
  parent := format('"hthr; x".%I', parent_name)::regclass;
  child := format('"hthr; x".%I', child_name)::regclass;
  EXECUTE format('INSERT INTO %s VALUES (1, ''00000000-0000-0000-0000-00000000000a''), (2, ''00000000-0000-0000-0000-00000000000b'')', parent);
  EXECUTE format('INSERT INTO %s VALUES (1, ''a''), (2, ''b'')', child);
  EXECUTE format('GRANT SELECT ON %s, %s TO hthr_app', parent, child);
  step := 'report before';
  outcome := (SELECT r.problems[1] LIKE 'leaks: %' || format('through => %L', through_name) || ')'
                FROM tenancy.isolation_report('{"hthr; x"}') r WHERE r.table_name = child)::text;
  RETURN NEXT;
  step := 'enable'; outcome := (SELECT count(*) FROM tenancy.enable_isolation(parent))::text || ' + '
                               || (SELECT count(*) FROM tenancy.enable_isolation(child, through => through_name))::text
                               || ' statements';
  RETURN NEXT;
  step := 'enable again'; outcome := (SELECT count(*) FROM tenancy.enable_isolation(child, through => through_name))::text;
  RETURN NEXT;
  step := 'recorded';
  outcome := (SELECT format('%s via %s', i.tenant_column = through_name, i.through_key = key_name)
                FROM tenancy.isolated_tables i WHERE i.relid = child);
  RETURN NEXT;
  SET LOCAL ROLE hthr_app;
  PERFORM set_config('request.jwt.claims', '{"sub":"00000000-0000-0000-0000-0000000000b1"}', true);
  step := 'b reads';
  EXECUTE format('SELECT string_agg(note, '','' ORDER BY note) FROM %s', child) INTO outcome;
  RETURN NEXT;
  PERFORM set_config('request.jwt.claims', '', true);
  RESET ROLE;
  step := 'report after';
  outcome := (SELECT format('%s; %s', r.problems, r.isolation = format('through %I to %s', through_name, parent))
                FROM tenancy.isolation_report('{"hthr; x"}') r WHERE r.table_name = child);
  RETURN NEXT;
  step := 'disable'; outcome := (SELECT count(*) FROM tenancy.disable_isolation(child))::text || ' statements';
  RETURN NEXT;
  PERFORM tenancy.disable_isolation(parent);
  EXECUTE format('DROP TABLE %s, %s', child, parent);
  step := 'records left';
  outcome := (SELECT count(*) FROM tenancy.isolated_tables i WHERE i.relid::text LIKE '"hthr; x"%')::text;
  RETURN NEXT;
END $$;

SELECT * FROM pg_temp.round_trip('Parent; DROP TABLE x', 'Key "q"', 'child''s table', 'through; col');
-- names of the aliases the policies use; a through column named like a tenant
-- column (reported before as a tenant table without row level security)
SELECT * FROM pg_temp.round_trip('tenancy_parent_1', 'tenancy_parent_1', 'tenancy_parent_2', 'workspace_id');
SELECT * FROM pg_temp.round_trip(repeat('p', 63), repeat('k', 63), repeat('c', 63), repeat('t', 63));
SELECT * FROM pg_temp.round_trip('Mixed Case', 'Id', 'Mixed Child', 'Parent Id');

-- a child named like the alias its policies give the parent row is refused
-- (the row's column, qualified with the child's name, would bind to the parent)
CREATE TABLE "hthr; x".p (id int PRIMARY KEY, workspace_id uuid);
CREATE TABLE "hthr; x".tenancy_parent_1 (p_id int REFERENCES "hthr; x".p);
SELECT count(*) AS statements FROM tenancy.enable_isolation('"hthr; x".p');
SELECT * FROM regress.caught($$SELECT tenancy.enable_isolation('"hthr; x".tenancy_parent_1', through => 'p_id')$$);
SELECT count(*) AS policies FROM pg_policy WHERE polrelid = '"hthr; x".tenancy_parent_1'::regclass;
SELECT count(*) AS statements FROM tenancy.disable_isolation('"hthr; x".p');

DROP SCHEMA "hthr; x" CASCADE;
DROP ROLE hthr_app;
