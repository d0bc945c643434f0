#!/bin/sh
# Dedupe and thread identity through the running daemon (LMTP) and pipe
# delivery: only the same mail is a duplicate, copies that differ in line
# endings or trace headers are one mail, a cited Message-ID or a subject
# tag joins a ticket only for a participant, a reply to our own signed
# Message-ID joins, an original that arrives after its reply joins the
# reply's ticket, and every queue address a mail reached is kept.
. "$(dirname "$0")/../lib.sh"
plan 20

# Acknowledgements go to the dry-run sender: only their Message-IDs matter.
{ ticketd_conf; printf '%s\n' "[queue billing]" "address = billing@example.com" \
	"[smtp]" "url = file:$TMP/out"; } >"$TMP/t.conf"
start_ticketd "$TMP/t.conf" || exit 1
CORPUS=$TESTS/corpus
db() { sqlite3 "$TMP/tickets.db" "$1"; }
show() { "$BUILD/ticketctl" -c "$TMP/t.conf" show "$1" --json; }
deliver() { "$BUILD/ticketd" -c "$TMP/t.conf" deliver "$@" 2>>"$TMP/deliver.log"; }
send() { lmtp_send "$@" >>"$TMP/swaks.out" 2>&1; }
# send_mail FROM TO MSGID SUBJECT BODY [swaks option...]: FROM is the
# envelope sender and the From field.
send_mail() {
	_from=$1 _to=$2 _id=$3 _subj=$4 _body=$5
	shift 5
	send --from "$_from" --to "$_to" --header "From: $_from" --header "Message-Id: <$_id>" \
		--header "Subject: $_subj" --body "$_body" "$@"
}
ticket_of() { db "SELECT ticket_id FROM messages WHERE message_id = '$1' ORDER BY id LIMIT 1"; }
events() { show "$1" | jq -r '.events[] | "\(.type): \(.detail)"'; }

# 1. A different mail that reuses a Message-ID is not a duplicate.
send_mail a@example.org support@example.com reused@example.org 'Printer' 'the printer' \
	--header 'Date: Thu, 26 Nov 2026 10:00:00 +0000'
send_mail b@example.net billing@example.com reused@example.org 'Invoice' 'the invoice' \
	--header 'Date: Thu, 26 Nov 2026 11:00:00 +0000'
is "$(db "SELECT count(*) FROM messages WHERE message_id = 'reused@example.org'")" 2 \
	"another sender's mail that reuses a Message-ID is stored, not dropped as a duplicate"
is "$(db "SELECT count(DISTINCT ticket_id) FROM messages WHERE message_id = 'reused@example.org'")" 2 \
	"and it has a ticket of its own"

# 2. The same mail with transport headers added on the way is one mail.
{ printf 'Return-Path: <a@example.org>\nDelivered-To: support@example.com\n'
  printf 'Received: from mx by imap; Thu, 26 Nov 2026 10:00:05 +0000\n'
  printf 'From: a@example.org\nMessage-Id: <reused@example.org>\nDate: Thu, 26 Nov 2026 10:00:00 +0000\n'
  printf 'Subject: Printer\n\nthe printer\n'; } | deliver -r support@example.com >/dev/null
ok $? "the same mail with other trace headers is accepted"
is "$(db "SELECT count(*) FROM messages WHERE message_id = 'reused@example.org'")" 2 "and stored once"

# 3. Without a Message-ID: the LF and CRLF copies of one mail are one.
deliver -r support@example.com <"$CORPUS/dedupe-no-msgid-lf.eml" >/dev/null
deliver -r support@example.com <"$CORPUS/dedupe-no-msgid-crlf.eml" >/dev/null
ok $? "the CRLF copy of a mail without Message-ID is accepted"
is "$(db "SELECT count(*) FROM messages WHERE subject = 'Scanner jams (no Message-ID)'")" 1 \
	"and stored once: the digest ignores line endings and trace headers"

# 4. Joining by a cited Message-ID is for participants only.
send --from cust@example.org --to support@example.com --data "$CORPUS/thread-original.eml"
t=$(ticket_of orig.1@customer.example)
send --from mallory@example.net --to support@example.com --data "$CORPUS/thread-stranger-cites.eml"
s=$(ticket_of stranger.1@example.net)
[ -n "$s" ] && [ "$s" != "$t" ]
ok $? "a stranger who cites a customer's Message-ID gets a ticket of their own ($s, not $t)"
events "$s" | grep -q "^reference_refused: this mail cites <orig.1@customer.example> of ticket $t, but <mallory@example.net> is not a participant"
ok $? "the new ticket says why"
events "$t" | grep -q "^reference_refused: mail <stranger.1@example.net> from <mallory@example.net> .*it opened ticket $s"
ok $? "and so does the ticket it could not join"
send --from colleague@customer.example --to support@example.com --header 'From: Colleague <COLLEAGUE@customer.example>' \
	--header 'Message-Id: <cc.2@customer.example>' --header "Subject: Re: [#$t] VPN drops" --body 'by tag'
is "$(ticket_of cc.2@customer.example)" "$t" "an address on Cc of the ticket's mail may use the subject tag, in any case"
send_mail colleague@customer.example support@example.com cc.1@customer.example 'Re: VPN drops' 'same here' \
	--header 'In-Reply-To: <orig.1@customer.example>'
is "$(ticket_of cc.1@customer.example)" "$t" "and joins by reference"

# 5. A reply to our own signed Message-ID joins, whoever sends it.
ack=$("$BUILD/ticketctl" -c "$TMP/t.conf" outbox --json | jq -r ".[] | select(.ticket == $t) | .message_id" | head -n 1)
send_mail helpdesk@partner.example support@example.com partner.1@partner.example 'Re: Request received' \
	'forwarded to us' --header "In-Reply-To: <$ack>"
is "$(ticket_of partner.1@partner.example)" "$t" "a reply to our signed Message-ID joins, from any sender"

# 6. An original that arrives after its reply joins the reply's ticket.
deliver -r support@example.com -f dao@customer.example <"$CORPUS/thread-reply-first.eml" >/dev/null
deliver -r support@example.com -f dao@customer.example <"$CORPUS/thread-original-late.eml" >/dev/null
r=$(ticket_of late-reply.1@customer.example)
is "$(ticket_of late-orig.1@customer.example)" "$r" "an original stored after its reply joins the reply's ticket"
events "$r" | grep -q '^joined_late: message [0-9]* <late-orig.1@customer.example> arrived after <late-reply.1@customer.example>'
ok $? "with an event that says so"
is "$(db "SELECT count(*) FROM outbox WHERE ticket_id = $r AND kind = 'ack'")" 1 "and no second acknowledgement"
send_mail mallory@example.net support@example.com pre.1@example.net 'Re: hello' 'first!' \
	--header 'In-Reply-To: <victim.1@customer.example>'
send_mail victim@customer.example support@example.com victim.1@customer.example 'hello' 'my own mail' \
	--header 'To: support@example.com'
[ "$(ticket_of victim.1@customer.example)" != "$(ticket_of pre.1@example.net)" ]
ok $? "but not the ticket of a stranger who cited it first"

# 7. One mail to two queues: both addresses are kept.
send_mail cust@example.org support@example.com,billing@example.com both.1@example.org 'Refund' 'please' \
	--header 'Date: Thu, 26 Nov 2026 12:00:00 +0000'
b=$(ticket_of both.1@example.org)
is "$(show "$b" | jq -r '.messages[0].delivered_to | map("\(.address) \(.queue)") | join(", ")')" \
	"support@example.com support, billing@example.com billing" "a mail to support@ and billing@ records both queue addresses"
"$BUILD/ticketctl" -c "$TMP/t.conf" show "$b" | grep -q '^Delivered-To: <support@example.com> (queue support), <billing@example.com> (queue billing)$'
ok $? "and ticketctl show prints them"
send_mail cust@example.org support+vip@example.com both.1@example.org 'Refund' 'please' \
	--header 'Date: Thu, 26 Nov 2026 12:00:00 +0000'
is "$(show "$b" | jq -r '[([.messages[] | select(.direction == "in")] | length), (.messages[0].delivered_to | length)] | @tsv')" "$(printf '1\t3')" \
	"a copy for a third address is a duplicate that adds its address"
events "$b" | grep -q '^delivered: message [0-9]* also delivered to <support+vip@example.com> (queue support) via lmtp'
ok $? "with a delivered event"
