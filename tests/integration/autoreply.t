#!/bin/sh
# Acknowledgements and canned replies as the customer sees them, and the
# loop protection: every RFC 3834 suppression rule, our loop marker, the
# rate limits (canned replies that rules send among them), header
# injection through the Subject and From name, and the first-response
# promise of an [sla] policy.
. "$(dirname "$0")/../lib.sh"
plan 47

SINK=$TMP/sink
eval "$("$PEERS/smtp-sink.sh" start "$SINK")" || exit 1
cleanup "'$PEERS/smtp-sink.sh' stop '$SINK'"
printf '%s\n' "[rule password]" "when = any" "match = subject contains \"password\"" \
    "canned = password-reset" >"$TMP/auto.rules"
{ ticketd_conf | sed "s/^address = .*/&, help@example.com/; s|^templates = .*|&\nrules = $TMP/auto.rules|"; printf '%s\n' "name = Example Support" \
	"[smtp]" "url = smtp://127.0.0.1:$SMTP_PORT" \
	"[autoreply]" "per_address = 2/1h" "per_ticket = 5/1h" \
	"[queue sales]" "address = sales@example.com" "language = th" \
	"[queue night]" "address = night@example.com" "timezone = Asia/Bangkok" \
	"hours = mon-sun 00:00-00:01" \
	"[sla night]" "queue = night" "first_response = 2h" "business_hours = no"; } >"$TMP/t.conf"
start_ticketd "$TMP/t.conf" || exit 1
ctl() { "$BUILD/ticketctl" -c "$TMP/t.conf" "$@"; }
last_ticket() { ctl list --json | jq '.[-1].id'; }
# mail FROM ENVELOPE-FROM [swaks options]: deliver one mail; $id = its ticket.
n=0
mail() {
	n=$((n + 1)) _from=$1 _env=$2
	shift 2
	lmtp_send --from "$_env" --to support@example.com --header "From: $_from" \
		--header "Message-Id: <m$n@example.org>" "$@" >/dev/null 2>&1
	id=$(last_ticket)
}
# The acknowledgement for ticket $id as smtp-sink received it.
ack_of() { grep -l "^In-Reply-To: <m$n@example.org>" "$SINK"/spool/* 2>/dev/null | head -1; }
wait_ack() {
	_i=0
	while [ -z "$(ack_of)" ] && [ $_i -lt 50 ]; do sleep 0.1; _i=$((_i + 1)); done
	ack_of
}
wait_ack_id() {
	_i=0
	while ! grep -lq "^In-Reply-To: <$1@example.org>" "$SINK"/spool/* 2>/dev/null && [ $_i -lt 50 ]; do
		sleep 0.1; _i=$((_i + 1))
	done
	grep -l "^In-Reply-To: <$1@example.org>" "$SINK"/spool/* 2>/dev/null | head -1
}
suppressed() { ctl show "$id" --json | jq -r '.events[] | select(.type == "ack_suppressed") | .detail'; }

# Suppression rules: the ticket is created, no acknowledgement is queued,
# and the reason is on the ticket.
expect_suppressed() {
	_what=$1; shift
	mail "$@"
	_why=$(suppressed)
	[ -n "$_why" ] && [ "$(ctl show "$id" --json | jq '.outbox | length')" = 0 ]
	ok $? "no acknowledgement for $_what (${_why:-none recorded})"
}
expect_suppressed "Auto-Submitted: auto-replied" c1@example.org c1@example.org --header 'Auto-Submitted: auto-replied'
expect_suppressed "Auto-Submitted: auto-generated" c2@example.org c2@example.org --header 'Auto-Submitted: auto-generated; type=x'
expect_suppressed "an empty return path" c3@example.org '<>'
expect_suppressed "MAILER-DAEMON" MAILER-DAEMON@example.org MAILER-DAEMON@example.org
expect_suppressed "postmaster" postmaster@example.org postmaster@example.org
expect_suppressed "a noreply sender" no-reply@shop.example noreply@shop.example
expect_suppressed "Precedence: bulk" c4@example.org c4@example.org --header 'Precedence: bulk'
expect_suppressed "Precedence: junk" c5@example.org c5@example.org --header 'Precedence: junk'
expect_suppressed "Precedence: list" c6@example.org c6@example.org --header 'Precedence: list'
expect_suppressed "List-Id" c7@example.org c7@example.org --header 'List-Id: <users.lists.example.org>'
expect_suppressed "List-Unsubscribe" c8@example.org c8@example.org --header 'List-Unsubscribe: <mailto:leave@example.org>'
expect_suppressed "X-Auto-Response-Suppress" c9@example.org c9@example.org --header 'X-Auto-Response-Suppress: OOF, AutoReply'
expect_suppressed "our own loop marker" c10@example.org c10@example.org --header 'X-Ticketd-Loop: other.example.com'
expect_suppressed "a mail from our own queue address" help@example.com help@example.com

# A normal mail gets its acknowledgement, as RFC 3834 wants it.
mail 'Nok <nok@example.co.th>' nok@example.co.th --header 'Auto-Submitted: no' \
	--header 'Subject: Invoice question'
f=$(wait_ack)
[ -n "$f" ]
ok $? "Auto-Submitted: no still gets an acknowledgement"
grep -q '^X-Mail-Args: <>$' "$f"
ok $? "the acknowledgement has the null envelope sender"
grep -q '^Auto-Submitted: auto-replied$' "$f" && grep -q '^X-Auto-Response-Suppress: All$' "$f" &&
    grep -q '^X-Ticketd-Loop: helpdesk.example.com$' "$f"
ok $? "it carries Auto-Submitted, X-Auto-Response-Suppress and our loop marker"
grep -q "^Subject: \[#$id\] Request received: Invoice question$" "$f"
ok $? "its subject has the tag and the original subject"
grep -q '^References: <m[0-9]*@example.org>$' "$f" && grep -q "^Message-Id: <tkt$id\." "$f"
ok $? "it references the customer's mail and has our signed Message-ID"
grep -q '^From: Example Support <support@example.com>$' "$f"
ok $? "it comes from the queue address the customer wrote to, with the queue's name"

lmtp_send --from x@example.org --to support@example.com --header 'From: x@example.org' \
	--header 'To: help@example.com' --header 'Message-Id: <alias@example.org>' >/dev/null 2>&1
_i=0; while ! grep -lq '^In-Reply-To: <alias@example.org>' "$SINK"/spool/* && [ $_i -lt 50 ]; do sleep 0.1; _i=$((_i + 1)); done
grep -l '^In-Reply-To: <alias@example.org>' "$SINK"/spool/* | xargs grep -q '^From: Example Support <help@example.com>$'
ok $? "mail written to the queue's second address is answered from that address"

# Language and business hours. body_of FILE: the decoded text body.
body_of() { sed '1,/^$/d' "$1" | base64 -d 2>/dev/null || sed '1,/^$/d' "$1"; }
subject_of() { grep '^Subject:' "$1" | head -1; }
lmtp_send --from l1@example.org --to support@example.com --header 'From: l1@example.org' \
	--header 'Message-Id: <l1@example.org>' --header 'Subject: =?utf-8?b?4LmA4LiE4Lij4Li34LmI4Lit4LiH4Lie4Li04Lih4Lie4LmM4LmA4Liq4Li14Lii?=' \
	--header 'Content-Type: text/plain; charset=utf-8' --body 'เครื่องพิมพ์ไม่ทำงานครับ ช่วยด้วย' >/dev/null 2>&1
f=$(wait_ack_id l1)
body_of "$f" | grep -q 'ขอบคุณที่ติดต่อเรา'
ok $? "a mail written in Thai gets the Thai acknowledgement"
lmtp_send --from l2@example.org --to support@example.com --header 'From: l2@example.org' \
	--header 'Message-Id: <l2@example.org>' --header 'Content-Language: th-TH' --body 'hello' >/dev/null 2>&1
f=$(wait_ack_id l2)
body_of "$f" | grep -q 'ขอบคุณที่ติดต่อเรา'
ok $? "Content-Language: th-TH chooses Thai"
lmtp_send --from l3@example.org --to sales@example.com --header 'From: l3@example.org' \
	--header 'Message-Id: <l3@example.org>' --body 'hello there' >/dev/null 2>&1
f=$(wait_ack_id l3)
body_of "$f" | grep -q 'ขอบคุณที่ติดต่อเรา'
ok $? "otherwise the queue's default language is used"
lmtp_send --from l4@example.org --to night@example.com --header 'From: l4@example.org' \
	--header 'Message-Id: <l4@example.org>' --body 'hello' >/dev/null 2>&1
f=$(wait_ack_id l4)
body_of "$f" | grep -q 'outside our business hours'
ok $? "outside the queue's business hours the notice is included"
body_of "$f" | grep -q 'Received: *[0-9-]* [0-9:]* +07$'
ok $? "the received time is given in the queue's time zone"
body_of "$(wait_ack_id l3)" | grep -q 'outside our business hours\|นอกเวลาทำการ'
[ $? -ne 0 ]
ok $? "inside business hours there is no notice"

# [sla night] promises a first answer within 2 h, around the clock: the
# acknowledgement says by when, in Bangkok time and the customer's
# language. The minute is the daemon's: it may have turned meanwhile.
promise() { TZ=Asia/Bangkok LC_ALL=C date -d "@$(($1 + 7200))" "+$2"; }
t0=$(date +%s)
lmtp_send --from l5@example.org --to night@example.com --header 'From: l5@example.org' \
	--header 'Message-Id: <l5@example.org>' --body 'hello' >/dev/null 2>&1
lmtp_send --from l6@example.org --to night@example.com --header 'From: l6@example.org' \
	--header 'Message-Id: <l6@example.org>' --header 'Content-Type: text/plain; charset=utf-8' \
	--body 'เครื่องพิมพ์ไม่ทำงานครับ' >/dev/null 2>&1
f5=$(wait_ack_id l5) f6=$(wait_ack_id l6)
t1=$(date +%s)
en5=$(body_of "$f5" | tr '\n' ' ')
said() { case $en5 in *"outside our business hours. One of our team will answer you by $(promise "$1" '%A %H:%M'), Bangkok time."*) true ;; *) false ;; esac; }
said "$t0" || said "$t1"
ok $? "the acknowledgement promises a first answer: $(echo "$en5" | grep -o 'answer you by[^.]*')"
body_of "$f6" | grep -Eq "เจ้าหน้าที่จะติดต่อกลับภายในวัน.* เวลา ($(promise "$t0" '%H:%M')|$(promise "$t1" '%H:%M')) น\."
ok $? "in Thai for a Thai customer: $(body_of "$f6" | grep -o 'ติดต่อกลับภายใน.*')"
body_of "$(wait_ack_id l3)" | grep -q 'will answer you by\|ติดต่อกลับภายใน'
[ $? -ne 0 ]
ok $? "a queue without a policy promises no time"
# The same deadline, and its warning at 80 %, are the ticket's.
t5=$(ctl list --json | jq '[.[] | select(.requester == "l5@example.org")][0].id')
is "$(ctl show "$t5" --json | jq -c '[.sla.deadlines.policy, ((.sla.deadlines.first_response | .due_at, .warn_at | fromdate) - (.created_at | fromdate)), .sla.deadlines.next_response]')" \
	'["night",7200,5760,null]' "ticketctl show gives the first-response deadline and its warning"

# Header injection: encoded CR LF in the Subject and the From name.
mail '=?utf-8?q?Eve=0D=0ABcc:_victim@example.net?= <eve@example.org>' eve@example.org \
	--header 'Subject: =?utf-8?q?Hello=0D=0ABcc:_victim@example.net=0D=0A=0D=0Abody?='
f=$(wait_ack)
[ -n "$f" ] && ! grep -qi '^Bcc:' "$f" && [ "$(grep -c '^Subject:' "$f")" = 1 ] &&
    [ "$(grep -c '^To:' "$f")" = 1 ]
ok $? "CR LF in the Subject and From name cannot add headers"
grep -q '^X-Rcpt-Args: <eve@example.org>$' "$f"
ok $? "the acknowledgement goes to the requester only"

# Rate limit: 2 per hour to one address; the third ticket gets none.
mail r@example.org r@example.org; mail r@example.org r@example.org; mail r@example.org r@example.org
suppressed | grep -q 'rate limit: 2 per 3600s to this address'
ok $? "over per_address the acknowledgement is skipped and the skip recorded"
# Count once the sender is done with r@: none of its mail is queued, and
# the sink, which spools a mail before its 250, holds the sent ones.
acks_to_r() { grep -l '^X-Rcpt-Args: <r@example.org>' "$SINK"/spool/* 2>/dev/null | wc -l; }
r_settled() {
	[ "$(ctl outbox --json | jq '[.[] | select(.rcpt == "r@example.org" and .status == "queued")] | length')" = 0 ] &&
	    [ "$(acks_to_r)" -ge 2 ]
}
wait_for 10 r_settled
is "$(acks_to_r)" 2 "only two acknowledgements reached r@"

# Canned reply, and the customer's answer to it joins the ticket by our
# signed Message-ID even with the subject tag removed.
mail 'Somchai <somchai@example.co.th>' somchai@example.co.th --header 'Subject: Cannot log in'
t=$id
ctl reply "$t" --canned password-reset >/dev/null
ok $? "ticketctl reply --canned queues a canned reply"
_i=0; while [ "$(ctl show "$t" --json | jq -r '[.outbox[] | select(.kind == "reply")][0].status')" != sent ] &&
    [ $_i -lt 50 ]; do sleep 0.1; _i=$((_i + 1)); done
reply_id=$(ctl show "$t" --json | jq -r '[.outbox[] | select(.kind == "reply")][0].message_id')
f=$(grep -l "^Message-Id: <$reply_id>" "$SINK"/spool/*)
[ -n "$f" ] && grep -q '^X-Mail-Args: <support@example.com>' "$f" && ! grep -q '^Auto-Submitted' "$f"
ok $? "the canned reply is sent from the queue address, not as an automatic reply"
ctl show "$t" --json | jq -e '.events | map(.type) | index("reply_queued")' >/dev/null &&
    ctl show "$t" --json | jq -e '[.messages[] | select(.direction == "out")] | length == 2' >/dev/null
ok $? "the reply is recorded on the ticket as an event and an outgoing message"
is "$(ctl show "$t" --json | jq -r "[.messages[] | select(.message_id == \"$reply_id\")][0] | [.from, .to, (.subject | startswith(\"Re: [#$t]\"))] | @tsv")" \
	"$(printf 'support@example.com\tSomchai <somchai@example.co.th>\ttrue')" \
	"the recorded reply has the queue address, the requester and the tagged subject"
lmtp_send --from somchai@example.co.th --to support@example.com --header 'Subject: Re: thanks' \
	--header "In-Reply-To: <$reply_id>" --header 'Message-Id: <answer@example.co.th>' >/dev/null 2>&1
is "$(ctl show "$t" --json | jq -r '.messages[-1].message_id')" answer@example.co.th \
	"the customer's answer joins the ticket through our signed Message-ID"
is "$(ctl show "$t" --json | jq '[.outbox[] | select(.kind == "ack")] | length')" 1 \
	"a follow-up is not acknowledged again"
# The customer answers the acknowledgement; the canned reply to that
# carries one tag and one "Re:".
lmtp_send --from somchai@example.co.th --to support@example.com \
	--header "Subject: Re: [#$t] Request received: Cannot log in" \
	--header 'Message-Id: <answer2@example.co.th>' >/dev/null 2>&1
ctl reply "$t" --canned password-reset >/dev/null
is "$(ctl show "$t" --json | jq -r '[.messages[] | select(.direction == "out")][-1].subject')" \
	"Re: [#$t] Request received: Cannot log in" \
	"a canned reply to \"Re: [#$t] Request received: ...\" has one tag and one Re:"
ctl reply "$t" --canned no-such-template 2>"$TMP/err"
[ $? -ne 0 ] && grep -q 'no template no-such-template' "$TMP/err"
ok $? "an unknown canned reply is refused with a clear error"

# A canned reply that a rule sends is an automatic reply too: marked so,
# from the null sender, and under the same limits, so an autoresponder
# that answers it without saying so cannot keep a loop going.
mail 'Loop <loop@example.org>' loop@example.org --header 'Subject: password help'
t=$id
canned_to_loop() { grep -l '^Subject: Re: \[#'"$t"'\] password help' "$SINK"/spool/* 2>/dev/null | head -1; }
wait_for 5 sh -c "[ -n \"\$(grep -l '^Subject: Re: \[#$t\] password help' '$SINK'/spool/* 2>/dev/null)\" ]"
f=$(canned_to_loop)
[ -n "$f" ] && grep -q '^Auto-Submitted: auto-replied$' "$f" && grep -q '^X-Mail-Args: <>$' "$f"
ok $? "a rule's canned reply has Auto-Submitted: auto-replied and the null sender"
for i in 1 2 3; do
	lmtp_send --from loop@example.org --to support@example.com --header 'From: loop@example.org' \
	    --header "Subject: Re: [#$t] password help" --header "Message-Id: <loop$i@example.org>" >/dev/null 2>&1
done
replies() { ctl show "$t" --json | jq '[.outbox[] | select(.kind == "reply")] | length'; }
skipped() { ctl show "$t" --json | jq -r '.events[] | select(.type == "rule_skipped") | .detail'; }
is "$(replies)" 1 "per_address = 2/1h: after the acknowledgement and one canned reply, none"
is "$(skipped | grep -c 'canned = password-reset: skipped, rate limit: 2 per 3600s to this address')" 3 \
    "each held-back canned reply is a rule_skipped event that says why"
log_has "ticket $t: rule password \\($TMP/auto.rules:1\\): canned = password-reset skipped: rate limit"
ok $? "and a log line naming the rule"

