# shellcheck shell=sh
# Helpers sourced by tests/lib.sh and the peer scripts.  Port helpers use
# perl because it is always installed and, unlike nc or ss, behaves the same
# everywhere.

# peer_args "$@": the peer scripts' "CMD DIR ..." arguments. Needs the
# caller's usage(); sets cmd, and dir to DIR made and absolute (Dovecot and
# Postfix want absolute paths). The caller shifts the two away.
peer_args() {
	[ $# -ge 2 ] || usage
	cmd=$1
	mkdir -p "$2"
	dir=$(cd "$2" && pwd)
}

# freeport [N]: print N (default 1) distinct free TCP ports on 127.0.0.1.
# The kernel picks them (LocalPort 0); all sockets are held open until every
# port is chosen, so the N ports differ.  Another process may still grab one
# before our caller binds it; that race is accepted.
freeport() {
	perl -MIO::Socket::INET -e '
		for (1 .. ($ARGV[0] || 1)) {
			my $s = IO::Socket::INET->new(Listen => 1, ReuseAddr => 0,
			    LocalAddr => "127.0.0.1", LocalPort => 0) or die "freeport: $!\n";
			push @s, $s; print $s->sockport, "\n";
		}' "${1:-1}"
}

# wait_port PORT [SECS]: wait until something accepts on 127.0.0.1:PORT.
# Polls every 50 ms inside one perl process rather than forking per try.
wait_port() {
	perl -MIO::Socket::INET -MTime::HiRes=sleep,time -e '
		my ($port, $secs) = @ARGV; my $end = time + $secs;
		while (time < $end) {
			exit 0 if IO::Socket::INET->new(PeerAddr => "127.0.0.1",
			    PeerPort => $port, Proto => "tcp", Timeout => 1);
			sleep 0.05;
		}
		exit 1' "$1" "${2:-10}"
}

# writable_by USER DIR: fail with a clear message unless USER can write DIR.
# As root the peers drop to unprivileged users, and a 0700 parent (mktemp -d)
# makes their spool unreachable with only a late "Permission denied".
writable_by() {
	runuser -u "$1" -- test -w "$2" -a -x "$2" && return 0
	echo "$0: $2 is not writable by $1 (check its parent directories)" >&2
	return 1
}

# alive PID: true while PID runs.  A zombie counts as dead: daemons started
# by a script that has exited are reaped by init, which may take its time.
alive() {
	[ -r "/proc/$1/stat" ] &&
	    ! grep -q '^[0-9]* (.*) Z' "/proc/$1/stat" 2>/dev/null
}

# Shared by dovecot.sh and submission.sh, which run private Dovecots.
#
# dovecot_users DIR: print the user settings for a Dovecot under DIR.  As
# root, Dovecot refuses to deliver as uid 0 ("userdb returned 0 as uid"),
# so mail is owned by nobody and the login and internal processes use the
# packaged users; DIR/home is made theirs.  mktemp -d makes 0700 dirs, so
# DIR is opened for them to reach their sockets and the homes.
dovecot_users() {
	if [ "$(id -u)" -eq 0 ]; then
		chown nobody:nogroup "$1/home"
		chmod 755 "$1"
		writable_by nobody "$1/home" >&2 || return 1
		printf '%s\n' "mail_uid = nobody" "mail_gid = nogroup" \
		    "default_internal_user = dovecot" "default_login_user = dovenull"
	else
		printf '%s\n' "default_internal_user = $(id -un)" \
		    "default_internal_group = $(id -gn)" "default_login_user = $(id -un)"
	fi
}

# dovecot_auth DIR: passdb from DIR/passwd, homes under DIR/home, and an
# anvil that needs no root.  An empty chroot is what lets the services
# run without root.  No auth penalty: after a test's wrong password, the
# next login would wait 2-15 s.
dovecot_auth() {
	cat <<EOC
passdb {
  driver = passwd-file
  args = $1/passwd
}
userdb {
  driver = static
  args = home=$1/home/%n
}
service anvil {
  chroot =
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
EOC
}

# dovecot_failed NAME DIR: report why a Dovecot under DIR did not start.
# Startup errors go to stderr, later ones only to the log.
dovecot_failed() {
	echo "$1: Dovecot did not start:" >&2
	if [ -s "$2/start.log" ]; then cat "$2/start.log" >&2
	else tail -n 20 "$2/dovecot.log" >&2 2>/dev/null || :; fi
}

# deb_root DIR PKG...: unpack the Debian packages PKG into DIR (dpkg -x),
# from the .debs that deps.sh fetched into $DEB_CACHE: OpenSMTPD and Exim
# conflict with Postfix, so the tests run them from such a root.
DEB_CACHE=${DEB_CACHE:-/var/cache/ticketd-tests}
deb_root() {
	_dr=$1
	shift
	mkdir -p "$_dr"
	for _p; do
		_deb=$(ls "$DEB_CACHE/${_p}"_*.deb 2>/dev/null | tail -n 1)
		if [ -z "$_deb" ]; then
			echo "$0: no $_p package in $DEB_CACHE (make deps)" >&2
			return 1
		fi
		dpkg -x "$_deb" "$_dr" || return 1
	done
}
