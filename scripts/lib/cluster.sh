# cluster.sh: throwaway PostgreSQL clusters for tests, demo and benchmarks,
# of the server scripts/lib/servers.sh selected (server_select sets the
# PG_BINDIR, PG_SYS_LIBDIR, PG_SYS_SHAREDIR and PG_EXTRA_TREES used here).
#
# PostgreSQL refuses to run as root, so the server runs as the unprivileged
# `postgres` user, in a private temporary directory, listening only on a
# private Unix socket (listen_addresses = ''), so concurrent runs never meet.
# cluster_stop is registered on EXIT by the caller: the server stops on
# success and on failure alike.

PG_RUN_USER=${PG_RUN_USER:-postgres}

# make_temp_install DIR: installs the built extension into DIR as a private
# copy of the server (binaries copied, everything else symlinked), with the
# server's PG_EXTRA_TREES (DESTDIR trees, such as its pg_cron) copied in.
# PostgreSQL finds its share and lib directories relative to its binary, so
# a server started from DIR loads tenancy from DIR and never from the system.
make_temp_install() {
	local root=$1 tree
	# an unset directory would make the copies below copy / itself
	local dir
	for dir in "$PG_BINDIR" "$PG_SYS_LIBDIR" "$PG_SYS_SHAREDIR" "${PG_EXTRA_TREES[@]}"; do
		[ -n "$dir" ] && [ -d "$dir" ] ||
			{ echo "make_temp_install: server directory '$dir' is not a directory" >&2; return 1; }
	done
	make -s install DESTDIR="$root" >/dev/null
	local bin=$root$PG_BINDIR lib=$root$PG_SYS_LIBDIR share=$root$PG_SYS_SHAREDIR
	mkdir -p "$bin" "$lib" "$share/extension"
	cp -p "$PG_BINDIR"/* "$bin"/
	for tree in "${PG_EXTRA_TREES[@]}"; do
		cp -a "$tree/." "$root/"
	done
	link_missing "$PG_SYS_LIBDIR" "$lib"
	link_missing "$PG_SYS_SHAREDIR" "$share"
	link_missing "$PG_SYS_SHAREDIR/extension" "$share/extension"
	chmod -R a+rX "$root"
}

link_missing() {
	local from=$1 to=$2 entry
	for entry in "$from"/*; do
		[ -e "$to/$(basename "$entry")" ] || ln -s "$entry" "$to/"
	done
}

as_pg_user() {
	runuser -u "$PG_RUN_USER" -- "$@"
}

# cluster_start DIR BINDIR [EXTRA_CONF_FILE]: initdb and start a cluster
# in DIR/data with its socket in DIR/sock. Sets PGHOST, PGPORT, PGUSER.
cluster_start() {
	local dir=$1 bindir=$2 extra_conf=${3:-}
	CLUSTER_DIR=$dir
	CLUSTER_BINDIR=$bindir
	mkdir -p "$dir/data" "$dir/sock" "$dir/log"
	chown -R "$PG_RUN_USER" "$dir/data" "$dir/sock" "$dir/log"
	chmod 755 "$dir"
	as_pg_user "$bindir/initdb" -D "$dir/data" -U postgres -A trust \
		--no-sync -E UTF8 --locale=C.UTF-8 >"$dir/log/initdb.log" 2>&1 ||
		{ cat "$dir/log/initdb.log" >&2; return 1; }
	{
		echo "listen_addresses = ''"
		echo "unix_socket_directories = '$dir/sock'"
		echo "port = 5432"
		echo "fsync = off"
		echo "max_prepared_transactions = 10"
		echo "log_line_prefix = '%m [%p] %q%a '"
		[ -n "$extra_conf" ] && cat "$extra_conf"
	} >>"$dir/data/postgresql.conf"
	as_pg_user "$bindir/pg_ctl" -D "$dir/data" -l "$dir/log/server.log" -w -t 60 start >/dev/null ||
		{ cat "$dir/log/server.log" >&2; return 1; }
	export PGHOST=$dir/sock PGPORT=5432 PGUSER=postgres
}

cluster_stop() {
	if [ -n "${CLUSTER_DIR:-}" ] && [ -f "$CLUSTER_DIR/data/postmaster.pid" ]; then
		as_pg_user "$CLUSTER_BINDIR/pg_ctl" -D "$CLUSTER_DIR/data" -m fast -w stop >/dev/null 2>&1 ||
			as_pg_user "$CLUSTER_BINDIR/pg_ctl" -D "$CLUSTER_DIR/data" -m immediate stop >/dev/null 2>&1
	fi
	return 0
}
