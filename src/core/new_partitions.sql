-- new_partitions.sql: a partition created or attached later under an
-- isolated or audited parent gets, in the same transaction, what its parent
-- has: the tenancy policies (so it is never readable directly without them)
-- and the audit triggers (so rows written into it directly are logged).
--
-- SECURITY DEFINER: the user issuing the DDL owns the partition but need not
-- be allowed to call enable_isolation or enable_audit; what runs is fixed by
-- the parent's settings, never by the user's input.
CREATE FUNCTION tenancy.inherit_to_new_partitions() RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  part regclass;
  source regclass;
  settings record;
BEGIN
  FOR part IN
    SELECT DISTINCT t.relid
      FROM pg_event_trigger_ddl_commands() cmd
      CROSS JOIN LATERAL pg_partition_tree(cmd.objid) t
      JOIN pg_class c ON c.oid = t.relid
     WHERE cmd.classid = 'pg_class'::regclass AND cmd.object_type = 'table' AND c.relispartition
  LOOP
    -- isolation, from the nearest isolated ancestor
    IF tenancy.isolation_column_of(part) IS NULL THEN
      SELECT a.relid INTO source
        FROM pg_partition_ancestors(part) WITH ORDINALITY a(relid, depth)
       WHERE a.relid <> part AND tenancy.isolation_column_of(a.relid) IS NOT NULL
       ORDER BY a.depth LIMIT 1;
      IF source IS NOT NULL THEN
        PERFORM tenancy.enable_isolation(part, tenancy.isolation_column_of(source),
                                         (SELECT c.relforcerowsecurity FROM pg_class c WHERE c.oid = source),
                                         create_index => false);
      END IF;
    END IF;
    -- audit, from the nearest audited ancestor
    IF NOT EXISTS (SELECT 1 FROM tenancy.audit_settings(part)) THEN
      SELECT s.* INTO settings
        FROM pg_partition_ancestors(part) WITH ORDINALITY a(relid, depth)
        CROSS JOIN LATERAL tenancy.audit_settings(a.relid) s
       WHERE a.relid <> part
       ORDER BY a.depth LIMIT 1;
      IF FOUND THEN
        PERFORM tenancy.enable_audit(part, settings.exclude_columns, settings.tenant_column,
                                     settings.redact_columns);
      END IF;
    END IF;
  END LOOP;
END $$;

CREATE EVENT TRIGGER tenancy_inherit_to_new_partitions ON ddl_command_end
  WHEN TAG IN ('CREATE TABLE', 'ALTER TABLE')
  EXECUTE FUNCTION tenancy.inherit_to_new_partitions();
