# pg18.sh: PostgreSQL 18 and pg_cron built from the vendored release
# tarballs ($ROOT/../shared/vendor, checked against its SHA256SUMS) into a
# cache directory keyed by the tarballs' checksums, so a second run reuses
# the build. The sources are dependencies: they are built outside the repo
# and never copied into it. Sourced by scripts/lib/servers.sh.

PG18_TARBALL=postgresql-18.6.tar.bz2
PG18_CRON_TARBALL=pg_cron-1.6.7.tar.gz

# vendor_file NAME: the path of a vendored tarball after checking it against
# SHA256SUMS; fails with what to do when the vendor directory is missing.
vendor_file() {
	local name=$1 dir
	dir=$(cd "$ROOT/.." && pwd)/shared/vendor
	if [ ! -f "$dir/SHA256SUMS" ] || [ ! -f "$dir/$name" ]; then
		echo "tenancy: $dir/$name not found; PostgreSQL 18 is built from the vendored" \
			"sources, which must sit beside the clone in ../shared/vendor" >&2
		return 1
	fi
	(cd "$dir" && grep " $name\$" SHA256SUMS | sha256sum -c --quiet -) >&2 ||
		{ echo "tenancy: $dir/$name does not match SHA256SUMS" >&2; return 1; }
	echo "$dir/$name"
}

checksum_prefix() { sha256sum "$1" | cut -c1-16; }

# build_pg18 PREFIX TARBALL: server, pg_regress, the isolation tester and
# pgcrypto (bench/workloads/30_vault.sh) installed into PREFIX.
build_pg18() {
	local prefix=$1 tarball=$2 src
	src=$(mktemp -d "$prefix.src.XXXXXX")
	tar -xjf "$tarball" -C "$src" --strip-components=1
	(
		cd "$src"
		./configure --prefix="$prefix" --with-openssl --without-icu \
			--without-readline >configure.log 2>&1 ||
			{ tail -n 40 configure.log; exit 1; }
		# make install covers src/test/regress and src/test/isolation (pgxs)
		make -s -j2 >build.log 2>&1 && make -s install >>build.log 2>&1 &&
			make -s -C contrib/pgcrypto -j2 install >>build.log 2>&1 ||
			{ tail -n 60 build.log; exit 1; }
	)
	local rc=$?
	rm -rf "$src"
	return "$rc"
}

# build_pg_cron TREE PG_CONFIG TARBALL: pg_cron built against PG_CONFIG and
# installed under TREE (DESTDIR layout), overlaid on temporary installs.
build_pg_cron() {
	local tree=$1 pg_config=$2 tarball=$3 src
	src=$(mktemp -d "$tree.src.XXXXXX")
	tar -xzf "$tarball" -C "$src" --strip-components=1
	make -s -C "$src" PG_CONFIG="$pg_config" >"$src/build.log" 2>&1 &&
		make -s -C "$src" PG_CONFIG="$pg_config" install DESTDIR="$tree" >>"$src/build.log" 2>&1
	local rc=$?
	[ "$rc" -eq 0 ] || tail -n 40 "$src/build.log"
	rm -rf "$src"
	return "$rc"
}

# build_pg_stat_statements TREE PG_CONFIG TARBALL: contrib's
# pg_stat_statements (test/leak/api_keys_log.sh), extracted alone from the
# server's tarball and built against PG_CONFIG with PGXS, installed under
# TREE (DESTDIR layout) like pg_cron: the cached server is left as built.
build_pg_stat_statements() {
	local tree=$1 pg_config=$2 tarball=$3 src top
	src=$(mktemp -d "$tree.src.XXXXXX")
	top=$(basename "$tarball" .tar.bz2)
	tar -xjf "$tarball" -C "$src" --strip-components=3 "$top/contrib/pg_stat_statements"
	make -s -C "$src" USE_PGXS=1 PG_CONFIG="$pg_config" >"$src/build.log" 2>&1 &&
		make -s -C "$src" USE_PGXS=1 PG_CONFIG="$pg_config" install DESTDIR="$tree" \
			>>"$src/build.log" 2>&1
	local rc=$?
	[ "$rc" -eq 0 ] || tail -n 40 "$src/build.log"
	rm -rf "$src"
	return "$rc"
}

# cached DIR BUILD_FN ARGS...: runs BUILD_FN DIR.tmp ARGS unless DIR exists;
# the rename makes a half-finished build invisible to the next run.
cached() {
	local dir=$1 fn=$2
	shift 2
	if [ -d "$dir" ]; then
		echo "tenancy: reusing $dir"
		return 0
	fi
	echo "tenancy: building $(basename "$dir") into $dir (cached for later runs)"
	rm -rf "$dir.tmp"
	mkdir -p "$dir.tmp"
	"$fn" "$dir.tmp" "$@" || return 1
	mv "$dir.tmp" "$dir"
}

# provision_pg18: sets PG_CONFIG and PG_EXTRA_TREES (the pg_cron and
# pg_stat_statements trees).
provision_pg18() {
	local cache=${TENANCY_CACHE:-/var/cache/tenancy} pg_tar cron_tar pg_dir cron_dir pss_dir
	pg_tar=$(vendor_file "$PG18_TARBALL") || return 1
	cron_tar=$(vendor_file "$PG18_CRON_TARBALL") || return 1
	pg_dir=$cache/${PG18_TARBALL%.tar.bz2}-$(checksum_prefix "$pg_tar")
	cron_dir=$pg_dir-${PG18_CRON_TARBALL%.tar.gz}-$(checksum_prefix "$cron_tar")
	# PostgreSQL bakes its prefix into pg_config, so it is built in place
	# (not in a .tmp directory): a marker file says the build finished.
	if [ ! -f "$pg_dir/.complete" ]; then
		install_missing "${PG18_BUILD_PACKAGES[@]}" || return 1
		echo "tenancy: building ${PG18_TARBALL%.tar.bz2} into $pg_dir (cached for later runs)"
		rm -rf "$pg_dir"
		mkdir -p "$pg_dir"
		build_pg18 "$pg_dir" "$pg_tar" || return 1
		touch "$pg_dir/.complete"
	else
		echo "tenancy: reusing $pg_dir"
	fi
	cached "$cron_dir" build_pg_cron "$pg_dir/bin/pg_config" "$cron_tar" || return 1
	pss_dir=$pg_dir-pg_stat_statements
	cached "$pss_dir" build_pg_stat_statements "$pg_dir/bin/pg_config" "$pg_tar" || return 1
	PG_CONFIG=$pg_dir/bin/pg_config
	PG_EXTRA_TREES=("$cron_dir" "$pss_dir")
}
