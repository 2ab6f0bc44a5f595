-- new_partitions.sql: a partition created or attached later under an
-- isolated or audited parent gets, in the same transaction, what its parent
-- has: the tenancy policies (so it is never readable directly without them)
-- and the audit triggers (so rows written into it directly are logged).
--
-- Cheap on every DDL: the relations a command touched are looked at with
-- their direct parent (CREATE TABLE ... PARTITION OF) or their direct
-- children (ALTER TABLE ... ATTACH PARTITION); one catalog query with index
-- probes finds the partitions whose parent is isolated or audited and who
-- lack what it has, and only those are touched. Partitions tenancy makes itself
-- (partition_by_time, add_tenant_partition) already carry both before they
-- are attached.
--
-- SECURITY DEFINER: the user issuing the DDL owns the partition but need not
-- be allowed to call enable_isolation or enable_audit; what runs is fixed by
-- the parent's settings, never by the user's input.
CREATE FUNCTION tenancy.inherit_to_new_partitions() RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  pair record;
  settings record;
BEGIN
  FOR pair IN
    WITH touched AS (
      SELECT DISTINCT cmd.objid AS relid
        FROM pg_event_trigger_ddl_commands() cmd
       WHERE cmd.classid = 'pg_class'::regclass AND cmd.object_type = 'table'
    )
    , links AS (
      -- the touched relation under its parent, and its children under it
      SELECT i.inhrelid, i.inhparent FROM touched t JOIN pg_inherits i ON i.inhrelid = t.relid
      UNION
      SELECT i.inhrelid, i.inhparent FROM touched t JOIN pg_inherits i ON i.inhparent = t.relid
    )
    SELECT i.inhrelid::regclass AS child, i.inhparent::regclass AS parent
      FROM links i
      JOIN pg_class c ON c.oid = i.inhrelid AND c.relispartition
     WHERE (EXISTS (SELECT 1 FROM pg_policy p
                     WHERE p.polrelid = i.inhparent AND p.polname = 'tenancy_select')
            AND NOT EXISTS (SELECT 1 FROM pg_policy p
                             WHERE p.polrelid = i.inhrelid AND p.polname = 'tenancy_select'))
        OR (EXISTS (SELECT 1 FROM pg_trigger g
                     WHERE g.tgrelid = i.inhparent AND g.tgname = 'tenancy_audit_insert')
            AND NOT EXISTS (SELECT 1 FROM pg_trigger g
                             WHERE g.tgrelid = i.inhrelid AND g.tgname = 'tenancy_audit_insert'))
  LOOP
    IF tenancy.isolation_column_of(pair.parent) IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM pg_policy p
                        WHERE p.polrelid = pair.child AND p.polname = 'tenancy_select') THEN
      -- a parent isolated through a key: the partition follows the same key;
      -- in the parent's scope
      PERFORM tenancy.enable_isolation(pair.child, tenancy.isolation_column_of(pair.parent),
                                       (SELECT c.relforcerowsecurity FROM pg_class c WHERE c.oid = pair.parent),
                                       create_index => false,
                                       through => (SELECT r.tenant_column FROM tenancy.isolation_record_of(pair.parent) r
                                                    WHERE r.policy_kind OPERATOR(pg_catalog.=) 'through'),
                                       scope => (tenancy.isolation_record_of(pair.parent)).scope);
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_trigger g
                    WHERE g.tgrelid = pair.child AND g.tgname = 'tenancy_audit_insert') THEN
      SELECT s.* INTO settings FROM tenancy.audit_settings(pair.parent) s;
      IF FOUND THEN
        PERFORM tenancy.enable_audit(pair.child, settings.exclude_columns, settings.tenant_column,
                                     settings.redact_columns);
      END IF;
    END IF;
  END LOOP;
END $$;

CREATE EVENT TRIGGER tenancy_inherit_to_new_partitions ON ddl_command_end
  WHEN TAG IN ('CREATE TABLE', 'ALTER TABLE')
  EXECUTE FUNCTION tenancy.inherit_to_new_partitions();
