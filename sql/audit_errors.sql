-- audit_errors: bad input gets a clear error and changes nothing.
CREATE FUNCTION pg_temp.try(sql text) RETURNS text LANGUAGE sql AS $$
  SELECT CASE WHEN e.state IS NULL THEN 'ok' ELSE e.state || ': ' || e.message END
    FROM regress.caught(sql) e
$$;
CREATE TABLE aud_err (id int PRIMARY KEY, workspace_id uuid, note text, tenant_text text);
CREATE VIEW aud_err_view AS SELECT * FROM aud_err;

SELECT pg_temp.try($$SELECT tenancy.enable_audit(NULL)$$);
SELECT pg_temp.try($$SELECT tenancy.enable_audit('aud_err', NULL)$$);
SELECT pg_temp.try($$SELECT tenancy.enable_audit('aud_err', redact_columns => NULL)$$);
SELECT pg_temp.try($$SELECT tenancy.enable_audit('no_such_table')$$);
SELECT pg_temp.try($$SELECT tenancy.enable_audit('aud_err_view')$$);
SELECT pg_temp.try($$SELECT tenancy.enable_audit('tenancy.audit_log')$$);
SELECT pg_temp.try($$SELECT tenancy.enable_audit('aud_err', '{no_such_column}')$$);
SELECT pg_temp.try($$SELECT tenancy.enable_audit('aud_err', redact_columns => '{nope}')$$);
SELECT pg_temp.try($$SELECT tenancy.enable_audit('aud_err', tenant_column => 'nope')$$);
SELECT pg_temp.try($$SELECT tenancy.enable_audit('aud_err', tenant_column => 'tenant_text')$$);
SELECT pg_temp.try($$SELECT tenancy.enable_audit('aud_err', '{workspace_id}', 'workspace_id')$$);
SELECT pg_temp.try($$SELECT tenancy.enable_audit('aud_err', 42)$$);
SELECT pg_temp.try($$SELECT tenancy.disable_audit(NULL)$$);
SELECT pg_temp.try($$SELECT tenancy.disable_audit('no_such_table')$$);
SELECT pg_temp.try($$SELECT tenancy.audit_release_partition('aud_err')$$);
-- the trigger function cannot be called directly or misused
SELECT pg_temp.try($$SELECT tenancy.audit_trigger()$$);
CREATE TABLE aud_rowtrig (id int);
SELECT pg_temp.try($$CREATE TRIGGER t AFTER INSERT ON aud_rowtrig FOR EACH ROW EXECUTE FUNCTION tenancy.audit_trigger()$$);
SELECT pg_temp.try($$INSERT INTO aud_rowtrig VALUES (1)$$);
DROP TRIGGER t ON aud_rowtrig;
-- nothing changed
SELECT count(*) AS triggers FROM pg_trigger WHERE tgrelid = 'aud_err'::regclass;

-- Not executable by PUBLIC; a granted non-owner is refused.
CREATE ROLE aud_nobody;
SET ROLE aud_nobody;
SELECT pg_temp.try($$SELECT tenancy.enable_audit('aud_err')$$);
SELECT pg_temp.try($$SELECT tenancy.disable_audit('aud_err')$$);
SELECT pg_temp.try($$SELECT tenancy.seal_audit()$$);
SELECT pg_temp.try($$SELECT * FROM tenancy.verify_audit()$$);
RESET ROLE;
GRANT EXECUTE ON FUNCTION tenancy.enable_audit(regclass, name[], name, name[]) TO aud_nobody;
SET ROLE aud_nobody;
SELECT pg_temp.try($$SELECT tenancy.enable_audit('aud_err')$$);
RESET ROLE;
REVOKE EXECUTE ON FUNCTION tenancy.enable_audit(regclass, name[], name, name[]) FROM aud_nobody;
-- verify_audit granted to a role needs SELECT on every table it reads,
-- also the chains and anchors it scans without SQL.
GRANT EXECUTE ON FUNCTION tenancy.verify_audit(uuid) TO aud_nobody;
GRANT SELECT ON tenancy.audit_seal_state TO aud_nobody;
SET ROLE aud_nobody;
SELECT pg_temp.try($$SELECT * FROM tenancy.verify_audit()$$);
RESET ROLE;
GRANT SELECT ON tenancy.audit_chain TO aud_nobody;
SET ROLE aud_nobody;
SELECT pg_temp.try($$SELECT * FROM tenancy.verify_audit('00000000-0000-0000-0000-000000000001')$$);
RESET ROLE;
-- and on the log's partitions with rows, which it reads directly
GRANT SELECT ON tenancy.audit_anchor, tenancy.audit_log, tenancy.audit_relation TO aud_nobody;
SET ROLE aud_nobody;
SELECT regexp_replace(pg_temp.try($$SELECT * FROM tenancy.verify_audit()$$),
                      'audit_log_\w+', 'audit_log_<partition>') AS try;
RESET ROLE;
REVOKE SELECT ON tenancy.audit_seal_state, tenancy.audit_chain, tenancy.audit_anchor,
                 tenancy.audit_log, tenancy.audit_relation FROM aud_nobody;
REVOKE EXECUTE ON FUNCTION tenancy.verify_audit(uuid) FROM aud_nobody;
DROP ROLE aud_nobody;
SELECT count(*) AS triggers FROM pg_trigger WHERE tgrelid = 'aud_err'::regclass;

-- The trigger writes the log's own columns: a column added to the log by
-- hand makes the write fail (and the audited change with it); once it is
-- dropped again, writes go on.
CREATE TABLE aud_cols (id int PRIMARY KEY);
SELECT tenancy.enable_audit('aud_cols');
ALTER TABLE tenancy.audit_log ADD COLUMN note text;
SELECT pg_temp.try($$INSERT INTO aud_cols VALUES (1)$$);
SELECT count(*) AS rows_kept FROM aud_cols;
ALTER TABLE tenancy.audit_log DROP COLUMN note;
INSERT INTO aud_cols VALUES (2);
SELECT op, record_key FROM tenancy.audit_entries WHERE table_name = 'aud_cols' ORDER BY id;
DROP TABLE aud_cols;
