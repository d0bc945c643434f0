#!/bin/sh
# Install the Debian packages that the build, the tests and the benchmarks
# need.  Idempotent: when dpkg already knows every package as installed,
# the .debs below are in their cache and the users exist, we touch
# neither apt nor the network, so `make deps` is cheap to repeat.
set -eu

PKGS="build-essential pkg-config libgmime-3.0-dev libetpan-dev libgnutls28-dev
libsqlite3-dev libcurl4-gnutls-dev libpcre2-dev libxml2-dev libuchardet-dev sqlite3 swaks postfix
dovecot-imapd dovecot-lmtpd dovecot-sieve dovecot-submissiond openssl jq perl mutt s-nail
clang libclang-rt-14-dev strace chromium fonts-thai-tlwg libsystemd-dev systemd
libevent-2.1-7 libgnutls-dane0 libidn12 libnsl2 libdb5.3 adduser
libmicrohttpd-dev prometheus curl postgresql libpq-dev"

# OpenSMTPD and Exim conflict with Postfix: the tests run them unpacked
# from their .debs (dpkg -x), fetched here into a cache outside the
# repository. Their libraries are in PKGS above.
DEBS="opensmtpd exim4-base exim4-daemon-light"
DEB_CACHE=${DEB_CACHE:-/var/cache/ticketd-tests}

SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo

# What the packages' postinst scripts would make and the unpacked
# binaries look up by name or path at start: Exim's and OpenSMTPD's
# users, and OpenSMTPD's compiled-in directories, left empty here (the
# test mounts its own over them in a private mount namespace).
system_setup() {
	getent passwd Debian-exim >/dev/null ||
		$SUDO adduser --system --group --quiet --home /var/spool/exim4 \
		    --no-create-home --disabled-login --force-badname Debian-exim
	for u in opensmtpd opensmtpq; do
		getent group $u >/dev/null || $SUDO addgroup --system --quiet $u
		getent passwd $u >/dev/null ||
			$SUDO adduser --system --quiet --home /var/lib/opensmtpd/empty \
			    --no-create-home --disabled-password --ingroup $u $u
	done
	$SUDO mkdir -p /var/spool/smtpd /var/lib/opensmtpd/empty /usr/libexec/opensmtpd
}

# Debian's postgresql makes a system cluster (15/main) on install and
# starts it where services may start. The tests run their own
# (tests/peers/pg.sh, on a socket under their $TMP) and need none: one
# that runs is stopped, and none starts at boot (start.conf "manual").
# Its data is left alone. Idempotent: a stopped, manual cluster is not
# touched.
pg_system_cluster() {
	command -v pg_lsclusters >/dev/null 2>&1 || return 0
	pg_lsclusters -h 2>/dev/null | while read -r ver name _port status _rest; do
		case $status in
		online*) echo "deps: stopping the system PostgreSQL cluster $ver/$name"
			$SUDO pg_ctlcluster "$ver" "$name" stop ;;
		esac
		conf=/etc/postgresql/$ver/$name/start.conf
		if [ -f "$conf" ] && grep -qx auto "$conf"; then
			echo "deps: $conf: manual"
			$SUDO sed -i 's/^auto$/manual/' "$conf"
		fi
	done
}

# fetch_debs: the newest .deb of each of DEBS in DEB_CACHE, older ones
# removed; apt is asked only when one is missing.
fetch_debs() {
	need=
	for p in $DEBS; do
		v=$(apt-cache policy "$p" 2>/dev/null | sed -n 's/^ *Candidate: //p')
		v=$(printf '%s' "$v" | sed 's/:/%3a/')
		ls "$DEB_CACHE/${p}_${v}_"*.deb >/dev/null 2>&1 || need="$need $p"
	done
	[ -n "$need" ] || return 0
	echo "deps: downloading into $DEB_CACHE:$need"
	$SUDO mkdir -p "$DEB_CACHE"
	# shellcheck disable=SC2086
	for p in $need; do $SUDO rm -f "$DEB_CACHE/${p}_"*.deb; done
	# apt warns that its sandbox user _apt cannot write there and
	# downloads as the caller: harmless.
	# shellcheck disable=SC2086
	(cd "$DEB_CACHE" && $SUDO apt-get download -q $need)
}

missing=
for p in $PKGS; do
	s=$(dpkg-query -W -f '${db:Status-Status}' "$p" 2>/dev/null) || s=
	[ "$s" = installed ] || missing="$missing $p"
done
if [ -z "$missing" ]; then
	echo "deps: all packages installed"
	fetch_debs
	system_setup
	pg_system_cluster
	exit 0
fi
echo "deps: installing:$missing"
export DEBIAN_FRONTEND=noninteractive

# Postfix is only wanted for smtp-sink and smtp-source; keep its installer
# from asking questions or configuring a live MTA.
echo "postfix postfix/main_mailer_type select No configuration" |
	$SUDO debconf-set-selections

$SUDO apt-get update
# libcurl4-gnutls-dev, not -openssl-dev: libetpan-dev depends on it and the
# two conflict (see NOTES.md).
# shellcheck disable=SC2086
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y $missing
fetch_debs
system_setup
pg_system_cluster
