#!/usr/bin/env bash
# test/crash/partitions.sh: kill the backend running run_maintenance in the
# middle of a run (SIGKILL: the postmaster restarts every backend, as after
# a crash), then check that what was committed stands, nothing is half-made,
# and the next run completes. Run by scripts/test against its cluster
# (PGHOST/PGPORT/PGUSER set); prints "ok N - ..." / "not ok N - ..." lines.
set -uo pipefail
DB=crash_partitions
n=0 failed=0
check() { # check DESCRIPTION SQL: the SQL must return t
	n=$((n + 1))
	local got
	got=$(psql -X -At -d "$DB" -c "$2" 2>&1)
	if [ "$got" = t ]; then echo "ok $n - $1"; else echo "not ok $n - $1 (got: $got)"; failed=1; fi
}
wait_for() { # wait_for SQL: polls (up to 60 s) until the SQL returns t
	local i
	for ((i = 0; i < 600; i++)); do
		[ "$(psql -X -At -d "$DB" -c "$1" 2>/dev/null)" = t ] && return 0
		sleep 0.1
	done
	return 1
}

psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB" || exit 1
psql -X -q -d "$DB" -v ON_ERROR_STOP=1 >/dev/null <<'SQL' || exit 1
CREATE EXTENSION tenancy;
CREATE TABLE ev (at timestamptz NOT NULL, v int) PARTITION BY RANGE (at);
SELECT tenancy.partition_by_time('ev', 'at', '1 day', 2, now() - interval '20 days');
INSERT INTO ev VALUES ('2999-01-01', 1), (now() - interval '15 days', 2), (now(), 3);
-- due: 10 partitions to drop (keep 10 days) and 10 to premake
SELECT tenancy.set_retention('ev', '10 days');
UPDATE tenancy.partition_config SET premake = 12;
CREATE TABLE expected_rows AS SELECT v FROM ev WHERE at >= now() - interval '9 days' OR at > '2100-01-01';
SQL

# A reader holds a lock on the 4th partition to drop: the run commits three
# drops, then waits for it (lock_wait 1 min), and is killed there.
blocked=$(psql -X -At -d "$DB" -c "SELECT child FROM tenancy._partition_children('ev', 'timestamptz')
    WHERE NOT is_default ORDER BY lower OFFSET 3 LIMIT 1")
mkfifo "$PWD/crash-hold.$$" 2>/dev/null || true
hold=$PWD/crash-hold.$$
( echo "BEGIN; LOCK TABLE $blocked IN ACCESS SHARE MODE; SELECT 'locked';"; cat "$hold" ) |
	psql -X -q -At -d "$DB" >/dev/null 2>&1 &
holder=$!
exec 3>"$hold"
wait_for "SELECT EXISTS (SELECT 1 FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
    WHERE c.relname = '$blocked' AND l.granted AND l.mode = 'AccessShareLock')" ||
	{ echo "not ok - the reader never got its lock"; exit 1; }

PGAPPNAME=crash_maintenance psql -X -q -d "$DB" -c "CALL tenancy.run_maintenance(lock_wait => '1min')" \
	>/dev/null 2>&1 &
maint=$!
wait_for "SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE application_name = 'crash_maintenance'
    AND wait_event_type = 'Lock')" || { echo "not ok - maintenance never blocked"; exit 1; }
pid=$(psql -X -At -d postgres -c "SELECT pid FROM pg_stat_activity WHERE application_name = 'crash_maintenance'")
kill -KILL "$pid"
wait "$maint" 2>/dev/null
exec 3>&-
wait "$holder" 2>/dev/null
rm -f "$hold"
# the postmaster reinitialises after a backend crash; wait until it accepts
# connections again on fresh shared memory (the killed pid is gone)
wait_for "SELECT NOT pg_is_in_recovery() AND NOT EXISTS (SELECT 1 FROM pg_stat_activity WHERE pid = $pid)" ||
	{ echo "not ok - the server did not come back"; exit 1; }

check "the three drops committed before the kill stand" \
	"SELECT count(*) = 10 - 3 FROM tenancy._partition_children('ev', 'timestamptz') ch
	  WHERE NOT ch.is_default AND ch.upper <= (now() - interval '10 days') AT TIME ZONE 'UTC'"
check "no half-made partition: every ev_p table is attached" \
	"SELECT NOT EXISTS (SELECT 1 FROM pg_class c WHERE c.relname ~ '^ev_p\d{8}$' AND NOT c.relispartition)"
check "the advisory lock died with the backend" \
	"SELECT NOT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory')"

psql -X -q -d "$DB" -c "CALL tenancy.run_maintenance()" || { echo "not ok - the next run failed"; failed=1; }
check "the next run completes without error" \
	"SELECT last_error IS NULL FROM tenancy.partition_status() WHERE parent = 'ev'::regclass"
check "nothing expired is left" \
	"SELECT NOT EXISTS (SELECT 1 FROM tenancy._partition_children('ev', 'timestamptz') ch
	  WHERE NOT ch.is_default AND ch.upper <= (now() - interval '10 days') AT TIME ZONE 'UTC')"
check "premake reaches 12 days ahead with no gap" \
	"SELECT count(*) = 11 + 12 AND max(lower) = date_trunc('day', now() AT TIME ZONE 'UTC') + interval '12 days'
	   FROM tenancy._partition_children('ev', 'timestamptz') WHERE NOT is_default
	    AND lower >= date_trunc('day', (now() - interval '10 days') AT TIME ZONE 'UTC')"
check "no pending constraint is left on the default" \
	"SELECT NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'ev_default'::regclass AND contype = 'c')"
check "every kept row is still there, the far one still in the default" \
	"SELECT (SELECT array_agg(v ORDER BY v) FROM ev) = (SELECT array_agg(v ORDER BY v) FROM expected_rows)
	    AND (SELECT array_agg(v) FROM ev_default) = '{1}'"
psql -X -q -d postgres -c "DROP DATABASE $DB"
exit $failed
