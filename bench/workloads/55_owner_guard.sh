# 55_owner_guard: what the owner guard (docs/isolation.md, "Roles and owner
# tables") adds to a write of an owner table. 1,000 companies, all managed
# by one admin, who updates every one of them under row level security:
#   guarded    companies_guarded, the scope's owner table: enable_isolation
#              gives it the tenant-table policies and the guard trigger
#   unguarded  companies_unguarded, the same rows and policies
#              (enable_isolation on its id), no guard
# Two statements, median ms of interleaved rounds (fresh backends): one
# that renames (the guard reads the table's registrations for each row),
# one that hands each row to another owner (it also asks whether the
# caller manages the row's tenant and is not the new owner).

bench_login_role bench_app
psql -X -q -v ON_ERROR_STOP=1 <<'SQL'
CREATE EXTENSION tenancy;
CREATE TABLE members (company_id uuid NOT NULL, user_id uuid NOT NULL, role text NOT NULL,
                      PRIMARY KEY (user_id, company_id));
INSERT INTO members
  SELECT ('cccccccc-0000-4000-8000-' || lpad(g::text, 12, '0'))::uuid,
         'aaaaaaaa-0000-4000-8000-000000000001', 'admin'
    FROM generate_series(1, 1000) g;
DO $$
DECLARE v text;
BEGIN
  FOREACH v IN ARRAY ARRAY['guarded', 'unguarded'] LOOP
    EXECUTE format('CREATE TABLE companies_%s (id uuid PRIMARY KEY, owner uuid, name text NOT NULL)', v);
    EXECUTE format('INSERT INTO companies_%s SELECT company_id, NULL, ''company'' FROM members', v);
    EXECUTE format('GRANT SELECT, UPDATE ON companies_%s TO bench_app', v);
  END LOOP;
END $$;
SELECT tenancy.register_membership('members', 'company_id', 'user_id', 'role',
                                   owner_table => 'companies_guarded', owner_column => 'owner') IS NULL AS registered;
SELECT count(*) FROM tenancy.enable_isolation('companies_guarded', 'id');
SELECT count(*) FROM tenancy.enable_isolation('companies_unguarded', 'id');
SELECT tenancy.has_owner_guard('companies_guarded') AS guarded, tenancy.has_owner_guard('companies_unguarded') AS unguarded;
VACUUM ANALYZE;
SQL

as_admin="SET ROLE bench_app; SELECT set_config('request.jwt.claims', '{\"sub\": \"aaaaaaaa-0000-4000-8000-000000000001\"}', false);"
declare -A guard_ms
for round in 1 2 3 4 5; do
	for v in guarded unguarded; do
		measure_ms "owner_guard.rename.$v.round$round" "$as_admin UPDATE companies_$v SET name = name" 1
		guard_ms[rename.$v]+=" ${BENCH_VALUE[owner_guard.rename.$v.round$round]}"
		measure_ms "owner_guard.hand_over.$v.round$round" "$as_admin UPDATE companies_$v
  SET owner = CASE WHEN owner = 'dddddddd-0000-4000-8000-000000000001' THEN 'dddddddd-0000-4000-8000-000000000002'::uuid
                   ELSE 'dddddddd-0000-4000-8000-000000000001'::uuid END" 1
		guard_ms[hand_over.$v]+=" ${BENCH_VALUE[owner_guard.hand_over.$v.round$round]}"
	done
done
for m in rename hand_over; do
	for v in guarded unguarded; do
		# shellcheck disable=SC2086 # the rounds' values, one word each
		record_median "owner_guard.$m.$v" ms ${guard_ms[$m.$v]}
	done
	compare "owner_guard.$m.guarded" "owner_guard.$m.unguarded" "(for reference: the guard on 1,000 rows)"
done
