-- hostile_isolation_tenant_columns: tenant columns with hostile names (a
-- semicolon, quotes, spaces, mixed case, 63 bytes, SQL) go through
-- enable_isolation, a second call (idempotent), a partition created later
-- (isolated by the event trigger on the recorded column) and
-- disable_isolation. What tenancy needs is kept in tenancy.isolated_tables,
-- never read back out of a comment.
CREATE SCHEMA hcol;

-- For a column name: each step's outcome on a partitioned table.
CREATE FUNCTION pg_temp.round_trip(col name) RETURNS TABLE (step text, outcome text)
LANGUAGE plpgsql AS $$
DECLARE
  parent regclass;
  child regclass;
BEGIN
  EXECUTE format('CREATE TABLE hcol.parent (%I uuid NOT NULL, id int) PARTITION BY LIST (id)', col);
  EXECUTE 'CREATE TABLE hcol.p1 PARTITION OF hcol.parent FOR VALUES IN (1)';
  parent := 'hcol.parent'::regclass;
  step := 'enable'; outcome := (SELECT count(*) FROM tenancy.enable_isolation(parent, col))::text || ' statements';
  RETURN NEXT;
  step := 'enable again'; outcome := (SELECT count(*) FROM tenancy.enable_isolation(parent, col))::text || ' statements';
  RETURN NEXT;
  step := 'recorded column'; outcome := quote_ident(tenancy.isolation_column_of(parent));
  RETURN NEXT;
  EXECUTE 'CREATE TABLE hcol.p2 PARTITION OF hcol.parent FOR VALUES IN (2)';
  child := 'hcol.p2'::regclass;
  step := 'later partition';
  outcome := format('%s policies, column %s, rls %s',
                    (SELECT count(*) FROM pg_policy p WHERE p.polrelid = child AND p.polname LIKE 'tenancy\_%'),
                    quote_ident(tenancy.isolation_column_of(child)),
                    (SELECT c.relrowsecurity FROM pg_class c WHERE c.oid = child));
  RETURN NEXT;
  step := 'comments'; outcome := (SELECT count(obj_description(p.oid, 'pg_policy')) FROM pg_policy p
                                    WHERE p.polrelid IN (parent, child))::text;
  RETURN NEXT;
  step := 'disable'; outcome := (SELECT count(*) FROM tenancy.disable_isolation(parent))::text || ' statements';
  RETURN NEXT;
  step := 'left over';
  outcome := format('%s policies, %s tables with rls, %s indexes, %s records',
                    (SELECT count(*) FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid
                      WHERE c.relnamespace = 'hcol'::regnamespace),
                    (SELECT count(*) FROM pg_class c WHERE c.relnamespace = 'hcol'::regnamespace AND c.relrowsecurity),
                    (SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
                      WHERE c.relnamespace = 'hcol'::regnamespace),
                    (SELECT count(*) FROM tenancy.isolated_tables i WHERE i.relid IN (parent, child)));
  RETURN NEXT;
  DROP TABLE hcol.parent;
END $$;

SELECT * FROM pg_temp.round_trip('a;b');
SELECT * FROM pg_temp.round_trip('tenancy: isolation on x; enabled row level security;');
SELECT * FROM pg_temp.round_trip('"quoted" ''and'' ;');
SELECT * FROM pg_temp.round_trip('Work Space');
SELECT * FROM pg_temp.round_trip('ws_abcdefghij_abcdefghij_abcdefghij_abcdefghij_abcdefghij_abcde');
SELECT * FROM pg_temp.round_trip('x"; DROP SCHEMA hcol CASCADE; --');

-- A different column is still told apart from the recorded one.
CREATE TABLE hcol.items ("a;b" uuid, "a" uuid);
SELECT count(*) FROM tenancy.enable_isolation('hcol.items', 'a;b');
SELECT * FROM regress.caught($$SELECT tenancy.enable_isolation('hcol.items', 'a')$$);
SELECT relid, tenant_column, policy_kind, enabled_rls, forced_rls, tenant_index
  FROM tenancy.isolated_tables WHERE relid = 'hcol.items'::regclass;
-- The record is dumped with the extension's configuration.
SELECT 'tenancy.isolated_tables'::regclass = ANY (extconfig::regclass[]) AS dumped
  FROM pg_extension WHERE extname = 'tenancy';

DROP SCHEMA hcol CASCADE;
