#!/bin/sh
# The outbox and the sender against Postfix's smtp-sink: the server down
# then up, a 4xx then success, a 5xx, a crash with mail still queued, and
# every acknowledgement delivered exactly once.
. "$(dirname "$0")/../lib.sh"
plan 15

. "$TESTS/outbox-lib.sh"
# outbox_is JQ-EXPR VALUE: the outbox gives VALUE for the expression.
outbox_is() { [ "$(outbox "$1")" = "$2" ]; }
# settled N: nothing is queued or being sent and the sink holds N mails or
# more. Then the sender is done: a mail is marked sent only after the
# sink's 250, and the sink spools it before that 250, so any second copy
# is there too.
settled() {
	outbox_is '[.[] | select(.status == "queued" or .status == "sending")] | length' 0 &&
	    [ "$(ls "$SINK"/spool | wc -l)" -ge "$1" ]
}
spooled() { cat "$SINK"/spool/* 2>/dev/null | grep -c "^Message-Id: <$1"; }

start_ticketd "$TMP/t.conf" || exit 1

# 1. The server is down: acknowledgements wait, then go out once it is up.
send a@example.org 'down 1' d1@x
send b@example.org 'down 2' d2@x
wait_for 10 outbox_is '[.[] | select(.attempts >= 1)] | length' 2
ok $? "with the SMTP server down, acknowledgements stay queued and are retried"
is "$(outbox '.[0].status')" queued "they are still queued"
outbox '.[0].last_error' | grep -qi 'connect'
ok $? "the deferral reason is kept: $(outbox '.[0].last_error')"
sink_start
wait_for 10 outbox_is '[.[] | select(.status == "sent")] | length' 2
ok $? "once the server is up, both are sent"
wait_for 10 settled 2
is "$(ls "$SINK"/spool | wc -l)" 2 "each was delivered exactly once"

# 2. A 4xx reply, then success.
sink_stop; rm -f "$SINK"/spool/*
sink_start -r RCPT
send c@example.org 'soft' s1@x
wait_for 10 outbox_is '[.[] | select(.rcpt == "c@example.org" and .attempts >= 1)] | length' 1
ok $? "a 4xx at RCPT defers the mail"
outbox '.[] | select(.rcpt == "c@example.org") | .last_error' | grep -q '4[0-9][0-9]'
ok $? "the deferral names the 4xx reply"
sink_stop; sink_start
wait_for 10 outbox_is '.[] | select(.rcpt == "c@example.org") | .status' sent
ok $? "after the 4xx it is sent"
is "$(ls "$SINK"/spool | wc -l)" 1 "and delivered once"

# 3. A 5xx reply is permanent and lands in the ticket's event log.
sink_stop; sink_start -f RCPT
send e@example.org 'hard' h1@x
wait_for 10 outbox_is '.[] | select(.rcpt == "e@example.org") | .status' failed
ok $? "a 5xx fails the mail for good"
id=$(outbox '.[] | select(.rcpt == "e@example.org") | .ticket')
ctl show "$id" --json | jq -r '.events[] | select(.type == "send_failed") | .detail' | grep -q '5[0-9][0-9]'
ok $? "the failure is recorded in the ticket's event log"

# 4. A crash with a non-empty outbox: after restart all go out, none twice.
sink_stop; rm -f "$SINK"/spool/*
for i in 1 2 3 4 5; do send "k$i@example.org" "crash $i" "k$i@x"; done
wait_for 10 outbox_is '[.[] | select((.rcpt | startswith("k")) and .status == "queued")] | length' 5
ok $? "five acknowledgements are queued while the server is down"
kill -9 "$TICKETD_PID"; wait "$TICKETD_PID" 2>/dev/null
sink_start
start_ticketd "$TMP/t.conf" || exit 1
wait_for 10 outbox_is '[.[] | select((.rcpt | startswith("k")) and .status == "sent")] | length' 5
ok $? "after kill -9 and restart every queued mail is sent"
wait_for 10 settled 5
dups=0
for m in $(outbox '.[] | select(.rcpt | startswith("k")) | .message_id'); do
	[ "$(spooled "$m")" = 1 ] || dups=$((dups + 1))
done
is "$dups" 0 "each arrived exactly once"
stop_ticketd
ok $? "ticketd stops cleanly with the sender running"
