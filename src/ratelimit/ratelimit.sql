-- ratelimit.sql: rate limits kept in shared memory (docs/rate-limits.md).
-- Every function needs shared_preload_libraries = 'tenancy'.

CREATE FUNCTION tenancy.rate_limit(bucket text, max_requests integer, per interval)
RETURNS boolean
LANGUAGE c VOLATILE PARALLEL RESTRICTED
AS 'MODULE_PATHNAME', 'rate_limit';
COMMENT ON FUNCTION tenancy.rate_limit(text, integer, interval) IS
'Takes a token from the bucket (max_requests per interval, a token bucket): true when the request is allowed.';

CREATE FUNCTION tenancy.enforce_rate_limit(bucket text, max_requests integer, per interval)
RETURNS void
LANGUAGE c VOLATILE PARALLEL RESTRICTED
AS 'MODULE_PATHNAME', 'enforce_rate_limit';
COMMENT ON FUNCTION tenancy.enforce_rate_limit(text, integer, interval) IS
'rate_limit that raises SQLSTATE PT429 (PostgREST: HTTP 429) when the request is refused.';

CREATE FUNCTION tenancy.rate_limit_usage(OUT capacity bigint, OUT busy_buckets bigint)
LANGUAGE c VOLATILE PARALLEL RESTRICTED
AS 'MODULE_PATHNAME', 'rate_limit_usage';
COMMENT ON FUNCTION tenancy.rate_limit_usage() IS
'Slots in the shared bucket table, and buckets not yet full again.';
