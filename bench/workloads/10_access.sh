# 10_access: what a row level security policy costs, by how it is written.
#
# 1,000,000 items over 1,000 workspaces; 5,000 users with 10 active
# memberships each (each user sees 1% of the items); an application role
# `bench_app` under RLS. Same data for every variant; only the policy on
# items changes:
#   no_rls         RLS disabled, the filter written into the query
#   seed_exists    the seed's SQL helper: EXISTS on team_members per row
#   sb_in          Supabase: workspace_id IN (SELECT ... = (SELECT auth.uid()))
#   sb_any_array   Supabase: workspace_id = ANY (ARRAY(SELECT ...))
#   tenancy_array  workspace_id = ANY (tenancy.user_workspaces())
#   tenancy_row    tenancy.user_has_workspace_access(workspace_id)
# and, in a section of its own, the text user id variant (issue 11): the
# same memberships with Clerk-style text user ids ('user_<n>') in a scope
# `clerk`, beside the uuid scope's array policy, interleaved in each round.
# Workloads: count(*) of what one user sees (median ms; a fresh backend per
# run, so the caches start cold), and pgbench point lookups by id, one per
# transaction after set_config('request.jwt.claims', ..., true) for a random
# user, as PostgREST sends them (TPS, median of ACCESS_ROUNDS interleaved
# rounds). About 4 minutes with the defaults.
#
# Roles and permissions (issue 11), measured after the patterns above on
# the same data: each membership also has a role_id into custom_roles
# (3,000 roles, three per workspace, seed 003's shape: permissions jsonb
# such as {"jobs_view_all": true}); the user sees 2 of their 10
# workspaces' items with jobs_view_all. The default scope is registered
# again with the roles table. Variants:
#   perm_no_rls    RLS disabled, the user's permitted workspaces in the query
#   perm_seed003   seed 003's policy: EXISTS over team_members JOIN
#                  custom_roles ... permissions->>'jobs_view_all' = 'true'
#   perm_array     workspace_id = ANY (tenancy.user_workspaces_with_permission('jobs_view_all'))
#   perm_row       tenancy.user_has_permission(workspace_id, 'jobs_view_all')
#
# Two-level scopes (issue 11 item 2): 1,000 workspaces in 100 organizations
# (10 each, through workspaces.organization_id); each user is also a member
# of one organization, as owner (with jobs_view_all) or member (nothing),
# and so reaches its 10 workspaces besides their own 10. The default scope
# (with the roles table) derives from the scope organization. Variants:
#   hier_no_rls    RLS disabled, the user's permitted workspaces in the query
#   hier_perm_row  tenancy.user_has_permission(workspace_id, 'jobs_view_all')
#   hier_perm_array workspace_id = ANY (tenancy.user_workspaces_with_permission('jobs_view_all'))
# ACCESS_PARTS (default "patterns text_ids permissions hierarchy") picks the
# parts to run.

bench_login_role bench_app
psql -X -q -v ON_ERROR_STOP=1 <<'SQL'
CREATE EXTENSION tenancy;
CREATE FUNCTION bench_user(n int) RETURNS uuid LANGUAGE sql IMMUTABLE
  AS $$ SELECT ('aaaaaaaa-0000-4000-8000-' || lpad(n::text, 12, '0'))::uuid $$;
CREATE FUNCTION bench_workspace(n int) RETURNS uuid LANGUAGE sql IMMUTABLE
  AS $$ SELECT ('bbbbbbbb-0000-4000-8000-' || lpad(n::text, 12, '0'))::uuid $$;

-- seed 003's custom_roles: three roles per workspace, one of which grants jobs_view_all
CREATE TABLE custom_roles (id int PRIMARY KEY, workspace_id uuid NOT NULL, name text NOT NULL,
                           permissions jsonb NOT NULL);
INSERT INTO custom_roles
  SELECT w * 3 + r, bench_workspace(w + 1), (ARRAY['Admin', 'Tech', 'Viewer'])[r + 1],
         (ARRAY['{"jobs_view_all": true, "manage_team": true}', '{"jobs_view_own": true}',
                '{"jobs_view_all": false, "reports": true}'])[r + 1]::jsonb
    FROM generate_series(0, 999) w, generate_series(0, 2) r;
CREATE TABLE team_members (
  workspace_id uuid NOT NULL, user_id uuid NOT NULL,
  role text NOT NULL DEFAULT 'member', status text NOT NULL DEFAULT 'active',
  role_id int,
  PRIMARY KEY (user_id, workspace_id));
-- role (k mod 5): Admin for k in {0, 5}, else Tech or Viewer: 2 of 10 grant jobs_view_all
INSERT INTO team_members (workspace_id, user_id, role_id)
  SELECT bench_workspace((u + k * 100) % 1000 + 1), bench_user(u),
         ((u + k * 100) % 1000) * 3 + CASE WHEN k % 5 = 0 THEN 0 ELSE 1 + k % 2 END
    FROM generate_series(1, 5000) u, generate_series(0, 9) k;
CREATE TABLE items (id bigint PRIMARY KEY, workspace_id uuid NOT NULL, payload text NOT NULL);
INSERT INTO items SELECT g, bench_workspace(g % 1000 + 1), md5(g::text)
  FROM generate_series(1, 1000000) g;
CREATE INDEX ON items (workspace_id);
VACUUM ANALYZE items;
VACUUM ANALYZE team_members;
SELECT tenancy.register_membership('team_members', 'workspace_id', 'user_id', 'role', 'status') IS NULL AS registered;
-- Every connection loads tenancy when it starts, as long-lived pooled
-- backends have it loaded: the timed queries measure the policies, not the
-- one-off dlopen of the library (and of libstdc++, libpq, libsodium).
ALTER DATABASE bench SET session_preload_libraries = 'tenancy';

-- Supabase's auth.uid(), as SQL over the same setting.
CREATE SCHEMA sb;
CREATE FUNCTION sb.uid() RETURNS uuid LANGUAGE sql STABLE AS $$
  SELECT coalesce(nullif(current_setting('request.jwt.claim.sub', true), ''),
                  nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')::uuid
$$;
-- The seed's helper (SECURITY DEFINER, as such helpers are written to
-- read the membership table past its own policies).
CREATE FUNCTION seed_user_has_workspace_access(ws uuid) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT EXISTS (SELECT 1 FROM team_members
                  WHERE workspace_id = ws AND user_id = sb.uid() AND status = 'active')
$$;
GRANT USAGE ON SCHEMA sb TO bench_app;
GRANT SELECT ON items, team_members, custom_roles TO bench_app;
SQL

# The user whose count(*) is measured, and the no-RLS filter for that user.
BENCH_USER="aaaaaaaa-0000-4000-8000-000000000042"
workspaces=$(psql -X -At -c "SELECT array_agg(workspace_id ORDER BY workspace_id) FROM team_members WHERE user_id = '$BENCH_USER'")
as_app="SET ROLE bench_app; SELECT set_config('request.jwt.claims', '{\"sub\": \"$BENCH_USER\"}', false);"

cat >"$BENCH_WORK/access_point.sql" <<'SQL'
\set id random(1, 1000000)
\set u random(1, 5000)
BEGIN;
SELECT set_config('request.jwt.claims', '{"sub": "aaaaaaaa-0000-4000-8000-' || lpad(:u::text, 12, '0') || '"}', true);
SELECT id, workspace_id, payload FROM items WHERE id = :id;
END;
SQL

# use_policy VARIANT: items gets exactly that variant's SELECT policy
# (POLICY[VARIANT]; no RLS for the no-RLS variants).
use_policy() {
	if [ -z "${POLICY[$1]:-}" ]; then
		psql -X -q -v ON_ERROR_STOP=1 -c "SET client_min_messages = warning" \
			-c "DROP POLICY IF EXISTS bench ON items" \
			-c "ALTER TABLE items DISABLE ROW LEVEL SECURITY"
		return
	fi
	psql -X -q -v ON_ERROR_STOP=1 -c "SET client_min_messages = warning" \
		-c "DROP POLICY IF EXISTS bench ON items" \
		-c "ALTER TABLE items ENABLE ROW LEVEL SECURITY" \
		-c "CREATE POLICY bench ON items FOR SELECT TO bench_app USING (${POLICY[$1]})"
}

# Point lookups: ACCESS_ROUNDS rounds (default 5) of BENCH_SECONDS (default
# 5 here) per variant with ACCESS_CLIENTS clients (default 1: on a small
# shared machine more clients measure CPU contention, not the policies), the
# variants interleaved in each round; the median round is kept per variant,
# so that a burst of load from elsewhere moves no variant's figure alone.
point_tps() {
	local out=$BENCH_WORK/pgbench-access-$1.log
	"$BENCH_BINDIR/pgbench" -n -M prepared -c "${ACCESS_CLIENTS:-1}" -j "${ACCESS_CLIENTS:-1}" \
		-T "${BENCH_SECONDS:-5}" \
		-f "$BENCH_WORK/access_point.sql" -U bench_app >"$out" 2>&1 || { cat "$out" >&2; return 1; }
	sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$out"
}
# point_rounds VARIANT...: the interleaved rounds, then each variant's median.
point_rounds() {
	local -A round_tps=()
	local round v tps
	for ((round = 1; round <= ${ACCESS_ROUNDS:-5}; round++)); do
		for v in "$@"; do
			use_policy "$v"
			tps=$(point_tps "$v")
			printf '  round %d %-36s %12.2f tps\n' "$round" "access.point.$v" "$tps"
			round_tps[$v]+="$tps "
		done
	done
	for v in "$@"; do
		# shellcheck disable=SC2086 # the rounds' values, one word each
		record_median "access.point.$v" tps ${round_tps[$v]}
	done
}

declare -A POLICY=(
	[seed_exists]="seed_user_has_workspace_access(workspace_id)"
	[sb_in]="workspace_id IN (SELECT workspace_id FROM team_members WHERE user_id = (SELECT sb.uid()) AND status = 'active')"
	[sb_any_array]="workspace_id = ANY (ARRAY(SELECT workspace_id FROM team_members WHERE user_id = (SELECT sb.uid()) AND status = 'active'))"
	[tenancy_array]="workspace_id = ANY (tenancy.user_workspaces())"
	[tenancy_row]="tenancy.user_has_workspace_access(workspace_id)"
	[perm_seed003]="EXISTS (SELECT 1 FROM team_members tm JOIN custom_roles cr ON tm.role_id = cr.id WHERE tm.workspace_id = items.workspace_id AND tm.user_id = sb.uid() AND tm.status = 'active' AND cr.permissions->>'jobs_view_all' = 'true')"
	[perm_array]="workspace_id = ANY (tenancy.user_workspaces_with_permission('jobs_view_all'))"
	[perm_row]="tenancy.user_has_permission(workspace_id, 'jobs_view_all')"
	[hier_perm_row]="tenancy.user_has_permission(workspace_id, 'jobs_view_all')"
	[hier_perm_array]="workspace_id = ANY (tenancy.user_workspaces_with_permission('jobs_view_all'))"
)

# measure_counts FILTER VARIANT...: count(*) of what the user sees, median of
# fresh backends (cold caches), per variant; a *no_rls variant filters by the
# workspaces FILTER (a uuid[] literal) instead, a *seed* one runs 3 times only.
measure_counts() {
	local filter=$1 v
	shift
	for v in "$@"; do
		use_policy "$v"
		case $v in
		*no_rls) measure_ms "access.count.$v" "$as_app SELECT count(*) FROM items WHERE workspace_id = ANY ('$filter'::uuid[])" ;;
		*seed*) measure_ms "access.count.$v" "$as_app SELECT count(*) FROM items" 3 ;;
		*) measure_ms "access.count.$v" "$as_app SELECT count(*) FROM items" ;;
		esac
	done
}

access_patterns() {
	VARIANTS=(no_rls seed_exists sb_in sb_any_array tenancy_array tenancy_row)
	measure_counts "$workspaces" "${VARIANTS[@]}"
	point_rounds "${VARIANTS[@]}"

	compare access.count.tenancy_array access.count.no_rls "<= 1.25x"
	compare access.count.tenancy_row access.count.no_rls "<= 1.25x (with the support function)"
	compare access.count.seed_exists access.count.tenancy_row ">= 100x (seed / tenancy per-row)"
	compare access.count.sb_any_array access.count.no_rls "(Supabase best pattern, for reference)"
	compare access.point.tenancy_array access.point.no_rls ">= 0.9x"
	compare access.point.tenancy_row access.point.no_rls ">= 0.9x"
	compare access.point.tenancy_array access.point.sb_any_array ">= 1.5x"
	compare access.point.tenancy_array access.point.sb_in ">= 1.5x"
	compare access.point.sb_any_array access.point.no_rls "(Supabase best pattern, for reference)"
	compare access.point.seed_exists access.point.no_rls "(seed, for reference)"
}

# Roles and permissions: the default scope registered again with the roles table.
access_permissions() {
	local permitted
	psql -X -q -v ON_ERROR_STOP=1 -c "SELECT tenancy.register_membership('team_members', 'workspace_id', 'user_id', 'role_id', 'status', role_table => 'custom_roles', permissions_column => 'permissions') IS NULL AS registered"
	permitted=$(psql -X -At -c "SELECT array_agg(tm.workspace_id ORDER BY tm.workspace_id) FROM team_members tm JOIN custom_roles cr ON cr.id = tm.role_id WHERE tm.user_id = '$BENCH_USER' AND cr.permissions->>'jobs_view_all' = 'true'")
	measure_counts "$permitted" perm_no_rls perm_seed003 perm_array perm_row
	# the no-RLS point baseline again, in the same interleaved rounds
	point_rounds perm_point_no_rls perm_row perm_array

	compare access.count.perm_array access.count.perm_no_rls "<= 1.25x"
	compare access.count.perm_row access.count.perm_no_rls "<= 1.25x (with the support function)"
	compare access.count.perm_seed003 access.count.perm_row ">= 100x (seed 003 / tenancy per-row)"
	compare access.point.perm_row access.point.perm_point_no_rls ">= 0.9x"
	compare access.point.perm_array access.point.perm_point_no_rls ">= 0.9x"
}

# Two-level scopes: organizations own the workspaces; the default scope,
# with the roles table, derives from the organization scope.
access_hierarchy() {
	local permitted
	psql -X -q -v ON_ERROR_STOP=1 <<'SQL'
CREATE TABLE org_roles (id int PRIMARY KEY, name text NOT NULL, permissions jsonb NOT NULL);
INSERT INTO org_roles VALUES (1, 'owner', '{"jobs_view_all": true}'), (2, 'member', '{}');
CREATE TABLE org_members (organization_id int NOT NULL, user_id uuid NOT NULL, role_id int NOT NULL,
                          PRIMARY KEY (user_id, organization_id));
INSERT INTO org_members SELECT u % 100, bench_user(u), 1 + u % 2 FROM generate_series(1, 5000) u;
CREATE TABLE workspaces (id uuid PRIMARY KEY, organization_id int NOT NULL);
INSERT INTO workspaces SELECT bench_workspace(w + 1), w / 10 FROM generate_series(0, 999) w;
CREATE INDEX ON workspaces (organization_id);
VACUUM ANALYZE org_members;
VACUUM ANALYZE workspaces;
SELECT tenancy.register_membership('org_members', 'organization_id', 'user_id', 'role_id',
         scope => 'organization', role_table => 'org_roles', permissions_column => 'permissions') IS NULL AS registered;
SELECT tenancy.register_membership('team_members', 'workspace_id', 'user_id', 'role_id', 'status',
         role_table => 'custom_roles', permissions_column => 'permissions') IS NULL AS registered;
SELECT tenancy.register_scope_parent('workspace', 'organization', 'workspaces', 'id', 'organization_id') IS NULL AS registered;
SQL
	permitted=$(psql -X -At -c "SELECT array_agg(DISTINCT w ORDER BY w) FROM (
	  SELECT tm.workspace_id FROM team_members tm JOIN custom_roles cr ON cr.id = tm.role_id
	   WHERE tm.user_id = '$BENCH_USER' AND cr.permissions->>'jobs_view_all' = 'true'
	  UNION ALL SELECT ws.id FROM org_members om JOIN org_roles r ON r.id = om.role_id
	   JOIN workspaces ws ON ws.organization_id = om.organization_id
	   WHERE om.user_id = '$BENCH_USER' AND r.permissions->>'jobs_view_all' = 'true') p(w)")
	measure_counts "$permitted" hier_no_rls hier_perm_row hier_perm_array
	point_rounds hier_no_rls hier_perm_row hier_perm_array

	compare access.count.hier_perm_array access.count.hier_no_rls "<= 1.25x (two-level scopes)"
	compare access.count.hier_perm_row access.count.hier_no_rls "<= 1.25x (two-level scopes, support function)"
	compare access.point.hier_perm_row access.point.hier_no_rls ">= 0.9x (two-level scopes and a permission check)"
	compare access.point.hier_perm_array access.point.hier_no_rls ">= 0.9x (two-level scopes and a permission check)"
}

# Text user ids: the same memberships keyed by 'user_<n>' in scope clerk
# (uuid tenants, so the same items). uuid_user is the uuid scope's array
# policy, text_user the text scope's; their point lookups interleave per
# round, as above.
access_text_ids() {
	local v out tps as_text_app round
	psql -X -q -v ON_ERROR_STOP=1 <<'SQL'
CREATE TABLE team_members_text (
  workspace_id uuid NOT NULL, user_id text NOT NULL,
  role text NOT NULL DEFAULT 'member', status text NOT NULL DEFAULT 'active',
  PRIMARY KEY (user_id, workspace_id));
INSERT INTO team_members_text
  SELECT workspace_id, 'user_' || ltrim(right(user_id::text, 12), '0'), role, status FROM team_members;
VACUUM ANALYZE team_members_text;
SELECT tenancy.register_membership('team_members_text', 'workspace_id', 'user_id', 'role', 'status',
                                   scope => 'clerk') IS NULL AS registered;
SQL
	sed 's/"aaaaaaaa-0000-4000-8000-'"'"' || lpad(:u::text, 12, '"'"'0'"'"') || '"'"'"/"user_'"'"' || :u || '"'"'"/' \
		"$BENCH_WORK/access_point.sql" >"$BENCH_WORK/access_point_text.sql"
	grep -q '"user_' "$BENCH_WORK/access_point_text.sql"
	local -A ID_POLICY=(
		[uuid_user]="workspace_id = ANY (tenancy.user_workspaces('workspace'))"
		[text_user]="workspace_id = ANY (tenancy.user_workspaces('clerk'))"
	)
	local -A ID_SCRIPT=([uuid_user]=access_point.sql [text_user]=access_point_text.sql)
	as_text_app="SET ROLE bench_app; SELECT set_config('request.jwt.claims', '{\"sub\": \"user_42\"}', false);"
	for v in uuid_user text_user; do
		POLICY[$v]=${ID_POLICY[$v]}
		use_policy "$v"
		if [ "$v" = uuid_user ]; then
			measure_ms "access.count.$v" "$as_app SELECT count(*) FROM items"
		else
			measure_ms "access.count.$v" "$as_text_app SELECT count(*) FROM items"
		fi
	done
	local -A ID_ROUND_TPS
	for ((round = 1; round <= ${ACCESS_ROUNDS:-5}; round++)); do
		for v in uuid_user text_user; do
			use_policy "$v"
			out=$BENCH_WORK/pgbench-access-$v.log
			"$BENCH_BINDIR/pgbench" -n -M prepared -c "${ACCESS_CLIENTS:-1}" -j "${ACCESS_CLIENTS:-1}" \
				-T "${BENCH_SECONDS:-5}" -f "$BENCH_WORK/${ID_SCRIPT[$v]}" -U bench_app >"$out" 2>&1 ||
				{ cat "$out" >&2; return 1; }
			tps=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$out")
			printf '  round %d %-36s %12.2f tps\n' "$round" "access.point.$v" "$tps"
			ID_ROUND_TPS[$v]+="$tps "
		done
	done
	for v in uuid_user text_user; do
		# shellcheck disable=SC2086 # the rounds' values, one word each
		record_median "access.point.$v" tps ${ID_ROUND_TPS[$v]}
	done
	compare access.count.text_user access.count.uuid_user "<= 1.05x (text user ids vs uuid)"
	compare access.point.text_user access.point.uuid_user ">= 0.95x (text user ids vs uuid)"
}

for part in ${ACCESS_PARTS:-patterns text_ids permissions hierarchy}; do
	"access_$part"
done
