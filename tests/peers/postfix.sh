#!/bin/sh
# Run a private Postfix instance for tests: its own configuration, queue
# and data directories under DIR, smtpd on a free 127.0.0.1 port, no
# chroot, nothing read from /etc/postfix but the packaged file lists.
#
#   postfix.sh start DIR [main.cf line...]
#       start it; prints "POSTFIX_PORT=n". The extra lines are appended
#       to DIR/etc/main.cf (transport_maps, restrictions, ...). It logs to
#       DIR/maillog. Local delivery knows the system's users only, and
#       accepts any local address at RCPT, so mail to an unknown user of
#       mydestination (mta.example.test, localhost) is accepted and then
#       bounced. POSTFIX_PORT in the environment picks the port;
#       POSTFIX_MASTER_CF names a file appended to DIR/etc/master.cf
#       (extra services, such as contrib/postfix/master.cf's).
#   postfix.sh stop DIR
#       stop it and every process it started; also after a failed start.
#   postfix.sh wait DIR REGEX [SECS]
#       wait until DIR/maillog has a line matching REGEX (grep -E).
#
# Postfix runs its daemons as mail_owner = postfix, so it must be started
# as root (the postfix user and postdrop group come with the package).
set -eu

usage() { echo "usage: $0 start DIR [main.cf line...] | stop DIR | wait DIR REGEX [SECS]" >&2; exit 2; }
. "$(dirname "$0")/common.sh"
peer_args "$@"
shift 2

# The master's pid, once it has written it.
master_pid() { sed 's/ //g' "$dir/queue/pid/master.pid" 2>/dev/null; }

stop() {
	[ -f "$dir/etc/main.cf" ] || return 0
	pid=$(master_pid) || pid=
	postfix -c "$dir/etc" stop >/dev/null 2>&1 || :
	i=0
	while [ -n "$pid" ] && alive "$pid" && [ $i -lt 100 ]; do
		sleep 0.1; i=$((i + 1))
	done
	# Every Postfix daemon is a child of the master: none outlives it
	# unless the master was killed, and then they exit on their own
	# when their next request times out. Only the master gets SIGKILL.
	[ -z "$pid" ] || ! alive "$pid" || kill -9 "$pid" 2>/dev/null || :
}

config() {
	port=$1
	shift
	cat <<EOF
compatibility_level = 3.6
queue_directory = $dir/queue
data_directory = $dir/data
mail_owner = postfix
setgid_group = postdrop
maillog_file_prefixes = $dir
maillog_file = $dir/maillog
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
myhostname = mta.example.test
mydomain = example.test
myorigin = \$myhostname
mydestination = \$myhostname, localhost
mynetworks = 127.0.0.0/8
local_recipient_maps =
alias_maps =
alias_database =
smtp_dns_support_level = disabled
lmtp_host_lookup = native
smtp_host_lookup = native
biff = no
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 5s
delay_warning_time = 0
smtpd_banner = \$myhostname ESMTP private test Postfix
EOF
	for line; do printf '%s\n' "$line"; done
}

master_cf() {
	port=$1
	cat <<EOF
127.0.0.1:$port inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
local     unix  -       n       n       -       -       local
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOF
}

start() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "$0: Postfix must be started as root" >&2
		return 1
	fi
	mkdir -p "$dir/etc" "$dir/queue" "$dir/data"
	chmod 755 "$dir" "$dir/etc" "$dir/queue"
	chown postfix "$dir/data"
	port=${POSTFIX_PORT:-$(freeport)}
	config "$port" "$@" >"$dir/etc/main.cf"
	master_cf "$port" >"$dir/etc/master.cf"
	[ -z "${POSTFIX_MASTER_CF:-}" ] || cat "$POSTFIX_MASTER_CF" >>"$dir/etc/master.cf"
	# Creates the queue's subdirectories with their owners and modes.
	postfix -c "$dir/etc" check >"$dir/start.log" 2>&1 &&
	    postfix -c "$dir/etc" start >>"$dir/start.log" 2>&1 &&
	    wait_port "$port" 20 || {
		echo "$0: Postfix did not start:" >&2
		cat "$dir/start.log" "$dir/maillog" >&2 2>/dev/null || :
		return 1
	}
	echo "POSTFIX_PORT=$port"
}

wait_log() {
	i=0
	while ! grep -Eq "$1" "$dir/maillog" 2>/dev/null; do
		i=$((i + 1))
		[ $i -lt $((${2:-20} * 10)) ] || return 1
		sleep 0.1
	done
}

case $cmd in
start)	start "$@" || { stop; exit 1; } ;;
stop)	stop ;;
wait)	[ $# -ge 1 ] || usage; wait_log "$@" ;;
*)	usage ;;
esac
