-- new_partitions.sql: a partition created or attached later under an
-- isolated or audited parent gets, in the same transaction, what its parent
-- has: the tenancy policies (so it is never readable directly without them)
-- and the audit triggers (so rows written into it directly are logged).
--
-- Cheap on every DDL: for each relation a command touched, its direct
-- parent (CREATE TABLE ... PARTITION OF) and the relation itself (ALTER
-- TABLE ... ATTACH PARTITION) are probed by index for the isolation policy
-- and the audit trigger; only under a parent that has one are partitions
-- looked at (the touched one, or the parent's children), and of these only
-- those lacking what the parent has are touched. An ATTACH under a parent
-- that has neither (every partition maintenance makes for such a parent)
-- reads none of its partitions: this runs inside ATTACH's lock window (a
-- cloned foreign key holds SHARE ROW EXCLUSIVE on the referenced table
-- until commit, and inserts into it wait). Partitions tenancy makes itself
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
  rel oid;
  parent oid;
  whole boolean;
  isolated boolean;
  audited boolean;
  child oid;
  settings record;
BEGIN
  FOR rel IN SELECT DISTINCT cmd.objid FROM pg_event_trigger_ddl_commands() cmd
              WHERE cmd.classid = 'pg_class'::regclass AND cmd.object_type = 'table'
  LOOP
    -- rel under its parent, then rel's own children (whole)
    FOR parent, whole IN SELECT i.inhparent, false FROM pg_inherits i WHERE i.inhrelid = rel
                         UNION ALL SELECT rel, true
    LOOP
      isolated := EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = parent AND p.polname = 'tenancy_select');
      audited := EXISTS (SELECT 1 FROM pg_trigger g WHERE g.tgrelid = parent AND g.tgname = 'tenancy_audit_insert');
      CONTINUE WHEN NOT isolated AND NOT audited;
      FOR child IN
        SELECT i.inhrelid FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid AND c.relispartition
         WHERE i.inhparent = parent AND (whole OR i.inhrelid = rel)
           AND ((isolated AND NOT EXISTS (SELECT 1 FROM pg_policy p
                                           WHERE p.polrelid = i.inhrelid AND p.polname = 'tenancy_select'))
                OR (audited AND NOT EXISTS (SELECT 1 FROM pg_trigger g
                                             WHERE g.tgrelid = i.inhrelid AND g.tgname = 'tenancy_audit_insert')))
      LOOP
        IF tenancy.isolation_column_of(parent) IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM pg_policy p
                            WHERE p.polrelid = child AND p.polname = 'tenancy_select') THEN
          -- a parent isolated through a key: the partition follows the same key;
          -- in the parent's scope
          PERFORM tenancy.enable_isolation(child::regclass, tenancy.isolation_column_of(parent),
                                           (SELECT c.relforcerowsecurity FROM pg_class c WHERE c.oid = parent),
                                           create_index => false,
                                           through => (SELECT r.tenant_column FROM tenancy.isolation_record_of(parent) r
                                                        WHERE r.policy_kind OPERATOR(pg_catalog.=) 'through'),
                                           scope => (tenancy.isolation_record_of(parent)).scope);
        END IF;
        IF NOT EXISTS (SELECT 1 FROM pg_trigger g
                        WHERE g.tgrelid = child AND g.tgname = 'tenancy_audit_insert') THEN
          SELECT s.* INTO settings FROM tenancy.audit_settings(parent) s;
          IF FOUND THEN
            PERFORM tenancy.enable_audit(child::regclass, settings.exclude_columns, settings.tenant_column,
                                         settings.redact_columns);
          END IF;
        END IF;
      END LOOP;
    END LOOP;
  END LOOP;
END $$;

CREATE EVENT TRIGGER tenancy_inherit_to_new_partitions ON ddl_command_end
  WHEN TAG IN ('CREATE TABLE', 'ALTER TABLE')
  EXECUTE FUNCTION tenancy.inherit_to_new_partitions();
