-- isolation_materialized_views: enable_isolation on a materialized view
-- takes direct access away from the roles that had it and gives them a
-- security-barrier view that keeps the caller's workspaces' rows; the
-- report lists materialized views and views over tenant tables.
SET client_min_messages = warning;
CREATE ROLE mv_app;
CREATE ROLE mv_analyst;
GRANT USAGE ON SCHEMA tenancy TO mv_app, mv_analyst;
RESET client_min_messages;
CREATE SCHEMA mvs;
GRANT USAGE ON SCHEMA mvs TO mv_app, mv_analyst;
CREATE TABLE mvs.members (workspace_id uuid, user_id uuid, role text);
INSERT INTO mvs.members VALUES
  ('00000000-0000-0000-0000-00000000000a', '00000000-0000-0000-0000-0000000000a1', 'owner'),
  ('00000000-0000-0000-0000-00000000000b', '00000000-0000-0000-0000-0000000000b1', 'owner');
SELECT tenancy.register_membership('mvs.members', 'workspace_id', 'user_id', 'role');
CREATE TABLE mvs.orders (id int, workspace_id uuid, total int);
INSERT INTO mvs.orders VALUES (1, '00000000-0000-0000-0000-00000000000a', 10),
                              (2, '00000000-0000-0000-0000-00000000000a', 5),
                              (3, '00000000-0000-0000-0000-00000000000b', 7);
SELECT count(*) FROM tenancy.enable_isolation('mvs.orders');
CREATE MATERIALIZED VIEW mvs.totals AS
  SELECT workspace_id, sum(total) AS total FROM mvs.orders GROUP BY workspace_id;
CREATE MATERIALIZED VIEW mvs.grand AS SELECT sum(total) AS total FROM mvs.orders;
CREATE VIEW mvs.owner_view AS SELECT * FROM mvs.orders;
CREATE VIEW mvs.invoker_view WITH (security_invoker) AS SELECT * FROM mvs.orders;
CREATE VIEW mvs.nested AS SELECT * FROM mvs.owner_view;
CREATE VIEW mvs.constant AS SELECT 1 AS one;
GRANT SELECT ON mvs.totals TO mv_app, mv_analyst;
GRANT SELECT ON mvs.grand TO PUBLIC;

-- Before: every tenant's totals are readable; the report says so.
SET ROLE mv_app;
SELECT count(*) FROM mvs.totals;
RESET ROLE;
SELECT table_name, kind, problems, isolation FROM tenancy.isolation_report('{mvs}')
 WHERE kind <> 'table' ORDER BY 1;

SELECT * FROM tenancy.enable_isolation('mvs.totals');
SELECT * FROM tenancy.enable_isolation('mvs.totals');
SELECT relid, tenant_column, policy_kind, tenant_view, tenant_index
  FROM tenancy.isolated_tables WHERE relid = 'mvs.totals'::regclass;

-- The application reads its own workspace's totals through the view, and
-- no longer the materialized view itself.
SET ROLE mv_app;
BEGIN;
SELECT set_config('request.jwt.claims', '{"sub":"00000000-0000-0000-0000-0000000000a1"}', true);
SELECT workspace_id, total FROM mvs.totals_isolated ORDER BY 1;
SELECT * FROM regress.caught($$SELECT count(*) FROM mvs.totals$$);
COMMIT;
BEGIN;
SELECT set_config('request.jwt.claims', '{"sub":"00000000-0000-0000-0000-0000000000b1"}', true);
SELECT workspace_id, total FROM mvs.totals_isolated ORDER BY 1;
COMMIT;
SELECT count(*) AS rows_without_claims FROM mvs.totals_isolated;
RESET ROLE;
-- A refresh keeps the view working.
INSERT INTO mvs.orders VALUES (4, '00000000-0000-0000-0000-00000000000b', 1);
REFRESH MATERIALIZED VIEW mvs.totals;
SET ROLE mv_analyst;
BEGIN;
SELECT set_config('request.jwt.claims', '{"sub":"00000000-0000-0000-0000-0000000000b1"}', true);
SELECT workspace_id, total FROM mvs.totals_isolated ORDER BY 1;
COMMIT;
RESET ROLE;
-- The view is a security barrier: a leaky function in the caller's WHERE
-- sees only rows the filter kept.
CREATE FUNCTION mvs.peek(uuid) RETURNS boolean LANGUAGE plpgsql COST 0.0000001 AS $$
BEGIN RAISE NOTICE 'saw %', $1; RETURN true; END $$;
SET ROLE mv_app;
BEGIN;
SELECT set_config('request.jwt.claims', '{"sub":"00000000-0000-0000-0000-0000000000a1"}', true);
SELECT count(*) FROM mvs.totals_isolated WHERE mvs.peek(workspace_id);
COMMIT;
RESET ROLE;

SELECT table_name, kind, problems, isolation FROM tenancy.isolation_report('{mvs}')
 WHERE kind <> 'table' ORDER BY 1;
-- a role granted the materialized view again is reported
GRANT SELECT ON mvs.totals TO mv_analyst;
SELECT problems FROM tenancy.isolation_report('{mvs}') WHERE table_name = 'mvs.totals'::regclass;
REVOKE SELECT ON mvs.totals FROM mv_analyst;

-- Errors: nothing is changed by any of them.
SELECT * FROM regress.caught($$SELECT tenancy.enable_isolation('mvs.grand')$$);
SELECT * FROM regress.caught($$SELECT tenancy.enable_isolation('mvs.totals', through => 'workspace_id')$$);
SELECT * FROM regress.caught($$SELECT tenancy.enable_isolation('mvs.totals', 'total')$$);
CREATE MATERIALIZED VIEW mvs.a_materialized_view_whose_name_is_fifty_five_bytes_long AS
  SELECT workspace_id FROM mvs.orders;
SELECT * FROM regress.caught($$SELECT tenancy.enable_isolation('mvs.a_materialized_view_whose_name_is_fifty_five_bytes_long')$$);
SET ROLE mv_app;
SELECT * FROM regress.caught($$SELECT tenancy.enable_isolation('mvs.totals')$$);
RESET ROLE;
GRANT EXECUTE ON FUNCTION tenancy.enable_isolation(regclass, name, boolean, boolean, name, boolean, text),
                          tenancy.isolate_materialized_view(regclass, name, boolean, text) TO mv_app;
SET ROLE mv_app;
SELECT * FROM regress.caught($$SELECT tenancy.enable_isolation('mvs.a_materialized_view_whose_name_is_fifty_five_bytes_long')$$);
RESET ROLE;
REVOKE EXECUTE ON FUNCTION tenancy.enable_isolation(regclass, name, boolean, boolean, name, boolean, text),
                           tenancy.isolate_materialized_view(regclass, name, boolean, text) FROM mv_app;
SELECT count(*) AS views FROM pg_class WHERE relnamespace = 'mvs'::regnamespace AND relkind = 'v';

-- disable_isolation gives the readers back the materialized view.
SELECT * FROM tenancy.disable_isolation('mvs.totals');
SELECT * FROM tenancy.disable_isolation('mvs.totals');
SET ROLE mv_app;
SELECT count(*) FROM mvs.totals;
RESET ROLE;

DROP SCHEMA mvs CASCADE;
SELECT count(*) AS records_left FROM tenancy.isolated_tables WHERE relid::text LIKE 'mvs.%';
REVOKE USAGE ON SCHEMA tenancy FROM mv_app, mv_analyst;
DROP ROLE mv_app;
DROP ROLE mv_analyst;
