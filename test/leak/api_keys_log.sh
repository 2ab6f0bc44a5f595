#!/usr/bin/env bash
# api_keys_log.sh WORK: after the regress and isolation suites, the server
# log of scripts/test's cluster holds no API key. sql/api_keys.sql and
# sql/api_key_callers.sql made keys and had every kind of bad key refused
# (errors are logged with their statement); they never write a key into
# statement text, so a key in the log could only come from tenancy itself.
# The control check proves the refusals reached this log.
set -uo pipefail
LOG=$1/log/server.log
n=0 failed=0
check() {
	n=$((n + 1))
	if "${@:2}"; then echo "ok $n - $1"; else echo "not ok $n - $1"; failed=$((failed + 1)); fi
}
no_key() { ! grep -a -q -E 'tnk_[0-9a-fA-F]{32}_[A-Za-z0-9_-]{10}' "$LOG"; }
refusals_logged() { grep -a -q 'ERROR:  invalid API key' "$LOG"; }
check "the refusals of bad keys are in the server log (control)" refusals_logged
check "no API key is in the server log" no_key
[ "$failed" -eq 0 ]
