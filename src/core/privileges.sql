-- privileges.sql: runs last. Nothing is executable by PUBLIC unless it is
-- listed here as read-only. test sql/privileges.sql fails when a function
-- with PUBLIC EXECUTE is not on its allowlist.

GRANT USAGE ON SCHEMA tenancy TO PUBLIC;

REVOKE ALL ON ALL FUNCTIONS IN SCHEMA tenancy FROM PUBLIC;
REVOKE ALL ON ALL PROCEDURES IN SCHEMA tenancy FROM PUBLIC;
REVOKE ALL ON ALL TABLES IN SCHEMA tenancy FROM PUBLIC;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA tenancy FROM PUBLIC;

GRANT EXECUTE ON FUNCTION tenancy.version() TO PUBLIC;

-- isolation: read-only helpers that enable_isolation and disable_isolation
-- call on behalf of roles the DBA grants them to.
GRANT EXECUTE ON FUNCTION tenancy.tenant_column_names(),
                          tenancy.isolation_check_table(regclass),
                          tenancy.isolation_column_of(regclass),
                          tenancy.relation_tree(regclass) TO PUBLIC;
