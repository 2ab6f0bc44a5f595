-- partition_limits: one call makes at most 2000 partitions. A far start_at
-- or a one-second step is refused before any work with 54000, naming the
-- count and the limit (docs/partitions.md, "Limits of one call"), and
-- changes nothing; steps retention would drop at once do not count.
\set SHOW_CONTEXT never
CREATE SCHEMA part_limits;
SET search_path = part_limits, public;
CREATE TABLE lim (at timestamptz NOT NULL) PARTITION BY RANGE (at);

-- 3000 days back (in hours: no daylight saving in the arithmetic), one-day
-- steps, premake 4: 3000 + 1 + 4 steps.
SELECT * FROM regress.caught($$SELECT tenancy.partition_by_time('lim', 'at', '1 day', 4,
                                                                now() - interval '72000 hours')$$);
-- one-second steps from an hour back: 3600 + 1 + 4
SELECT * FROM regress.caught($$SELECT tenancy.partition_by_time('lim', 'at', '1 second', 4,
                                                                now() - interval '1 hour')$$);
-- before the calendar starts: measured, not walked (the count depends on
-- today, so it is not shown)
SELECT state, regexp_replace(message, '\d+$', 'N') AS message
  FROM regress.caught($$SELECT tenancy.partition_by_time('lim', 'at', '1 second', 4, '4000-01-01 BC')$$);
-- nothing was registered or made
SELECT count(*) AS registered FROM tenancy.partition_config WHERE parent = 'lim'::regclass;
SELECT count(*) AS partitions FROM pg_inherits WHERE inhparent = 'lim'::regclass;

-- A registered set with retention: steps retention drops at once are not
-- counted, so an old start_at with a short window is fine (2 days kept,
-- premake 2: the steps from two days back to two ahead, today's made
-- already). The limit itself is tested in test/unit/partitions_test.cpp.
CREATE TABLE kept (at timestamptz NOT NULL) PARTITION BY RANGE (at);
SELECT tenancy.partition_by_time('kept', 'at', '1 day', 0);
SELECT tenancy.set_retention('kept', '48 hours');
SELECT tenancy.partition_by_time('kept', 'at', '1 day', 2, now() - interval '72000 hours') AS made;

DELETE FROM tenancy.partition_config WHERE parent = 'kept'::regclass;
DELETE FROM tenancy.partition_state WHERE parent = 'kept'::regclass;
DROP SCHEMA part_limits CASCADE;
