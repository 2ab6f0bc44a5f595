-- privileges.sql: runs last. Nothing is executable by PUBLIC unless it is
-- listed here as read-only. test sql/privileges.sql fails when a function
-- with PUBLIC EXECUTE is not on its allowlist.

GRANT USAGE ON SCHEMA tenancy TO PUBLIC;

REVOKE ALL ON ALL FUNCTIONS IN SCHEMA tenancy FROM PUBLIC;
REVOKE ALL ON ALL PROCEDURES IN SCHEMA tenancy FROM PUBLIC;
REVOKE ALL ON ALL TABLES IN SCHEMA tenancy FROM PUBLIC;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA tenancy FROM PUBLIC;

GRANT EXECUTE ON FUNCTION tenancy.version() TO PUBLIC;

-- identity and access (docs/identity.md, docs/access.md): read-only helpers
-- that RLS policies call as any role. register_membership,
-- install_auth_compat and cache_reset change state and stay revoked.
GRANT EXECUTE ON FUNCTION tenancy.current_user_id() TO PUBLIC;
GRANT EXECUTE ON FUNCTION tenancy.current_user_id_text() TO PUBLIC;
GRANT EXECUTE ON FUNCTION tenancy.current_claims() TO PUBLIC;
GRANT EXECUTE ON FUNCTION tenancy.current_claim(text) TO PUBLIC;
GRANT EXECUTE ON FUNCTION tenancy.auth_owner_is_trusted(oid) TO PUBLIC;
GRANT EXECUTE ON FUNCTION tenancy.user_has_workspace_access(uuid) TO PUBLIC;
GRANT EXECUTE ON FUNCTION tenancy.user_workspaces() TO PUBLIC;
GRANT EXECUTE ON FUNCTION tenancy.user_workspace_role(uuid) TO PUBLIC;
GRANT EXECUTE ON FUNCTION tenancy.user_has_workspace_role(uuid, text[]) TO PUBLIC;
GRANT EXECUTE ON FUNCTION tenancy.user_has_workspace_access(uuid, text) TO PUBLIC;
GRANT EXECUTE ON FUNCTION tenancy.user_workspaces(text) TO PUBLIC;
GRANT EXECUTE ON FUNCTION tenancy.user_workspace_role(uuid, text) TO PUBLIC;
GRANT EXECUTE ON FUNCTION tenancy.user_has_scope_role(text, uuid, text[]) TO PUBLIC;
-- read by the isolated membership table's policies, as any role
GRANT EXECUTE ON FUNCTION tenancy.membership_manager_roles() TO PUBLIC;
GRANT EXECUTE ON FUNCTION tenancy.cache_stats() TO PUBLIC;

-- isolation: read-only helpers that enable_isolation and disable_isolation
-- call on behalf of roles the DBA grants them to.
GRANT EXECUTE ON FUNCTION tenancy.tenant_column_names(),
                          tenancy.isolation_column_of(regclass),
                          tenancy.isolation_record_of(regclass),
                          tenancy.isolation_policies(name, name),
                          tenancy.membership_columns(regclass),
                          tenancy.relation_tree(regclass) TO PUBLIC;
-- the record of what enable_isolation made: readable by all (pg_policy
-- shows as much); written by enable_isolation and disable_isolation as
-- their caller, whom the DBA grants INSERT, UPDATE, DELETE (row level
-- security limits each role to the tables it owns).
GRANT SELECT ON tenancy.isolated_tables TO PUBLIC;

-- partitions: step arithmetic (pure), which maintenance's reads of a
-- default partition call as the table's owner (_partition_as_owner).
GRANT EXECUTE ON FUNCTION tenancy._partition_step_floor(timestamp, interval) TO PUBLIC;

-- core: the table and column checks isolation and audit share (read-only).
GRANT EXECUTE ON FUNCTION tenancy.check_owned_table(regclass, text, text),
                          tenancy.check_uuid_column(regclass, name, text) TO PUBLIC;
