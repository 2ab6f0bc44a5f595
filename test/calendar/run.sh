#!/usr/bin/env bash
# test/calendar/run.sh WORK BINDIR [CLOCK...]: the calendar sweep. Runs the
# date-sensitive regress tests (test/calendar/schedule) and isolation specs
# (test/calendar/isolation_schedule) with their usual expected files, on a
# server whose clock is faked by libfaketime, once per clock of
# test/calendar/clocks (all of them, or those named). Run by scripts/test.
# BINDIR holds the server binaries of an install of the built extension
# (scripts/test's private tree, or /usr/lib/postgresql/15/bin after `make
# install`); running one clock by hand: docs/development.md.
#
# One throwaway cluster per clock. The server reads its clock offset from a
# file (FAKETIME_TIMESTAMP_FILE, re-read on every call), so the clock keeps
# running at real speed and is set again before each test: every test
# starts at its clock's START second and crosses the boundary that follows
# while it runs. Monotonic clocks are left alone. Before each test, now() as
# the server sees it is logged and checked: a server on the real clock fails
# the sweep instead of testing today.
#
# libfaketime hands the real time to a signal handler that interrupts a call
# it wraps (epoll_wait, poll, nanosleep), and PostgreSQL's SIGALRM handler
# compares that time with deadlines taken from the fake clock: a fake clock
# ahead of the real one would never fire lock_timeout or statement_timeout.
# So every clock lies in the past (refused otherwise), and each cluster
# first proves that statement_timeout fires.
# Prints "ok N - CLOCK/TEST" or "not ok N - CLOCK/TEST" per test; the diffs of
# failed tests are collected in WORK/calendar.diffs.
#
# Where the boundary falls inside a test depends on how fast the machine
# runs it: a race between two statements that read the date shows only
# when the boundary falls between them. CALENDAR_SHIFTS (milliseconds,
# space-separated, default 0) runs the tests once per shift, the clock
# started that much after START (before it, when negative): a list such as
# $(seq -s' ' -4000 20 900) puts the boundary 20 ms apart over the first
# five seconds of each test (the runs of a loaded machine need the wider
# range). With more than one shift, the regress tests of each shift run in
# order in a fresh copy of the database core set up, the roles they made
# dropped. CALENDAR_TESTS (test names, specs as spec:NAME) picks the tests,
# e.g. (partition_retention's made_from_2020 race, session 7, was hit
# once in these 63 runs):
#   CALENDAR_TESTS=partition_retention CALENDAR_SHIFTS="$(seq -s' ' -4000 40 -1500)" \
#     test/calendar/run.sh /tmp/cal BINDIR month_end_31
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
WORK=$1
BINDIR=$2
shift 2
source "$ROOT/scripts/lib/cluster.sh"

LIBFAKETIME=$(ls /usr/lib/*/faketime/libfaketime.so.1 2>/dev/null | head -n 1)
[ -n "$LIBFAKETIME" ] || { echo "calendar: libfaketime.so.1 not found (apt-get install libfaketime)" >&2; exit 1; }
# the server scripts/test chose (it exports PG_CONFIG), else Debian 12's 15
PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
PG_BINDIR=$("$PG_CONFIG" --bindir)
PGXS_DIR=$("$PG_CONFIG" --pkglibdir)/pgxs
PG_REGRESS=$PGXS_DIR/src/test/regress/pg_regress
PG_ISOLATION_REGRESS=$PGXS_DIR/src/test/isolation/pg_isolation_regress
DB=contrib_regression # the name pg_cron is configured for, as in scripts/test

mkdir -p "$WORK"
chmod 755 "$WORK"
DIFFS=$WORK/calendar.diffs
: >"$DIFFS"
n=0 failed=0
trap cluster_stop EXIT

SHIFTS=(${CALENDAR_SHIFTS:-0})
# scheduled FILE: its tests, or those of CALENDAR_TESTS (spec:NAME for a spec)
scheduled() {
	local t
	if [ -z "${CALENDAR_TESTS:-}" ]; then
		sed -n 's/^test:[[:space:]]*//p' "$1"
		return
	fi
	for t in $CALENDAR_TESTS; do
		case $1:$t in
		*isolation_schedule:spec:*) echo "${t#spec:}" ;;
		*isolation_schedule:*) ;;
		*:spec:*) ;;
		*) echo "$t" ;;
		esac
	done
}

# pg_regress exports PGTZ=PST8PDT to every psql it starts; this psql gives
# the regress sessions the clock's zone instead (isolationtester, which
# pg_isolation_regress finds next to itself, keeps PST8PDT).
mkdir -p "$WORK/bin"
cat >"$WORK/bin/psql" <<EOF
#!/bin/sh
PGTZ=\$CALENDAR_TZ exec "$PG_BINDIR/psql" "\$@"
EOF
chmod 755 "$WORK/bin/psql"

# set_clock DIR EPOCH [SHIFT_MS]: the server's clock reads EPOCH (plus
# SHIFT_MS milliseconds) now, and runs on from there: an offset from the real
# clock, to the microsecond (libfaketime reads a fraction with the C
# locale's point, which the server's is).
set_clock() {
	local now_us offset_us
	now_us=$(date +%s%6N)
	offset_us=$(($2 * 1000000 + ${3:-0} * 1000 - now_us))
	printf '%s%d.%06d\n' "$([ "$offset_us" -lt 0 ] && echo - || echo +)" \
		$((${offset_us#-} / 1000000)) $((${offset_us#-} % 1000000)) >"$1/faketime"
}

# check_clock CLOCKDIR EPOCH LABEL [SHIFT_MS]: the server's now() is EPOCH
# plus SHIFT_MS (within the second that the test starts in); logged, and
# fatal otherwise.
check_clock() {
	local seen
	seen=$("$PG_BINDIR/psql" -X -At -d postgres -c \
		"SELECT floor(extract(epoch FROM now()))::bigint || ' ' || now()::text")
	echo "$3: server now() = ${seen#* }" >>"$1/clock.log"
	local from=$(($2 * 1000 + ${4:-0}))
	if [ "${seen%% *}" -lt $((from / 1000)) ] || [ "${seen%% *}" -gt $((from / 1000 + 1)) ]; then
		echo "calendar: $3: the server's clock reads ${seen#* }, not $(date -u -d "@$2" '+%F %T') UTC;" \
			"libfaketime is not in effect, so the sweep would test the real date" >&2
		exit 1
	fi
}

# check_timeouts LABEL: statement_timeout cancels a sleep on the fake clock.
check_timeouts() {
	local got
	got=$("$PG_BINDIR/psql" -X -q -At -d postgres -v VERBOSITY=sqlstate \
		-c "SET statement_timeout = '100ms'" -c "SELECT pg_sleep(30)" 2>&1 || true)
	[ "$got" = "ERROR:  57014" ] ||
		{ echo "calendar: $1: statement_timeout does not fire on the fake clock (got: $got)" >&2; exit 1; }
}

# run_one CLOCKDIR EPOCH KIND NAME [SHIFT_MS]: one test alone, started at
# EPOCH (plus SHIFT_MS milliseconds).
run_one() {
	local dir=$1 epoch=$2 kind=$3 name=$4 shift_ms=${5:-0} runner label
	local out=$dir/$kind/$name
	label=$(basename "$dir")/$name
	if [ "${#SHIFTS[@]}" -gt 1 ]; then
		label=$label@${shift_ms}ms
		out=$out@$shift_ms
	fi
	# regress tests share the database core set up; each spec gets a fresh
	# one: the clock steps back to START before each test, and a database
	# an earlier spec used past the boundary holds state made on the later
	# date (audit_log_routing found the audit log registered from January on
	# under year_end, and its December row went to the default partition)
	local args=(--inputdir="$ROOT" --dbname="$DB" --use-existing)
	runner=$PG_REGRESS
	if [ "$kind" = isolation ]; then
		runner=$PG_ISOLATION_REGRESS
		args=(--inputdir="$ROOT/test/isolation" --dbname=isolation_regression)
	fi
	mkdir -p "$out"
	set_clock "$dir" "$epoch" "$shift_ms"
	check_clock "$dir" "$epoch" "$label" "$shift_ms"
	n=$((n + 1))
	if "$runner" "${args[@]}" --outputdir="$out" --bindir="$WORK/bin" \
		--host="$PGHOST" --port="$PGPORT" --user=postgres "$name" >"$out/run.log" 2>&1; then
		echo "ok $n - $label"
	else
		echo "not ok $n - $label"
		failed=$((failed + 1))
		{ echo "==== $label"; cat "$out/run.log" "$out/regression.diffs" 2>/dev/null; } >>"$DIFFS"
	fi
}

# fresh_database: the regress database and the roles as core left them (a
# copy of calendar_core, where core ran; the roles the tests made since,
# which outlive a database, dropped), for tests run once per shift.
fresh_database() {
	"$PG_BINDIR/psql" -X -q -d postgres -v ON_ERROR_STOP=1 -v core_roles="$CORE_ROLES" <<SQL >/dev/null
DROP DATABASE IF EXISTS $DB WITH (FORCE);
SELECT format('DROP ROLE %I', rolname) FROM pg_roles
 WHERE rolname <> ALL (:'core_roles'::name[]) ORDER BY rolname \gexec
CREATE DATABASE $DB TEMPLATE calendar_core;
SQL
}

# run_clock NAME START TIMEZONE
run_clock() {
	local name=$1 zone=$3 epoch dir test
	epoch=$(date -u -d "$2" +%s)
	[ "$epoch" -lt $(($(date +%s) - 3600)) ] ||
		{ echo "calendar: clock $name starts at $2, not in the past (see test/calendar/clocks)" >&2; exit 1; }
	dir=$WORK/$name
	mkdir -p "$dir"
	echo "+0" >"$dir/faketime"
	chmod 755 "$dir"
	chmod 644 "$dir/faketime"
	cat >"$dir/server.conf" <<CONF
shared_preload_libraries = 'pg_cron'
cron.database_name = '$DB'
timezone = '$zone'
log_timezone = '$zone'
CONF
	export CALENDAR_TZ=$zone
	# The server alone runs under libfaketime (initdb and pg_ctl see it too,
	# on the real clock until set_clock); the clients stay on the real clock.
	LD_PRELOAD=$LIBFAKETIME FAKETIME_TIMESTAMP_FILE=$dir/faketime FAKETIME_NO_CACHE=1 \
		FAKETIME_DONT_FAKE_MONOTONIC=1 NO_FAKE_STAT=1 \
		cluster_start "$dir" "$BINDIR" "$dir/server.conf"
	# The extension and the regress helpers, an hour before START.
	set_clock "$dir" $((epoch - 3600))
	# (with several shifts, into a template each regress run is copied from:
	# pg_cron's launcher stays connected to $DB, so $DB cannot be one)
	mkdir -p "$dir/setup"
	local setup_db=$DB
	if [ "${#SHIFTS[@]}" -gt 1 ]; then setup_db=calendar_core; fi
	"$PG_REGRESS" --inputdir="$ROOT" --outputdir="$dir/setup" --bindir="$WORK/bin" \
		--host="$PGHOST" --port="$PGPORT" --user=postgres --dbname="$setup_db" core \
		>"$dir/setup/run.log" 2>&1 ||
		{ echo "calendar: $name: core failed"; cat "$dir/setup/run.log" "$dir/setup/regression.diffs"; exit 1; }
	check_timeouts "$name"
	CORE_ROLES=$("$PG_BINDIR/psql" -X -At -d postgres -c "SELECT array_agg(rolname) FROM pg_roles")
	for shift_ms in "${SHIFTS[@]}"; do
		if [ "${#SHIFTS[@]}" -gt 1 ]; then fresh_database; fi
		for test in $(scheduled "$HERE/schedule"); do run_one "$dir" "$epoch" regress "$test" "$shift_ms"; done
		for test in $(scheduled "$HERE/isolation_schedule"); do run_one "$dir" "$epoch" isolation "$test" "$shift_ms"; done
	done
	cat "$dir/clock.log"
	cluster_stop
}

while read -r name start zone <&3; do
	case $name in '' | '#'*) continue ;; esac
	if [ $# -gt 0 ] && [[ " $* " != *" $name "* ]]; then continue; fi
	run_clock "$name" "$start" "$zone" </dev/null
done 3<"$HERE/clocks"
[ "$n" -gt 0 ] || { echo "calendar: no clock named $*" >&2; exit 1; }
echo "calendar: $n tests, $failed failed"
[ "$failed" -eq 0 ]
