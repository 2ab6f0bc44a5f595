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
GRANT EXECUTE ON FUNCTION tenancy.user_has_permission(uuid, text) TO PUBLIC;
GRANT EXECUTE ON FUNCTION tenancy.user_has_permission(uuid, text, text) TO PUBLIC;
GRANT EXECUTE ON FUNCTION tenancy.user_workspaces_with_permission(text) TO PUBLIC;
GRANT EXECUTE ON FUNCTION tenancy.user_workspaces_with_permission(text, text) TO PUBLIC;
-- the same helpers for text and bigint tenant ids (id_type_helpers.sql)
GRANT EXECUTE ON FUNCTION tenancy.user_has_workspace_access(bigint) TO PUBLIC;
GRANT EXECUTE ON FUNCTION tenancy.user_has_workspace_access(bigint, text) TO PUBLIC;
GRANT EXECUTE ON FUNCTION tenancy.user_workspaces_bigint() TO PUBLIC;
GRANT EXECUTE ON FUNCTION tenancy.user_workspaces_bigint(text) TO PUBLIC;
GRANT EXECUTE ON FUNCTION tenancy.user_workspace_role(bigint) TO PUBLIC;
GRANT EXECUTE ON FUNCTION tenancy.user_workspace_role(bigint, text) TO PUBLIC;
GRANT EXECUTE ON FUNCTION tenancy.user_has_workspace_role(bigint, text[]) TO PUBLIC;
GRANT EXECUTE ON FUNCTION tenancy.user_has_scope_role(text, bigint, text[]) TO PUBLIC;
GRANT EXECUTE ON FUNCTION tenancy.user_has_workspace_access(text) TO PUBLIC;
GRANT EXECUTE ON FUNCTION tenancy.user_has_workspace_access(text, text) TO PUBLIC;
GRANT EXECUTE ON FUNCTION tenancy.user_workspaces_text() TO PUBLIC;
GRANT EXECUTE ON FUNCTION tenancy.user_workspaces_text(text) TO PUBLIC;
GRANT EXECUTE ON FUNCTION tenancy.user_workspace_role(text) TO PUBLIC;
GRANT EXECUTE ON FUNCTION tenancy.user_workspace_role(text, text) TO PUBLIC;
GRANT EXECUTE ON FUNCTION tenancy.user_has_workspace_role(text, text[]) TO PUBLIC;
GRANT EXECUTE ON FUNCTION tenancy.user_has_scope_role(text, text, text[]) TO PUBLIC;
GRANT EXECUTE ON FUNCTION tenancy.user_has_permission(bigint, text) TO PUBLIC;
GRANT EXECUTE ON FUNCTION tenancy.user_has_permission(bigint, text, text) TO PUBLIC;
GRANT EXECUTE ON FUNCTION tenancy.user_workspaces_with_permission_bigint(text) TO PUBLIC;
GRANT EXECUTE ON FUNCTION tenancy.user_workspaces_with_permission_bigint(text, text) TO PUBLIC;
GRANT EXECUTE ON FUNCTION tenancy.user_has_permission(text, text) TO PUBLIC;
GRANT EXECUTE ON FUNCTION tenancy.user_has_permission(text, text, text) TO PUBLIC;
GRANT EXECUTE ON FUNCTION tenancy.user_workspaces_with_permission_text(text) TO PUBLIC;
GRANT EXECUTE ON FUNCTION tenancy.user_workspaces_with_permission_text(text, text) TO PUBLIC;
-- read by the isolated membership table's policies, as any role
GRANT EXECUTE ON FUNCTION tenancy.membership_manager_roles(text) TO PUBLIC;
GRANT EXECUTE ON FUNCTION tenancy.cache_stats() TO PUBLIC;

-- isolation: read-only helpers that enable_isolation and disable_isolation
-- call on behalf of roles the DBA grants them to.
GRANT EXECUTE ON FUNCTION tenancy.tenant_column_names(),
                          tenancy.isolation_column_of(regclass),
                          tenancy.isolation_record_of(regclass),
                          tenancy.isolation_policies(name, name, text, boolean),
                          tenancy.membership_columns(regclass),
                          tenancy.scope_tenant_type(text),
                          tenancy.scope_tenants_call(text),
                          tenancy.scope_user_id_call(text),
                          tenancy.check_tenant_id_column(regclass, name, text, text),
                          tenancy.membership_table_scopes(regclass),
                          tenancy.access_table_scopes(regclass),
                          tenancy.mapped_scope(regclass),
                          tenancy.relation_tree(regclass),
                          tenancy.through_key_of(regclass, name),
                          tenancy.check_isolation_scope(text, regclass, name),
                          tenancy.check_membership_isolation(regclass, name, text, name),
                          tenancy.check_access_table_isolation(regclass, name, text, name),
                          tenancy.check_registered_table_scopes(regclass, text, text, text[], text, name),
                          tenancy.tenant_condition(regclass, int),
                          tenancy.through_condition(regclass, name, regclass, name),
                          tenancy.through_check(text, integer, regclass, name, text),
                          tenancy.holds_tenant_rows(regclass),
                          tenancy.tenant_sources(regclass),
                          tenancy.tenant_references(regclass),
                          tenancy.tenant_root_key(regclass),
                          tenancy.policies_ignoring(regclass, name),
                          tenancy.isolation_call(regclass, tenancy.isolated_tables, text),
                          tenancy.has_owner_guard(regclass) TO PUBLIC;
-- an isolated owner table's guard, run as any role writing it (a trigger
-- function cannot be called otherwise), and what it reads
GRANT EXECUTE ON FUNCTION tenancy.owner_table_guard(),
                          tenancy.owner_registrations(regclass),
                          tenancy.owner_guard_manages(text, regtype, text),
                          tenancy.owner_guard_is_caller(regtype, text) TO PUBLIC;
-- the record of what enable_isolation made: readable by all (pg_policy
-- shows as much); written by enable_isolation and disable_isolation as
-- their caller, whom the DBA grants INSERT, UPDATE, DELETE (row level
-- security limits each role to the tables it owns).
GRANT SELECT ON tenancy.isolated_tables, tenancy.global_tables TO PUBLIC;
-- the check in the policies of tables isolated through a key, evaluated
-- as the querying role
GRANT EXECUTE ON FUNCTION tenancy.through_keys_check("any", anyarray, boolean) TO PUBLIC;

-- partitions: step arithmetic (pure), which maintenance's reads of a
-- default partition call as the table's owner (_partition_as_owner).
GRANT EXECUTE ON FUNCTION tenancy._partition_step_floor(timestamp, interval) TO PUBLIC;

-- core: the table and column checks isolation and audit share (read-only).
-- the isolation capability's record tables' write policy (records.sql)
GRANT EXECUTE ON FUNCTION tenancy.caller_owns_relation(oid) TO PUBLIC;
GRANT EXECUTE ON FUNCTION tenancy.check_owned_table(regclass, text, text),
                          tenancy.check_uuid_column(regclass, name, text),
                          tenancy.existing_column(regclass, name, text, boolean) TO PUBLIC;

-- soft delete (docs/soft-delete.md): the policies call showing_deleted as
-- any role; enable_soft_delete and purge_soft_deleted call the read-only
-- checks and lists below on behalf of roles the DBA grants them to. The
-- record is readable by all, written by its callers as for isolated_tables.
GRANT EXECUTE ON FUNCTION tenancy.showing_deleted(),
                          tenancy.soft_delete_policies(name, name, text[]),
                          tenancy._soft_delete_check(regclass, name, text[], interval),
                          tenancy._soft_delete_purge_targets(regclass) TO PUBLIC;
GRANT SELECT ON tenancy.soft_delete_tables TO PUBLIC;

-- tenant creation: allow_tenant_creation checks, as its caller, that it
-- owns the registered membership table (which pg_trigger shows anyway).
GRANT EXECUTE ON FUNCTION tenancy._registered_membership() TO PUBLIC;

-- audit: a record's history, with the caller's rights (row level security
-- on the log decides what it returns; docs/audit.md, "Reading the log").
GRANT EXECUTE ON FUNCTION tenancy.audit_history(regclass, jsonb),
                          tenancy._audit_history_arguments(regclass, jsonb) TO PUBLIC;
-- the hash of a record key: the log's index on it is computed as the
-- writer, and audit_history's condition as the reader (pure, leakproof)
GRANT EXECUTE ON FUNCTION tenancy.audit_key_hash(jsonb) TO PUBLIC;
-- the log's reading policy calls it as the reader, which reads the readers
-- (what pg_policies showed of per-role policies, anyone may see)
GRANT EXECUTE ON FUNCTION tenancy.audit_readable_tenants() TO PUBLIC;
GRANT SELECT ON tenancy.audit_readers TO PUBLIC;

-- rate limits (docs/rate-limits.md): rate_limit and enforce_rate_limit
-- change shared state and are granted by the DBA to the request roles;
-- the usage report shows counts only.
GRANT EXECUTE ON FUNCTION tenancy.rate_limit_usage() TO PUBLIC;

-- API keys (docs/api-keys.md): create_api_key, revoke_api_key,
-- authenticate_api_key, _api_key_become_caller and api_key_request are
-- granted by the DBA (key administrators; PostgREST's request roles).
-- The view shows a role its tenants' keys, never a hash; the caller
-- helpers only read the transaction's caller.
GRANT SELECT ON tenancy.api_keys TO PUBLIC;
GRANT EXECUTE ON FUNCTION tenancy.caller_has_scope(text),
                          tenancy.caller_api_key_id() TO PUBLIC;

-- partitions: which hooks run for which partition set (hooks.sql), read by
-- every maintenance run, delegated owners' included; registered by a
-- superuser only (tenancy.partition_hook).
GRANT SELECT ON tenancy.partition_hooks TO PUBLIC;
