-- isolation_errors: bad input gets a clear error and changes nothing.
CREATE TABLE err_items (id int, workspace_id uuid, tenant_text text);
CREATE VIEW err_view AS SELECT * FROM err_items;
CREATE SEQUENCE err_seq;
CREATE MATERIALIZED VIEW err_matview AS SELECT * FROM err_items;

CREATE FUNCTION pg_temp.try(sql text) RETURNS text LANGUAGE sql AS $$
  SELECT CASE WHEN e.state IS NULL THEN 'ok' ELSE e.state || ': ' || e.message || coalesce(' (hint: ' || nullif(e.hint, '') || ')', '') END
    FROM regress.caught(sql) e
$$;

SELECT pg_temp.try($$SELECT tenancy.enable_isolation(NULL)$$);
SELECT pg_temp.try($$SELECT tenancy.enable_isolation('err_items', NULL)$$);
SELECT pg_temp.try($$SELECT tenancy.enable_isolation('err_items', force => NULL)$$);
SELECT pg_temp.try($$SELECT tenancy.enable_isolation('no_such_table')$$);
SELECT pg_temp.try($$SELECT tenancy.enable_isolation('err_view')$$);
SELECT pg_temp.try($$SELECT tenancy.enable_isolation('err_seq')$$);
SELECT pg_temp.try($$SELECT tenancy.enable_isolation('err_matview', through => 'id')$$);
SELECT pg_temp.try($$SELECT tenancy.enable_isolation('err_items', 'no_such_column')$$);
SELECT pg_temp.try($$SELECT tenancy.enable_isolation('err_items', 'tenant_text')$$);
SELECT pg_temp.try($$SELECT tenancy.enable_isolation(12345::oid::regclass)$$);
SELECT pg_temp.try($$SELECT tenancy.disable_isolation(NULL)$$);
SELECT pg_temp.try($$SELECT tenancy.disable_isolation('err_view')$$);
SELECT pg_temp.try($$SELECT tenancy.isolation_report(NULL)$$);
-- wrong argument types are refused by the signature
SELECT pg_temp.try($$SELECT tenancy.enable_isolation('err_items', 42)$$);
SELECT pg_temp.try($$SELECT tenancy.enable_isolation('err_items', 'workspace_id', 'maybe')$$);

-- isolated on one column, a call naming another is refused
CREATE TABLE err_two (workspace_id uuid, tenant_id uuid);
SELECT count(*) FROM tenancy.enable_isolation('err_two');
SELECT pg_temp.try($$SELECT tenancy.enable_isolation('err_two', 'tenant_id')$$);

-- nothing changed by any failure
SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
       (SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid) AS policies,
       (SELECT count(*) FROM pg_index i WHERE i.indrelid = c.oid) AS indexes
  FROM pg_class c WHERE c.relname LIKE 'err\_%' ORDER BY c.relname;

-- Not executable by PUBLIC; a role without the grant is refused.
CREATE ROLE iso_nobody;
SET ROLE iso_nobody;
SELECT pg_temp.try($$SELECT tenancy.enable_isolation('err_items')$$);
SELECT pg_temp.try($$SELECT tenancy.disable_isolation('err_items')$$);
SELECT pg_temp.try($$SELECT * FROM tenancy.isolation_report()$$);
RESET ROLE;
-- Granted, but not the owner: refused with 42501, nothing changed.
GRANT EXECUTE ON FUNCTION tenancy.enable_isolation(regclass, name, boolean, boolean, name, boolean, text),
                          tenancy.disable_isolation(regclass) TO iso_nobody;
GRANT INSERT, UPDATE, DELETE ON tenancy.isolated_tables TO iso_nobody;
SET ROLE iso_nobody;
SELECT pg_temp.try($$SELECT tenancy.enable_isolation('err_items')$$);
SELECT pg_temp.try($$SELECT tenancy.disable_isolation('err_two')$$);
RESET ROLE;
SELECT count(*) AS policies FROM pg_policy WHERE polrelid = 'err_items'::regclass;
SELECT count(*) AS policies FROM pg_policy WHERE polrelid = 'err_two'::regclass;
REVOKE EXECUTE ON FUNCTION tenancy.enable_isolation(regclass, name, boolean, boolean, name, boolean, text),
                           tenancy.disable_isolation(regclass) FROM iso_nobody;
REVOKE ALL ON tenancy.isolated_tables FROM iso_nobody;
DROP ROLE iso_nobody;
