#!/bin/sh
# Bounces join their ticket (RFC 3464). A private Postfix takes ticketd's
# acknowledgements: it bounces the one to an unknown local user back to
# ticketd by LMTP, and refuses another at RCPT with a 550. Then bounces in
# the Exchange, Gmail, Exim, qmail and Postfix-delay formats of
# tests/corpus, with the Message-ID of a real acknowledgement put in.
# Each updates the outbox row and the ticket, and none opens a ticket or
# gets an acknowledgement; a hard bounce holds back the next one.
. "$(dirname "$0")/../lib.sh"
plan 29

CORPUS=$TESTS/corpus
ORIG=tkt1.0123456789abcdef.0123456789abcdef0123456789abcdef@support.example.com
PF=$TMP/postfix
export POSTFIX_PORT
POSTFIX_PORT=$(freeport)
{ ticketd_conf; printf '%s\n' "[smtp]" "url = smtp://127.0.0.1:$POSTFIX_PORT" \
	"retry_min = 1" "timeout = 10" "[autoreply]" "per_address = 100/1h" \
	"envelope_sender = support+bounces@example.com"; } >"$TMP/t.conf"
cleanup "'$PEERS/postfix.sh' stop '$PF'"
"$PEERS/postfix.sh" start "$PF" \
	"transport_maps = inline:{ example.com=lmtp:inet:[127.0.0.1]:$LMTP_PORT, sink.example.test=discard: }" \
	"smtpd_recipient_restrictions = check_recipient_access inline:{ { rejected@mta.example.test = 550 5.1.1 no such user here } }, permit_mynetworks, reject" \
	>/dev/null || exit 1
start_ticketd "$TMP/t.conf" || exit 1

ctl() { "$BUILD/ticketctl" -c "$TMP/t.conf" "$@"; }
outbox() { ctl outbox --json | jq -r "$1"; }
tickets() { ctl list --json | jq length; }
events() { ctl show "$1" --json | jq -r ".events[] | select(.type == \"$2\") | .detail"; }
has_event() { [ -n "$(events "$1" "$2")" ]; }
outbox_over() { [ "$(outbox length)" -gt "$1" ]; }
row_is() { [ "$(outbox ".[] | select(.rcpt == \"$1\") | .$2")" = "$3" ]; }
# mail ADDRESS SUBJECT: a customer's mail; $id is its ticket.
n=0
mail() {
	n=$((n + 1))
	lmtp_send --from "$1" --to support@example.com --header "From: $1" \
		--header "Subject: $2" --header "Message-Id: <m$n@customer.test>" \
		--body "Please help." >/dev/null 2>&1
	id=$(ctl list --json | jq '.[-1].id')
}

# 1. Postfix accepts the acknowledgement, bounces it, and sends the
# bounce back to ticketd by LMTP.
mail nosuchuser@mta.example.test 'Printer on fire'
wait_for 20 row_is nosuchuser@mta.example.test status failed
ok $? "the bounce of the acknowledgement marks its outbox row failed"
"$PEERS/postfix.sh" wait "$PF" "to=<support\+bounces@example.com>, relay=127\.0\.0\.1.*status=sent" 1
ok $? "Postfix delivered its bounce to ticketd by LMTP"
err=$(outbox '.[] | select(.rcpt == "nosuchuser@mta.example.test") | .last_error')
case $err in *5.1.1*'unknown user'*) true ;; *) false ;; esac
ok $? "last_error has the status and the diagnostic: $err"
is "$(tickets)" 1 "the bounce opened no ticket"
events "$id" bounced | grep -q 'ack to <nosuchuser@mta.example.test>.*5\.1\.1.*no automatic mail'
ok $? "the ticket has a bounced event"
is "$(ctl show "$id" --json | jq -r '.messages[-1].from')" MAILER-DAEMON@mta.example.test \
	"the bounce is stored on the ticket of the mail it returns"
is "$(outbox length)" 1 "the bounce got no acknowledgement"

# 2. A hard bounce holds back automatic mail to that address.
mail nosuchuser@mta.example.test 'Printer still on fire'
wait_for 20 has_event "$id" ack_suppressed
ok $? "the next mail from the bounced address gets no acknowledgement"
events "$id" ack_suppressed | grep -q 'bounced (5\.1\.1).*no automatic mail until'
ok $? "and the reason is recorded: $(events "$id" ack_suppressed)"
is "$(outbox length)" 1 "nothing more was queued"

# 3. A 5xx from the SMTP server fills last_error.
mail rejected@mta.example.test 'Refused at RCPT'
wait_for 20 row_is rejected@mta.example.test status failed
ok $? "a 550 at RCPT fails the acknowledgement"
outbox '.[] | select(.rcpt == "rejected@mta.example.test") | .last_error' |
	grep -q '550.*no such user here'
ok $? "last_error holds the server's reply: $(outbox '.[] | select(.rcpt == "rejected@mta.example.test") | .last_error')"

# 4. Bounces in other formats. A customer at sink.example.test gets an
# acknowledgement that Postfix accepts and discards; then the bounce,
# written for the id $ORIG and its recipient, is given the real ones.
# dsn FORMAT CUSTOMER: deliver the bounce as an MTA would; $id its ticket.
dsn() {
	mail "$2" "Question for $1"
	wait_for 20 row_is "$2" status sent || diag "no ack sent to $2"
	msgid=$(outbox ".[] | select(.rcpt == \"$2\") | .message_id")
	sed -e "s/$ORIG/$msgid/g" -e "s/[a-z.]*@\(contoso\.com\|gmail\.com\|example\.net\|example\.org\)/$2/g" \
	    "$CORPUS/dsn-$1.eml" >"$TMP/dsn-$1.eml"
	lmtp_send --from '' --to support+bounces@example.com \
	    --data "$TMP/dsn-$1.eml" >/dev/null 2>&1
}
before=$(tickets)
for f in exchange gmail exim qmail; do
	dsn "$f" "$f@sink.example.test"
	wait_for 20 row_is "$f@sink.example.test" status failed
	ok $? "$f: the outbox row is failed"
	events "$id" bounced | grep -q "ack to <$f@sink.example.test>, outbox [0-9]*: failed 5\.[0-9.]*:"
	ok $? "$f: the ticket has a bounced event with the status"
done
is "$(tickets)" $((before + 4)) "none of the four bounces opened a ticket"
outbox '.[] | select(.rcpt == "gmail@sink.example.test") | .last_error' | grep -q 'NoSuchUser'
ok $? "gmail: last_error has the continued Diagnostic-Code lines"

# 5. A delay warning is not a failure and holds nothing back.
dsn postfix-delayed slow@sink.example.test
wait_for 20 row_is slow@sink.example.test status delayed
ok $? "a delay warning marks the row delayed"
events "$id" bounced | grep -q 'delayed 4\.4\.1: X-Postfix; connect to'
ok $? "and adds a bounced event saying so"
acks=$(outbox length)
mail slow@sink.example.test 'Another question'
wait_for 20 outbox_over "$acks"
ok $? "the delayed address still gets acknowledgements"

# 6. The same bounce delivered twice is stored once.
lmtp_send --from '' --to support+bounces@example.com --data "$TMP/dsn-exim.eml" >/dev/null 2>&1
id=$(outbox '.[] | select(.rcpt == "exim@sink.example.test") | .ticket')
is "$(events "$id" bounced | wc -l)" 1 "a redelivered bounce adds no second event"

# 7. A bounce of mail that is not ours goes on as any mail, unanswered.
before=$(tickets) acks=$(outbox length)
lmtp_send --from '' --to support@example.com --data "$CORPUS/dsn-qmail.eml" >/dev/null 2>&1
is "$(tickets)" $((before + 1)) "a bounce of a forged or foreign id opens a ticket as before"
id=$(ctl list --json | jq '.[-1].id')
events "$id" ack_suppressed | grep -q 'delivery status notification'
ok $? "but it gets no acknowledgement"
is "$(outbox length)" "$acks" "nothing was queued for it"
