#!/bin/sh
# Outgoing mail is sent once: the sender claims a row before sending it
# (status "sending", claimed_by), a claim left by a killed ticketd is
# sent again by the next one with a note on the ticket, and the sender's
# marks reach the disk: its thread fsyncs the database as it records them
# (with synchronous=NORMAL it never would, and a power cut after the
# server's 250 would send the mail again).
. "$(dirname "$0")/../lib.sh"
plan 9

SMTP_TIMEOUT=60
. "$TESTS/outbox-lib.sh"
outbox_is() { [ "$(outbox "$1")" = "$2" ]; }
spooled() { cat "$SINK"/spool/* 2>/dev/null | grep -c "^In-Reply-To: <$1>"; }

# 1. The sender's thread syncs the database for its marks.
sink_start
start_ticketd "$TMP/t.conf" || exit 1
tid=
for t in /proc/"$TICKETD_PID"/task/*; do
	[ "$(cat "$t/comm")" = outbox ] && tid=${t##*/}
done
traced() { [ "$(awk '/^TracerPid:/ { print $2 }' "/proc/$tid/status")" != 0 ]; }
spawn strace -q -p "$tid" -e trace=fsync,fdatasync -o "$TMP/strace.out"
strace_pid=$!
if [ -n "$tid" ] && wait_for 30 traced; then
	send a@example.org 'sync 1' s1@x
	send b@example.org 'sync 2' s2@x
	wait_for 30 outbox_is '[.[] | select(.status == "sent")] | length' 2
	ok $? "two acknowledgements are sent"
	stop "$strace_pid"
	syncs=$(grep -c 'sync(' "$TMP/strace.out")
	[ "$syncs" -ge 2 ]
	ok $? "the sender's thread synced its claims and marks ($syncs syncs)"
else
	stop "$strace_pid"
	echo "ok 1 # skip cannot trace the outbox thread (tid '$tid')"
	echo "ok 2 # skip cannot trace the outbox thread"
	ntest=2
fi

# 2. The server holds DATA: the row is claimed while it is being sent.
sink_stop
sink_start -w 60
send k@example.org 'crash' k1@x
wait_for 30 outbox_is '.[] | select(.rcpt == "k@example.org") | .status' sending
ok $? "a mail being sent is claimed: status sending"
is "$(outbox '.[] | select(.rcpt == "k@example.org") | .claimed_by')" \
	"$(hostname):$TICKETD_PID" "claimed by this ticketd's host and pid"

# 3. ticketd dies with the mail unanswered; the next one sends it again.
kill -9 "$TICKETD_PID"; wait "$TICKETD_PID" 2>/dev/null
is "$(outbox '.[] | select(.rcpt == "k@example.org") | .status')" sending \
	"the claim outlives the killed ticketd"
sink_stop
sink_start
start_ticketd "$TMP/t.conf" || exit 1
wait_for 30 outbox_is '.[] | select(.rcpt == "k@example.org") | .status' sent
ok $? "the next ticketd sends the mail the killed one had claimed"
mid=$(outbox '.[] | select(.rcpt == "k@example.org") | .message_id')
is "$(spooled k1@x)" 1 "it arrived once ($mid)"
id=$(outbox '.[] | select(.rcpt == "k@example.org") | .ticket')
ctl show "$id" --json | jq -r '.events[] | select(.type == "send_interrupted") | .detail' |
	grep -q "may arrive twice"
ok $? "the ticket says it was sent again after an interruption"
grep -q "stopped at .* while sending it" "$TICKETD_LOG"
ok $? "and so does the log"
