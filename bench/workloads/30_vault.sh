# requires extension: pgcrypto
# 30_vault: opening a sealed tenant connection (tenancy.tenant_connection,
# one call per row, 100k calls in one backend) against pgcrypto's
# pgp_sym_decrypt of the same plaintext. Target: >= 10x faster.
bench_keys=$BENCH_WORK/keys
mkdir -p "$bench_keys"
printf '1:%s\n' "$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')" >"$bench_keys/bench.key"
chown -R "$PG_RUN_USER" "$bench_keys"
chmod 700 "$bench_keys"
chmod 600 "$bench_keys/bench.key"
psql -X -q -d postgres -c "LOAD 'tenancy'" -c "ALTER SYSTEM SET tenancy.key_file = '$bench_keys/bench.key'" \
	-c 'SELECT pg_reload_conf()' >/dev/null
sleep 1
psql -X -q -v ON_ERROR_STOP=1 >/dev/null <<'SQL'
CREATE EXTENSION tenancy;
CREATE EXTENSION pgcrypto;
INSERT INTO tenancy.tenants (id, name, subdomain)
VALUES ('00000000-0000-0000-0000-000000000001', 'Bench', 'bench');
SELECT tenancy.set_tenant_connection('00000000-0000-0000-0000-000000000001',
  'postgresql://app_user:bench-password-1234@db1.internal:6432/app?sslmode=verify-full');
CREATE TABLE pgp_sealed AS
SELECT pgp_sym_encrypt('postgresql://app_user:bench-password-1234@db1.internal:6432/app?sslmode=verify-full',
                       'bench-passphrase') AS ct;
SQL
measure_ms vault.tenant_connection_x100k \
	"SELECT count(tenancy.tenant_connection('00000000-0000-0000-0000-000000000001')) FROM generate_series(1, 100000)" 3
measure_ms vault.pgp_sym_decrypt_x100k \
	"SELECT count(pgp_sym_decrypt(ct, 'bench-passphrase')) FROM pgp_sealed, generate_series(1, 100000)" 3
compare vault.tenant_connection_x100k vault.pgp_sym_decrypt_x100k "<= 0.1x (>= 10x faster)"
