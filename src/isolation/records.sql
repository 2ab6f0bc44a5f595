-- records.sql: what the isolation capability's record tables share
-- (tenancy.isolated_tables, global_tables, soft_delete_tables: one row per
-- relation, kept by pg_dump). Each is delegated alike: readable by all,
-- written by its calls as their caller, and row level security limits a
-- writer to the relations it owns (a DBA grants INSERT, UPDATE, DELETE to
-- the table owners it delegates to).

-- Whether the caller holds the rights of rel's owner (false for a relation
-- that does not exist). The record tables' write policy; PUBLIC, as it
-- tells nothing pg_class does not.
CREATE FUNCTION tenancy.caller_owns_relation(rel oid) RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
  SELECT coalesce((SELECT pg_has_role(current_user, c.relowner, 'USAGE') FROM pg_class c WHERE c.oid = rel),
                  false)
$$;
