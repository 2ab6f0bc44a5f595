-- hostile_audit_settings: no setting a writer can SET switches audit logging
-- off (issue 10, defect 6). Rows tenancy moves between partitions are
-- recognised by backend state only tenancy._audit_suppress() sets, and a
-- restore only as COPY FROM into the table itself, by its owner.
CREATE SCHEMA hostile_aset;
CREATE TABLE hostile_aset.notes (id int PRIMARY KEY, body text);
CREATE TABLE hostile_aset.other (id int PRIMARY KEY);
SELECT tenancy.enable_audit('hostile_aset.notes');
SELECT tenancy.enable_audit('hostile_aset.other');
CREATE ROLE hostile_aset_writer;
GRANT USAGE ON SCHEMA hostile_aset TO hostile_aset_writer;
GRANT INSERT ON hostile_aset.notes TO hostile_aset_writer;

-- Each try sets one setting to one value (when the writer may), inserts a
-- row in its own transaction, and records what happened.
CREATE TABLE hostile_aset.tries (
  n int PRIMARY KEY, setting text, value text, applied boolean, inserted boolean);
GRANT INSERT ON hostile_aset.tries TO hostile_aset_writer;
CREATE PROCEDURE hostile_aset.try_settings(settings text[])
LANGUAGE plpgsql AS $$
DECLARE
  s text;
  v text;
  n int := 0;
  applied boolean;
  inserted boolean;
BEGIN
  FOREACH s IN ARRAY settings LOOP
    FOREACH v IN ARRAY '{on,off,true,false,1,0,yes,no,replica,local,origin,skip,""}'::text[] LOOP
      n := n + 1;
      BEGIN
        PERFORM pg_catalog.set_config(s, v, true);
        applied := true;
      EXCEPTION WHEN OTHERS THEN
        applied := false;
      END;
      BEGIN
        INSERT INTO hostile_aset.notes VALUES (n, s || ' = ' || v);
        inserted := true;
      EXCEPTION WHEN OTHERS THEN
        inserted := false;
      END;
      INSERT INTO hostile_aset.tries VALUES (n, s, v, applied, inserted);
      COMMIT;  -- ends the SET LOCAL
    END LOOP;
  END LOOP;
END $$;
GRANT EXECUTE ON PROCEDURE hostile_aset.try_settings(text[]) TO hostile_aset_writer;

-- Every tenancy setting there is, the placeholder the partition code used
-- to set, and the core settings near the trigger's decisions.
SELECT array_agg(name ORDER BY name) AS settings
  FROM (SELECT name FROM pg_settings WHERE name LIKE 'tenancy.%'
        UNION SELECT unnest('{tenancy.moving_rows,tenancy.restoring,row_security,
                              session_replication_role,search_path,request.jwt.claims,
                              default_transaction_read_only}'::text[])) s \gset
SET ROLE hostile_aset_writer;
CALL hostile_aset.try_settings(:'settings');
RESET ROLE;
-- no try inserted a row that was not logged
SELECT t.setting, t.value FROM hostile_aset.tries t
 WHERE t.inserted
   AND NOT EXISTS (SELECT 1 FROM tenancy.audit_log l
                    WHERE l.relation = ANY (tenancy._audit_relation_ids('hostile_aset.notes')) AND l.op = 'INSERT'
                      AND l.record_key = jsonb_build_object('id', t.n));
-- the tries that matter took effect (replica mode is superuser-only)
SELECT setting, value, applied, inserted FROM hostile_aset.tries
 WHERE (setting, value) IN (('tenancy.moving_rows', 'on'), ('row_security', 'off'),
                            ('session_replication_role', 'replica'))
 ORDER BY setting;

-- tenancy._audit_suppress: not for PUBLIC, only for the relation's owner,
-- only that relation, and only until the (sub)transaction ends.
SET ROLE hostile_aset_writer;
SELECT * FROM regress.caught($$SELECT tenancy._audit_suppress('hostile_aset.notes', true)$$);
RESET ROLE;
GRANT EXECUTE ON FUNCTION tenancy._audit_suppress(regclass, boolean) TO hostile_aset_writer;
SET ROLE hostile_aset_writer;
SELECT * FROM regress.caught($$SELECT tenancy._audit_suppress('hostile_aset.notes', true)$$);
RESET ROLE;
REVOKE EXECUTE ON FUNCTION tenancy._audit_suppress(regclass, boolean) FROM hostile_aset_writer;
SELECT * FROM regress.caught($$SELECT tenancy._audit_suppress(NULL, true)$$);
SELECT max(id) AS last_id FROM tenancy.audit_log \gset
BEGIN;
SELECT tenancy._audit_suppress('hostile_aset.notes', true);
INSERT INTO hostile_aset.notes VALUES (1001, 'suppressed');
INSERT INTO hostile_aset.other VALUES (1001);
COMMIT;
INSERT INTO hostile_aset.notes VALUES (1002, 'after commit');
BEGIN;
SAVEPOINT s;
SELECT tenancy._audit_suppress('hostile_aset.notes', true);
ROLLBACK TO SAVEPOINT s;
INSERT INTO hostile_aset.notes VALUES (1003, 'after rollback to savepoint');
SAVEPOINT t;
SELECT tenancy._audit_suppress('hostile_aset.notes', true);
RELEASE SAVEPOINT t;
INSERT INTO hostile_aset.notes VALUES (1004, 'after release: still suppressed');
SELECT tenancy._audit_suppress('hostile_aset.notes', false);
INSERT INTO hostile_aset.notes VALUES (1005, 'suppression ended');
COMMIT;
SELECT table_name, op, record_key FROM tenancy.audit_entries WHERE id > :last_id ORDER BY id;

-- COPY (SELECT ...) TO with row_security off is not a restore: the
-- registry change it makes is logged.
INSERT INTO tenancy.tenants (id, name, subdomain)
VALUES ('00000000-0000-0000-0000-0000000000c1', 'Copy To Co', 'copy-to-co');
SELECT max(id) AS last_id FROM tenancy.audit_log \gset
SET row_security = off;
COPY (SELECT tenancy.set_tenant_connection('00000000-0000-0000-0000-0000000000c1', 'host=copy-to.internal')) TO STDOUT;
-- nor is a COPY FROM into another table whose trigger writes the registry
CREATE FUNCTION hostile_aset.connect_tenant() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM tenancy.set_tenant_connection(NEW.id, 'host=loader.internal');
  RETURN NULL;
END $$;
CREATE TABLE hostile_aset.loader (id uuid);
CREATE TRIGGER connect AFTER INSERT ON hostile_aset.loader
  FOR EACH ROW EXECUTE FUNCTION hostile_aset.connect_tenant();
COPY hostile_aset.loader FROM stdin;
00000000-0000-0000-0000-0000000000c1
\.
RESET row_security;
-- nor a COPY FROM into the registry by a role granted INSERT on it
GRANT INSERT ON tenancy.tenants TO hostile_aset_writer;
SET ROLE hostile_aset_writer;
SET row_security = off;
COPY tenancy.tenants (id, name, subdomain) FROM stdin;
00000000-0000-0000-0000-0000000000c2	Granted Copy Co	granted-copy-co
\.
RESET row_security;
RESET ROLE;
REVOKE INSERT ON tenancy.tenants FROM hostile_aset_writer;
-- nor a COPY FROM by the owner that names the registry through the
-- search_path (pg_dump always qualifies it)
SET search_path = tenancy, public;
SET row_security = off;
COPY tenants (id, name, subdomain) FROM stdin;
00000000-0000-0000-0000-0000000000c3	Unqualified Copy Co	unqualified-copy-co
\.
RESET row_security;
RESET search_path;
SELECT table_name, op, tenant_id, db_user = 'hostile_aset_writer' AS by_writer,
       old_values - '{updated_at}'::text[] AS old_values,
       new_values - '{created_at,updated_at}'::text[] AS new_values
  FROM tenancy.audit_entries WHERE id > :last_id ORDER BY id;

DELETE FROM tenancy.tenants WHERE subdomain IN ('copy-to-co', 'granted-copy-co', 'unqualified-copy-co');
DROP SCHEMA hostile_aset CASCADE;
DROP ROLE hostile_aset_writer;
