# requires extension: pg_partman
# 20_partitions: tenancy's partition maintenance side by side with
# pg_partman 4.7.2 on the same cluster: 100 daily-partitioned parents, 60
# days back and 30 ahead. Register, no-op maintenance, maintenance with 7
# days due per parent (7 to premake and 7 to drop), and the p99 latency of
# inserts while maintenance runs, with two controls: pg_partman's
# maintenance in the same loop, and a CPU-bound query.
psql -X -q -c 'CREATE EXTENSION tenancy' -c 'CREATE SCHEMA partman' \
	-c 'CREATE EXTENSION pg_partman SCHEMA partman'
psql -X -q <<'SQL'
DO $$
BEGIN
    FOR i IN 1..100 LOOP
        EXECUTE format('CREATE TABLE t_%s (at timestamptz NOT NULL, v int) PARTITION BY RANGE (at)', i);
        EXECUTE format('CREATE INDEX ON t_%s (at)', i);
        EXECUTE format('CREATE TABLE p_%s (at timestamptz NOT NULL, v int) PARTITION BY RANGE (at)', i);
        EXECUTE format('CREATE INDEX ON p_%s (at)', i);
    END LOOP;
END $$;
SQL

# Each parent in its own transaction (100 parents of 91 partitions in one
# transaction would exhaust max_locks_per_transaction).
time_sql_file() {
	local name=$1 file=$2 start end
	start=$(date +%s%N)
	psql -X -q -v ON_ERROR_STOP=1 -f "$file" >/dev/null
	end=$(date +%s%N)
	bench_record "$name" "$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", (b - a) / 1e6 }')" ms
}
for i in $(seq 1 100); do
	echo "SELECT tenancy.partition_by_time('t_$i', 'at', '1 day', 30, now() - interval '60 days');"
done >"$BENCH_WORK/register_tenancy.sql"
for i in $(seq 1 100); do
	echo "SELECT partman.create_parent('public.p_$i', 'at', 'native', 'daily', p_premake := 30,
	    p_start_partition := (now() - interval '60 days')::text, p_jobmon := false);"
done >"$BENCH_WORK/register_partman.sql"
time_sql_file part.register_tenancy "$BENCH_WORK/register_tenancy.sql"
time_sql_file part.register_partman "$BENCH_WORK/register_partman.sql"
compare part.register_tenancy part.register_partman "<= 1x"

measure_ms part.noop_tenancy "CALL tenancy.run_maintenance()" 5
measure_ms part.noop_partman "CALL partman.run_maintenance_proc(p_jobmon := false)" 5
compare part.noop_tenancy part.noop_partman "<= 0.5x"

# 7 days due per parent: 7 more days ahead and retention dropping the 7 oldest.
psql -X -q -c "UPDATE tenancy.partition_config SET premake = 37" \
	-c "SELECT tenancy.set_retention(parent, '53 days') FROM tenancy.partition_config" >/dev/null
psql -X -q -c "UPDATE partman.part_config SET premake = 37, retention = '53 days', retention_keep_table = false, infinite_time_partitions = true"
echo "CALL tenancy.run_maintenance();" >"$BENCH_WORK/due_tenancy.sql"
echo "CALL partman.run_maintenance_proc(p_jobmon := false);" >"$BENCH_WORK/due_partman.sql"
time_sql_file part.due_tenancy "$BENCH_WORK/due_tenancy.sql"
time_sql_file part.due_partman "$BENCH_WORK/due_partman.sql"
compare part.due_tenancy part.due_partman "<= 1x"
psql -X -At -c "SELECT 'tenancy partitions: ' || (SELECT count(*) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhparent WHERE c.relname LIKE 't\_%')
    || ', partman partitions: ' || (SELECT count(*) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhparent WHERE c.relname LIKE 'p\_%')"

# p99 of inserts alone, then while maintenance keeps making a partition
# per parent (100 ATTACHes a run) in a loop.
cat >"$BENCH_WORK/insert.sql" <<'SQL'
\set i random(1, 100)
INSERT INTO t_:i VALUES (now(), :i);
SQL
cat >"$BENCH_WORK/insert_partman.sql" <<'SQL'
\set i random(1, 100)
INSERT INTO p_:i VALUES (now(), :i);
SQL
# loop_until_stopped SQL...: runs the statements (one psql session each
# round, as pg_cron would) until $stop exists.
stop=$BENCH_WORK/stop-maintenance
loop_until_stopped() {
	local args=() q
	for q in "$@"; do args+=(-c "$q"); done
	while [ ! -e "$stop" ]; do psql -X -q "${args[@]}" >/dev/null; done
}
# sample_waits NAME: what the pgbench backends wait on, every 10 ms for the
# length of a pgbench run; records the samples waiting on a heavyweight lock.
sample_waits() {
	psql -X -q -At >"$BENCH_WORK/waits-$1.txt" <<SQL
CREATE TEMP TABLE s (wait text);
DO \$\$
BEGIN
    FOR i IN 1 .. ${BENCH_SECONDS:-10} * 90 LOOP
        INSERT INTO s SELECT coalesce(wait_event_type || ':' || wait_event, state)
          FROM pg_stat_activity WHERE application_name = 'pgbench' AND state = 'active';
        PERFORM pg_sleep(0.01);
        PERFORM pg_stat_clear_snapshot(); -- else the backend list stays as first read
    END LOOP;
END \$\$;
SELECT count(*) FILTER (WHERE wait LIKE 'Lock:%') || ' ' || count(*) || ' '
       || coalesce(string_agg(DISTINCT wait, ', '), '') FROM s;
SQL
}
measure_p99 part.insert_p99_quiet "$BENCH_WORK/insert.sql" 2
rm -f "$stop"
loop_until_stopped "UPDATE tenancy.partition_config SET premake = premake + 1" \
	"CALL tenancy.run_maintenance()" &
loop_pid=$!
sample_waits maintenance &
sample_pid=$!
measure_p99 part.insert_p99_maintenance "$BENCH_WORK/insert.sql" 2
touch "$stop"
wait "$loop_pid" "$sample_pid"
psql -X -At -c "SELECT 'maintenance runs made ' || max(premake) - 37 || ' partitions per parent during the insert run' FROM tenancy.partition_config"
read -r waited sampled kinds <"$BENCH_WORK/waits-maintenance.txt"
echo "  active insert backends sampled: $sampled, waiting on a lock: $waited (seen: ${kinds:-none})"
bench_record part.insert_lock_waits_maintenance "$waited" samples
compare part.insert_p99_maintenance part.insert_p99_quiet "<= 1.5x"

# The same maintenance loop, the inserts going to tables it does not touch
# (pg_partman's): what is left is the machine's share of the load, without
# the partition descriptor each ATTACH makes every inserting backend
# rebuild for the parent it changed.
rm -f "$stop"
loop_until_stopped "UPDATE tenancy.partition_config SET premake = premake + 1" \
	"CALL tenancy.run_maintenance()" &
loop_pid=$!
measure_p99 part.insert_p99_maintenance_elsewhere "$BENCH_WORK/insert_partman.sql" 2
touch "$stop"
wait "$loop_pid"

# Second control: pg_partman's maintenance in the same loop, with the
# inserts going to its tables (the same shape, 60 days back, 30 ahead).
measure_p99 part.insert_p99_quiet_partman "$BENCH_WORK/insert_partman.sql" 2
rm -f "$stop"
loop_until_stopped "UPDATE partman.part_config SET premake = premake + 1" \
	"CALL partman.run_maintenance_proc(p_jobmon := false)" &
loop_pid=$!
measure_p99 part.insert_p99_partman "$BENCH_WORK/insert_partman.sql" 2
touch "$stop"
wait "$loop_pid"
psql -X -At -c "SELECT 'pg_partman runs made ' || max(premake) - 37 || ' partitions per parent during the insert run' FROM partman.part_config"
compare part.insert_p99_maintenance_elsewhere part.insert_p99_quiet_partman "(tenancy, other tables written)"
compare part.insert_p99_partman part.insert_p99_quiet_partman "(pg_partman's own ratio)"
compare part.insert_p99_maintenance part.insert_p99_partman "~1x (pg_partman's maintenance)"

# Control: the same inserts next to a CPU-bound query that takes no lock
# the inserts could wait for. maintenance / cpu_load near 1x means what
# maintenance costs the inserts is CPU (on a small machine), not lock waits.
rm -f "$stop"
loop_until_stopped "SELECT count(*) FROM generate_series(1, 2000000)" &
loop_pid=$!
measure_p99 part.insert_p99_cpu_load "$BENCH_WORK/insert.sql" 2
touch "$stop"
wait "$loop_pid"
compare part.insert_p99_maintenance part.insert_p99_cpu_load "~1x (no lock waits)"
