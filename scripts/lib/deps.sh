# deps.sh: installs, with apt-get, the Debian 12 packages tenancy needs to
# build, test, demo and benchmark. Idempotent: installs only what is missing.

TENANCY_PACKAGES=(
	make g++ cmake pkg-config
	postgresql-15 postgresql-server-dev-15 postgresql-client-15
	libpq-dev libsodium-dev catch2
	postgresql-15-cron postgresql-15-partman
	libfaketime # the calendar sweep (test/calendar/run.sh)
)

tenancy_install_deps() {
	local missing=()
	local pkg
	for pkg in "${TENANCY_PACKAGES[@]}"; do
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
