#!/bin/sh
# -s: ticketd logs to syslog with [ticketd] syslog_facility, each line as
# on standard error ("object: message"). A datagram socket of the test's
# stands in for /dev/log: bound there when the machine has no syslog, or
# mounted over the real one in a private mount namespace when it has.
. "$(dirname "$0")/../lib.sh"
plan 6

{ ticketd_conf | sed 's|^\[ticketd\]$|&\nsyslog_facility = local3|'; } >"$TMP/t.conf"
"$BUILD/ticketd" -c "$TMP/t.conf" -n >/dev/null
ok $? "syslog_facility = local3 is valid"
sed 's/^syslog_facility = .*/syslog_facility = kern/' "$TMP/t.conf" >"$TMP/bad.conf"
out=$("$BUILD/ticketd" -c "$TMP/bad.conf" -n 2>&1)
is "$out" "$TMP/bad.conf:2: syslog_facility: unknown syslog facility \"kern\" (mail, daemon, user or local0 to local7)" \
	"an unknown facility is a file:line error"

skip_rest() { for i in 3 4 5 6; do echo "ok $i # SKIP $1"; done; exit 0; }
[ "$(id -u)" -eq 0 ] || skip_rest "needs root for /dev/log"
[ ! -e /dev/log ] || unshare -m true 2>/dev/null || skip_rest "a syslog owns /dev/log and unshare -m is not allowed"
if [ -e /dev/log ]; then
	LOG=$TMP/devlog
	run() { exec unshare -m sh -c 'mount --bind "$1" /dev/log && shift && exec "$@"' sh "$LOG" "$@"; }
else
	LOG=/dev/log
	cleanup 'rm -f /dev/log'
	run() { exec "$@"; }
fi
"$PEERS/dgram-listen" "$LOG" >"$TMP/syslog.out" &
pids="$pids $!"
wait_for 10 test -S "$LOG"
LMTP_PORT=$(sed -n 's/^listen = 127.0.0.1:\([0-9]*\)$/\1/p' "$TMP/t.conf")
run "$BUILD/ticketd" -c "$TMP/t.conf" -s 2>"$TMP/stderr.log" &
TICKETD_PID=$! pids="$pids $!"
wait_port "$LMTP_PORT" 10
ok $? "ticketd -s starts"
lmtp_send --to support@example.com --from ann@example.org --body hi </dev/null >/dev/null 2>&1
# local3 is facility 19: info is <158>, warning <156>.
wait_for 10 grep -Eq '^<158>.*ticketd\[[0-9]+\]: lmtp 127\.0\.0\.1:[0-9]+: listening$' "$TMP/syslog.out"
ok $? "its lines reach syslog at local3.info, as object: message"
wait_for 10 grep -Eq '^<15[68]>.*ticketd\[[0-9]+\]: ticket 1: ' "$TMP/syslog.out"
ok $? "so do the lines about a ticket"
is "$(grep -c . "$TMP/stderr.log")" 0 "nothing goes to standard error"
