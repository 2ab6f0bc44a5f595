-- hostile_audit_misuse: tenancy.audit_trigger() in a trigger made by hand
-- without the transition tables it reads is refused (39P01), never read
-- uninitialised; tenancy's own tables are not enable_audit's or
-- disable_audit's to configure (issue 10, defect 9).
CREATE SCHEMA hostile_amis;
CREATE TABLE hostile_amis.t (id int PRIMARY KEY, body text);
INSERT INTO hostile_amis.t VALUES (1, 'one');
SELECT max(id) AS last_id FROM tenancy.audit_log \gset

CREATE TRIGGER no_new AFTER INSERT ON hostile_amis.t
  FOR EACH STATEMENT EXECUTE FUNCTION tenancy.audit_trigger();
SELECT * FROM regress.caught($$INSERT INTO hostile_amis.t VALUES (2, 'two')$$);
DROP TRIGGER no_new ON hostile_amis.t;

CREATE TRIGGER no_old AFTER UPDATE ON hostile_amis.t REFERENCING NEW TABLE AS n
  FOR EACH STATEMENT EXECUTE FUNCTION tenancy.audit_trigger();
SELECT * FROM regress.caught($$UPDATE hostile_amis.t SET body = 'uno'$$);
DROP TRIGGER no_old ON hostile_amis.t;

CREATE TRIGGER no_new_update AFTER UPDATE ON hostile_amis.t REFERENCING OLD TABLE AS o
  FOR EACH STATEMENT EXECUTE FUNCTION tenancy.audit_trigger();
SELECT * FROM regress.caught($$UPDATE hostile_amis.t SET body = 'uno'$$);
DROP TRIGGER no_new_update ON hostile_amis.t;

CREATE TRIGGER no_old_delete AFTER DELETE ON hostile_amis.t
  FOR EACH STATEMENT EXECUTE FUNCTION tenancy.audit_trigger();
SELECT * FROM regress.caught($$DELETE FROM hostile_amis.t$$);
DROP TRIGGER no_old_delete ON hostile_amis.t;

-- the refused statements changed nothing
SELECT * FROM hostile_amis.t;
-- TRUNCATE has no transition tables and needs none
CREATE TRIGGER truncated AFTER TRUNCATE ON hostile_amis.t
  FOR EACH STATEMENT EXECUTE FUNCTION tenancy.audit_trigger();
TRUNCATE hostile_amis.t;
DROP TRIGGER truncated ON hostile_amis.t;
-- only the TRUNCATE was logged
SELECT table_name, op, record_key FROM tenancy.audit_entries WHERE id > :last_id ORDER BY id;

-- tenancy's own tables: the registry stays audited as the extension set
-- it up; the log and the configuration are not audited at all.
SELECT * FROM regress.caught($$SELECT tenancy.enable_audit('tenancy.tenants')$$);
SELECT * FROM regress.caught($$SELECT tenancy.enable_audit('tenancy.tenants', '{service_key}', 'id')$$);
SELECT * FROM regress.caught($$SELECT tenancy.disable_audit('tenancy.tenants')$$);
SELECT * FROM regress.caught($$SELECT tenancy.enable_audit('tenancy.partition_config')$$);
SELECT * FROM regress.caught($$SELECT tenancy.enable_audit('tenancy.audit_chain')$$);
SELECT table_name, tenant_column, exclude_columns, redact_columns
  FROM tenancy.audited_tables WHERE table_name::text LIKE 'tenancy.%';

-- The same for a migration role granted what docs/audit.md says to grant:
-- it audits the tables it owns, and is refused tenancy's.
CREATE ROLE hostile_amis_migrator;
GRANT USAGE, CREATE ON SCHEMA hostile_amis TO hostile_amis_migrator;
GRANT EXECUTE ON FUNCTION tenancy.enable_audit(regclass, name[], name, name[]),
                          tenancy.disable_audit(regclass),
                          tenancy.audit_trigger(),
                          tenancy.audit_settings(regclass),
                          tenancy.audit_log_ready(),
                          tenancy._audit_check_not_own(regclass),
                          tenancy._audit_relation_id(regclass),
                          tenancy._creating_extension() TO hostile_amis_migrator;
SET ROLE hostile_amis_migrator;
CREATE TABLE hostile_amis.owned (id int PRIMARY KEY);
-- it adds the names of its own tables to the log's relations, no other's
SELECT state, message FROM regress.caught($$SELECT tenancy._audit_relation_id('tenancy.audit_log')$$);
SELECT * FROM regress.caught($$SELECT tenancy.enable_audit('hostile_amis.owned')$$);
SELECT * FROM regress.caught($$SELECT tenancy.disable_audit('hostile_amis.owned')$$);
SELECT * FROM regress.caught($$SELECT tenancy.enable_audit('tenancy.tenants')$$);
RESET ROLE;
DROP SCHEMA hostile_amis CASCADE;
REVOKE EXECUTE ON FUNCTION tenancy.enable_audit(regclass, name[], name, name[]),
                           tenancy.disable_audit(regclass),
                           tenancy.audit_trigger(),
                           tenancy.audit_settings(regclass),
                           tenancy.audit_log_ready(),
                           tenancy._audit_check_not_own(regclass),
                           tenancy._audit_relation_id(regclass),
                           tenancy._creating_extension() FROM hostile_amis_migrator;
DROP ROLE hostile_amis_migrator;
