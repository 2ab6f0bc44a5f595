# servers.sh: which PostgreSQL the scripts build against and run.
#
#   server_select ""     PG_CONFIG from the environment, else Debian 12's 15
#   server_select 15     Debian 12's packages (scripts/lib/deps.sh)
#   server_select 18     built from the vendored 18 sources (scripts/lib/pg18.sh)
#   server_select 17     Debian 13's headers: builds only (scripts/lib/pg17.sh)
#
# Sets and exports PG_CONFIG (make reads it), and sets PG_MAJOR, PG_BINDIR,
# PG_SYS_LIBDIR, PG_SYS_SHAREDIR (what scripts/lib/cluster.sh copies into a
# temporary install) and PG_EXTRA_TREES (DESTDIR trees overlaid on it, such
# as a pg_cron built for that server). Needs $ROOT (the repository).

source "$ROOT/scripts/lib/pg18.sh"
source "$ROOT/scripts/lib/pg17.sh"

PG_DEBIAN_CONFIG=/usr/lib/postgresql/15/bin/pg_config
PG_EXTRA_TREES=()
PG_CAN_RUN=1

server_select() {
	local major=$1
	case $major in
	'') PG_CONFIG=${PG_CONFIG:-$PG_DEBIAN_CONFIG} ;;
	15) PG_CONFIG=$PG_DEBIAN_CONFIG ;;
	17) provision_pg17 || return 1 ;;
	18) provision_pg18 || return 1 ;;
	*)
		echo "tenancy: --pg $major: supported are 15 (Debian 12), 17 (build only) and 18;" \
			"for another server set PG_CONFIG to its pg_config" >&2
		return 1
		;;
	esac
	if [ ! -x "$PG_CONFIG" ] && ! command -v "$PG_CONFIG" >/dev/null; then
		echo "tenancy: PG_CONFIG=$PG_CONFIG is not an executable pg_config" >&2
		return 1
	fi
	export PG_CONFIG
	PG_MAJOR=$("$PG_CONFIG" --version | sed -E 's/^PostgreSQL ([0-9]+).*/\1/')
	PG_BINDIR=$("$PG_CONFIG" --bindir)
	PG_SYS_LIBDIR=$("$PG_CONFIG" --pkglibdir)
	PG_SYS_SHAREDIR=$("$PG_CONFIG" --sharedir)
	echo "tenancy: PostgreSQL $("$PG_CONFIG" --version | cut -d' ' -f2) ($PG_CONFIG)"
}

# server_from_args ARGS...: server_select for a leading `--pg N` (else
# PG_CONFIG or 15); the remaining arguments are left in SERVER_ARGS_REST.
server_from_args() {
	local major=
	if [ "${1:-}" = --pg ]; then
		[ -n "${2:-}" ] || { echo "tenancy: --pg needs a major version (15, 17 or 18)" >&2; return 1; }
		major=$2
		shift 2
	fi
	SERVER_ARGS_REST=("$@")
	server_select "$major"
}
