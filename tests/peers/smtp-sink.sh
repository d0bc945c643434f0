#!/bin/sh
# Run Postfix's smtp-sink as a fake SMTP server for tests.
#
#   smtp-sink.sh start DIR [smtp-sink options]
#       start it on a free 127.0.0.1 port; every mail transaction is dumped
#       to its own file DIR/spool/YYYYmmddHHMMSS.<random>.  Prints
#       "SMTP_PORT=n SMTP_PIDFILE=DIR/smtp-sink.pid"; its output goes to
#       DIR/smtp-sink.log.  Extra options, e.g. -L (LMTP), -r/-f (inject
#       4xx/5xx), -M N, -c, are passed through.
#       SMTP_PORT in the environment picks the port (to restart a sink).
#   smtp-sink.sh stop DIR
set -eu

usage() { echo "usage: $0 start DIR [options] | stop DIR" >&2; exit 2; }
. "$(dirname "$0")/common.sh"
peer_args "$@"
shift 2
pidfile=$dir/smtp-sink.pid

stop() {
	pid=$(cat "$pidfile" 2>/dev/null) || return 0
	kill "$pid" 2>/dev/null || :
	i=0
	while alive "$pid" && [ $i -lt 50 ]; do
		sleep 0.1; i=$((i + 1))
	done
	! alive "$pid" || kill -9 "$pid" 2>/dev/null || :
	rm -f "$pidfile"
}

start() {
	mkdir -p "$dir/spool"
	user=
	if [ "$(id -u)" -eq 0 ]; then
		# smtp-sink insists on -u as root and writes the dumps as that
		# user, so the spool (and the path to it) must be open to it.
		user="-u nobody"
		chown nobody "$dir/spool"
		chmod 755 "$dir"
		writable_by nobody "$dir/spool"
	fi
	port=${SMTP_PORT:-$(freeport)}
	# Not exec'd via nohup: the caller owns the pid file and stops it.
	# shellcheck disable=SC2086
	smtp-sink $user -d "$dir/spool/%Y%m%d%H%M%S." "$@" "127.0.0.1:$port" 64 \
	    </dev/null >"$dir/smtp-sink.log" 2>&1 &
	echo $! >"$pidfile"
	if ! wait_port "$port" 10; then
		echo "smtp-sink.sh: smtp-sink did not start:" >&2
		cat "$dir/smtp-sink.log" >&2
		stop
		exit 1
	fi
	echo "SMTP_PORT=$port SMTP_PIDFILE=$pidfile"
}

case $cmd in
start)	start "$@" ;;
stop)	[ $# -eq 0 ] || usage; stop ;;
*)	usage ;;
esac
