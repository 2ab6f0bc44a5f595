# pg17.sh: PostgreSQL 17's server headers and pgxs, from Debian 13's
# packages (postgresql-server-dev-17: headers; postgresql-client-17: pgxs;
# libpq-dev and libpq5: libpq), fetched through a private apt state
# directory: the system's apt sources, lists and caches are untouched. They
# are unpacked, not installed, into a cache directory keyed by the server
# headers' SHA256 from the package index. Debian 13's binaries need a newer
# glibc than Debian 12's, so 17 is a build-only target (-Werror).
# Sourced by scripts/lib/servers.sh.

PG17_PACKAGES=(postgresql-server-dev-17 postgresql-client-17 libpq-dev libpq5)

# apt_trixie ARGS...: apt-get (or apt-cache via APT_TOOL) against Debian 13
# main only, with lists and downloads kept in $cache/apt-trixie.
apt_trixie() {
	local state=$PG17_APT_DIR tool=${APT_TOOL:-apt-get}
	"$tool" -q -o Dir::Etc::SourceList="$state/sources.list" -o Dir::Etc::SourceParts=- \
		-o Dir::State="$state/state" -o Dir::Cache="$state/cache" \
		-o Dir::State::status=/dev/null -o APT::Get::List-Cleanup=0 \
		-o Debug::NoLocking=1 "$@"
}

# relocated_pg_config PG_CONFIG DIR: libpq-dev's pg_config (a Perl script
# holding its answers as text; the packaged binary needs Debian 13's glibc)
# with every directory moved under DIR, where the packages are unpacked.
relocated_pg_config() {
	sed -E "/^__DATA__\$/,/^\$/ s#^([A-Z-]+) = /#\1 = $2/#" "$1"
}

# provision_pg17: sets PG_CONFIG to 17's pg_config (unpacked) and marks the
# server as build-only (PG_CAN_RUN=0).
provision_pg17() {
	local cache=${TENANCY_CACHE:-/var/cache/tenancy} sha dir pkg
	PG17_APT_DIR=$cache/apt-trixie
	mkdir -p "$PG17_APT_DIR/state/lists/partial" "$PG17_APT_DIR/cache/archives/partial"
	echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main" \
		>"$PG17_APT_DIR/sources.list"
	apt_trixie update >"$PG17_APT_DIR/update.log" 2>&1 ||
		{ cat "$PG17_APT_DIR/update.log" >&2; echo "tenancy: cannot read Debian 13's package index" >&2; return 1; }
	sha=$(APT_TOOL=apt-cache apt_trixie show "${PG17_PACKAGES[0]}" | sed -n 's/^SHA256: //p' | head -n 1)
	[ -n "$sha" ] || { echo "tenancy: ${PG17_PACKAGES[0]} not found in Debian 13" >&2; return 1; }
	dir=$cache/postgresql-server-dev-17-${sha:0:16}
	if [ -d "$dir" ]; then
		echo "tenancy: reusing $dir"
	else
		echo "tenancy: unpacking Debian 13's ${PG17_PACKAGES[*]} into $dir"
		rm -rf "$dir.tmp"
		mkdir -p "$dir.tmp"
		(cd "$PG17_APT_DIR/cache/archives" && apt_trixie download "${PG17_PACKAGES[@]}") \
			>"$PG17_APT_DIR/download.log" 2>&1 || { cat "$PG17_APT_DIR/download.log" >&2; return 1; }
		for pkg in "${PG17_PACKAGES[@]}"; do
			dpkg-deb -x "$(ls -t "$PG17_APT_DIR/cache/archives/${pkg}"_*.deb | head -n 1)" "$dir.tmp"
		done
		relocated_pg_config "$dir.tmp/usr/bin/pg_config" "$dir" >"$dir.tmp/pg_config"
		chmod 755 "$dir.tmp/pg_config"
		mv "$dir.tmp" "$dir"
	fi
	PG_CONFIG=$dir/pg_config
	PG_CAN_RUN=0
}
