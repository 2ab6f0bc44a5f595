-- forget_dropped.sql: a dropped relation takes its rows in the isolation
-- capability's record tables with it (records.sql; its OID may be reused).
CREATE FUNCTION tenancy.forget_dropped_records() RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  dropped oid[] := ARRAY(SELECT d.objid FROM pg_event_trigger_dropped_objects() d
                          WHERE d.classid = 'pg_class'::regclass AND d.objsubid = 0);
BEGIN
  DELETE FROM tenancy.isolated_tables WHERE relid = ANY (dropped);
  DELETE FROM tenancy.global_tables WHERE relid = ANY (dropped);
  DELETE FROM tenancy.soft_delete_tables WHERE relid = ANY (dropped);
END $$;
CREATE EVENT TRIGGER tenancy_forget_dropped_records ON sql_drop
  WHEN TAG IN ('DROP TABLE', 'DROP MATERIALIZED VIEW', 'DROP SCHEMA', 'DROP OWNED')
  EXECUTE FUNCTION tenancy.forget_dropped_records();
