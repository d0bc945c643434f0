#!/bin/sh
# Rules in the ingest pipeline (issue 9), against the real daemon over
# LMTP, pipe and IMAP (a real Dovecot) with smtp-sink catching what goes
# out: actions on a new ticket and
# the "rule" events that name file:line, when = reply, acknowledge = no,
# an assignee outside the ticket's queue, an edit under the running
# daemon (reloaded on change, no SIGHUP), a broken edit that keeps the
# old rules, Thai rules against TIS-620 mail, and the catastrophic
# pattern under load.
. "$(dirname "$0")/../lib.sh"
plan 34

SINK=$TMP/sink
eval "$("$PEERS/smtp-sink.sh" start "$SINK")" || exit 1
cleanup "'$PEERS/smtp-sink.sh' stop '$SINK'"
DOVE=$TMP/dovecot
eval "$("$PEERS/dovecot.sh" start "$DOVE")" || exit 1
cleanup "'$PEERS/dovecot.sh' stop '$DOVE'"
DLMTP=$LMTP_PORT

RULES=$TMP/rules
BASIC=$RULES/10-basic.rules
mkdir "$RULES"
basic() {
	printf '%s\n' "; rules.t" \
	    "[rule urgent]" "match = subject ~ /urgent/i" "priority = urgent" \
	    "tag = outage, vip" "assign = somchai" "" \
	    "[rule followup]" "when = reply" "match = body contains \"still broken\"" \
	    "tag = escalated" "" \
	    "[rule quiet]" "match = subject contains \"noack\"" "acknowledge = no" "" \
	    "[rule thai]" "match = body contains \"ระบบล่ม\"" "tag = thai-outage" "" \
	    "[rule billing]" "match = subject contains \"billing-only\"" \
	    "assign = malee" "tag = billing" "$@"
}
basic >"$BASIC"
printf '%s\n' "[rule invoice]" "match = subject contains \"invoice\"" \
    "queue = billing" "assign = malee" "status = pending" \
    "notify = boss@example.org" "notify = somchai" "canned = need-more-info" "" \
    "[rule refund]" "when = reply" "match = body contains \"refund please\"" \
    "queue = billing" >"$RULES/05-more.rules"
{ ticketd_conf | sed "s|^templates = .*|&\nrules = $RULES|"; printf '%s\n' \
    "[queue billing]" "address = billing@example.com" "" \
    "[smtp]" "url = smtp://127.0.0.1:$SMTP_PORT" "" \
    "[autoreply]" "per_address = 1000/1h" "per_ticket = 1000/1h" "" \
    "[agent somchai]" "address = somchai@example.com" "" \
    "[agent malee]" "address = malee@example.com" "queues = billing" "" \
    "[imap support]" "host = 127.0.0.1" "port = $IMAP_PORT" "tls = none" \
    "user = support" "password = secret" "queue = support" "poll_interval = 1s"; } >"$TMP/t.conf"
CONF=$TMP/t.conf DB=$TMP/tickets.db
start_ticketd "$CONF" || exit 1

ctl() { "$BUILD/ticketctl" -c "$CONF" "$@"; }
q() { sqlite3 "$DB" "$1"; }
show() { ctl show "$1" --json | jq -r "$2"; }
events() { show "$1" ".events[] | select(.type == \"$2\") | .detail"; }
ticket_of() { q "SELECT ticket_id FROM messages WHERE message_id = '$1'"; }
tags() { q "SELECT group_concat(tag, ',') FROM (SELECT tag FROM tags WHERE ticket_id = $1 ORDER BY tag)"; }
# mail ID SUBJECT BODY [swaks options]: one customer mail; $t = its ticket.
mail() {
	_id=$1 _subject=$2 _body=$3
	shift 3
	lmtp_send --from nok@example.org --to support@example.com \
	    --header "From: Nok <nok@example.org>" --header "Subject: $_subject" \
	    --header "Message-Id: <$_id@example.org>" --body "$_body" "$@" >/dev/null 2>&1
	t=$(ticket_of "$_id@example.org")
}

# A new ticket gets what the rule says, each action an event naming it.
mail u1 "URGENT: the site is down" "nothing loads"
[ "$(show "$t" .priority)" = urgent ] && [ "$(tags "$t")" = outage,vip ] &&
    [ "$(show "$t" .assignee)" = somchai ]
ok $? "a new ticket gets priority, tags and assignee from a rule"
is "$(events "$t" rule)" "rule urgent ($BASIC:2): priority = urgent
rule urgent ($BASIC:2): tag = outage
rule urgent ($BASIC:2): tag = vip
rule urgent ($BASIC:2): assign = somchai" "each action is a rule event naming the rule and file:line"
events "$t" assigned | grep -q "nobody -> somchai by ticketd (rules): rule urgent ($BASIC:2)"
ok $? "the change itself is an event too: $(events "$t" assigned)"
t1=$t

# when = reply fires on a follow-up only.
mail r1 "Re: URGENT: the site is down" "still broken" --header "In-Reply-To: <u1@example.org>"
[ "$t" = "$t1" ] && [ "$(tags "$t1")" = escalated,outage,vip ]
ok $? "when = reply fires on the follow-up: $(tags "$t1")"
events "$t1" rule | grep -q "rule followup ($BASIC:8): tag = escalated"
ok $? "with its rule event"
events "$t1" rule | grep -c "rule urgent" | grep -qx 4
ok $? "a when = new rule does not fire on the follow-up"
mail n1 "a question" "still broken"
[ -z "$(tags "$t")" ] && [ -z "$(events "$t" rule)" ]
ok $? "when = reply does not fire on a mail that opens a ticket"

# queue = on a follow-up moves the ticket.
mail r2 "Re: URGENT: the site is down" "refund please" --header "In-Reply-To: <u1@example.org>"
[ "$t" = "$t1" ] && [ "$(show "$t1" .queue)" = billing ]
ok $? "a follow-up's rule moves its ticket to another queue"
events "$t1" queue | grep -q "support -> billing by ticketd (rules)"
ok $? "with a queue event: $(events "$t1" queue)"

# acknowledge = no.
mail a1 "please noack" "hello"
events "$t" ack_suppressed | grep -q "rule quiet ($BASIC:13): acknowledge = no"
ok $? "acknowledge = no suppresses the ack: $(events "$t" ack_suppressed)"
is "$(q "SELECT count(*) FROM outbox WHERE ticket_id = $t AND kind = 'ack'")" 0 "no ack in the outbox"
mail a2 "please ack" "hello"
wait_for 10 sh -c "grep -lq '^In-Reply-To: <a2@example.org>' '$SINK'/spool/* 2>/dev/null"
ok $? "a mail no rule holds back is acknowledged"

# An agent who does not serve the ticket's queue: skipped, never an error.
mail b1 "billing-only question" "hello"
[ -n "$t" ] && [ "$(show "$t" .assignee)" = null ] && [ "$(tags "$t")" = billing ]
ok $? "an assignee outside the queue is skipped, the other actions apply"
events "$t" rule_skipped | grep -q "rule billing ($BASIC:21): assign = malee: skipped, agent malee does not work in queue support"
ok $? "with a rule_skipped event: $(events "$t" rule_skipped)"

# queue, status, notify and canned.
mail i1 "invoice 42" "please"
[ "$(show "$t" .queue)" = billing ] && [ "$(show "$t" .assignee)" = malee ] &&
    [ "$(show "$t" .status)" = pending ]
ok $? "a new ticket opens in the rule's queue, assigned to an agent of it, with its status"
is "$(events "$t" rule | sed "s|$RULES/||")" "rule invoice (05-more.rules:1): queue = billing
rule invoice (05-more.rules:1): assign = malee
rule invoice (05-more.rules:1): status = pending
rule invoice (05-more.rules:1): notify = boss@example.org
rule invoice (05-more.rules:1): notify = somchai
rule invoice (05-more.rules:1): canned = need-more-info" "every action has its rule event"
is "$(q "SELECT group_concat(rcpt, ' ') FROM (SELECT rcpt FROM outbox WHERE ticket_id = $t AND kind = 'rule_notify' ORDER BY rcpt)")" \
    "boss@example.org somchai@example.com" "notify mails an address and an agent"
wait_for 10 sh -c "grep -l '^Subject: \\[#$t\\] \\[rule invoice\\] invoice 42' '$SINK'/spool/* 2>/dev/null | wc -l | grep -qx 2" &&
    [ "$(q "SELECT count(*) FROM outbox WHERE ticket_id = $t AND kind = 'reply'")" = 1 ]
ok $? "both are sent, and the canned reply is queued"

# Thai rule against a TIS-620 mail.
{ printf '%s\r\n' "From: Somsak <somsak@example.co.th>" "To: support@example.com" \
    "Subject: help" "Message-Id: <th1@example.org>" "MIME-Version: 1.0" \
    "Content-Type: text/plain; charset=TIS-620" "Content-Transfer-Encoding: 8bit" ""
  printf 'ระบบล่มตั้งแต่เช้า\r\n' | iconv -f UTF-8 -t TIS-620; } >"$TMP/thai.eml"
lmtp_send --from somsak@example.co.th --to support@example.com --data "$TMP/thai.eml" >/dev/null 2>&1
t=$(ticket_of th1@example.org)
is "$(tags "$t")" thai-outage "a Thai rule matches a TIS-620 mail"

# Pipe delivery goes through the same pipeline, and the same rules.
printf '%s\n' "From: p@example.org" "Subject: urgent by pipe" "Message-Id: <p1@example.org>" "" "hi" |
    "$BUILD/ticketd" -c "$CONF" deliver -f p@example.org -r support@example.com >/dev/null 2>>"$TMP/deliver.log"
t=$(ticket_of p1@example.org)
[ -n "$t" ] && [ "$(show "$t" .priority)" = urgent ] && events "$t" rule | grep -q "rule urgent ($BASIC:2)"
ok $? "pipe delivery runs the same rules"

# A mail with an agent's From and no token is not the agent's: it is
# stored as customer mail, and the rules run on it as on any other.
lmtp_send --from somchai@example.com --to support@example.com --header "From: Somchai <somchai@example.com>" \
    --header "Subject: urgent, says someone" --header "Message-Id: <forged1@example.org>" >/dev/null 2>&1
t=$(ticket_of forged1@example.org)
[ -n "$t" ] && [ "$(show "$t" .priority)" = urgent ] && [ -n "$(events "$t" agent_refused)" ]
ok $? "a forged agent's mail is a customer's, and the rules run on it: $(events "${t:-0}" agent_refused)"

# So does mail the IMAP poller fetches from Dovecot.
swaks --protocol LMTP --server 127.0.0.1 --port "$DLMTP" --to support@example.com \
    --from i@example.org --header "Subject: urgent by IMAP" --header "Message-Id: <imap1@example.org>" \
    --header "Content-Type: text/plain; charset=UTF-8" --body "ระบบล่ม since dawn" >/dev/null 2>&1
has_ticket() { [ -n "$(ticket_of "$1")" ]; }
wait_for 15 has_ticket imap1@example.org
t=$(ticket_of imap1@example.org)
[ -n "$t" ] && [ "$(show "$t" .priority)" = urgent ] && [ "$(tags "$t")" = outage,thai-outage,vip ] &&
    events "$t" rule | grep -q "rule thai ($BASIC:17): tag = thai-outage"
ok $? "IMAP mail runs the same rules: ticket ${t:-none}, tags $(tags "${t:-0}")"

# Edit the rules under the running daemon: no SIGHUP.
reloads=$(log_count ': reloaded$')
basic "" "[rule fresh]" "match = subject contains \"fresh\"" "tag = fresh" >"$BASIC.new"
mv "$BASIC.new" "$BASIC"
wait_for 10 sh -c "[ \$(grep -c ': reloaded\$' '$TICKETD_LOG') -gt $reloads ]"
ok $? "a changed rule file reloads the daemon"
log_has "$RULES: rules changed"
ok $? "the log says why"
mail f1 "fresh mail" "hello"
is "$(tags "$t")" fresh "new mail gets the new rule"
# The IMAP poller takes the new configuration (and rules) at its next
# batch, after the daemon has let go of the old one.
swaks --protocol LMTP --server 127.0.0.1 --port "$DLMTP" --to support@example.com \
    --from i@example.org --header "Subject: fresh by IMAP" --header "Message-Id: <imap2@example.org>" >/dev/null 2>&1
wait_for 15 has_ticket imap2@example.org
t=$(ticket_of imap2@example.org)
is "$(tags "${t:-0}")" fresh "and so does IMAP mail"

# A broken edit: file:line in the log, the old rules stay.
failed=$(log_count 'reload failed')
basic "" "[rule fresh]" "match = subject contains \"fresh\"" "tag = fresh" "" \
    "[rule broken]" "match = subject ~ /(/" "tag = x" >"$BASIC"
wait_for 10 sh -c "[ \$(grep -c 'reload failed' '$TICKETD_LOG') -gt $failed ]"
ok $? "a broken rule file fails the reload"
log_has "$BASIC:31: "
ok $? "the error names file:line: $(grep "$BASIC:31" "$TICKETD_LOG" | tail -1)"
mail f2 "fresh again" "hello"
is "$(tags "$t")" fresh "the old rules stay: the next mail still gets them"
basic "" "[rule fresh]" "match = subject contains \"fresh\"" "tag = fresh" >"$BASIC"

# The catastrophic pattern against a long line, under load.
reloads=$(log_count ': reloaded$')
printf '%s\n' "[rule evil]" "match = body ~ /(a+)+\$/" "tag = evil" >"$RULES/20-evil.rules"
wait_for 10 sh -c "[ \$(grep -c ': reloaded\$' '$TICKETD_LOG') -gt $reloads ]"
ok $? "a new file in the rules directory reloads too"
{ printf '%s\n' "From: load@example.org" "To: support@example.com" "Subject: evil" \
    "Message-Id: <evil@example.org>" ""
  head -c 990 /dev/zero | tr '\0' a; printf '!\n'; } >"$TMP/evil.eml"
before=$(q "SELECT count(*) FROM messages WHERE direction = 'in'")
start=$(date +%s)
out=$("$BUILD/tests/lmtp-load" -p -s 4 -m 50 -r support@example.com "127.0.0.1:$LMTP_PORT" "$TMP/evil.eml")
secs=$(($(date +%s) - start))
diag "$out, $secs s"
case $out in *ok=50\ fail=0*) true ;; *) false ;; esac
ok $? "every mail is answered 250 under the catastrophic pattern"
[ $(($(q "SELECT count(*) FROM messages WHERE direction = 'in'") - before)) -eq 50 ] && [ "$secs" -le 20 ]
ok $? "all 50 are stored, within a loose bound ($secs s)"
n=$(q "SELECT count(*) FROM events WHERE type = 'rules_error' AND detail LIKE '$RULES/20-evil.rules:1: rule evil: %'")
[ "$n" -eq 50 ] && log_has "rules: $RULES/20-evil.rules:1: rule evil: line 2: regex match limit"
ok $? "each gets a rules_error event and a log line naming the rule ($n)"

stop_ticketd
ok $? "ticketd stops cleanly"
