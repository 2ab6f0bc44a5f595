#!/usr/bin/env bash
# not_preloaded.sh WORK BINDIR: a second, small cluster without tenancy in
# shared_preload_libraries. The rate limits (docs/rate-limits.md) must
# refuse there with 55000 and the hint that names the setting; everything
# else of tenancy keeps working. Run by scripts/test; prints "ok N - ..."
# or "not ok N - ...".
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
source "$ROOT/scripts/lib/cluster.sh"
WORK=$1/not-preloaded
BINDIR=$2
trap cluster_stop EXIT
mkdir -p "$WORK"
cluster_start "$WORK" "$BINDIR" || exit 1

n=0 failed=0
expect() { # expect DESCRIPTION EXPECTED SQL
	n=$((n + 1))
	local got
	got=$("$BINDIR/psql" -X -q -At -d postgres -c "$3" 2>&1)
	if [ "$got" = "$2" ]; then echo "ok $n - $1"; else
		echo "not ok $n - $1"; echo "#   expected: $2"; echo "#   got:      $got"; failed=$((failed + 1)); fi
}
caught() { # the SQLSTATE, message and hint a statement raises
	printf "DO \$\$ DECLARE s text; m text; h text; BEGIN %s;
	  EXCEPTION WHEN OTHERS THEN GET STACKED DIAGNOSTICS s = RETURNED_SQLSTATE, m = MESSAGE_TEXT, h = PG_EXCEPTION_HINT;
	  RAISE NOTICE '%%|%%|%%', s, m, h; END \$\$" "$1"
}
HINT="Add 'tenancy' to shared_preload_libraries in postgresql.conf and restart the server."
MSG="tenancy's rate limits need tenancy in shared_preload_libraries"

expect "the extension installs without the preload" "" "CREATE EXTENSION tenancy"
expect "rate_limit refuses with 55000 and the hint" "NOTICE:  55000|$MSG|$HINT" \
	"$(caught "PERFORM tenancy.rate_limit('b', 1, '1 minute')")"
expect "enforce_rate_limit refuses alike" "NOTICE:  55000|$MSG|$HINT" \
	"$(caught "PERFORM tenancy.enforce_rate_limit('b', 1, '1 minute')")"
expect "rate_limit_usage refuses alike" "NOTICE:  55000|$MSG|$HINT" \
	"$(caught "PERFORM tenancy.rate_limit_usage()")"
expect "the rest of tenancy works" "t" "SELECT tenancy.version() IS NOT NULL"
[ "$failed" -eq 0 ]
