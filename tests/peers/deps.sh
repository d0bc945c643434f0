#!/bin/sh
# Install the Debian packages that the build, the tests and the benchmarks
# need.  Idempotent: when dpkg already knows every package as installed we
# touch neither apt nor the network, so `make deps` is cheap to repeat.
set -eu

PKGS="build-essential pkg-config libgmime-3.0-dev libetpan-dev libgnutls28-dev
libsqlite3-dev libcurl4-gnutls-dev libpcre2-dev libxml2-dev libuchardet-dev sqlite3 swaks postfix
dovecot-imapd dovecot-lmtpd dovecot-sieve dovecot-submissiond openssl jq perl mutt s-nail
clang libclang-rt-14-dev strace chromium fonts-thai-tlwg libmicrohttpd-dev
prometheus curl"

missing=
for p in $PKGS; do
	s=$(dpkg-query -W -f '${db:Status-Status}' "$p" 2>/dev/null) || s=
	[ "$s" = installed ] || missing="$missing $p"
done
if [ -z "$missing" ]; then
	echo "deps: all packages installed"
	exit 0
fi
echo "deps: installing:$missing"

SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
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
