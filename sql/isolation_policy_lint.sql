-- isolation_policy_lint: isolation_report names the permissive policies
-- OR'd with tenancy's and the policies that never reference the table's own
-- tenant column (seed 003's self-comparing INSERT check);
-- enable_isolation(..., replace => true) drops the other permissive
-- policies and returns what it dropped.
SET client_min_messages = warning;
CREATE ROLE lint_app;
GRANT USAGE ON SCHEMA tenancy TO lint_app;
RESET client_min_messages;
CREATE SCHEMA lint;
GRANT USAGE ON SCHEMA lint TO lint_app;
CREATE TABLE lint.team_members (company_id uuid, user_id uuid, role text, status text);
INSERT INTO lint.team_members VALUES
  ('00000000-0000-0000-0000-00000000000a', '00000000-0000-0000-0000-0000000000a1', 'owner', 'active');
CREATE INDEX ON lint.team_members (company_id);
SELECT tenancy.register_membership('lint.team_members', 'company_id', 'user_id', 'role');
CREATE TABLE lint.customers (id int, company_id uuid);
INSERT INTO lint.customers VALUES (1, '00000000-0000-0000-0000-00000000000a'),
                                  (2, '00000000-0000-0000-0000-00000000000b');
GRANT SELECT, INSERT ON lint.customers TO lint_app;
GRANT SELECT ON lint.team_members TO lint_app;
ALTER TABLE lint.customers ENABLE ROW LEVEL SECURITY;
-- seed 003's policies: the INSERT check compares team_members.company_id
-- with itself (the unqualified name binds inside the subquery)
CREATE POLICY "Company members can read customers" ON lint.customers FOR SELECT
  USING (EXISTS (SELECT 1 FROM lint.team_members
                  WHERE team_members.company_id = customers.company_id
                    AND team_members.user_id = tenancy.current_user_id()
                    AND team_members.status = 'active'));
CREATE POLICY "Company members can create customers" ON lint.customers FOR INSERT
  WITH CHECK (EXISTS (SELECT 1 FROM lint.team_members
                       WHERE team_members.company_id = company_id
                         AND team_members.user_id = tenancy.current_user_id()
                         AND team_members.status = 'active'));
CREATE POLICY stay_restrictive ON lint.customers AS RESTRICTIVE FOR SELECT USING (id > 0);
CREATE INDEX ON lint.customers (company_id);

-- The self-comparison lets a member insert into another company.
SET ROLE lint_app;
BEGIN;
SELECT set_config('request.jwt.claims', '{"sub":"00000000-0000-0000-0000-0000000000a1"}', true);
INSERT INTO lint.customers VALUES (3, '00000000-0000-0000-0000-00000000000b');
RESET ROLE;
SELECT count(*) AS inserted_into_b FROM lint.customers WHERE id = 3;
ROLLBACK;
RESET ROLE;
SELECT table_name, problems FROM tenancy.isolation_report('{lint}') WHERE table_name = 'lint.customers'::regclass;

-- Isolated without replace: the seed's permissive policies stay, OR'd
-- with tenancy's, and the report says which and how to drop them.
SELECT count(*) FROM tenancy.enable_isolation('lint.customers', 'company_id');
SELECT table_name, problems FROM tenancy.isolation_report('{lint}') WHERE table_name = 'lint.customers'::regclass;
-- replace => true drops them (the restrictive one stays) and returns it did
SELECT * FROM tenancy.enable_isolation('lint.customers', 'company_id', replace => true);
SELECT polname, polpermissive FROM pg_policy WHERE polrelid = 'lint.customers'::regclass ORDER BY polname;
SELECT table_name, problems FROM tenancy.isolation_report('{lint}') WHERE table_name = 'lint.customers'::regclass;
SET ROLE lint_app;
BEGIN;
SELECT set_config('request.jwt.claims', '{"sub":"00000000-0000-0000-0000-0000000000a1"}', true);
SELECT * FROM regress.caught($$INSERT INTO lint.customers VALUES (3, '00000000-0000-0000-0000-00000000000b')$$);
SELECT id FROM lint.customers ORDER BY id;
ROLLBACK;
RESET ROLE;
SELECT * FROM regress.caught($$SELECT tenancy.enable_isolation('lint.customers', 'company_id', replace => NULL)$$);

-- Partitions: replace drops other permissive policies on every partition.
CREATE TABLE lint.events (company_id uuid, n int) PARTITION BY LIST (n);
CREATE TABLE lint.events_1 PARTITION OF lint.events FOR VALUES IN (1);
ALTER TABLE lint.events_1 ENABLE ROW LEVEL SECURITY;
CREATE POLICY "open; to all" ON lint.events_1 USING (true);
SELECT table_name, problems FROM tenancy.isolation_report('{lint}') WHERE table_name = 'lint.events_1'::regclass;
SELECT * FROM tenancy.enable_isolation('lint.events', 'company_id', replace => true) s WHERE s LIKE 'DROP%';

DROP SCHEMA lint CASCADE;
REVOKE USAGE ON SCHEMA tenancy FROM lint_app;
DROP ROLE lint_app;
