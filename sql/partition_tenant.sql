-- partition_tenant: one LIST partition per tenant (uuid), made at
-- onboarding or by maintenance for tenants found in the default.
\set SHOW_CONTEXT never
-- Its own schema: other capabilities' tests share this database.
CREATE SCHEMA part_tenant;
SET search_path = part_tenant, public;
CREATE TABLE profiles (workspace_id uuid NOT NULL, name text, PRIMARY KEY (workspace_id, name))
    PARTITION BY LIST (workspace_id);
SELECT tenancy.partition_by_tenant('profiles', 'workspace_id') AS made;
SELECT tenancy.partition_by_tenant('profiles', 'workspace_id') AS made_again;
SELECT tenancy.add_tenant_partition('profiles', 'a1b2c3d4-e5f6-4711-8899-aabbccddeeff');
-- the same tenant again: the existing partition
SELECT tenancy.add_tenant_partition('profiles', 'a1b2c3d4-e5f6-4711-8899-aabbccddeeff');
-- rows of a new tenant wait in the default; onboarding moves them out
INSERT INTO profiles VALUES ('00000000-0000-4000-8000-000000000001', 'ann'), ('00000000-0000-4000-8000-000000000001', 'bob'),
                            ('00000000-0000-4000-8000-000000000002', 'cy');
SELECT tableoid::regclass, count(*) FROM profiles GROUP BY 1 ORDER BY tableoid::regclass::text;
SELECT tenancy.add_tenant_partition('profiles', '00000000-0000-4000-8000-000000000001');
SELECT tableoid::regclass, count(*) FROM profiles GROUP BY 1 ORDER BY tableoid::regclass::text;
-- two tenants sharing the first 12 hex digits: the second gets all 32
SELECT tenancy.add_tenant_partition('profiles', 'a1b2c3d4-e5f6-0000-0000-000000000000');
-- maintenance makes partitions for tenants found in the default
INSERT INTO profiles VALUES ('00000000-0000-4000-8000-000000000003', 'di');
CALL tenancy.run_maintenance('profiles');
SELECT tableoid::regclass, count(*) FROM profiles GROUP BY 1 ORDER BY tableoid::regclass::text;
SELECT parent, kind, partitions, oldest, newest, premade_ahead, default_rows, retention, last_run IS NOT NULL AS ran,
       last_error
  FROM tenancy.partition_status() WHERE parent = 'profiles'::regclass;
SELECT pg_get_expr(relpartbound, oid) FROM pg_class WHERE relname = 'profiles_t000000000000';
-- without a default, rows of tenants without a partition are refused
CREATE TABLE settings (workspace_id uuid, v int) PARTITION BY LIST (workspace_id);
SELECT tenancy.partition_by_tenant('settings', 'workspace_id', with_default => false) AS made;
INSERT INTO settings VALUES ('00000000-0000-4000-8000-000000000009', 1);
SELECT tenancy.add_tenant_partition('settings', '00000000-0000-4000-8000-000000000009');
INSERT INTO settings VALUES ('00000000-0000-4000-8000-000000000009', 1);
SELECT tableoid::regclass, v FROM settings;
