# deps.sh: installs, with apt-get, the Debian 12 packages tenancy needs to
# build, test, demo and benchmark (15 is Debian 12's server; 15's packages
# also give libpq and the psql that the scripts use against every server).
# Idempotent: installs only what is missing.

TENANCY_PACKAGES=(
	make g++ cmake pkg-config
	postgresql-15 postgresql-server-dev-15 postgresql-client-15
	libpq-dev libsodium-dev catch2
	postgresql-15-cron postgresql-15-partman
	libfaketime # the calendar sweep (test/calendar/run.sh)
)

# What building PostgreSQL 18 from its release tarball needs (scripts/lib/pg18.sh).
PG18_BUILD_PACKAGES=(gcc make bzip2 bison flex libssl-dev zlib1g-dev)

tenancy_install_deps() {
	install_missing "${TENANCY_PACKAGES[@]}"
}

install_missing() {
	local missing=()
	local pkg
	for pkg in "$@"; do
		dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" ||
			missing+=("$pkg")
	done
	if [ "${#missing[@]}" -eq 0 ]; then
		return 0
	fi
	if [ "$(id -u)" -ne 0 ]; then
		echo "tenancy: missing packages (${missing[*]}); run as root to install them" >&2
		return 1
	fi
	echo "tenancy: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}
