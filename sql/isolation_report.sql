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
