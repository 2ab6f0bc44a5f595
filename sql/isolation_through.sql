-- isolation_through: enable_isolation(tbl, through => col) isolates a table
-- with no tenant column (a junction or child table) by its foreign key to an
-- isolated parent, or a chain of them; what each user then sees, the plan,
-- partitions made later, errors, and what happens when the parent's
-- isolation or the foreign key goes away.
SET client_min_messages = warning;
CREATE ROLE thr_owner;
CREATE ROLE thr_app;
GRANT USAGE ON SCHEMA tenancy TO thr_owner, thr_app;
RESET client_min_messages;
CREATE SCHEMA thr AUTHORIZATION thr_owner;
GRANT USAGE ON SCHEMA thr TO thr_app;
GRANT EXECUTE ON FUNCTION tenancy.enable_isolation(regclass, name, boolean, boolean, name, boolean, text),
                          tenancy.disable_isolation(regclass),
                          tenancy.isolation_report(name[]) TO thr_owner;
GRANT INSERT, UPDATE, DELETE ON tenancy.isolated_tables TO thr_owner;

CREATE TABLE thr.members (workspace_id uuid NOT NULL, user_id uuid NOT NULL, role text NOT NULL);
INSERT INTO thr.members VALUES
  ('00000000-0000-0000-0000-00000000000a', '00000000-0000-0000-0000-0000000000a1', 'owner'),
  ('00000000-0000-0000-0000-00000000000b', '00000000-0000-0000-0000-0000000000b1', 'owner');
SELECT tenancy.register_membership('thr.members', 'workspace_id', 'user_id', 'role');

SET ROLE thr_owner;
CREATE TABLE thr.customers (id int PRIMARY KEY, workspace_id uuid NOT NULL, name text);
CREATE TABLE thr.customer_tags (customer_id int NOT NULL REFERENCES thr.customers, tag text NOT NULL,
                                id int PRIMARY KEY);
CREATE TABLE thr.tag_notes (tag_link int NOT NULL REFERENCES thr.customer_tags, note text);
INSERT INTO thr.customers VALUES (1, '00000000-0000-0000-0000-00000000000a', 'a-cust'),
                                 (2, '00000000-0000-0000-0000-00000000000b', 'b-cust');
INSERT INTO thr.customer_tags VALUES (1, 'vip', 10), (1, 'late', 11), (2, 'vip', 20);
INSERT INTO thr.tag_notes VALUES (10, 'a note'), (20, 'b note');
-- a workspace of nobody's, large enough for the planner to probe one
-- parent per row rather than hash them all (the plans shown below)
INSERT INTO thr.customers SELECT i, '00000000-0000-0000-0000-00000000000c', 'c-cust'
  FROM generate_series(100, 4099) i;
INSERT INTO thr.customer_tags SELECT i, 'c-tag', i + 10000 FROM generate_series(100, 4099) i;
INSERT INTO thr.tag_notes SELECT i + 10000, 'c note' FROM generate_series(100, 4099) i;
GRANT SELECT, INSERT, UPDATE, DELETE ON thr.customers, thr.customer_tags, thr.tag_notes TO thr_app;

-- Before: the report names the leak and the call that fixes it.
SELECT table_name, problems, isolation FROM tenancy.isolation_report('{thr}') ORDER BY 1;

-- A parent that is not isolated is refused, with what to do.
SELECT * FROM regress.caught($$SELECT tenancy.enable_isolation('thr.customer_tags', through => 'customer_id')$$);
SELECT * FROM tenancy.enable_isolation('thr.customers');
SELECT * FROM tenancy.enable_isolation('thr.customer_tags', through => 'customer_id');
-- idempotent
SELECT * FROM tenancy.enable_isolation('thr.customer_tags', through => 'customer_id');
-- a chain: notes follow their tag link, which follows its customer
SELECT * FROM tenancy.enable_isolation('thr.tag_notes', through => 'tag_link');
RESET ROLE;
SELECT relid, tenant_column, policy_kind, through_parent, through_key, tenant_index
  FROM tenancy.isolated_tables WHERE relid::text LIKE 'thr.%' ORDER BY relid::text;

-- What each user sees, reads and writes.
SET ROLE thr_app;
BEGIN;
SELECT set_config('request.jwt.claims', '{"sub":"00000000-0000-0000-0000-0000000000a1"}', true);
SELECT id, customer_id, tag FROM thr.customer_tags ORDER BY id;
SELECT tag_link, note FROM thr.tag_notes ORDER BY tag_link;
INSERT INTO thr.customer_tags VALUES (1, 'new', 12);
SELECT * FROM regress.caught($$INSERT INTO thr.customer_tags VALUES (2, 'sneaky', 21)$$);
SELECT * FROM regress.caught($$UPDATE thr.customer_tags SET customer_id = 2 WHERE id = 10$$);
SELECT * FROM regress.caught($$INSERT INTO thr.tag_notes VALUES (20, 'sneaky')$$);
DELETE FROM thr.customer_tags WHERE id = 20;  -- not visible: deletes nothing
COMMIT;
BEGIN;
SELECT set_config('request.jwt.claims', '{"sub":"00000000-0000-0000-0000-0000000000b1"}', true);
SELECT id, customer_id, tag FROM thr.customer_tags ORDER BY id;
SELECT tag_link, note FROM thr.tag_notes ORDER BY tag_link;
COMMIT;
-- no claims: nothing
SELECT count(*) FROM thr.customer_tags;
RESET ROLE;
-- The parent row moving to another workspace takes its children along
-- (never stale: the parent's keys are read in every statement).
UPDATE thr.customers SET workspace_id = '00000000-0000-0000-0000-00000000000b' WHERE id = 1;
SET ROLE thr_app;
BEGIN;
SELECT set_config('request.jwt.claims', '{"sub":"00000000-0000-0000-0000-0000000000b1"}', true);
SELECT id, customer_id, tag FROM thr.customer_tags ORDER BY id;
COMMIT;
RESET ROLE;
UPDATE thr.customers SET workspace_id = '00000000-0000-0000-0000-00000000000a' WHERE id = 1;

-- A scan: the parent's keys are computed once per statement and are the
-- index condition on the junction's column, which answers the policy's
-- check exactly: no EXISTS is left to run per row (a count reads what a
-- denormalized tenant column's index would).
SET enable_seqscan = off;
SET ROLE thr_app;
EXPLAIN (COSTS OFF) SELECT * FROM thr.customer_tags WHERE tag = 'vip';
EXPLAIN (COSTS OFF) SELECT count(*) FROM thr.customer_tags;
-- A point lookup: the query's own equality is the index condition, the
-- check is its EXISTS alone (a probe of the parent's key per row, or on
-- tables this small the visible keys hashed once, as the planner costs
-- it) and the key list is never computed.
EXPLAIN (COSTS OFF) SELECT * FROM thr.customer_tags WHERE customer_id = 1;
-- A chain: the point lookup probes the tag link's row, and that row's
-- check is its EXISTS too: no level computes its key list.
EXPLAIN (COSTS OFF) SELECT * FROM thr.tag_notes WHERE tag_link = 10;
-- A join probing the junction once per outer row (a nested loop): the
-- probe reads the junction by the join's key, the key list is dropped from
-- it, and the check is its EXISTS: one parent probe per row, and the key
-- list is never computed.
SET enable_hashjoin = off;
SET enable_mergejoin = off;
EXPLAIN (COSTS OFF)
SELECT c.name, t.tag FROM thr.customers c JOIN thr.customer_tags t ON t.customer_id = c.id
 WHERE c.name = 'a-cust';
RESET enable_hashjoin;
RESET enable_mergejoin;
-- Without an index on the column the check is the EXISTS alone as well.
SET enable_indexscan = off;
SET enable_bitmapscan = off;
RESET enable_seqscan;
EXPLAIN (COSTS OFF) SELECT count(*) FROM thr.customer_tags;
RESET enable_indexscan;
RESET enable_bitmapscan;
RESET ROLE;
-- Point lookups see only the caller's rows: a1 looks up b's customer.
SET ROLE thr_app;
BEGIN;
SELECT set_config('request.jwt.claims', '{"sub":"00000000-0000-0000-0000-0000000000a1"}', true) IS NOT NULL AS claims_set;
SELECT id, tag FROM thr.customer_tags WHERE customer_id = 2;
SELECT id, tag FROM thr.customer_tags WHERE customer_id = 1 ORDER BY id;
SELECT tag_link, note FROM thr.tag_notes WHERE tag_link = 20;
-- A nested loop probing the junction for a1's customer and b's: b's tags
-- stay hidden (the probe's check is its EXISTS).
SET enable_hashjoin = off;
SET enable_mergejoin = off;
SELECT v.id, t.tag FROM (VALUES (1), (2)) v (id) JOIN thr.customer_tags t ON t.customer_id = v.id
 ORDER BY t.id;
RESET enable_hashjoin;
RESET enable_mergejoin;
-- The check called in one's own query with arguments that disagree may
-- answer either way for that condition only: the policy still hides b's rows.
SET enable_seqscan = off;
SELECT id FROM thr.customer_tags WHERE tenancy.through_keys_check(customer_id, ARRAY[1, 2], false) ORDER BY id;
SELECT id FROM thr.customer_tags WHERE tenancy.through_keys_check(customer_id, ARRAY[2], true) ORDER BY id;
RESET enable_seqscan;
SELECT id FROM thr.customer_tags WHERE tenancy.through_keys_check(customer_id, ARRAY[2], true) ORDER BY id;
COMMIT;
RESET ROLE;

-- A partition made later under a table isolated through a key follows the
-- same key.
SET ROLE thr_owner;
CREATE TABLE thr.visits (customer_id int NOT NULL REFERENCES thr.customers, day int NOT NULL)
  PARTITION BY RANGE (day);
CREATE TABLE thr.visits_1 PARTITION OF thr.visits FOR VALUES FROM (0) TO (10);
INSERT INTO thr.visits VALUES (1, 1), (2, 2);
SELECT count(*) FROM tenancy.enable_isolation('thr.visits', through => 'customer_id');
CREATE TABLE thr.visits_2 PARTITION OF thr.visits FOR VALUES FROM (10) TO (20);
GRANT SELECT ON thr.visits, thr.visits_2 TO thr_app;
RESET ROLE;
INSERT INTO thr.visits VALUES (1, 15), (2, 16);
SELECT polname, pg_get_expr(polqual, polrelid) FROM pg_policy
 WHERE polrelid = 'thr.visits_2'::regclass AND polname = 'tenancy_select';
SET ROLE thr_app;
BEGIN;
SELECT set_config('request.jwt.claims', '{"sub":"00000000-0000-0000-0000-0000000000b1"}', true);
SELECT * FROM thr.visits ORDER BY day;
SELECT count(*) AS b_rows_in_visits_2 FROM thr.visits_2;
COMMIT;
RESET ROLE;

-- Errors: nothing is changed by any of them.
CREATE TABLE thr.loose (customer_id int, parent_id int REFERENCES thr.loose (customer_id) , UNIQUE (customer_id));
CREATE TABLE thr.pair_parent (a int, b int, workspace_id uuid, PRIMARY KEY (a, b));
CREATE TABLE thr.pair_child (a int, b int, FOREIGN KEY (a, b) REFERENCES thr.pair_parent);
SELECT * FROM regress.caught($$SELECT tenancy.enable_isolation('thr.loose', through => 'no_such')$$);
SELECT * FROM regress.caught($$SELECT tenancy.enable_isolation('thr.loose', through => 'customer_id')$$);
SELECT * FROM regress.caught($$SELECT tenancy.enable_isolation('thr.loose', through => 'parent_id')$$);
SELECT * FROM regress.caught($$SELECT tenancy.enable_isolation('thr.pair_child', through => 'a')$$);
SELECT * FROM regress.caught($$SELECT tenancy.enable_isolation('thr.members', through => 'workspace_id')$$);
-- isolated through one column, a call naming another is refused
SELECT * FROM regress.caught($$SELECT tenancy.enable_isolation('thr.customer_tags')$$);
SELECT count(*) AS policies FROM pg_policy WHERE polrelid IN ('thr.loose'::regclass, 'thr.pair_child'::regclass);

-- The parent's isolation removed: the children keep filtering by the
-- parent's tenant column as it was (the policy names it), and the report
-- says so; the parent itself is then reported as leaking.
SET ROLE thr_owner;
SELECT count(*) FROM tenancy.disable_isolation('thr.customers');
RESET ROLE;
SET ROLE thr_app;
BEGIN;
SELECT set_config('request.jwt.claims', '{"sub":"00000000-0000-0000-0000-0000000000b1"}', true);
SELECT id, customer_id, tag FROM thr.customer_tags ORDER BY id;
COMMIT;
RESET ROLE;
-- The foreign key dropped: the policy still filters by the parent's rows
-- (a row whose parent is gone is visible to nobody), and the report says so.
ALTER TABLE thr.customer_tags DROP CONSTRAINT customer_tags_customer_id_fkey;
SELECT table_name, problems, isolation FROM tenancy.isolation_report('{thr}')
 WHERE table_name::text IN ('thr.customers', 'thr.customer_tags') ORDER BY 1;
-- The parent's tenant column cannot be dropped under the children's policies.
SELECT state, message FROM regress.caught($$ALTER TABLE thr.customers DROP COLUMN workspace_id$$);

-- disable_isolation removes exactly what enable_isolation added.
SET ROLE thr_owner;
SELECT * FROM tenancy.disable_isolation('thr.tag_notes');
RESET ROLE;

DROP SCHEMA thr CASCADE;
SELECT count(*) AS records_left FROM tenancy.isolated_tables WHERE relid::text LIKE 'thr.%';
REVOKE ALL ON tenancy.isolated_tables FROM thr_owner;
REVOKE ALL ON FUNCTION tenancy.enable_isolation(regclass, name, boolean, boolean, name, boolean, text),
                       tenancy.disable_isolation(regclass), tenancy.isolation_report(name[]) FROM thr_owner;
REVOKE USAGE ON SCHEMA tenancy FROM thr_owner, thr_app;
DROP ROLE thr_owner;
DROP ROLE thr_app;
