# 25_pruning: what a user's query costs on a table partitioned per tenant
# (partition_by_tenant, 1,000 tenant partitions of 100 rows), under
# tenancy's policies, against the same query naming the user's tenants
# literally (which PostgreSQL prunes to those partitions when it plans).
#
# The user is an active member of 2 of the 1,000 tenants. Variants:
#   literal   the table's owner (not under RLS) with
#             WHERE tenant_id = ANY ('{t1,t2}'::uuid[])
#   policy    the application role under enable_isolation's policy
#             tenant_id = ANY (tenancy.user_workspaces()), no WHERE
#   unpruned  the same with tenancy.prune_tenant_partitions = off (every
#             partition planned and scanned)
# each in three protocols: pgbench's simple mode (planned per query),
# prepared mode (PostgREST's; the query has no parameter: the literal runs
# its one generic plan every time, the policy's generic plan holds the
# caller's set and is planned again for each execution), and bound
# (prepared mode with the query taking one parameter, `id > $1`, as
# PostgREST binds a filter's value: custom plans, then past the fifth
# execution the generic plan, which the literal keeps and the policy plans
# again for each execution). One transaction per query with the claims
# set as PostgREST sets them. TPS, the median of PRUNING_ROUNDS interleaved
# rounds (default 3) of BENCH_SECONDS (default 5), each run's TPS taken in
# steady state: without its connection's first PRUNING_WARMUP transactions
# (default 10; the first only, for a variant too slow to run 20), which
# fill the relation cache (1,000 partitions: about a
# second on the shared machine, paid once per connection) and, in bound
# mode, cover PostgreSQL's five custom plans before it settles.
# Issue 13 item 4's target: policy <= 1.2x literal in time (>= 0.83x TPS).

bench_login_role bench_app
psql -X -q -v ON_ERROR_STOP=1 <<'SQL'
CREATE EXTENSION tenancy;
CREATE FUNCTION bench_tenant(n int) RETURNS uuid LANGUAGE sql IMMUTABLE
  AS $$ SELECT ('cccccccc-0000-4000-8000-' || lpad(n::text, 12, '0'))::uuid $$;
CREATE TABLE members (tenant_id uuid NOT NULL, user_id uuid NOT NULL,
                      PRIMARY KEY (user_id, tenant_id));
INSERT INTO members VALUES (bench_tenant(17), 'dddddddd-0000-4000-8000-000000000001'),
                           (bench_tenant(640), 'dddddddd-0000-4000-8000-000000000001');
SELECT tenancy.register_membership('members', 'tenant_id', 'user_id') IS NULL AS registered;
CREATE TABLE events (id bigint NOT NULL, tenant_id uuid NOT NULL, payload text NOT NULL)
  PARTITION BY LIST (tenant_id);
SELECT tenancy.partition_by_tenant('events', 'tenant_id') AS made;
SELECT count(tenancy.add_tenant_partition('events', bench_tenant(n))) AS tenant_partitions
  FROM generate_series(1, 1000) n;
INSERT INTO events SELECT g, bench_tenant(g % 1000 + 1), md5(g::text) FROM generate_series(1, 100000) g;
SELECT count(*) AS statements FROM tenancy.enable_isolation('events', 'tenant_id');
GRANT SELECT ON events, members TO bench_app;
VACUUM ANALYZE events;
ALTER DATABASE bench SET session_preload_libraries = 'tenancy';
SQL

CLAIMS="SELECT set_config('request.jwt.claims', '{\"sub\": \"dddddddd-0000-4000-8000-000000000001\"}', true);"
cat >"$BENCH_WORK/pruning_literal.sql" <<SQL
BEGIN;
$CLAIMS
SELECT count(*) FROM events WHERE tenant_id = ANY ('{cccccccc-0000-4000-8000-000000000017,cccccccc-0000-4000-8000-000000000640}'::uuid[]);
END;
SQL
cat >"$BENCH_WORK/pruning_policy.sql" <<SQL
BEGIN;
$CLAIMS
SELECT count(*) FROM events;
END;
SQL
cat >"$BENCH_WORK/pruning_unpruned.sql" <<SQL
BEGIN;
$CLAIMS
SET LOCAL tenancy.prune_tenant_partitions = off;
SELECT count(*) FROM events;
END;
SQL
# the same queries with one bound parameter (\set makes it $1 in prepared mode)
for variant in literal policy unpruned; do
	{
		echo '\set low 0'
		sed -e 's/FROM events/FROM events WHERE id > :low/' -e 's/WHERE id > :low WHERE/WHERE id > :low AND/' \
			"$BENCH_WORK/pruning_$variant.sql"
	} >"$BENCH_WORK/pruning_${variant}_bound.sql"
done
# the two queries see the same 200 rows (grep reads psql's output to the
# end: grep -q could stop before the last line, and psql, its pipe closed,
# would fail the workload)
psql -X -At -v ON_ERROR_STOP=1 -f "$BENCH_WORK/pruning_literal.sql" | grep -x 200 >/dev/null
psql -X -At -v ON_ERROR_STOP=1 -U bench_app -f "$BENCH_WORK/pruning_policy.sql" | grep -x 200 >/dev/null
scanned=$(psql -X -At -U bench_app -c "BEGIN" -c "$CLAIMS" \
	-c "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT count(*) FROM events" -c "END" |
	grep -cE 'Scan .*on events_' || true)
echo "  partitions scanned under the policy: $scanned"
scanned=$(psql -X -At -U bench_app -c "BEGIN" -c "$CLAIMS" \
	-c "PREPARE bound(int) AS SELECT count(*) FROM events WHERE id > \$1" \
	-c "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) EXECUTE bound(0)" -c "END" |
	grep -cE 'Scan .*on events_' || true)
echo "  partitions in the plan under the policy, bound: $scanned"

# backend_cpu_ticks PID: the backend's user + system CPU time, in clock
# ticks (nothing when it has gone)
backend_cpu_ticks() {
	awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || true
}

# pruning_run VARIANT MODE: prints "TPS CPU": the steady-state TPS, and the
# backend's CPU time per transaction in microseconds (from its /proc
# counters, from the first second for BENCH_SECONDS - 2 seconds; 0
# when BENCH_SECONDS is under 3 or the client had not connected after a
# second), which the machine's load disturbs less than wall time.
pruning_run() {
	local variant=$1 mode=$2 user=postgres script=$BENCH_WORK/pruning_$1.sql protocol=$2
	[ "$variant" = literal ] || user=bench_app
	[ "$mode" != bound ] || { script=$BENCH_WORK/pruning_${variant}_bound.sql protocol=prepared; }
	local out=$BENCH_WORK/pgbench-pruning-$variant-$mode.log prefix=$BENCH_WORK/tx-pruning-$variant-$mode
	local seconds=${BENCH_SECONDS:-5} pid="" ticks0=0 ticks1=0 t0=0 t1=0
	rm -f "$prefix".*
	"$BENCH_BINDIR/pgbench" -n -M "$protocol" -c 1 -j 1 -T "$seconds" \
		-f "$script" -U "$user" -l --log-prefix="$prefix" >"$out" 2>&1 &
	local bench=$!
	if [ "$seconds" -ge 3 ]; then
		sleep 1
		pid=$(psql -X -At -c "SELECT pid FROM pg_stat_activity WHERE application_name = 'pgbench' AND usename = '$user' LIMIT 1")
	fi
	# not connected yet (a loaded machine): no CPU figure for this run
	if [ -n "$pid" ]; then
		t0=$(date +%s.%N) ticks0=$(backend_cpu_ticks "$pid")
		sleep "$((seconds - 2))"
		t1=$(date +%s.%N) ticks1=$(backend_cpu_ticks "$pid")
	fi
	[ -n "$ticks0" ] && [ -n "$ticks1" ] || t0=0 t1=0 ticks0=0 ticks1=0
	wait "$bench" || { cat "$out" >&2; return 1; }
	# steady state: one client, so TPS = 1 / mean latency, without the first
	# PRUNING_WARMUP transactions (default 10) of the connection (only the
	# first when a slow variant ran fewer than twice as many)
	cat "$prefix".* | awk -v warmup="${PRUNING_WARMUP:-10}" -v t0="$t0" -v t1="$t1" \
		-v ticks="$((ticks1 - ticks0))" -v hz="$(getconf CLK_TCK)" '
		{ latency[NR] = $3; at = $5 + $6 / 1e6; if (at >= t0 && at <= t1) inside++ }
		END {
			skip = NR > 2 * warmup ? warmup : 1
			for (i = skip + 1; i <= NR; i++) { n++; us += latency[i] }
			tps = (n > 0 && us > 0) ? n * 1e6 / us : 0
			cpu = (inside > 0) ? ticks * 1e6 / hz / inside : 0
			printf "%.2f %.2f", tps, cpu
		}'
}
declare -A PRUNING_TPS PRUNING_CPU
for ((round = 1; round <= ${PRUNING_ROUNDS:-3}; round++)); do
	for mode in simple prepared bound; do
		for variant in literal policy unpruned; do
			run=$(pruning_run "$variant" "$mode")
			read -r tps cpu <<<"$run"
			printf '  round %d %-36s %12.2f tps %10.2f us CPU/tx\n' "$round" "pruning.$mode.$variant" "$tps" "$cpu"
			PRUNING_TPS[$mode.$variant]+="$tps "
			[ "$cpu" = 0.00 ] || PRUNING_CPU[$mode.$variant]+="$cpu "
		done
	done
done
for mode in simple prepared bound; do
	for variant in literal policy unpruned; do
		# shellcheck disable=SC2086 # the rounds' values, one word each
		record_median "pruning.$mode.$variant" tps ${PRUNING_TPS[$mode.$variant]}
		# shellcheck disable=SC2086
		record_median "pruning.$mode.$variant.cpu" us ${PRUNING_CPU[$mode.$variant]}
	done
done
for mode in simple prepared bound; do
	compare "pruning.$mode.policy" "pruning.$mode.literal" ">= 0.83x (<= 1.2x time)"
done
for mode in simple prepared bound; do
	compare "pruning.$mode.policy.cpu" "pruning.$mode.literal.cpu" "<= 1.2x (server CPU per transaction)"
done
for mode in simple prepared bound; do
	compare "pruning.$mode.policy" "pruning.$mode.unpruned" "(the gain of pruning)"
done
