# 50_isolation: a junction table isolated through its parent
# (enable_isolation(..., through => 'customer_id')) against the same rows
# with a denormalized tenant column under tenancy's policy, and against the
# hand-written EXISTS policy a DBA writes without tenancy (seed 003's shape).
#
# 100 workspaces; 100,000 customers (1,000 per workspace), isolated on
# workspace_id; three junction tables of 1,000,000 rows (10 tags per
# customer), primary key (customer_id, tag_id), the same rows in each:
#   through  customer_tags: enable_isolation(through => 'customer_id')
#   denorm   customer_tags_denorm: plus workspace_id, enable_isolation()
#   exists   customer_tags_exists: USING (EXISTS (customers JOIN team_members
#            WHERE c.id = customer_id AND tm.user_id = uid() AND active))
# 1,000 users, one active membership each (a user sees 1% of the rows);
# an application role bench_app under RLS.
# Workloads: count(*) of what one user sees (median ms of fresh backends),
# and pgbench point lookups of one of the user's own rows by primary key,
# one per transaction after set_config('request.jwt.claims', ..., true) for
# a random user (TPS, median of ISOLATION_ROUNDS interleaved rounds); join
# lookups the same way: one of the user's customers found by name, joined
# to its tags (a nested loop probing the junction per customer).

bench_login_role bench_app
psql -X -q -v ON_ERROR_STOP=1 <<'SQL'
CREATE EXTENSION tenancy;
CREATE FUNCTION bench_user(n int) RETURNS uuid LANGUAGE sql IMMUTABLE
  AS $$ SELECT ('aaaaaaaa-0000-4000-8000-' || lpad(n::text, 12, '0'))::uuid $$;
CREATE FUNCTION bench_workspace(n int) RETURNS uuid LANGUAGE sql IMMUTABLE
  AS $$ SELECT ('bbbbbbbb-0000-4000-8000-' || lpad(n::text, 12, '0'))::uuid $$;

CREATE TABLE team_members (
  workspace_id uuid NOT NULL, user_id uuid NOT NULL,
  role text NOT NULL DEFAULT 'member', status text NOT NULL DEFAULT 'active',
  PRIMARY KEY (user_id, workspace_id));
INSERT INTO team_members (workspace_id, user_id)
  SELECT bench_workspace((u - 1) % 100 + 1), bench_user(u) FROM generate_series(1, 1000) u;
SELECT tenancy.register_membership('team_members', 'workspace_id', 'user_id', 'role', 'status') IS NULL AS registered;

-- customer c belongs to workspace (c - 1) / 1000 + 1
CREATE TABLE customers (id int PRIMARY KEY, workspace_id uuid NOT NULL, name text NOT NULL);
INSERT INTO customers SELECT c, bench_workspace((c - 1) / 1000 + 1), md5(c::text)
  FROM generate_series(1, 100000) c;
CREATE INDEX ON customers (name);
CREATE TABLE customer_tags (customer_id int NOT NULL REFERENCES customers, tag_id int NOT NULL,
                            PRIMARY KEY (customer_id, tag_id));
INSERT INTO customer_tags SELECT c, t FROM generate_series(1, 100000) c, generate_series(1, 10) t;
CREATE TABLE customer_tags_denorm (customer_id int NOT NULL REFERENCES customers, tag_id int NOT NULL,
                                   workspace_id uuid NOT NULL, PRIMARY KEY (customer_id, tag_id));
INSERT INTO customer_tags_denorm SELECT t.customer_id, t.tag_id, c.workspace_id
  FROM customer_tags t JOIN customers c ON c.id = t.customer_id;
CREATE TABLE customer_tags_exists (customer_id int NOT NULL REFERENCES customers, tag_id int NOT NULL,
                                   PRIMARY KEY (customer_id, tag_id));
INSERT INTO customer_tags_exists SELECT * FROM customer_tags;

SELECT count(*) FROM tenancy.enable_isolation('customers');
SELECT count(*) FROM tenancy.enable_isolation('customer_tags', through => 'customer_id');
SELECT count(*) FROM tenancy.enable_isolation('customer_tags_denorm');
CREATE SCHEMA sb;
CREATE FUNCTION sb.uid() RETURNS uuid LANGUAGE sql STABLE AS $$
  SELECT coalesce(nullif(current_setting('request.jwt.claim.sub', true), ''),
                  nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')::uuid
$$;
ALTER TABLE customer_tags_exists ENABLE ROW LEVEL SECURITY;
CREATE POLICY members_read ON customer_tags_exists FOR SELECT USING (
  EXISTS (SELECT 1 FROM customers c JOIN team_members tm ON tm.workspace_id = c.workspace_id
           WHERE c.id = customer_tags_exists.customer_id
             AND tm.user_id = sb.uid() AND tm.status = 'active'));
GRANT USAGE ON SCHEMA sb TO bench_app;
GRANT SELECT ON customers, team_members, customer_tags, customer_tags_denorm, customer_tags_exists TO bench_app;
ALTER DATABASE bench SET session_preload_libraries = 'tenancy';
SQL
bench_settle

BENCH_USER="aaaaaaaa-0000-4000-8000-000000000042"
as_app="SET ROLE bench_app; SELECT set_config('request.jwt.claims', '{\"sub\": \"$BENCH_USER\"}', false);"
declare -A TABLE=([through]=customer_tags [denorm]=customer_tags_denorm [exists]=customer_tags_exists)
VARIANTS=(denorm through exists)

# count: each sample is the first query of a fresh backend (cold caches, as
# a pooled connection meets a user for the first time), denorm and through
# in turn per round so that the machine's drift hits both alike; EXISTS,
# about half a second a sample, three samples. Then the warm count: the same query run
# again in one backend, the median of its second to sixth runs.
declare -A COUNT_MS
for ((round = 1; round <= ${ISOLATION_COUNT_ROUNDS:-9}; round++)); do
	for v in denorm through; do
		measure_ms "isolation.count.$v.round$round" "$as_app SELECT count(*) FROM ${TABLE[$v]}" 1
		COUNT_MS[$v]+=" ${BENCH_VALUE[isolation.count.$v.round$round]}"
	done
done
for v in denorm through; do
	# shellcheck disable=SC2086 # the rounds' values, one word each
	record_median "isolation.count.$v" ms ${COUNT_MS[$v]}
done
measure_ms isolation.count.exists "$as_app SELECT count(*) FROM ${TABLE[exists]}" 3
for v in denorm through; do
	warm=(-c "$as_app" -c '\timing on')
	for i in 1 2 3 4 5 6; do warm+=(-c "SELECT count(*) FROM ${TABLE[$v]}"); done
	# shellcheck disable=SC2046 # one word per run's time
	record_median "isolation.count_warm.$v" ms $(psql -X -q -At "${warm[@]}" 2>&1 |
		sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | tail -n 5)
done

# user u is a member of workspace (u - 1) % 100 + 1, whose customers are
# ((u - 1) % 100) * 1000 + 1 .. + 1000
for v in "${VARIANTS[@]}"; do
	cat >"$BENCH_WORK/isolation_point_$v.sql" <<SQL
\\set u random(1, 1000)
\\set c ((:u - 1) % 100) * 1000 + random(1, 1000)
\\set t random(1, 10)
BEGIN;
SELECT set_config('request.jwt.claims', '{"sub": "aaaaaaaa-0000-4000-8000-' || lpad(:u::text, 12, '0') || '"}', true);
SELECT customer_id, tag_id FROM ${TABLE[$v]} WHERE customer_id = :c AND tag_id = :t;
END;
SQL
	sed -e 's/^SELECT customer_id, tag_id FROM .*/SELECT c.name, t.tag_id FROM customers c JOIN '"${TABLE[$v]}"' t ON t.customer_id = c.id WHERE c.name = md5(:c::text);/' \
		"$BENCH_WORK/isolation_point_$v.sql" >"$BENCH_WORK/isolation_join_$v.sql"
done
# TPS of one pgbench run of isolation_<kind>_<variant>.sql
lookup_tps() {
	local out=$BENCH_WORK/pgbench-isolation-$1-$2.log
	"$BENCH_BINDIR/pgbench" -n -M prepared -c 1 -j 1 -T "${BENCH_SECONDS:-5}" \
		-f "$BENCH_WORK/isolation_$1_$2.sql" -U bench_app >"$out" 2>&1 || { cat "$out" >&2; return 1; }
	sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$out"
}
declare -A ROUND_TPS
for ((round = 1; round <= ${ISOLATION_ROUNDS:-3}; round++)); do
	for kind in point join; do
		for v in "${VARIANTS[@]}"; do
			tps=$(lookup_tps "$kind" "$v")
			printf '  round %d %-36s %12.2f tps\n' "$round" "isolation.$kind.$v" "$tps"
			ROUND_TPS[$kind.$v]+="$tps "
		done
	done
done
for kind in point join; do
	for v in "${VARIANTS[@]}"; do
		# shellcheck disable=SC2086 # the rounds' values, one word each
		record_median "isolation.$kind.$v" tps ${ROUND_TPS[$kind.$v]}
	done
done

compare isolation.count.through isolation.count.denorm "<= 1.5x"
compare isolation.count.exists isolation.count.through ">= 10x (EXISTS / through)"
compare isolation.count_warm.through isolation.count_warm.denorm "none (same backend, runs 2-6: on 15 one index descent per visible parent)"
compare isolation.point.through isolation.point.denorm ">= 0.67x (tps: <= 1.5x the time)"
compare isolation.point.through isolation.point.exists ">= 10x (tps)"
compare isolation.join.through isolation.join.denorm "none (tps; a nested loop probing the junction)"
