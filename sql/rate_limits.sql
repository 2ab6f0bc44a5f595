-- rate_limits: tenancy.rate_limit and enforce_rate_limit (shared memory,
-- token bucket). Limits use a day-long interval, so no token comes back
-- while the test runs (one token per 8640 s at most): answers never depend
-- on how fast the test runs.
CREATE ROLE rl_app;
CREATE ROLE rl_stranger;
GRANT EXECUTE ON FUNCTION tenancy.rate_limit(text, integer, interval),
                          tenancy.enforce_rate_limit(text, integer, interval) TO rl_app;

-- a full bucket admits exactly max_requests back to back
SELECT count(*) FILTER (WHERE ok) AS admitted, count(*) FILTER (WHERE NOT ok) AS refused
  FROM (SELECT tenancy.rate_limit('rl:five', 5, '1 day') AS ok FROM generate_series(1, 12)) calls;
-- the same name with another limit is another bucket
SELECT tenancy.rate_limit('rl:five', 6, '1 day') AS other_limit_admits;
-- names are exact: case, spaces and quotes make other buckets
SELECT tenancy.rate_limit('RL:five', 5, '1 day') AS upper_case,
       tenancy.rate_limit('rl:five ', 5, '1 day') AS trailing_space,
       tenancy.rate_limit('rl:"five";', 5, '1 day') AS quoted;
-- one request per bucket of a one-request limit
SELECT tenancy.rate_limit('rl:one', 1, '1 day') AS first, tenancy.rate_limit('rl:one', 1, '1 day') AS second;
-- a 1024-byte name is fine
SELECT tenancy.rate_limit(repeat('n', 1024), 1, '1 day') AS long_name;

-- the raising variant: PT429, which PostgREST answers with HTTP 429
SET ROLE rl_app;
SELECT tenancy.enforce_rate_limit('rl:enforced', 2, '1 day');
SELECT tenancy.enforce_rate_limit('rl:enforced', 2, '1 day');
SELECT * FROM regress.caught($$SELECT tenancy.enforce_rate_limit('rl:enforced', 2, '1 day')$$);
-- the bucket name never shows in the error
SELECT tenancy.rate_limit('rl:secret-key-name', 1, '1 day');
SELECT position('secret-key-name' IN concat(message, detail, hint)) AS name_shown
  FROM regress.caught($$SELECT tenancy.enforce_rate_limit('rl:secret-key-name', 1, '1 day')$$);
RESET ROLE;

-- bad input: clear errors, and no bucket is touched
SELECT * FROM regress.caught($$SELECT tenancy.rate_limit(NULL, 5, '1 day')$$);
SELECT * FROM regress.caught($$SELECT tenancy.rate_limit('rl:bad', NULL, '1 day')$$);
SELECT * FROM regress.caught($$SELECT tenancy.rate_limit('rl:bad', 5, NULL)$$);
SELECT * FROM regress.caught($$SELECT tenancy.rate_limit('rl:bad', 0, '1 day')$$);
SELECT * FROM regress.caught($$SELECT tenancy.rate_limit('rl:bad', -3, '1 day')$$);
SELECT * FROM regress.caught($$SELECT tenancy.rate_limit('rl:bad', 5, '0 seconds')$$);
SELECT * FROM regress.caught($$SELECT tenancy.rate_limit('rl:bad', 5, '-1 minute')$$);
SELECT * FROM regress.caught($$SELECT tenancy.rate_limit('rl:bad', 5, '1 month')$$);
SELECT * FROM regress.caught($$SELECT tenancy.enforce_rate_limit('rl:bad', 0, '1 day')$$);
SELECT state, message, length(concat(detail, hint)) < 200 AS short
  FROM regress.caught($$SELECT tenancy.rate_limit(repeat('n', 1025), 1, '1 day')$$);
SELECT state, message, position('nnnn' IN concat(message, detail, hint)) AS name_shown
  FROM regress.caught($$SELECT tenancy.rate_limit(repeat('n', 100000), 1, '1 day')$$);
-- none of the bad calls made a bucket: a one-request limit still admits once
SELECT tenancy.rate_limit('rl:bad', 1, '1 day') AS untouched;

-- changing state: not PUBLIC
SET ROLE rl_stranger;
SELECT * FROM regress.caught($$SELECT tenancy.rate_limit('rl:stranger', 1, '1 day')$$);
SELECT * FROM regress.caught($$SELECT tenancy.enforce_rate_limit('rl:stranger', 1, '1 day')$$);
-- the usage report is readable (no bucket names in it)
SELECT capacity, busy_buckets > 0 AS some_busy FROM tenancy.rate_limit_usage();
RESET ROLE;

-- no table is written, no WAL: the limiter never takes a transaction id
BEGIN;
SELECT count(*) FILTER (WHERE tenancy.rate_limit('rl:xid', 3, '1 day')) AS admitted FROM generate_series(1, 5);
SELECT pg_current_xact_id_if_assigned() IS NULL AS no_xid;
COMMIT;
-- a read-only transaction and a rolled back one count alike: nothing transactional
BEGIN READ ONLY;
SELECT tenancy.rate_limit('rl:ro', 1, '1 day') AS read_only_admits;
ROLLBACK;
SELECT tenancy.rate_limit('rl:ro', 1, '1 day') AS after_rollback;

DROP OWNED BY rl_app, rl_stranger;
DROP ROLE rl_app;
DROP ROLE rl_stranger;
