\echo
\echo '=== Isolation tooling ==='
CREATE TABLE iso_members (workspace_id uuid NOT NULL, user_id uuid NOT NULL);
INSERT INTO iso_members VALUES
  ('ac3e0000-0000-0000-0000-000000000001', 'a0000000-0000-0000-0000-00000000a001'),  -- ann: Acme
  ('910be000-0000-0000-0000-000000000002', 'b0000000-0000-0000-0000-00000000b0b0'),  -- bob: Globex
  ('1417ec40-0000-0000-0000-000000000003', 'b0000000-0000-0000-0000-00000000b0b0');  -- bob: Initech
SELECT tenancy.register_membership('iso_members', 'workspace_id', 'user_id');

CREATE TABLE iso_notes (id int PRIMARY KEY, workspace_id uuid NOT NULL, body text);
CREATE TABLE iso_countries (code text PRIMARY KEY, name text);
CREATE TABLE iso_mixed (id int, workspace_id uuid, tenant_id uuid);
CREATE TABLE iso_events (workspace_id uuid NOT NULL, at date NOT NULL, what text)
  PARTITION BY RANGE (at);
CREATE TABLE iso_events_2026_11 PARTITION OF iso_events FOR VALUES FROM ('2026-11-01') TO ('2026-12-01');
INSERT INTO iso_notes VALUES
  (1, 'ac3e0000-0000-0000-0000-000000000001', 'Acme roadmap'),
  (2, '910be000-0000-0000-0000-000000000002', 'Globex salaries'),
  (3, '1417ec40-0000-0000-0000-000000000003', 'Initech TPS');
INSERT INTO iso_events VALUES
  ('ac3e0000-0000-0000-0000-000000000001', '2026-11-02', 'Acme launch'),
  ('910be000-0000-0000-0000-000000000002', '2026-11-03', 'Globex merger');
-- a junction table with no tenant column, and a materialized view
CREATE TABLE iso_note_tags (note_id int NOT NULL REFERENCES iso_notes, tag text NOT NULL);
INSERT INTO iso_note_tags VALUES (1, 'plan'), (2, 'secret'), (2, 'hr'), (3, 'reports');
CREATE MATERIALIZED VIEW iso_note_counts AS
  SELECT workspace_id, count(*) AS notes FROM iso_notes GROUP BY workspace_id;

\echo 'Which tables leak? (isolation_report: tables, views and materialized views)'
SELECT table_name, kind, tenant_columns, problems FROM tenancy.isolation_report()
 WHERE table_name::text LIKE 'iso\_%' ORDER BY table_name::text;

\echo 'One call puts a table under the four policies; it returns what it ran:'
SELECT * FROM tenancy.enable_isolation('iso_notes');
\echo 'A second call changes nothing:'
SELECT count(*) AS statements FROM tenancy.enable_isolation('iso_notes');
\echo 'A partitioned table: every partition too, and partitions made later:'
SELECT count(*) AS statements FROM tenancy.enable_isolation('iso_events');
CREATE TABLE iso_events_2026_12 PARTITION OF iso_events FOR VALUES FROM ('2026-12-01') TO ('2027-01-01');
SELECT c.relname AS partition, c.relrowsecurity AS rls, c.relforcerowsecurity AS forced,
       (SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid) AS policies
  FROM pg_partition_tree('iso_events') t JOIN pg_class c ON c.oid = t.relid ORDER BY 1;

\echo 'The junction table follows its note (through the foreign key), indexed:'
SELECT * FROM tenancy.enable_isolation('iso_note_tags', through => 'note_id');
\echo 'The materialized view is read through a filtering view; direct access is revoked:'
GRANT SELECT ON iso_note_counts TO PUBLIC;
SELECT * FROM tenancy.enable_isolation('iso_note_counts');
\echo 'Country codes are shared on purpose:'
SELECT tenancy.mark_global('iso_countries', 'ISO country codes');

\echo 'The report now:'
SELECT table_name, problems, isolation FROM tenancy.isolation_report()
 WHERE table_name::text LIKE 'iso\_%' ORDER BY table_name::text;

CREATE ROLE iso_app;
GRANT SELECT ON iso_notes, iso_note_tags, iso_events, iso_events_2026_11, iso_events_2026_12 TO iso_app;
\echo 'ann sees Acme only; bob sees Globex and Initech; also through a partition queried directly:'
BEGIN;
SET LOCAL ROLE iso_app;
SELECT set_config('request.jwt.claims', '{"sub": "a0000000-0000-0000-0000-00000000a001"}', true) IS NOT NULL AS ann;
SELECT id, body FROM iso_notes ORDER BY id;
SELECT note_id, tag FROM iso_note_tags ORDER BY note_id, tag;
SELECT notes FROM iso_note_counts_isolated;
SELECT what FROM iso_events_2026_11;
COMMIT;
BEGIN;
SET LOCAL ROLE iso_app;
SELECT set_config('request.jwt.claims', '{"sub": "b0000000-0000-0000-0000-00000000b0b0"}', true) IS NOT NULL AS bob;
SELECT id, body FROM iso_notes ORDER BY id;
SELECT note_id, tag FROM iso_note_tags ORDER BY note_id, tag;
SELECT notes FROM iso_note_counts_isolated;
SELECT what FROM iso_events_2026_11;
COMMIT;

\echo 'disable_isolation removes exactly what was added:'
SELECT * FROM tenancy.disable_isolation('iso_note_tags');
SELECT * FROM tenancy.disable_isolation('iso_notes');

DROP MATERIALIZED VIEW iso_note_counts CASCADE;
DROP TABLE iso_note_tags, iso_notes, iso_countries, iso_mixed, iso_events, iso_members;
DROP ROLE iso_app;
