-- erase.sql: erase_audit, removing personal data from sealed log rows
-- while every chain still verifies (docs/audit.md, "Erasure").

-- The digest of a row's images, as verification computes it (chain.hpp).
CREATE FUNCTION tenancy._audit_images_digest(record_key jsonb, old_values jsonb, new_values jsonb)
RETURNS bytea LANGUAGE c IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp AS 'MODULE_PATHNAME', 'audit_images_digest';

-- Replaces the value at path with the marker; an image without it is left alone.
CREATE FUNCTION tenancy._audit_erase_path(image jsonb, path text[]) RETURNS jsonb
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT CASE WHEN image #> path IS NULL THEN image
              ELSE pg_catalog.jsonb_set(image, path, '"[erased]"') END
$$;

-- Erases the images of one tenant's sealed log rows: those of an actor,
-- those of one record (tbl and its record_key), or, with path, only the
-- value at that JSON path (of the rows the actor or record select, or of
-- all the tenant's rows). Each row keeps the digest of the images it had
-- (erased_digest), so verify_audit still verifies it and counts it as
-- erased. The erasure is logged as an 'ERASE' row of the tenant's chain.
-- Returns the number of rows erased.
CREATE FUNCTION tenancy.erase_audit(
  tenant uuid,
  actor uuid DEFAULT NULL,
  tbl regclass DEFAULT NULL,
  record_key jsonb DEFAULT NULL,
  path text[] DEFAULT NULL)
RETURNS bigint LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  erased bigint;
  first_id bigint;
  last_id bigint;
  unsealed bigint;
  ids bigint[];
  sealed_txid xid8;
  sealed_id bigint;
  relations integer[];
BEGIN
  IF tenant IS NULL THEN
    RAISE EXCEPTION 'tenant must not be NULL' USING ERRCODE = '22004',
      HINT = 'Pass the tenant whose audit rows hold the data to erase.';
  END IF;
  IF actor IS NULL AND tbl IS NULL AND record_key IS NULL AND path IS NULL THEN
    RAISE EXCEPTION 'nothing to erase: actor, record and path are all NULL' USING ERRCODE = '22004',
      HINT = 'Pass actor => ..., tbl => ... with record_key => ..., or path => ''{column}''.';
  END IF;
  IF (tbl IS NULL) <> (record_key IS NULL) THEN
    RAISE EXCEPTION 'a record is named by both tbl and record_key' USING ERRCODE = '22023',
      HINT = 'Pass the table and its primary key as logged, e.g. record_key => ''{"id": 7}''.';
  END IF;
  IF path IS NOT NULL AND (cardinality(path) = 0 OR array_position(path, NULL) IS NOT NULL) THEN
    RAISE EXCEPTION 'path must name at least one key and hold no NULL' USING ERRCODE = '22023',
      HINT = 'A path is a text array as for the #> operator, e.g. ''{email}'' or ''{address,street}''.';
  END IF;
  -- the names tbl and its partitions have now, as audit_history reads them
  relations := CASE WHEN tbl IS NOT NULL THEN tenancy._audit_relation_ids(tbl) END;
  IF NOT EXISTS (SELECT 1 FROM tenancy.audit_log l WHERE l.tenant_id = tenant) THEN
    RAISE EXCEPTION 'tenant % has no audit rows', tenant USING ERRCODE = '42704',
      HINT = 'Check the tenant id: erase_audit erases rows of tenancy.audit_log logged for it.';
  END IF;

  -- Seals and erasures take turns: a seal never reads a row half erased,
  -- and the sealed range read below is the committed one.
  PERFORM pg_advisory_xact_lock(hashtext('tenancy.seal_audit'));
  SELECT s.last_txid, s.last_id INTO sealed_txid, sealed_id FROM tenancy.audit_seal_state s;

  SELECT count(*), min(l.id), max(l.id), array_agg(l.id),
         count(*) FILTER (WHERE sealed_txid IS NULL OR (l.txid, l.id) > (sealed_txid, sealed_id))
    INTO erased, first_id, last_id, ids, unsealed
    FROM tenancy.audit_log l
   WHERE l.tenant_id = tenant
     AND l.op <> 'ERASE'
     AND (actor IS NULL OR l.actor_id = actor)
     AND (tbl IS NULL OR (l.relation = ANY (relations) AND l.record_key = erase_audit.record_key))
     AND CASE WHEN path IS NOT NULL THEN l.old_values #> path IS NOT NULL OR l.new_values #> path IS NOT NULL
              -- rows erased whole before are not erased again
              ELSE NOT (coalesce(l.old_values, '"[erased]"') = '"[erased]"'
                        AND coalesce(l.new_values, '"[erased]"') = '"[erased]"') END;
  IF erased = 0 THEN
    RAISE EXCEPTION 'no audit row of tenant % matches what was to be erased', tenant USING ERRCODE = 'P0002',
      HINT = CASE WHEN path IS NOT NULL THEN 'No row of the selection has a value at that path.'
                  ELSE 'No row of the tenant has that actor or record, or its images were erased before.' END;
  END IF;
  IF unsealed > 0 THEN
    RAISE EXCEPTION '% of the audit rows to erase are not sealed yet', unsealed USING ERRCODE = '55000',
      HINT = 'Run tenancy.seal_audit() first: a row is erased only once its chain covers it.';
  END IF;

  UPDATE tenancy.audit_log l
     SET erased_digest = coalesce(l.erased_digest,
                                  tenancy._audit_images_digest(l.record_key, l.old_values, l.new_values)),
         old_values = CASE WHEN path IS NOT NULL THEN tenancy._audit_erase_path(l.old_values, path)
                           WHEN l.old_values IS NOT NULL THEN '"[erased]"' END,
         new_values = CASE WHEN path IS NOT NULL THEN tenancy._audit_erase_path(l.new_values, path)
                           WHEN l.new_values IS NOT NULL THEN '"[erased]"' END
   WHERE l.tenant_id = tenant AND l.id = ANY (ids);

  -- The erasure's own row: what was erased, by which kind of selection,
  -- never the actor or key that named it (they are the personal data).
  INSERT INTO tenancy.audit_log (txid, relation, tenant_id, op, db_user, new_values)
  VALUES ((pg_current_xact_id()::text::numeric + tenancy.audit_xid_offset())::text::xid8,
          tenancy._audit_relation_id('tenancy.audit_log'), tenant, 'ERASE', current_user::text,
          jsonb_build_object('rows', erased, 'first_id', first_id, 'last_id', last_id,
                             'by', concat_ws(' and ', CASE WHEN actor IS NOT NULL THEN 'actor' END,
                                                      CASE WHEN tbl IS NOT NULL THEN 'record' END,
                                                      CASE WHEN path IS NOT NULL THEN 'path' END),
                             'path', path));
  RETURN erased;
END $$;
COMMENT ON FUNCTION tenancy.erase_audit(uuid, uuid, regclass, jsonb, text[]) IS
  'Replaces personal data in a tenant''s sealed audit rows with "[erased]"; the chains still verify';
