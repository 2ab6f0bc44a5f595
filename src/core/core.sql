-- core.sql: what every capability stands on.

COMMENT ON SCHEMA tenancy IS 'tenancy: multi-tenant SaaS toolkit';

CREATE FUNCTION tenancy.version() RETURNS text
LANGUAGE c STABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'version';
COMMENT ON FUNCTION tenancy.version() IS 'The version of the loaded tenancy library';
