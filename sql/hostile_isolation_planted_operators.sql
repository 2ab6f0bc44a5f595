-- hostile_isolation_planted_operators: a caller whose search_path puts a
-- schema with planted operators and functions before pg_catalog does not
-- change what tenancy's SECURITY INVOKER routines compare or call: they pin
-- search_path to pg_catalog, pg_temp, and policies keep the operators
-- resolved when they were created.
CREATE SCHEMA hplant;
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['name', 'oid', 'text', 'int4', '"char"', 'uuid', 'boolean'] LOOP
    EXECUTE format('CREATE FUNCTION hplant.trap(%s, %s) RETURNS boolean LANGUAGE plpgsql '
                   'AS $f$BEGIN RAISE EXCEPTION ''planted operator called''; END$f$', t, t);
    EXECUTE format('CREATE OPERATOR hplant.= (LEFTARG = %s, RIGHTARG = %s, FUNCTION = hplant.trap)', t, t);
    EXECUTE format('CREATE OPERATOR hplant.<> (LEFTARG = %s, RIGHTARG = %s, FUNCTION = hplant.trap)', t, t);
  END LOOP;
END $$;
CREATE FUNCTION hplant.quote_ident(text) RETURNS text LANGUAGE plpgsql
  AS $$BEGIN RAISE EXCEPTION 'planted function called'; END$$;
CREATE FUNCTION hplant.pg_has_role(oid, text) RETURNS boolean LANGUAGE plpgsql
  AS $$BEGIN RAISE EXCEPTION 'planted function called'; END$$;

CREATE TABLE hplant_items (id int, workspace_id uuid);
CREATE TABLE hplant_members (workspace_id uuid, user_id uuid, role text);
INSERT INTO hplant_members VALUES
  ('00000000-0000-0000-0000-0000000000a1', '00000000-0000-0000-0000-0000000000b1', 'owner');
INSERT INTO hplant_items VALUES (1, '00000000-0000-0000-0000-0000000000a1'),
                                (2, '00000000-0000-0000-0000-0000000000a2');

SET search_path = hplant, pg_catalog, public;
SELECT 1 = 1 AS planted_operator_is_live;
SELECT tenancy.register_membership('hplant_members', 'workspace_id', 'user_id', 'role');
SELECT count(*) FROM tenancy.enable_isolation('hplant_items', force => false);
SELECT count(*) FROM tenancy.enable_isolation('hplant_members', force => false);
SELECT table_name, problems FROM tenancy.isolation_report('{public}')
 WHERE table_name::text LIKE 'hplant%' ORDER BY 1;
SELECT tenancy.isolation_column_of('hplant_items');
SET request.jwt.claims = '{"sub": "00000000-0000-0000-0000-0000000000b1", "role": "authenticated"}';
SELECT tenancy.current_user_id(), tenancy.current_claim('role'), tenancy.user_workspaces();
SET ROLE NONE;
CREATE ROLE hplant_app;
GRANT SELECT ON hplant_items TO hplant_app;
SET ROLE hplant_app;
SELECT id FROM public.hplant_items ORDER BY id;
RESET ROLE;
SELECT count(*) FROM tenancy.disable_isolation('hplant_items');
SELECT count(*) FROM tenancy.disable_isolation('hplant_members');
RESET request.jwt.claims;
RESET search_path;

DROP TABLE hplant_items, hplant_members;
DROP SCHEMA hplant CASCADE;
DROP ROLE hplant_app;
