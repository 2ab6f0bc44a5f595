-- hostile_audit_attribution: the log names the role that called, not the
-- owner of the SECURITY DEFINER function that made the change (issue 10,
-- defect 8). db_user is the outer user: the role SET ROLE chose (or the
-- login), unchanged by SECURITY DEFINER calls.
CREATE SCHEMA hostile_aatt;
CREATE ROLE hostile_aatt_router;
CREATE ROLE hostile_aatt_owner;
GRANT EXECUTE ON FUNCTION tenancy.set_tenant_connection(uuid, text, text),
                          tenancy.reseal_batch(int) TO hostile_aatt_router;
GRANT EXECUTE ON PROCEDURE tenancy.rotate_keys(int) TO hostile_aatt_router;
INSERT INTO tenancy.tenants (id, name, subdomain)
VALUES ('00000000-0000-0000-0000-0000000000d1', 'Attributed Co', 'attributed-co');
SELECT max(id) AS last_id FROM tenancy.audit_log \gset

-- set_tenant_connection (SECURITY DEFINER, owned by the extension's owner),
-- called by a role the session switched to with SET ROLE
SET ROLE hostile_aatt_router;
SELECT tenancy.set_tenant_connection('00000000-0000-0000-0000-0000000000d1', 'host=one.internal');
RESET ROLE;
-- rotate_keys: its batches run in SECURITY DEFINER reseal_batch. The value
-- is sealed under key 1 first (choosing the key is the superuser's).
SET tenancy.active_key_id = 1;
SELECT tenancy.set_tenant_connection('00000000-0000-0000-0000-0000000000d1', 'host=two.internal');
RESET tenancy.active_key_id;
SET ROLE hostile_aatt_router;
SET client_min_messages = warning;  -- its notice counts every tenant of the database
CALL tenancy.rotate_keys();
RESET client_min_messages;
RESET ROLE;

-- an application's own SECURITY DEFINER function writing an audited table
CREATE TABLE hostile_aatt.items (id int PRIMARY KEY);
SELECT tenancy.enable_audit('hostile_aatt.items');
ALTER TABLE hostile_aatt.items OWNER TO hostile_aatt_owner;
GRANT USAGE ON SCHEMA hostile_aatt TO hostile_aatt_owner, hostile_aatt_router;
CREATE FUNCTION hostile_aatt.add_item(i int) RETURNS void LANGUAGE sql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$ INSERT INTO hostile_aatt.items VALUES (i) $$;
ALTER FUNCTION hostile_aatt.add_item(int) OWNER TO hostile_aatt_owner;
GRANT EXECUTE ON FUNCTION hostile_aatt.add_item(int) TO hostile_aatt_router;
SET ROLE hostile_aatt_router;
SELECT hostile_aatt.add_item(1);
RESET ROLE;

SELECT table_name, op, db_user = 'hostile_aatt_router' AS by_router, db_user = session_user AS by_login,
       old_values ->> 'key_id' AS old_key, new_values ->> 'key_id' AS new_key
  FROM tenancy.audit_entries
 WHERE id > :last_id
   AND (tenant_id = '00000000-0000-0000-0000-0000000000d1' OR table_name = 'items')
 ORDER BY id;

DELETE FROM tenancy.tenants WHERE id = '00000000-0000-0000-0000-0000000000d1';
DROP SCHEMA hostile_aatt CASCADE;
REVOKE EXECUTE ON FUNCTION tenancy.set_tenant_connection(uuid, text, text),
                           tenancy.reseal_batch(int) FROM hostile_aatt_router;
REVOKE EXECUTE ON PROCEDURE tenancy.rotate_keys(int) FROM hostile_aatt_router;
DROP ROLE hostile_aatt_router;
DROP ROLE hostile_aatt_owner;
