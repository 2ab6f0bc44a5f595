#!/usr/bin/env bash
# api_keys_log.sh WORK: API keys never reach the server log or
# pg_stat_statements.
#
# 1. After the regress and isolation suites, the server log of
#    scripts/test's cluster holds no API key. sql/api_keys.sql and
#    sql/api_key_callers.sql made keys and had every kind of bad key refused
#    (errors are logged with their statement); they never write a key into
#    statement text, so a key in the log could only come from tenancy
#    itself. The control check proves the refusals reached this log.
# 2. A second, small cluster with pg_stat_statements preloaded and
#    pg_stat_statements.track = all (the statements tenancy runs inside its
#    functions are recorded too): keys are made, authenticated, refused and
#    made the caller of requests, read from a table as an application
#    passes them (never as literals in its own SQL), and no recorded
#    statement holds one. Its controls prove that a key-shaped text in a
#    statement is found, and that tenancy's own statements were recorded.
#
# The server's programs are found on PATH (scripts/test puts the temporary
# install's first); the key file is scripts/test's $WORK/keys/main.key.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
source "$ROOT/scripts/lib/cluster.sh"
LOG=$1/log/server.log
KEY_FILE=$1/keys/main.key
n=0 failed=0
check() {
	n=$((n + 1))
	if "${@:2}"; then echo "ok $n - $1"; else echo "not ok $n - $1"; failed=$((failed + 1)); fi
}
KEY_PATTERN='tnk_[0-9a-fA-F]{32}_[A-Za-z0-9_-]{10}'
no_key() { ! grep -a -q -E "$KEY_PATTERN" "$LOG"; }
refusals_logged() { grep -a -q 'ERROR:  invalid API key' "$LOG"; }
check "the refusals of bad keys are in the server log (control)" refusals_logged
check "no API key is in the server log" no_key

WORK=$1/keylog-statements
BINDIR=$(dirname "$(command -v pg_ctl)")
mkdir -p "$WORK"
cat >"$WORK/statements.conf" <<CONF
shared_preload_libraries = 'pg_stat_statements'
pg_stat_statements.track = all
pg_stat_statements.track_utility = on
tenancy.key_file = '$KEY_FILE'
CONF
trap cluster_stop EXIT
cluster_start "$WORK" "$BINDIR" "$WORK/statements.conf" || exit 1
sql() { "$BINDIR/psql" -X -q -At -v ON_ERROR_STOP=1 -d postgres "$@"; }
# recorded statements whose text holds a key's shape
keys_recorded="SELECT count(*) FROM pg_stat_statements WHERE query ~ '$KEY_PATTERN'"

sql -c 'CREATE EXTENSION pg_stat_statements' -c 'CREATE EXTENSION tenancy' >/dev/null || exit 1
# control: a utility statement is recorded as written, so a key-shaped
# text in one is found (a plannable statement's literals become $n)
control_key="tnk_$(printf '%032d' 0)_control-not-a-key-0123456789abcdefghijklmnopq"
check "pg_stat_statements would show a key-shaped text (control)" test "$(
	sql -c "DO \$\$ BEGIN PERFORM '$control_key'; END \$\$" -c "$keys_recorded")" = 1
sql -c 'SELECT pg_stat_statements_reset()' >/dev/null
sql >/dev/null <<'SQL' || { echo "not ok - the key workload failed"; exit 1; }
CREATE TABLE keys (name text PRIMARY KEY, key text);
INSERT INTO keys VALUES
  ('a', tenancy.create_api_key('00000000-0000-0000-0000-0000000000a1', 'a', '{x:read}')),
  ('b', tenancy.create_api_key('00000000-0000-0000-0000-0000000000b1', 'b', expires_at => now() + interval '1 day'));
SELECT tenancy.authenticate_api_key(key) FROM keys;
SELECT tenancy.authenticate_api_key(key) FROM keys;
-- refused: a wrong secret, then a revoked key
DO $$ BEGIN
  PERFORM tenancy.authenticate_api_key(left(key, 79) || 'A') FROM keys WHERE name = 'a';
EXCEPTION WHEN SQLSTATE 'PT401' THEN NULL; END $$;
SELECT tenancy.revoke_api_key(substr(key, 5, 32)::uuid) FROM keys WHERE name = 'b';
DO $$ BEGIN
  PERFORM tenancy.authenticate_api_key(key) FROM keys WHERE name = 'b';
EXCEPTION WHEN SQLSTATE 'PT401' THEN NULL; END $$;
-- a PostgREST request: headers, then the pre-request
BEGIN;
SELECT set_config('request.headers', json_build_object('x-api-key', key)::text, true) FROM keys WHERE name = 'a';
SELECT tenancy.api_key_request();
SELECT tenancy.caller_api_key_id() IS NOT NULL;
COMMIT;
BEGIN READ ONLY;
SELECT set_config('request.headers', json_build_object('x-api-key', key)::text, true) FROM keys WHERE name = 'a';
SELECT tenancy.api_key_request();
COMMIT;
SELECT tenancy.flush_api_key_use();
SQL
check "tenancy's own statements were recorded (control)" test "$(
	sql -c "SELECT count(*) > 0 FROM pg_stat_statements WHERE query LIKE '%INSERT INTO tenancy.api_key_records%'")" = t
check "no recorded statement holds an API key" test "$(sql -c "$keys_recorded")" = 0
[ "$failed" -eq 0 ]
