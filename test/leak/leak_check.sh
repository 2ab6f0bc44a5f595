#!/usr/bin/env bash
# leak_check.sh WORK BINDIR: the vault's leak test and dump/restore round
# trip, run by scripts/test against its cluster (PGHOST/PGPORT/PGUSER set).
#
# Plants marker secrets through every vault function, then searches the
# whole data directory (WAL after CHECKPOINT, table files), the server log,
# EXPLAIN VERBOSE output and pg_dump output: zero hits. A control marker
# stored in a plain table proves each search can find what is there. The
# markers are assembled inside SQL ('a' || 'b'), so no statement text (and
# no log line quoting one) contains them. Prints "ok N - ..." or
# "not ok N - ..." per check.
set -uo pipefail
WORK=$1
BINDIR=$2
DATA=$WORK/data
OUT=$WORK/leak
mkdir -p "$OUT"

PW=LeakPwA1b2C3         # planted as 'LeakPw' || 'A1b2C3'
SVC=LeakSvcD4e5F6       # planted as 'LeakSvc' || 'D4e5F6'
CONTROL=LeakCtlG7h8I9   # planted as 'LeakCtl' || 'G7h8I9', in plain text
REGRESS_PW=Mkr7PwQ9z    # the marker of sql/vault_*.sql

n=0 failed=0
check() { # check DESCRIPTION COMMAND...: ok when COMMAND succeeds
	local what=$1
	shift
	n=$((n + 1))
	if "$@"; then echo "ok $n - $what"; else echo "not ok $n - $what"; failed=$((failed + 1)); fi
}
absent() { # absent MARKER PATH...: every file read, none contains MARKER
	local rc
	# grep says 2 when a file went away while it read the live data
	# directory (pg_internal.init is rewritten at will): read it all again
	for _ in 1 2 3; do
		grep -r -a -F -q -e "$1" "${@:2}"
		rc=$?
		[ "$rc" -ne 2 ] && break
	done
	[ "$rc" -eq 1 ]
}
present() { grep -r -a -F -q -e "$1" "${@:2}" 2>/dev/null; }
sql() { "$BINDIR/psql" -X -q -At -v ON_ERROR_STOP=1 -d "$1" -c "$2"; }

"$BINDIR/psql" -X -q -d postgres -c 'DROP DATABASE IF EXISTS leak_check' \
	-c 'DROP DATABASE IF EXISTS leak_restore' -c 'DROP DATABASE IF EXISTS leak_restore_custom' \
	-c 'CREATE DATABASE leak_check' || exit 1

"$BINDIR/psql" -X -q -v ON_ERROR_STOP=1 -d leak_check >"$OUT/plant.log" 2>&1 <<'SQL' || { cat "$OUT/plant.log"; exit 1; }
CREATE EXTENSION tenancy;
CREATE TABLE control (note text);
INSERT INTO control VALUES ('LeakCtl' || 'G7h8I9');
INSERT INTO tenancy.tenants (id, name, subdomain) VALUES
  ('00000000-0000-0000-0000-0000000000a1', 'One', 'one'),
  ('00000000-0000-0000-0000-0000000000a2', 'Two', 'two');
SELECT tenancy.set_tenant_connection('00000000-0000-0000-0000-0000000000a1',
  format('postgresql://app:%s@one.internal/one', 'LeakPw' || 'A1b2C3'), 'LeakSvc' || 'D4e5F6');
SELECT tenancy.set_tenant_connection('00000000-0000-0000-0000-0000000000a2',
  format('host=/nonexistent user=two password=%s', 'LeakPw' || 'A1b2C3'), 'LeakSvc' || 'D4e5F6');
-- an audited table, sealed: its log and chains must survive dump/restore
CREATE TABLE audited_items (id int PRIMARY KEY, workspace_id uuid, v int);
SELECT tenancy.enable_audit('audited_items');
INSERT INTO audited_items SELECT g, '00000000-0000-0000-0000-0000000000a1', g FROM generate_series(1, 5) g;
UPDATE audited_items SET v = v + 1;
SELECT tenancy.seal_audit();
-- a role reading its tenants' log rows, for the owner of workspace a1: the
-- readers (tenancy.audit_readers) and grants are dumped
CREATE TABLE leak_members (workspace_id uuid, user_id uuid, role text);
INSERT INTO leak_members VALUES ('00000000-0000-0000-0000-0000000000a1', 'aaaaaaaa-0000-0000-0000-0000000000a1', 'owner');
SELECT tenancy.register_membership('leak_members', 'workspace_id', 'user_id', 'role');
CREATE ROLE leak_audit_reader;
SELECT tenancy.grant_audit_read('leak_audit_reader', '{owner}');
-- every path plaintext takes: opening, info, a failing check, rotation
SELECT tenancy.tenant_connection(id) IS NOT NULL, tenancy.tenant_service_key(id) IS NOT NULL
  FROM tenancy.tenants;
SELECT has_password FROM tenancy.tenant_connection_info('00000000-0000-0000-0000-0000000000a1');
SELECT ok, error FROM tenancy.check_tenant_connection('00000000-0000-0000-0000-0000000000a2', '1s');
SET tenancy.active_key_id = 1;
CALL tenancy.rotate_keys();
RESET tenancy.active_key_id;
CALL tenancy.rotate_keys();
-- unsealed rows logged as if by a cluster whose transactions number far
-- ahead: a restore into a new cluster, whose ids restart, must still log
-- after them
CREATE TABLE far_items (id int PRIMARY KEY);
SELECT tenancy.enable_audit('far_items');
INSERT INTO far_items VALUES (1), (2);
UPDATE tenancy.audit_log SET txid = (txid::text::numeric + 1000000)::text::xid8
 WHERE relation = ANY (tenancy._audit_relation_ids('far_items'));
-- rejected strings and failed opens, whose errors reach the server log
DO $$
BEGIN
  PERFORM tenancy.set_tenant_connection('00000000-0000-0000-0000-0000000000a1',
    format('host=h port=99999 password=%s', 'LeakPw' || 'A1b2C3'));
EXCEPTION WHEN invalid_parameter_value THEN NULL;
END $$;
SQL
# the last two statements fail on purpose (logged as errors); run them
# without ON_ERROR_STOP
"$BINDIR/psql" -X -q -d leak_check >>"$OUT/plant.log" 2>&1 <<'SQL'
SELECT tenancy.set_tenant_connection('00000000-0000-0000-0000-0000000000a1',
  format('postgresql://app:%s%%zz@h/db', 'LeakPw' || 'A1b2C3'));
SELECT tenancy.set_tenant_connection('00000000-0000-0000-0000-0000000000a1',
  format('host=h %s', 'LeakPw' || 'A1b2C3'));
BEGIN;
UPDATE tenancy.tenants SET data_source = set_byte(data_source, 40, 0) WHERE subdomain = 'one';
SELECT tenancy.tenant_connection('00000000-0000-0000-0000-0000000000a1');
ROLLBACK;
SQL

"$BINDIR/psql" -X -q -At -d leak_check >"$OUT/explain.txt" 2>&1 <<'SQL'
EXPLAIN (VERBOSE, COSTS OFF) SELECT tenancy.tenant_connection('00000000-0000-0000-0000-0000000000a1');
EXPLAIN (VERBOSE, COSTS OFF) SELECT tenancy.tenant_service_key('00000000-0000-0000-0000-0000000000a1');
EXPLAIN (VERBOSE, COSTS OFF, ANALYZE, TIMING OFF, SUMMARY OFF)
  SELECT tenancy.tenant_connection(id) FROM tenancy.tenants;
SQL
sql leak_check 'CHECKPOINT' >/dev/null
"$BINDIR/pg_dump" -d leak_check -f "$OUT/dump.sql" || exit 1
"$BINDIR/pg_dump" -d leak_check -Fc -f "$OUT/dump.custom" || exit 1

check "the plaintext opens (the test plants what it searches for)" \
	test "$(sql leak_check "SELECT count(*) FROM tenancy.tenants
	  WHERE strpos(tenancy.tenant_connection(id), 'LeakPw' || 'A1b2C3') > 0
	    AND tenancy.tenant_service_key(id) = 'LeakSvc' || 'D4e5F6'")" = 2
check "control marker found in the WAL, table files, and dump" \
	eval 'present "$CONTROL" "$DATA/pg_wal" && present "$CONTROL" "$DATA/base" && present "$CONTROL" "$OUT/dump.sql"'
check "errors were logged (the log search sees them)" \
	present 'invalid connection string' "$WORK/log/server.log"
for marker in "$PW" "$SVC" "$REGRESS_PW"; do
	check "no $marker in the WAL" absent "$marker" "$DATA/pg_wal"
	check "no $marker in table files or anywhere in the data directory" absent "$marker" "$DATA"
	check "no $marker in the server log" absent "$marker" "$WORK/log"
	check "no $marker in EXPLAIN VERBOSE" absent "$marker" "$OUT/explain.txt"
	check "no $marker in pg_dump output" absent "$marker" "$OUT/dump.sql"
done

# Dump and restore: values still open with the same key file.
sql postgres 'CREATE DATABASE leak_restore' >/dev/null
"$BINDIR/psql" -X -q -v ON_ERROR_STOP=1 -d leak_restore -f "$OUT/dump.sql" >"$OUT/restore.log" 2>&1
check "the dump restores" test $? -eq 0
check "restored values open, bound to the same tenants" \
	test "$(sql leak_restore "SELECT count(*) FROM tenancy.tenants
	  WHERE strpos(tenancy.tenant_connection(id), 'LeakPw' || 'A1b2C3') > 0
	    AND tenancy.tenant_service_key(id) = 'LeakSvc' || 'D4e5F6'")" = 2
check "restored audit chains verify, as many rows as before" \
	test "$(sql leak_restore 'SELECT count(*) FILTER (WHERE first_bad_id IS NOT NULL) || '"'/'"' || sum(rows_checked) FROM tenancy.verify_audit()')" = \
	"0/$(sql leak_check 'SELECT sum(rows_checked) FROM tenancy.verify_audit()')"
check "the restore logged nothing of its own: the same log rows, no duplicate ids" \
	test "$(sql leak_restore 'SELECT count(*) || '"'/'"' || count(DISTINCT id) FROM tenancy.audit_log')" = \
	"$(sql leak_check 'SELECT count(*) || '"'/'"' || count(*) FROM tenancy.audit_log')"
sql leak_restore "INSERT INTO far_items VALUES (3)" >/dev/null
sql leak_restore "SELECT tenancy.seal_audit()" >/dev/null
check "rows logged after the restore number after the restored ones" \
	test "$(sql leak_restore "SELECT min(txid) FILTER (WHERE record_key->>'id' = '3')
	                                 > max(txid) FILTER (WHERE record_key->>'id' <> '3')
	                            FROM tenancy.audit_entries WHERE table_name = 'far_items'")" = t
check "after the restore every row seals, and the chains verify" \
	test "$(sql leak_restore "SELECT (SELECT count(*) FROM tenancy.audit_log l WHERE NOT EXISTS (
	                                   SELECT 1 FROM tenancy.audit_seal_state s
	                                    WHERE (l.txid, l.id) <= (s.last_txid, s.last_id))) || '/' ||
	                                 (SELECT count(*) FROM tenancy.verify_audit() WHERE first_bad_id IS NOT NULL)")" = 0/0
# The audited rows the reader reads as the owner of a1, in database $1.
reader_reads() {
	"$BINDIR/psql" -X -q -At -v ON_ERROR_STOP=1 -d "$1" -c 'SET ROLE leak_audit_reader' \
		-c "SET request.jwt.claims = '{\"sub\": \"aaaaaaaa-0000-0000-0000-0000000000a1\"}'" \
		-c "SELECT count(*) FROM tenancy.audit_entries WHERE table_name = 'audited_items'"
}
read_before=$(reader_reads leak_check)
check "the reader reads its tenant's audited rows before the dump" test "$read_before" = 10
# pg_dump skips the policies of the extension's own tables (the log and its
# default partition); CREATE EXTENSION makes their one policy again, and it
# reads the dumped readers: the restored reader reads what it read, with
# no grant_audit_read run again (docs/audit.md, "Reading the log")
check "restored from the plain dump, the reader reads the same rows" \
	test "$(reader_reads leak_restore)" = "$read_before"
sql postgres 'CREATE DATABASE leak_restore_custom' >/dev/null
"$BINDIR/pg_restore" -d leak_restore_custom "$OUT/dump.custom" >"$OUT/pg_restore.log" 2>&1
check "the custom-format dump restores with pg_restore" test $? -eq 0
check "restored by pg_restore, the reader reads the same rows, as the same reader" \
	test "$(reader_reads leak_restore_custom)/$(sql leak_restore_custom "SELECT reader || ' ' || array_to_string(member_roles, ',') FROM tenancy.audit_readers")" = \
	"$read_before/leak_audit_reader owner"
check "restored fingerprints still guard the keys" \
	test "$(sql leak_restore 'SELECT count(*) FROM tenancy.key_fingerprints')" = 2
check "restored registry accepts new sealed values" \
	sql leak_restore "SELECT tenancy.set_tenant_connection('00000000-0000-0000-0000-0000000000a2', 'host=two.internal')"

echo "leak: $((n - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
