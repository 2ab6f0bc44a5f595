-- access_cache_memory: the membership cache is bounded by memory
-- (tenancy.membership_cache_size, a size), least recently used user first;
-- a user too big for the bound is answered, not kept.

CREATE SCHEMA cache_memory;
CREATE FUNCTION cache_memory.figures(OUT hits bigint, OUT misses bigint, OUT entries bigint)
LANGUAGE sql AS $$
  SELECT hits, misses, entries FROM tenancy.cache_stats() WHERE cache = 'memberships'
$$;
-- Users 1, 2 and 3 have 1000 memberships each (about 55 kB cached each:
-- 16 + 8 + 8 bytes a row, 16 a tenant, the role's 7); user 4 has 3000.
CREATE TABLE cache_memory.members (tenant_id uuid, user_id uuid NOT NULL, role text);
CREATE INDEX ON cache_memory.members (user_id);
INSERT INTO cache_memory.members
SELECT ('00000000-0000-0000-0000-' || lpad(to_hex(t), 12, '0'))::uuid,
       ('cccccccc-0000-0000-0000-00000000000' || u)::uuid, 'member'
  FROM (VALUES (1, 1000), (2, 1000), (3, 1000), (4, 3000)) v(u, n), generate_series(1, n) t;
SELECT tenancy.register_membership('cache_memory.members', 'tenant_id', 'user_id', 'role');

-- A size, 16MB unless set.
SHOW tenancy.membership_cache_size;
SELECT unit, min_val, boot_val FROM pg_settings WHERE name = 'tenancy.membership_cache_size';
-- Bad values are refused and change nothing.
SELECT state, message FROM regress.caught($$SET tenancy.membership_cache_size = 10$$);
SELECT state, message FROM regress.caught($$SET tenancy.membership_cache_size = '-1MB'$$);
SELECT state, message FROM regress.caught($$SET tenancy.membership_cache_size = 'lots'$$);
SHOW tenancy.membership_cache_size;

-- 120kB hold two of the 1000-membership users, not three.
SET tenancy.membership_cache_size = '120kB';
SELECT tenancy.cache_reset();
SELECT regress.as_user('cccccccc-0000-0000-0000-000000000001');
SELECT cardinality(tenancy.user_workspaces());
SELECT regress.as_user('cccccccc-0000-0000-0000-000000000002');
SELECT cardinality(tenancy.user_workspaces());
SELECT regress.as_user('cccccccc-0000-0000-0000-000000000001');
SELECT cardinality(tenancy.user_workspaces());
SELECT regress.as_user('cccccccc-0000-0000-0000-000000000003');
SELECT cardinality(tenancy.user_workspaces());
SELECT * FROM cache_memory.figures();
-- user 1 was used more recently than user 2, so user 1 is still cached: a hit
SELECT regress.as_user('cccccccc-0000-0000-0000-000000000001');
SELECT cardinality(tenancy.user_workspaces());
SELECT * FROM cache_memory.figures();
-- user 2 was dropped: a miss, and still the right answer (user 3 goes now)
SELECT regress.as_user('cccccccc-0000-0000-0000-000000000002');
SELECT cardinality(tenancy.user_workspaces()),
       tenancy.user_has_workspace_access('00000000-0000-0000-0000-0000000003e8');
SELECT * FROM cache_memory.figures();

-- User 4 alone needs more than 120kB: answered every time, never kept, and
-- nobody is dropped for it.
SELECT regress.as_user('cccccccc-0000-0000-0000-000000000004');
SELECT cardinality(tenancy.user_workspaces()),
       tenancy.user_has_workspace_access('00000000-0000-0000-0000-000000000bb8'),
       tenancy.user_has_workspace_access('00000000-0000-0000-0000-000000000bb9');
SELECT * FROM cache_memory.figures();
SELECT regress.as_user('cccccccc-0000-0000-0000-000000000001');
SELECT cardinality(tenancy.user_workspaces());
SELECT * FROM cache_memory.figures();

-- A lowered bound applies at the next fill: 64kB hold one such user.
SET tenancy.membership_cache_size = '64kB';
SELECT regress.as_user('cccccccc-0000-0000-0000-000000000003');
SELECT cardinality(tenancy.user_workspaces());
SELECT * FROM cache_memory.figures();
RESET tenancy.membership_cache_size;

SELECT regress.as_user(NULL);
DROP SCHEMA cache_memory CASCADE;
