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
	cat >"$BENCH_WORK/audit_oltp_$v.sql" <<SQL
\set id random(1, 100000)
\set ws random(0, 999)
BEGIN;
INSERT INTO oltp_$v (workspace_id, v, note)
  VALUES (('00000000-0000-0000-0000-' || lpad(:ws::text, 12, '0'))::uuid, :id, 'new');
UPDATE oltp_$v SET v = v + 1 WHERE id = :id;
END;
SQL
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
compare audit.oltp_tenancy audit.oltp_plain ">= 0.75x unaudited"
compare audit.oltp_tenancy audit.oltp_supa "(vs supa_audit-style trigger)"
compare audit.bulk_100k_supa audit.bulk_100k_plain "(anchor: 10.9x)"
compare audit.bulk_100k_tenancy audit.bulk_100k_plain "<= 2x unaudited"
