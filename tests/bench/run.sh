#!/bin/sh
# tests/bench/run.sh: ticketd against Dovecot, measured in the same run on
# the same machine (make bench).  Both get the same mix of realistic mails
# (tests/bench/mix/) from lmtp-load over LMTP; Dovecot delivers to a Maildir,
# ticketd turns each mail into a ticket.  The figure that matters is the
# ratio, not the absolute rates, which depend on the machine.
#
# Environment: BUILD (build), SESSIONS (8), MESSAGES (5000 per run),
# RUNS (3; the median is reported), RSS_SESSIONS (100), LOAD_FLAGS (-p).
# Without $BUILD/ticketd only the Dovecot half runs.

# lib.sh gives $TMP, freeport, start_ticketd/stop_ticketd and an exit trap
# that stops every process started here, also on failure or ^C.
. "$(dirname "$0")/../lib.sh"

SESSIONS=${SESSIONS:-8} MESSAGES=${MESSAGES:-5000} RUNS=${RUNS:-3}
RSS_SESSIONS=${RSS_SESSIONS:-100} LOAD_FLAGS=${LOAD_FLAGS:--p}
LOAD=$BUILD/tests/lmtp-load
MIX=$TESTS/bench/mix
[ -x "$LOAD" ] || { echo "run.sh: $LOAD not built" >&2; exit 1; }

# load PORT RCPT [lmtp-load options]: one run; prints its rate.
load() {
	_port=$1 _rcpt=$2
	shift 2
	# shellcheck disable=SC2086
	_out=$("$LOAD" $LOAD_FLAGS "$@" -r "$_rcpt" "127.0.0.1:$_port" "$MIX"/*.eml) ||
		{ echo "run.sh: lmtp-load to port $_port failed: $_out" >&2; exit 1; }
	echo "$_out" >&2
	echo "$_out" | sed 's/.*rate=//'
}
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# ticketd_start NAME: a fresh ticketd with its own database.
ticketd_start() {
	_port=$(freeport)
	cat >"$TMP/$1.conf" <<EOC
[ticketd]
database = $TMP/$1.db
hostname = helpdesk.example.com

[lmtp]
listen = 127.0.0.1:$_port
max_sessions = $((RSS_SESSIONS + 10))
timeout = 300

[queue support]
address = support@example.com
EOC
	start_ticketd "$TMP/$1.conf" || exit 1
}

eval "$("$PEERS/dovecot.sh" start "$TMP/dovecot")" || exit 1
cleanup "'$PEERS/dovecot.sh' stop '$TMP/dovecot'"
DOVECOT_PORT=$LMTP_PORT

have_ticketd=false
if [ -x "$BUILD/ticketd" ]; then
	have_ticketd=true
	ticketd_start rate
else
	echo "run.sh: $BUILD/ticketd not built; measuring Dovecot only" >&2
fi

echo "== $SESSIONS sessions, $MESSAGES mails per run, $RUNS runs, lmtp-load $LOAD_FLAGS" >&2
: >"$TMP/t.rates"
: >"$TMP/d.rates"
i=1
while [ "$i" -le "$RUNS" ]; do
	# Alternate who goes first, so neither always gets the cooler machine.
	if [ $((i % 2)) -eq 1 ]; then order="t d"; else order="d t"; fi
	for who in $order; do
		case $who in
		t)	$have_ticketd || continue
			printf 'ticketd run %d: ' "$i" >&2
			load "$LMTP_PORT" support@example.com -s "$SESSIONS" -m "$MESSAGES" >>"$TMP/t.rates" ;;
		d)	printf 'dovecot run %d: ' "$i" >&2
			load "$DOVECOT_PORT" support@example.com -s "$SESSIONS" -m "$MESSAGES" >>"$TMP/d.rates" ;;
		esac
	done
	i=$((i + 1))
done

trate=n/a ratio=n/a rss=n/a
drate=$(median <"$TMP/d.rates")
if $have_ticketd; then
	trate=$(median <"$TMP/t.rates")
	ratio=$(awk -v t="$trate" -v d="$drate" 'BEGIN { printf "%.2f", t / d }')
	stop_ticketd

	# Peak memory with RSS_SESSIONS sessions all connected at once (-H).
	ticketd_start rss
	printf 'ticketd %d sessions: ' "$RSS_SESSIONS" >&2
	load "$LMTP_PORT" support@example.com -H -s "$RSS_SESSIONS" -m "$MESSAGES" >/dev/null
	rss=$(awk '/^VmHWM:/ { printf "%.1f", $2 / 1024 }' "/proc/$TICKETD_PID/status")
	stop_ticketd
fi

printf '\n%-16s %-16s %-8s %s\n' "ticketd msgs/s" "dovecot msgs/s" ratio \
    "ticketd peak RSS (MB) at $RSS_SESSIONS sessions"
printf '%-16s %-16s %-8s %s\n' "$trate" "$drate" "$ratio" "$rss"
