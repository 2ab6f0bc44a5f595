-- owner_guard.sql: the trigger that lets an isolated owner (tenant) table
-- keep its tenant-table policies without letting a member make themself a
-- tenant's owner (docs/isolation.md "Roles and owner tables"). Row level
-- security cannot compare a row's new owner with its old one; a BEFORE
-- trigger can.

-- The registrations that read tbl (or a table it is a partition of) as
-- their owner table: the scope, its owner column and that column's type,
-- and the table's key (the tenant id). For the guard, which runs as any
-- role; a lost key gives NULLs, which the guard refuses on. PL/pgSQL, as
-- are the two helpers below, which the guard calls for every row: as SQL
-- functions with a SET clause, this one was parsed and planned again for
-- each row (the guard's loop starts a new scan of it) and each call of the
-- other two started an executor; PL/pgSQL keeps its plans for the session.
CREATE FUNCTION tenancy.owner_registrations(tbl regclass, OUT scope text, OUT owner_column name,
                                            OUT owner_type regtype, OUT key_column name,
                                            OUT key_type regtype)
RETURNS SETOF record LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  RETURN QUERY
  SELECT r.scope, r.owner_column, o.atttypid::regtype, k.attname, k.atttypid::regtype
    FROM tenancy.membership_registration r
    LEFT JOIN pg_attribute o ON o.attrelid = r.owner_table AND o.attname = r.owner_column AND NOT o.attisdropped
    LEFT JOIN pg_index i ON i.indrelid = r.owner_table AND i.indisprimary AND i.indnkeyatts = 1
    LEFT JOIN pg_attribute k ON k.attrelid = i.indrelid AND k.attnum = i.indkey[0]
   WHERE r.owner_table = tbl
      OR r.owner_table IN (SELECT a.relid FROM pg_partition_ancestors(tbl) a WHERE a.relid <> tbl)
   ORDER BY r.scope;
END $$;

-- Whether the caller's role in the tenant (its id as text, of the key's
-- type) is one of the scope's manager_roles; false for NULL.
CREATE FUNCTION tenancy.owner_guard_manages(scope text, key_type regtype, tenant text)
RETURNS boolean LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  RETURN coalesce(CASE WHEN key_type IN ('text'::regtype, 'character varying'::regtype)
                       THEN tenancy.user_has_scope_role(scope, tenant,
                                                        VARIADIC tenancy.membership_manager_roles(scope))
                       WHEN key_type IN ('bigint'::regtype, 'integer'::regtype)
                       THEN tenancy.user_has_scope_role(scope, tenant::bigint,
                                                        VARIADIC tenancy.membership_manager_roles(scope))
                       WHEN key_type = 'uuid'::regtype
                       THEN tenancy.user_has_scope_role(scope, tenant::uuid,
                                                        VARIADIC tenancy.membership_manager_roles(scope))
                  END, false);
END $$;

-- Whether the user id (as text, of the owner column's type) is the caller's.
CREATE FUNCTION tenancy.owner_guard_is_caller(owner_type regtype, user_id text)
RETURNS boolean LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  RETURN coalesce(CASE WHEN owner_type IN ('text'::regtype, 'character varying'::regtype)
                       THEN user_id = tenancy.current_user_id_text()
                       WHEN owner_type IN ('bigint'::regtype, 'integer'::regtype)
                       THEN user_id::bigint = int8(tenancy.current_user_id_text())
                       ELSE user_id::uuid = tenancy.current_user_id()
                  END, false);
END $$;

-- The guard (BEFORE INSERT OR UPDATE OR DELETE, FOR EACH ROW). For a
-- caller subject to row level security on the table, in each scope whose
-- owner table it is: setting or changing the owner column, changing the key
-- (the tenant) and deleting a row take a manager of the row's tenant (of
-- both tenants for a changed key), and nobody makes themself the owner.
-- Runs as the caller: the helpers answer for them.
CREATE FUNCTION tenancy.owner_table_guard() RETURNS trigger LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  reg record;
  old_row jsonb;
  new_row jsonb;
  owner_changed boolean;
  key_changed boolean;
  hint constant text := 'Ask a member of the tenant whose role is one of the scope''s manager_roles, or a role row level security does not apply to.';
BEGIN
  IF NOT row_security_active(TG_RELID) THEN
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
  END IF;
  IF TG_OP <> 'INSERT' THEN
    old_row := to_jsonb(OLD);
  END IF;
  IF TG_OP <> 'DELETE' THEN
    new_row := to_jsonb(NEW);
  END IF;
  FOR reg IN SELECT * FROM tenancy.owner_registrations(TG_RELID) LOOP
    IF TG_OP = 'DELETE' THEN
      IF NOT tenancy.owner_guard_manages(reg.scope, reg.key_type, old_row ->> reg.key_column) THEN
        RAISE EXCEPTION 'only a manager of the tenant may delete a row of %', TG_RELID::regclass
          USING ERRCODE = '42501',
                DETAIL = format('Its owner column %I makes a user a member of the tenant in scope %L.',
                                reg.owner_column, reg.scope),
                HINT = hint;
      END IF;
      CONTINUE;
    END IF;
    owner_changed := (old_row ->> reg.owner_column) IS DISTINCT FROM (new_row ->> reg.owner_column);
    key_changed := TG_OP = 'UPDATE' AND (old_row ->> reg.key_column) IS DISTINCT FROM (new_row ->> reg.key_column);
    IF key_changed AND NOT (tenancy.owner_guard_manages(reg.scope, reg.key_type, old_row ->> reg.key_column)
                            AND tenancy.owner_guard_manages(reg.scope, reg.key_type, new_row ->> reg.key_column)) THEN
      RAISE EXCEPTION 'only a manager of both tenants may change the key column % of %',
                      quote_ident(reg.key_column), TG_RELID::regclass
        USING ERRCODE = '42501',
              DETAIL = format('Its value is a tenant of scope %L, whose owner the column %I names.',
                              reg.scope, reg.owner_column),
              HINT = hint;
    END IF;
    IF owner_changed AND NOT tenancy.owner_guard_manages(reg.scope, reg.key_type,
                                                         coalesce(old_row, new_row) ->> reg.key_column) THEN
      RAISE EXCEPTION 'only a manager of the tenant may set the owner column % of %',
                      quote_ident(reg.owner_column), TG_RELID::regclass
        USING ERRCODE = '42501',
              DETAIL = format('The user it names is a member of the tenant in scope %L.', reg.scope),
              HINT = hint;
    END IF;
    IF (owner_changed OR key_changed)
       AND tenancy.owner_guard_is_caller(reg.owner_type, new_row ->> reg.owner_column) THEN
      RAISE EXCEPTION 'nobody may make themself the owner in the column % of %',
                      quote_ident(reg.owner_column), TG_RELID::regclass
        USING ERRCODE = '42501',
              DETAIL = format('The owner is a member of the tenant in scope %L; as in the membership table, a manager does not raise its own role.',
                              reg.scope),
              HINT = 'Ask another manager of the tenant.';
    END IF;
  END LOOP;
  RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$;

-- Whether tbl carries the guard as guard_owner_table makes it: enabled, on
-- every row before INSERT, UPDATE and DELETE, for every column.
CREATE FUNCTION tenancy.has_owner_guard(tbl regclass) RETURNS boolean
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
RETURN EXISTS (SELECT FROM pg_trigger t
                WHERE t.tgrelid = tbl AND t.tgname = 'tenancy_owner_guard'
                  AND t.tgfoid = 'tenancy.owner_table_guard()'::regprocedure
                  AND t.tgtype = 31 -- ROW | BEFORE | INSERT | DELETE | UPDATE
                  AND t.tgenabled IN ('O', 'A') AND t.tgqual IS NULL AND t.tgattr = ''::int2vector);

-- Puts the guard on tbl unless it has it; a trigger of that name made
-- otherwise is replaced. The statements run. For enable_isolation on an
-- owner table and register_membership naming an isolated one.
CREATE FUNCTION tenancy.guard_owner_table(tbl regclass) RETURNS SETOF text LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  stmt text;
BEGIN
  IF tenancy.has_owner_guard(tbl) THEN
    RETURN;
  END IF;
  IF EXISTS (SELECT FROM pg_trigger t WHERE t.tgrelid = tbl AND t.tgname = 'tenancy_owner_guard') THEN
    stmt := format('DROP TRIGGER tenancy_owner_guard ON %s', tbl);
    EXECUTE stmt;
    RETURN NEXT stmt;
  END IF;
  stmt := format('CREATE TRIGGER tenancy_owner_guard BEFORE INSERT OR UPDATE OR DELETE ON %s '
                 'FOR EACH ROW EXECUTE FUNCTION tenancy.owner_table_guard()', tbl);
  EXECUTE stmt;
  RETURN NEXT stmt;
END $$;
