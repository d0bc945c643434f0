#!/bin/sh
# Run a private PostgreSQL for tests: Debian's postgresql 15 binaries,
# a cluster made by initdb in DIR/data, listening on a UNIX socket in
# DIR/sock only (listen_addresses = ''), never the system cluster (its
# configuration, port and data are not read or touched).
#
#   pg.sh start DIR
#       make the cluster and a database "ticketd" owned by the role
#       "ticketd" (trust authentication: only the socket, in DIR, reaches
#       it), start it, wait until it answers; prints, quoted for eval,
#       PG_URI='postgresql:///ticketd?host=DIR/sock&user=ticketd'
#       PG_SOCK='DIR/sock'
#       The server logs to DIR/pg.log.
#   pg.sh stop DIR
#       stop it (fast shutdown, then SIGKILL of the postmaster if it
#       lingers); also after a failed or partial start.
#   pg.sh psql DIR SQL
#       run SQL in the database "ticketd"; rows come out unaligned,
#       fields separated by "|"; fails on the first error.
#
# PostgreSQL refuses to run as root. As root the server runs as the
# "postgres" user the package makes: DIR is opened (0755, as lib.sh's
# $TMP is) and DIR/data and DIR/sock are given to it. Otherwise it runs
# as the caller.
set -eu

usage() { echo "usage: $0 start DIR | stop DIR | psql DIR SQL" >&2; exit 2; }
. "$(dirname "$0")/common.sh"
peer_args "$@"
shift 2

PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
PGUSER_OS=postgres

# as_pg CMD...: run CMD as the server's user.
as_pg() {
	if [ "$(id -u)" -eq 0 ]; then runuser -u "$PGUSER_OS" -- "$@"
	else "$@"; fi
}

# The postmaster's pid, from the first line of its pid file.
postmaster_pid() { head -n 1 "$dir/data/postmaster.pid" 2>/dev/null; }

stop() {
	[ -d "$dir/data" ] || return 0
	pid=$(postmaster_pid) || pid=
	[ -n "$pid" ] || return 0
	as_pg "$PGBIN/pg_ctl" -D "$dir/data" -m fast -w -t 20 stop \
	    >>"$dir/pg.log" 2>&1 || :
	# The backends are the postmaster's children and exit with it; if it
	# did not stop in time, it alone gets SIGKILL and they follow when
	# they notice it gone.
	if alive "$pid"; then
		kill -9 "$pid" 2>/dev/null || :
		i=0
		while alive "$pid" && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	fi
}

start() {
	if [ ! -x "$PGBIN/initdb" ]; then
		echo "$0: no $PGBIN/initdb (make deps: postgresql)" >&2
		return 1
	fi
	mkdir -p "$dir/data" "$dir/sock"
	: >"$dir/pg.log"
	if [ "$(id -u)" -eq 0 ]; then
		chmod 755 "$dir"
		chown "$PGUSER_OS" "$dir/data" "$dir/sock" "$dir/pg.log"
		writable_by "$PGUSER_OS" "$dir/data" || return 1
	fi
	chmod 700 "$dir/data"
	as_pg "$PGBIN/initdb" -D "$dir/data" -U ticketd --auth=trust \
	    -E UTF8 --locale=C.UTF-8 >>"$dir/pg.log" 2>&1 || {
		echo "$0: initdb failed:" >&2; tail -n 20 "$dir/pg.log" >&2; return 1; }
	cat >>"$dir/data/postgresql.conf" <<EOF
listen_addresses = ''
unix_socket_directories = '$dir/sock'
unix_socket_permissions = 0777
EOF
	as_pg "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/pg.log" -w -t 30 start \
	    >/dev/null 2>&1 || {
		echo "$0: PostgreSQL did not start:" >&2; tail -n 20 "$dir/pg.log" >&2
		return 1; }
	"$PGBIN/psql" -X -q -h "$dir/sock" -U ticketd -d postgres \
	    -c "CREATE DATABASE ticketd" >/dev/null || return 1
	# Quoted for eval: the URI holds "?" and "&".
	echo "PG_URI='postgresql:///ticketd?host=$dir/sock&user=ticketd'"
	echo "PG_SOCK='$dir/sock'"
}

case $cmd in
start)	start || { stop; exit 1; } ;;
stop)	stop ;;
psql)	[ $# -eq 1 ] || usage
	exec "$PGBIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 -h "$dir/sock" \
	    -U ticketd -d ticketd -c "$1" ;;
*)	usage ;;
esac
