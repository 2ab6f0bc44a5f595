-- inherit.sql: what a new partition gets from its parent before it is
-- attached: table and column grants, row level security and policies,
-- statement-level triggers (docs/partitions.md).

-- Copies the parent's privileges (table and column grants) to child.
CREATE FUNCTION tenancy._partition_copy_grants(parent regclass, child regclass)
RETURNS void LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    target text := tenancy._partition_qualified(child);
    owner oid;
    g record;
BEGIN
    SELECT relowner INTO owner FROM pg_class WHERE oid = parent;
    -- A NULL relacl means default privileges (owner only), as the child has.
    IF (SELECT relacl IS NOT NULL FROM pg_class WHERE oid = parent) THEN
        EXECUTE format('REVOKE ALL ON %s FROM %s', target, tenancy._partition_role(owner));
    END IF;
    FOR g IN
        SELECT a.grantee, a.privilege_type, a.is_grantable, NULL::name AS col
          FROM pg_class c, aclexplode(c.relacl) a WHERE c.oid = parent
        UNION ALL
        SELECT a.grantee, a.privilege_type, a.is_grantable, t.attname
          FROM pg_attribute t, aclexplode(t.attacl) a
         WHERE t.attrelid = parent AND t.attnum > 0 AND NOT t.attisdropped AND t.attacl IS NOT NULL
    LOOP
        EXECUTE format('GRANT %s%s ON %s TO %s%s', g.privilege_type,
            CASE WHEN g.col IS NULL THEN '' ELSE format(' (%I)', g.col) END, target,
            tenancy._partition_role(g.grantee),
            CASE WHEN g.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END);
    END LOOP;
END
$$;

-- Row level security and copies of the parent's policies.
CREATE FUNCTION tenancy._partition_copy_policies(parent regclass, child regclass)
RETURNS void LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    target text := tenancy._partition_qualified(child);
    rls boolean;
    forced boolean;
    p record;
BEGIN
    SELECT relrowsecurity, relforcerowsecurity INTO rls, forced FROM pg_class WHERE oid = parent;
    IF NOT rls THEN
        RETURN;
    END IF;
    EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', target);
    IF forced THEN
        EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', target);
    END IF;
    FOR p IN
        SELECT pol.polname, pol.polpermissive, obj_description(pol.oid, 'pg_policy') AS note,
               CASE pol.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE'
                               WHEN 'd' THEN 'DELETE' ELSE 'ALL' END AS cmd,
               (SELECT string_agg(tenancy._partition_role(r), ', ')
                  FROM unnest(pol.polroles) r) AS roles,
               pg_get_expr(pol.polqual, pol.polrelid) AS qual,
               pg_get_expr(pol.polwithcheck, pol.polrelid) AS check_expr
          FROM pg_policy pol WHERE pol.polrelid = parent ORDER BY pol.polname
    LOOP
        EXECUTE format('CREATE POLICY %I ON %s AS %s FOR %s TO %s%s%s', p.polname, target,
            CASE WHEN p.polpermissive THEN 'PERMISSIVE' ELSE 'RESTRICTIVE' END, p.cmd, p.roles,
            CASE WHEN p.qual IS NULL THEN '' ELSE format(' USING (%s)', p.qual) END,
            CASE WHEN p.check_expr IS NULL THEN '' ELSE format(' WITH CHECK (%s)', p.check_expr) END);
        -- the comment too: tenancy's isolation records what it did there
        IF p.note IS NOT NULL THEN
            EXECUTE format('COMMENT ON POLICY %I ON %s IS %L', p.polname, target, p.note);
        END IF;
    END LOOP;
END
$$;

-- The extension point for triggers (docs/partitions.md): row-level
-- triggers of the parent are cloned onto every partition by PostgreSQL at
-- ATTACH; statement-level triggers are not, so a statement run directly on
-- a partition would skip them. tenancy copies each non-internal
-- statement-level trigger of the parent onto the new child (same name,
-- events, transition tables, WHEN, function and arguments, enabled state).
CREATE FUNCTION tenancy._partition_copy_triggers(parent regclass, child regclass)
RETURNS void LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    target text := tenancy._partition_qualified(child);
    t record;
    events text[];
    args text[];
    rest bytea;
    cut int;
BEGIN
    FOR t IN
        SELECT tg.*, pg_get_expr(tg.tgqual, tg.tgrelid) AS when_expr
          FROM pg_trigger tg
         WHERE tg.tgrelid = parent AND NOT tg.tgisinternal AND (tg.tgtype & 1) = 0
         ORDER BY tg.tgname
    LOOP
        events := '{}';
        IF t.tgtype & 4 <> 0 THEN events := events || 'INSERT'::text; END IF;
        IF t.tgtype & 8 <> 0 THEN events := events || 'DELETE'::text; END IF;
        IF t.tgtype & 16 <> 0 THEN
            events := events || ('UPDATE'::text || coalesce(' OF ' || (
                SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY k.i)
                  FROM unnest(t.tgattr::int2[]) WITH ORDINALITY k(n, i)
                  JOIN pg_attribute a ON a.attrelid = parent AND a.attnum = k.n), ''));
        END IF;
        IF t.tgtype & 32 <> 0 THEN events := events || 'TRUNCATE'::text; END IF;
        args := '{}';
        rest := t.tgargs;
        FOR i IN 1 .. t.tgnargs LOOP
            cut := position('\x00'::bytea IN rest);
            args := args || quote_literal(convert_from(substring(rest FROM 1 FOR cut - 1),
                                                      current_setting('server_encoding')));
            rest := substring(rest FROM cut + 1);
        END LOOP;
        EXECUTE format('CREATE TRIGGER %I %s %s ON %s%s FOR EACH STATEMENT%s EXECUTE FUNCTION %s(%s)',
            t.tgname,
            CASE WHEN t.tgtype & 2 <> 0 THEN 'BEFORE' WHEN t.tgtype & 64 <> 0 THEN 'INSTEAD OF' ELSE 'AFTER' END,
            array_to_string(events, ' OR '), target,
            CASE WHEN t.tgoldtable IS NULL AND t.tgnewtable IS NULL THEN ''
                 ELSE ' REFERENCING'
                      || CASE WHEN t.tgoldtable IS NULL THEN '' ELSE format(' OLD TABLE AS %I', t.tgoldtable) END
                      || CASE WHEN t.tgnewtable IS NULL THEN '' ELSE format(' NEW TABLE AS %I', t.tgnewtable) END
            END,
            CASE WHEN t.when_expr IS NULL THEN '' ELSE format(' WHEN (%s)', t.when_expr) END,
            t.tgfoid::regproc::text, array_to_string(args, ', '));
        IF t.tgenabled <> 'O' THEN
            EXECUTE format('ALTER TABLE %s %s TRIGGER %I', target,
                CASE t.tgenabled WHEN 'D' THEN 'DISABLE' WHEN 'R' THEN 'ENABLE REPLICA'
                                 ELSE 'ENABLE ALWAYS' END, t.tgname);
        END IF;
    END LOOP;
END
$$;
