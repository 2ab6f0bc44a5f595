# 00_call_overhead: the cost of calling into tenancy's C++ through the
# error boundary, against a plain SELECT on the same cluster.
psql -X -q -c 'CREATE EXTENSION tenancy'
cat >"$BENCH_WORK/select1.sql" <<'SQL'
SELECT 1;
SQL
cat >"$BENCH_WORK/version.sql" <<'SQL'
SELECT tenancy.version();
SQL
measure_tps call.select_1 "$BENCH_WORK/select1.sql" 2
measure_tps call.tenancy_version "$BENCH_WORK/version.sql" 2
compare call.tenancy_version call.select_1 ">= 0.9x (boundary overhead is noise)"
measure_ms call.version_x1M "SELECT count(tenancy.version()) FROM generate_series(1, 1000000)"
measure_ms call.upper_x1M "SELECT count(upper('x')) FROM generate_series(1, 1000000)"
compare call.version_x1M call.upper_x1M "<= 1.5x (vs a built-in C function)"
