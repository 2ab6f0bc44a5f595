# 41_audit_read: reading the audit log per tenant, and the audit trigger's
# per-statement cost with its OID cache.
#
# Reading: 50,000 audited rows over 1,000 workspaces, inserted then updated
# (100,000 log rows); user n belongs to workspace n. A login role
# bench_reader reads under row level security (tenancy.grant_audit_read),
# against the baseline the issue names: a hand-written definer view over the
# log (owned by the superuser, filtering on tenancy.user_workspaces()),
# granted to the same role (its history query uses the same leakproof key
# hash index). Per transaction: set_config of a random user's claims, then
# one query; TPS, median of three interleaved rounds.
#   history   one record's history: tenancy.audit_history vs the view
#   tenant    every row of the user's workspace: the log vs the view
# OLTP: 40_audit's insert+update transaction, unaudited vs audited, three
# interleaved rounds; run it on a build without the cache for "before".
# Bulk: 40_audit's 100k insert + update, unaudited, audited, and audited
# with audit_history's index dropped from the log (what the index costs a
# writer), interleaved; the index is made again between rounds, untimed.
bench_login_role bench_reader
psql -X -q -v ON_ERROR_STOP=1 <<'SQL'
CREATE EXTENSION tenancy;
ALTER DATABASE bench SET session_preload_libraries = 'tenancy';
CREATE TABLE read_members (workspace_id uuid NOT NULL, user_id uuid NOT NULL, role text NOT NULL);
INSERT INTO read_members
  SELECT ('00000000-0000-0000-0000-' || lpad(g::text, 12, '0'))::uuid,
         ('aaaaaaaa-0000-0000-0000-' || lpad(g::text, 12, '0'))::uuid, 'owner'
    FROM generate_series(0, 999) g;
CREATE INDEX ON read_members (user_id);
SELECT tenancy.register_membership('read_members', 'workspace_id', 'user_id', 'role') IS NULL AS registered;
CREATE TABLE read_docs (id int PRIMARY KEY, workspace_id uuid NOT NULL, v int NOT NULL);
SELECT tenancy.enable_audit('read_docs');
INSERT INTO read_docs
  SELECT g, ('00000000-0000-0000-0000-' || lpad((g % 1000)::text, 12, '0'))::uuid, 0
    FROM generate_series(1, 50000) g;
UPDATE read_docs SET v = 1;
SELECT tenancy.grant_audit_read('bench_reader');
CREATE VIEW definer_audit WITH (security_barrier) AS
  SELECT * FROM tenancy.audit_log WHERE tenant_id = ANY (tenancy.user_workspaces());
GRANT SELECT ON definer_audit TO bench_reader;
GRANT SELECT ON read_docs TO bench_reader;

CREATE TABLE oltp_plain (id bigserial PRIMARY KEY, workspace_id uuid NOT NULL, v int NOT NULL, note text);
CREATE TABLE oltp_tenancy (LIKE oltp_plain INCLUDING ALL);
INSERT INTO oltp_plain (workspace_id, v, note)
  SELECT ('00000000-0000-0000-0000-' || lpad((g % 1000)::text, 12, '0'))::uuid, g, 'note ' || g
    FROM generate_series(1, 100000) g;
INSERT INTO oltp_tenancy SELECT * FROM oltp_plain;
SELECT tenancy.enable_audit('oltp_tenancy');
CREATE TABLE bulk_plain (id int PRIMARY KEY, workspace_id uuid, v int, note text);
CREATE TABLE bulk_tenancy (LIKE bulk_plain INCLUDING ALL);
SELECT tenancy.enable_audit('bulk_tenancy');
CREATE TABLE history_indexes AS
  SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS def
    FROM tenancy.relation_tree('tenancy.audit_log') t JOIN pg_index i ON i.indrelid = t.relid
   WHERE pg_get_indexdef(i.indexrelid) LIKE '%(tenancy.audit_key_hash(record_key), tenant_id)';
VACUUM ANALYZE;
SQL

claims="SELECT set_config('request.jwt.claims', '{\"sub\": \"aaaaaaaa-0000-0000-0000-' || lpad((:id::int % 1000)::text, 12, '0') || '\"}', true);"
declare -A READ_QUERY=(
	[history_rls]="SELECT count(*) FROM tenancy.audit_history('read_docs', jsonb_build_object('id', :id::int));"
	[history_view]="SELECT count(*) FROM definer_audit WHERE tenancy.audit_key_hash(record_key) = tenancy.audit_key_hash(jsonb_build_object('id', :id::int)) AND record_key = jsonb_build_object('id', :id::int) AND relation IN (SELECT id FROM tenancy.audit_relation WHERE schema_name = 'public' AND table_name = 'read_docs');"
	[tenant_rls]="SELECT count(*) FROM tenancy.audit_log WHERE relation IN (SELECT id FROM tenancy.audit_relation WHERE schema_name = 'public' AND table_name = 'read_docs');"
	[tenant_view]="SELECT count(*) FROM definer_audit WHERE relation IN (SELECT id FROM tenancy.audit_relation WHERE schema_name = 'public' AND table_name = 'read_docs');"
)
for q in "${!READ_QUERY[@]}"; do
	printf '\\set id random(1, 50000)\nBEGIN;\n%s\n%s\nEND;\n' "$claims" "${READ_QUERY[$q]}" >"$BENCH_WORK/audit_read_$q.sql"
done
for v in plain tenancy; do
	audit_oltp_script "oltp_$v" >"$BENCH_WORK/audit_read_oltp_$v.sql"
done

bulk_sql() {
	echo "TRUNCATE bulk_$1;
INSERT INTO bulk_$1 SELECT g, ('00000000-0000-0000-0000-' || lpad((g % 1000)::text, 12, '0'))::uuid, g, 'n'
  FROM generate_series(1, 100000) g;
UPDATE bulk_$1 SET v = v + 1;"
}
history_indexes() { # history_indexes drop|make
	psql -X -q -At -v ON_ERROR_STOP=1 -c "SELECT CASE WHEN '$1' = 'drop' THEN 'DROP INDEX ' || name || ';' ELSE def || ';' END
	                                         FROM history_indexes" | psql -X -q -v ON_ERROR_STOP=1
}

declare -A read_tps # each measurement's rounds (tps or ms)
for round in 1 2 3; do
	measure_ms "audit_read.bulk_100k_plain.round$round" "$(bulk_sql plain)" 1
	read_tps[bulk_100k_plain]+=" ${BENCH_VALUE[audit_read.bulk_100k_plain.round$round]}"
	measure_ms "audit_read.bulk_100k_tenancy.round$round" "$(bulk_sql tenancy)" 1
	read_tps[bulk_100k_tenancy]+=" ${BENCH_VALUE[audit_read.bulk_100k_tenancy.round$round]}"
	history_indexes drop
	measure_ms "audit_read.bulk_100k_no_history_index.round$round" "$(bulk_sql tenancy)" 1
	read_tps[bulk_100k_no_history_index]+=" ${BENCH_VALUE[audit_read.bulk_100k_no_history_index.round$round]}"
	history_indexes make
	for q in history_rls history_view tenant_rls tenant_view; do
		measure_tps "audit_read.$q.round$round" "$BENCH_WORK/audit_read_$q.sql" 1 -U bench_reader
		read_tps[$q]+=" ${BENCH_VALUE[audit_read.$q.round$round]}"
	done
	for v in plain tenancy; do
		measure_tps "audit_read.oltp_$v.round$round" "$BENCH_WORK/audit_read_oltp_$v.sql" 2
		read_tps[oltp_$v]+=" ${BENCH_VALUE[audit_read.oltp_$v.round$round]}"
	done
done
for q in history_rls history_view tenant_rls tenant_view oltp_plain oltp_tenancy; do
	# shellcheck disable=SC2086 # the rounds' values, one word each
	record_median "audit_read.$q" tps ${read_tps[$q]}
done
for q in bulk_100k_plain bulk_100k_tenancy bulk_100k_no_history_index; do
	# shellcheck disable=SC2086
	record_median "audit_read.$q" ms ${read_tps[$q]}
done
compare audit_read.history_rls audit_read.history_view "~1x the definer view"
compare audit_read.tenant_rls audit_read.tenant_view "~1x the definer view"
compare audit_read.oltp_tenancy audit_read.oltp_plain ">= 0.85x unaudited (issue 14)"
compare audit_read.bulk_100k_tenancy audit_read.bulk_100k_plain "<= 1.5x unaudited (issue 14)"
compare audit_read.bulk_100k_tenancy audit_read.bulk_100k_no_history_index "(the history index's cost)"
