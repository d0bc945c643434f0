# shellcheck shell=sh
# Helpers sourced by tests/lib.sh and the peer scripts.  Port helpers use
# perl because it is always installed and, unlike nc or ss, behaves the same
# everywhere.

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
