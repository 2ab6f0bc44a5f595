# 40_audit: the cost of auditing, on the same tables, in one run:
# unaudited vs a PL/pgSQL trigger modeled on supa_audit (to_jsonb of OLD and
# NEW, a catalog lookup of the primary key, one insert per row) vs tenancy.
psql -X -q -v ON_ERROR_STOP=1 <<'SQL'
CREATE EXTENSION tenancy;
CREATE TABLE supa_log (
  id bigserial PRIMARY KEY, ts timestamptz NOT NULL DEFAULT now(), op text,
  table_oid oid, table_schema name, table_name name,
  record_id jsonb, record jsonb, old_record jsonb);
CREATE INDEX ON supa_log (ts);
CREATE INDEX ON supa_log (table_oid);
CREATE FUNCTION supa_audit_row() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  pkey_cols text[] := (SELECT array_agg(a.attname ORDER BY a.attnum)
                         FROM pg_index i JOIN pg_attribute a
                           ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
                        WHERE i.indrelid = TG_RELID AND i.indisprimary);
  rec jsonb := CASE WHEN TG_OP IN ('INSERT', 'UPDATE') THEN to_jsonb(NEW) END;
  old jsonb := CASE WHEN TG_OP IN ('UPDATE', 'DELETE') THEN to_jsonb(OLD) END;
BEGIN
  INSERT INTO supa_log (op, table_oid, table_schema, table_name, record_id, record, old_record)
  VALUES (TG_OP, TG_RELID, TG_TABLE_SCHEMA, TG_TABLE_NAME,
          (SELECT jsonb_object_agg(k, coalesce(rec, old) -> k) FROM unnest(pkey_cols) k),
          rec, old);
  RETURN NULL; -- AFTER trigger: the result is ignored
END $$;
DO $$
DECLARE v text;
BEGIN
  FOREACH v IN ARRAY ARRAY['plain', 'supa', 'tenancy'] LOOP
    EXECUTE format('CREATE TABLE oltp_%s (id bigserial PRIMARY KEY, workspace_id uuid NOT NULL,
                    v int NOT NULL, note text)', v);
    EXECUTE format('INSERT INTO oltp_%s (workspace_id, v, note)
                    SELECT (''00000000-0000-0000-0000-'' || lpad((g %% 1000)::text, 12, ''0''))::uuid,
                           g, ''note '' || g FROM generate_series(1, 100000) g', v);
    EXECUTE format('CREATE TABLE bulk_%s (id int PRIMARY KEY, workspace_id uuid, v int, note text)', v);
  END LOOP;
END $$;
CREATE TRIGGER supa_audit AFTER INSERT OR UPDATE OR DELETE ON oltp_supa
  FOR EACH ROW EXECUTE FUNCTION supa_audit_row();
CREATE TRIGGER supa_audit AFTER INSERT OR UPDATE OR DELETE ON bulk_supa
  FOR EACH ROW EXECUTE FUNCTION supa_audit_row();
SELECT tenancy.enable_audit('oltp_tenancy');
SELECT tenancy.enable_audit('bulk_tenancy');
VACUUM ANALYZE;
SQL
# Three rounds, each measuring every variant in turn; the median of each
# variant's rounds is what is compared.
declare -A audit_tps audit_ms
for v in plain supa tenancy; do
	audit_oltp_script "oltp_$v" >"$BENCH_WORK/audit_oltp_$v.sql"
done
for round in 1 2 3; do
	for v in plain supa tenancy; do
		measure_tps "audit.oltp_$v.round$round" "$BENCH_WORK/audit_oltp_$v.sql" 2
		audit_tps[$v]+=" ${BENCH_VALUE[audit.oltp_$v.round$round]}"
		measure_ms "audit.bulk_100k_$v.round$round" "TRUNCATE bulk_$v;
INSERT INTO bulk_$v SELECT g, ('00000000-0000-0000-0000-' || lpad((g % 1000)::text, 12, '0'))::uuid, g, 'n'
  FROM generate_series(1, 100000) g;
UPDATE bulk_$v SET v = v + 1;" 1
		audit_ms[$v]+=" ${BENCH_VALUE[audit.bulk_100k_$v.round$round]}"
	done
done
for v in plain supa tenancy; do
	# shellcheck disable=SC2086 # the rounds' values, one word each
	record_median "audit.oltp_$v" tps ${audit_tps[$v]}
	# shellcheck disable=SC2086
	record_median "audit.bulk_100k_$v" ms ${audit_ms[$v]}
done
compare audit.oltp_supa audit.oltp_plain "(anchor: 0.29x measured by the issue)"
compare audit.oltp_tenancy audit.oltp_plain ">= 0.85x unaudited (issue 14)"
compare audit.oltp_tenancy audit.oltp_supa "(vs supa_audit-style trigger)"
compare audit.bulk_100k_supa audit.bulk_100k_plain "(anchor: 10.9x)"
compare audit.bulk_100k_tenancy audit.bulk_100k_plain "<= 1.5x unaudited (issue 14)"

# Bytes: a typical ~100-byte row, 100k of them inserted into an audited
# table; the log's bytes per row (its partitions' heap, and with their
# indexes) next to the table's heap bytes per row, before and after a seal.
# The log is emptied first: it holds only these rows.
psql -X -q -v ON_ERROR_STOP=1 <<'SQL'
TRUNCATE tenancy.audit_log, tenancy.audit_anchor, tenancy.audit_chain, tenancy.audit_seal_state;
CREATE TABLE bytes_rows (id int PRIMARY KEY, workspace_id uuid NOT NULL, status text NOT NULL,
                         amount numeric(12,2) NOT NULL, created_at timestamptz NOT NULL, note text);
SELECT tenancy.enable_audit('bytes_rows');
INSERT INTO bytes_rows
SELECT g, ('00000000-0000-0000-0000-' || lpad((g % 1000)::text, 12, '0'))::uuid, 'active',
       g * 1.25, '2026-01-01'::timestamptz + g * interval '1 minute', 'customer note number ' || g
  FROM generate_series(1, 100000) g;
VACUUM ANALYZE bytes_rows;
SQL
log_bytes() {
	psql -X -q -At -c "SELECT round(sum(pg_relation_size(p.relid))::numeric / (SELECT count(*) FROM tenancy.audit_log), 1) || ' ' ||
	                          round(sum(pg_total_relation_size(p.relid))::numeric / (SELECT count(*) FROM tenancy.audit_log), 1)
	                     FROM pg_partition_tree('tenancy.audit_log') p WHERE p.isleaf"
}
read -r heap_before total_before <<<"$(log_bytes)"
bench_record audit.bytes_per_table_row \
	"$(psql -X -q -At -c "SELECT round(pg_relation_size('bytes_rows')::numeric / 100000, 1)")" B
bench_record audit.bytes_per_log_row_column_sum \
	"$(psql -X -q -At -c "SELECT round(avg(pg_column_size(l.*)), 1) FROM tenancy.audit_log l WHERE l.relation = ANY (tenancy._audit_relation_ids('bytes_rows'))")" B
bench_record audit.bytes_per_log_row "$heap_before" B
bench_record audit.bytes_per_log_row_with_indexes "$total_before" B
measure_ms audit.seal_bytes_rows "SELECT tenancy.seal_audit()" 1
read -r heap_after total_after <<<"$(log_bytes)"
bench_record audit.bytes_per_log_row_sealed "$heap_after" B
bench_record audit.bytes_per_log_row_sealed_with_indexes "$total_after" B
compare audit.bytes_per_log_row audit.bytes_per_table_row "<= 2.5x (issue 14; was 4.3-4.9x)"
compare audit.bytes_per_log_row_sealed audit.bytes_per_log_row "<= 1.2x (a seal rewrites no row)"

# Seal and verify throughput, at each log size in AUDIT_SIZES (default
# 10k and 100k; add 1000000 where the machine has the time): the log is
# emptied, filled with that many rows over 1,000 tenants plus one tenant
# that always has exactly 100, sealed once, verified whole and for that
# one tenant (median of 5).
for size in ${AUDIT_SIZES:-10000 100000}; do
	psql -X -q -v ON_ERROR_STOP=1 <<SQL
TRUNCATE tenancy.audit_log, tenancy.audit_anchor, tenancy.audit_chain, tenancy.audit_seal_state;
DROP TABLE IF EXISTS sv_rows;
CREATE TABLE sv_rows (id int PRIMARY KEY, workspace_id uuid, v int, note text);
SELECT tenancy.enable_audit('sv_rows');
INSERT INTO sv_rows SELECT g, ('00000000-0000-0000-0000-' || lpad((g % 1000)::text, 12, '0'))::uuid, g, 'note ' || g
  FROM generate_series(1, $size - 100) g;
INSERT INTO sv_rows SELECT g, '00000000-0000-0000-0000-00000000ffff', g, 'note ' || g
  FROM generate_series($size - 99, $size) g;
VACUUM ANALYZE;
SQL
	measure_ms "audit.seal_${size}" "SELECT tenancy.seal_audit()" 1
	measure_ms "audit.verify_${size}" "SELECT count(*) FROM tenancy.verify_audit() WHERE first_bad_id IS NOT NULL" 1
	measure_ms "audit.verify_one_tenant_at_${size}" \
		"SELECT * FROM tenancy.verify_audit('00000000-0000-0000-0000-00000000ffff')" 5
	bench_record "audit.seal_rows_per_s_${size}" \
		"$(awk -v n="$size" -v ms="${BENCH_VALUE[audit.seal_${size}]}" 'BEGIN { printf "%.0f", n / ms * 1000 }')" rows/s
	bench_record "audit.verify_rows_per_s_${size}" \
		"$(awk -v n="$size" -v ms="${BENCH_VALUE[audit.verify_${size}]}" 'BEGIN { printf "%.0f", n / ms * 1000 }')" rows/s
done
sizes=(${AUDIT_SIZES:-10000 100000})
first=${sizes[0]}
for size in "${sizes[@]:1}"; do
	compare "audit.verify_one_tenant_at_${size}" "audit.verify_one_tenant_at_${first}" \
		"<= 10x (one tenant's 100 rows, log ${size} vs ${first})"
done
