# lib.sh: measurement helpers for bench/workloads/*.sh.
#
# A workload records measurements with measure_tps / measure_ms, then
# compares them with compare (ratio = value / baseline, with the target the
# issue names). Everything is measured in the same run on the same cluster.

declare -A BENCH_VALUE BENCH_UNIT
BENCH_ROWS=()

# bench_login_role NAME: the login role a workload's clients connect as,
# made unless it exists (roles outlive a workload's database).
bench_login_role() {
	psql -X -q -v ON_ERROR_STOP=1 -v role="$1" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN', :'role')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'role') \gexec
SQL
}

# bench_settle: VACUUM ANALYZE the workload's database until every table
# of it has all its pages marked all-visible (relallvisible = relpages),
# at most five times. A VACUUM that finds a page pinned (autovacuum's own
# ANALYZE of the freshly loaded table, running alongside) cannot mark it,
# and an index-only scan then fetches those pages' rows from the heap: of
# two tables loaded alike, one could be read with 1,000 heap fetches and
# the other with none, which a comparison of the two must not measure.
bench_settle() {
	local i left
	for ((i = 0; i < 5; i++)); do
		psql -X -q -c "VACUUM ANALYZE"
		left=$(psql -X -q -At -c "SELECT string_agg(c.oid::regclass::text, ', ')
			FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
			WHERE c.relkind = 'r' AND c.relpages > 0 AND c.relallvisible < c.relpages
			  AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')")
		[ -n "$left" ] || return 0
	done
	echo "bench_settle: not all-visible after 5 VACUUMs: $left" >&2
}

# audit_oltp_script TABLE: the pgbench script of the audit workloads' OLTP
# transaction (40_audit, 41_audit_read): one insert and one update of TABLE
# (id, workspace_id, v, note), workspaces spread over 1,000 ids.
audit_oltp_script() {
	cat <<SQL
\\set id random(1, 100000)
\\set ws random(0, 999)
BEGIN;
INSERT INTO $1 (workspace_id, v, note)
  VALUES (('00000000-0000-0000-0000-' || lpad(:ws::text, 12, '0'))::uuid, :id, 'new');
UPDATE $1 SET v = v + 1 WHERE id = :id;
END;
SQL
}

# measure_tps NAME SCRIPT [CLIENTS] [extra pgbench args...]: pgbench TPS.
measure_tps() {
	local name=$1 script=$2 clients=${3:-2}
	shift 3 || shift $#
	local out=$BENCH_WORK/pgbench-$name.log
	"$BENCH_BINDIR/pgbench" -n -M prepared -c "$clients" -j "$clients" \
		-T "${BENCH_SECONDS:-10}" -f "$script" "$@" >"$out" 2>&1 ||
		{ cat "$out"; return 1; }
	local tps
	tps=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$out")
	bench_record "$name" "$tps" "tps"
}

# measure_ms NAME SQL [REPEATS]: median wall time of SQL, in ms.
measure_ms() {
	local name=$1 sql=$2 repeats=${3:-5} i
	local times=()
	for ((i = 0; i < repeats; i++)); do
		times+=("$(psql -X -q -At -c '\timing on' -c "$sql" 2>&1 |
			sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | tail -n 1)")
	done
	record_median "$name" ms "${times[@]}"
}

# measure_p99 NAME SCRIPT [CLIENTS] [extra pgbench args...]: the 99th
# percentile of per-transaction latency (pgbench --log), in ms. The query
# mode is pgbench's default (simple) unless the extra args name one.
measure_p99() {
	local name=$1 script=$2 clients=${3:-2}
	shift 3 || shift $#
	local prefix=$BENCH_WORK/p99-$name
	rm -f "$prefix".*
	"$BENCH_BINDIR/pgbench" -n -c "$clients" -j "$clients" \
		-T "${BENCH_SECONDS:-10}" -f "$script" -l --log-prefix="$prefix" "$@" \
		>"$BENCH_WORK/pgbench-$name.log" 2>&1 || { cat "$BENCH_WORK/pgbench-$name.log"; return 1; }
	local p99
	p99=$(cat "$prefix".* | awk '{print $3}' | sort -n |
		awk '{a[NR]=$1} END {i = int(NR * 0.99); if (i < 1) i = 1; printf "%.3f", a[i] / 1000}')
	bench_record "$name" "$p99" "ms"
}

# record_median NAME UNIT VALUE...: records the median of the values
# (repeats of one measurement, or rounds taken in turn with its baselines,
# so that a disturbance of the shared machine hits all of them alike).
record_median() {
	local name=$1 unit=$2
	shift 2
	bench_record "$name" "$(printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')" "$unit"
}

bench_record() {
	BENCH_VALUE[$1]=$2
	BENCH_UNIT[$1]=$3
	printf '  %-44s %12.2f %s\n' "$1" "$2" "$3"
}

# compare NAME BASELINE TARGET: adds a result row with value / baseline.
compare() {
	BENCH_ROWS+=("$1|$2|$3")
}

bench_print_results() {
	echo
	printf '%-40s %12s %-4s %-34s %8s  %s\n' measurement value unit baseline ratio target
	local row name base target ratio
	for row in "${BENCH_ROWS[@]}"; do
		IFS='|' read -r name base target <<<"$row"
		ratio=$(awk -v a="${BENCH_VALUE[$name]}" -v b="${BENCH_VALUE[$base]}" \
			'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "n/a" }')
		printf '%-40s %12.2f %-4s %-34s %8s  %s\n' "$name" "${BENCH_VALUE[$name]}" \
			"${BENCH_UNIT[$name]}" "$base" "$ratio" "$target"
	done
}
