-- isolation_report: one row per table, with its problems.
CREATE SCHEMA report;
CREATE TABLE report.no_tenant (id int);
CREATE TABLE report.open_table (workspace_id uuid, id int);
CREATE TABLE report.locked (workspace_id uuid);
CREATE INDEX ON report.locked (workspace_id);
ALTER TABLE report.locked ENABLE ROW LEVEL SECURITY;
CREATE TABLE report.half (tenant_id uuid);
CREATE INDEX ON report.half (tenant_id);
ALTER TABLE report.half ENABLE ROW LEVEL SECURITY;
CREATE POLICY half_read ON report.half FOR SELECT USING (true);
CREATE POLICY half_block ON report.half AS RESTRICTIVE FOR INSERT WITH CHECK (true);
CREATE TABLE report.two_columns (workspace_id uuid, tenant_id uuid);
CREATE TABLE report.good (workspace_id uuid, id int);
SELECT count(*) FROM tenancy.enable_isolation('report.good');
CREATE TABLE report.parted (account_id uuid, n int) PARTITION BY LIST (n);
CREATE TABLE report.parted_1 PARTITION OF report.parted FOR VALUES IN (1);
CREATE VIEW report.a_view AS SELECT 1 AS workspace_id;

SELECT * FROM tenancy.isolation_report('{report}');

-- tenancy.tenant_columns decides what a tenant column is.
SET tenancy.tenant_columns = 'n, "Odd Col"';
SELECT table_name, tenant_columns, problems FROM tenancy.isolation_report('{report}')
 WHERE table_name::text LIKE 'report.parted%';
SET tenancy.tenant_columns = '"unterminated';
RESET tenancy.tenant_columns;
SELECT tenancy.tenant_column_names();

-- an empty or unknown schema list gives no rows
SELECT count(*) FROM tenancy.isolation_report('{}');
SELECT count(*) FROM tenancy.isolation_report('{no_such_schema}');

-- A tenant root isolated on its own id is a tenant table, not "no tenant
-- column"; before, it is reported as leaking, with the call.
CREATE SCHEMA report6;
CREATE TABLE report6.workspaces (id uuid PRIMARY KEY, name text);
CREATE TABLE report6.projects (id int, workspace_id uuid REFERENCES report6.workspaces);
CREATE INDEX ON report6.projects (workspace_id);
SELECT table_name, tenant_columns, problems, isolation FROM tenancy.isolation_report('{report6}')
 WHERE table_name = 'report6.workspaces'::regclass;
SELECT count(*) FROM tenancy.enable_isolation('report6.workspaces', 'id');
SELECT table_name, tenant_columns, tenant_index, problems, isolation FROM tenancy.isolation_report('{report6}')
 WHERE table_name = 'report6.workspaces'::regclass;

-- A partial index is not the tenant index: the report says none, and
-- enable_isolation makes a full one.
CREATE TABLE report6.tasks (workspace_id uuid, deleted_at timestamptz);
CREATE INDEX tasks_live ON report6.tasks (workspace_id) WHERE deleted_at IS NULL;
SELECT table_name, tenant_index, problems FROM tenancy.isolation_report('{report6}')
 WHERE table_name = 'report6.tasks'::regclass;
SELECT s FROM tenancy.enable_isolation('report6.tasks') s WHERE s LIKE 'CREATE INDEX%';
SELECT table_name, tenant_index, problems FROM tenancy.isolation_report('{report6}')
 WHERE table_name = 'report6.tasks'::regclass;

-- A table shared by every tenant is reported until marked global on purpose.
CREATE TABLE report6.countries (code text PRIMARY KEY);
SELECT problems FROM tenancy.isolation_report('{report6}') WHERE table_name = 'report6.countries'::regclass;
SELECT tenancy.mark_global('report6.countries', 'ISO country codes, the same for everyone');
SELECT problems, isolation FROM tenancy.isolation_report('{report6}') WHERE table_name = 'report6.countries'::regclass;
SELECT * FROM regress.caught($$SELECT tenancy.mark_global('report6.countries', '')$$);
SELECT * FROM regress.caught($$SELECT tenancy.mark_global('report6.projects', 'shared')$$);
SELECT * FROM regress.caught($$SELECT tenancy.mark_global('report6.workspaces', 'shared')$$);
SELECT tenancy.unmark_global('report6.countries'), tenancy.unmark_global('report6.countries');
SELECT tenancy.mark_global('report6.countries', 'ISO country codes');
DROP TABLE report6.countries;
SELECT count(*) AS marks_left FROM tenancy.global_tables WHERE relid::text LIKE 'report6.%';
DROP SCHEMA report6 CASCADE;
