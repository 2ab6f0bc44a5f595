-- partition_hooks: per-parent hooks (src/partitions/hooks.sql) and the
-- audit log registered for time partitions at installation (issue 13,
-- item 6 and its design note).
\set SHOW_CONTEXT never
CREATE SCHEMA part_hooks;
CREATE ROLE part_hooks_owner;

-- The partition manager names no client: none of its functions calls or
-- names anything of the audit capability (tenancy.audit_log, seal_audit,
-- _audit_suppress ...); the audit capability registered its hooks at install.
SELECT p.proname FROM pg_proc p
 WHERE p.pronamespace = 'tenancy'::regnamespace
   AND (p.proname LIKE '\_partition\_%' OR p.proname IN ('partition_by_time', 'set_retention', 'run_maintenance'))
   AND p.prosrc ~* 'tenancy\.\w*audit';
SELECT parent, event, hook, installed FROM tenancy.partition_hooks ORDER BY event, hook::text;

-- The log is registered by CREATE EXTENSION itself: retention on it works
-- at once in a fresh install (a database of its own).
\set regress_db :DBNAME
CREATE DATABASE part_hooks_fresh;
\c part_hooks_fresh
CREATE EXTENSION tenancy;
SELECT parent, kind, control, step, premake, with_default, installed FROM tenancy.partition_config;
SELECT tenancy.set_retention('tenancy.audit_log', '2 years');
SELECT parent, retention FROM tenancy.partition_status();
\c :regress_db
DROP DATABASE part_hooks_fresh;

-- A restore loads the dumped row of the log (its retention as it was)
-- after CREATE EXTENSION registered the log again: it replaces that row.
BEGIN;
SET LOCAL row_security = off;
COPY tenancy.partition_config (parent, kind, control, step, premake, with_default, retention,
                               retention_action, installed) FROM stdin;
tenancy.audit_log	time	logged_at	1 mon	5	t	3 years	drop	t
\.
SELECT parent, premake, retention, installed FROM tenancy.partition_config
 WHERE parent = 'tenancy.audit_log'::regclass;
ROLLBACK;
-- and a user's row still cannot be registered twice
SELECT state, message FROM regress.caught($$INSERT INTO tenancy.partition_config (parent, kind, control)
                                             VALUES ('tenancy.tenants', 'tenant', 'id'),
                                                    ('tenancy.tenants', 'tenant', 'id')$$);

-- Registration: a superuser only, a known event, the event's arguments, a
-- pinned search_path; each refusal registers nothing.
CREATE TABLE part_hooks.events (id int, at timestamptz NOT NULL) PARTITION BY RANGE (at);
CREATE TABLE part_hooks.calls (event text, parent regclass, relation regclass, moving boolean);
CREATE FUNCTION part_hooks.on_new_child(parent regclass, child regclass) RETURNS void
LANGUAGE sql SET search_path = pg_catalog, pg_temp
AS $$ INSERT INTO part_hooks.calls VALUES ('new_child', parent, child) $$;
CREATE FUNCTION part_hooks.on_run(parent regclass) RETURNS void
LANGUAGE sql SET search_path = pg_catalog, pg_temp
AS $$ INSERT INTO part_hooks.calls VALUES ('before_run', parent) $$;
CREATE FUNCTION part_hooks.on_moving(relation regclass, moving boolean) RETURNS void
LANGUAGE sql SET search_path = pg_catalog, pg_temp
AS $$ INSERT INTO part_hooks.calls VALUES ('moving_rows', NULL, relation, moving) $$;
CREATE TABLE part_hooks.retire_allowed (ok boolean);
-- refuses until a row is in retire_allowed
CREATE FUNCTION part_hooks.before_retire(parent regclass, child regclass) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM part_hooks.retire_allowed) THEN
    RAISE EXCEPTION 'retirement refused by the hook';
  END IF;
  INSERT INTO part_hooks.calls VALUES ('before_retire', parent, child);
END $$;
CREATE FUNCTION part_hooks.unpinned(parent regclass) RETURNS void
LANGUAGE sql AS $$ SELECT $$;
SELECT * FROM regress.caught($$SELECT tenancy.partition_hook('part_hooks.events', NULL,
                                                             'part_hooks.on_run(regclass)')$$);
SELECT * FROM regress.caught($$SELECT tenancy.partition_hook('part_hooks.events', 'after_retire',
                                                             'part_hooks.on_run(regclass)')$$);
SELECT * FROM regress.caught($$SELECT tenancy.partition_hook('part_hooks.events', 'new_child',
                                                             'part_hooks.on_run(regclass)')$$);
SELECT * FROM regress.caught($$SELECT tenancy.partition_hook('part_hooks.events', 'before_run',
                                                             'part_hooks.unpinned(regclass)')$$);
-- a role granted every partition call, this one included, is refused
SELECT regress.grant_partition_calls('part_hooks_owner', 'partition_hook');
GRANT USAGE ON SCHEMA part_hooks TO part_hooks_owner;
SET ROLE part_hooks_owner;
SELECT * FROM regress.caught($$SELECT tenancy.partition_hook('part_hooks.events', 'before_run',
                                                             'part_hooks.on_run(regclass)')$$);
RESET ROLE;
SELECT count(*) AS registered FROM tenancy.partition_hooks WHERE parent = 'part_hooks.events'::regclass;

SELECT tenancy.partition_hook('part_hooks.events', 'new_child', 'part_hooks.on_new_child(regclass, regclass)');
SELECT tenancy.partition_hook('part_hooks.events', 'before_run', 'part_hooks.on_run(regclass)');
SELECT tenancy.partition_hook('part_hooks.events', 'before_retire',
                              'part_hooks.before_retire(regclass, regclass)');
SELECT tenancy.partition_hook('part_hooks.events', 'moving_rows', 'part_hooks.on_moving(regclass, boolean)');
-- again: nothing new
SELECT tenancy.partition_hook('part_hooks.events', 'before_run', 'part_hooks.on_run(regclass)');
SELECT event, hook FROM tenancy.partition_hooks WHERE parent = 'part_hooks.events'::regclass ORDER BY event;

-- new_child runs for every child the manager makes; moving_rows around
-- the move of rows out of the default (here, a row already there).
CREATE TABLE part_hooks.events_default PARTITION OF part_hooks.events DEFAULT;
INSERT INTO part_hooks.events VALUES (1, now());
SELECT tenancy.partition_by_time('part_hooks.events', 'at', '1 month', premake => 1,
                                 start_at => now() - interval '3 months') > 0 AS made;
SELECT (SELECT count(*) FROM part_hooks.calls WHERE event = 'new_child')
     = (SELECT count(*) FROM pg_inherits i WHERE i.inhparent = 'part_hooks.events'::regclass
           AND i.inhrelid <> 'part_hooks.events_default'::regclass) AS one_call_per_child,
       (SELECT bool_and(parent = 'part_hooks.events'::regclass AND pg_partition_root(relation) = parent)
          FROM part_hooks.calls WHERE event = 'new_child') AS called_with_parent_and_child;
SELECT event, relation, moving FROM part_hooks.calls WHERE event = 'moving_rows';
SELECT count(*) AS left_in_default FROM part_hooks.events_default;
TRUNCATE part_hooks.calls;

-- before_retire: an error keeps the partition (the step fails, recorded,
-- retried next run); before_run runs once a run, before the plan.
SELECT tenancy.set_retention('part_hooks.events', '1 month');
CREATE TEMP TABLE expired AS
SELECT i.inhrelid::regclass AS child FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
 WHERE i.inhparent = 'part_hooks.events'::regclass
   AND (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'TO \(''([^'']*)''\)'))[1]::timestamptz
       <= now() - interval '1 month';
SELECT count(*) > 0 AS some_expired FROM expired;
CALL tenancy.run_maintenance('part_hooks.events');
SELECT count(*) = (SELECT count(*) FROM expired) AS all_kept
  FROM expired e JOIN pg_class c ON c.oid = e.child;
SELECT last_error LIKE '%retirement refused by the hook%' AS recorded
  FROM tenancy.partition_status() WHERE parent = 'part_hooks.events'::regclass;
-- (not new_child: a run after midnight makes the next day's partition)
SELECT event, parent, relation FROM part_hooks.calls WHERE event <> 'new_child' ORDER BY event;
TRUNCATE part_hooks.calls;
INSERT INTO part_hooks.retire_allowed VALUES (true);
-- a day may end before the run: it then retires one more partition than
-- expired holds, so the calls are counted against the partitions gone
CREATE TEMP TABLE children_before_run AS
SELECT i.inhrelid AS child FROM pg_inherits i WHERE i.inhparent = 'part_hooks.events'::regclass;
CALL tenancy.run_maintenance('part_hooks.events');
SELECT count(*) AS still_there FROM expired e JOIN pg_class c ON c.oid = e.child;
SELECT (SELECT count(*) FROM part_hooks.calls WHERE event = 'before_retire')
     = (SELECT count(*) FROM children_before_run b WHERE NOT EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = b.child))
     AS one_call_per_retired,
       (SELECT count(*) FROM part_hooks.calls WHERE event = 'before_run') AS runs;
SELECT last_error FROM tenancy.partition_status() WHERE parent = 'part_hooks.events'::regclass;

-- A parent with before_retire hooks keeps its default's expired rows: they
-- would leave without their partition, unseen by the hook.
INSERT INTO part_hooks.events VALUES (2, now() - interval '2 years');
CALL tenancy.run_maintenance('part_hooks.events');
SELECT id FROM part_hooks.events_default ORDER BY id;

DELETE FROM tenancy.partition_hooks WHERE parent = 'part_hooks.events'::regclass;
DELETE FROM tenancy.partition_config WHERE parent = 'part_hooks.events'::regclass;
DELETE FROM tenancy.partition_state WHERE parent = 'part_hooks.events'::regclass;
DROP SCHEMA part_hooks CASCADE;
DROP TABLE expired;
DROP OWNED BY part_hooks_owner;
DROP ROLE part_hooks_owner;
