#!/bin/sh
# The deadline queue in a running daemon, with policies in seconds: a
# warning and a breach (the breached tag, the agents' and escalate's
# mail, each once), the resolution clock paused while pending and the
# first-response clock not, a deadline missed while ticketd was down
# firing at once on start, a priority change by ticketctl moving a
# deadline, and the reminder of a pending ticket.
. "$(dirname "$0")/../lib.sh"
plan 29

SINK=$TMP/sink
eval "$("$PEERS/smtp-sink.sh" start "$SINK")" || exit 1
cleanup "'$PEERS/smtp-sink.sh' stop '$SINK'"
{ ticketd_conf | sed 's/^hostname = .*/&\npending_remind = 3s\npending_resolve = 1h/'
  printf '%s\n' "name = Example Support" \
	"[queue billing]" "address = billing@example.com" \
	"[smtp]" "url = smtp://127.0.0.1:$SMTP_PORT" "retry_min = 1" "retry_max = 2" \
	"[autoreply]" "per_address = 1000/1h" "per_ticket = 1000/1h" \
	"[agent somchai]" "address = somchai@example.com" "notify = all" \
	"[agent nid]" "address = nid@example.com" "notify = assigned" \
	"[sla fast]" "queue = support" "first_response = 4s" "resolution = 12s" \
	"warn = 50%" "business_hours = no" "escalate = lead@example.com" \
	"[sla billing]" "queue = billing" "first_response = 1h" "business_hours = no" \
	"[sla billing-urgent]" "queue = billing" "priority = urgent" \
	"first_response = 3s" "business_hours = no"; } >"$TMP/t.conf"
start_ticketd "$TMP/t.conf" || exit 1
ctl() { "$BUILD/ticketctl" -c "$TMP/t.conf" "$@"; }
json() { ctl show "$1" --json | jq -r "$2"; }
# events ID TYPE: the details of the ticket's events of that type.
events() { json "$1" ".events[] | select(.type == \"$2\") | .detail"; }
has_event() { [ -n "$(events "$1" "$2" | grep -F "$3")" ]; }
# event_at ID TYPE TEXT: when the first such event happened, unix seconds.
event_at() {
	json "$1" "[.events[] | select(.type == \"$2\" and (.detail | contains(\"$3\")))][0].at | fromdate"
}
created() { json "$1" '.created_at | fromdate'; }
# mail_to RCPT TEXT: smtp-sink holds a mail to RCPT with TEXT in it.
body_of() { sed '1,/^$/d' "$1" | base64 -d 2>/dev/null || sed '1,/^$/d' "$1"; }
mail_to() {
	for _f in $(grep -l "^X-Rcpt-Args: <$1>" "$SINK"/spool/* 2>/dev/null); do
		{ grep -i '^Subject:' "$_f"; body_of "$_f"; } | grep -qF "$2" && return 0
	done
	return 1
}
# count_to RCPT SUBJECT TEXT: how many such mails to RCPT smtp-sink holds.
count_to() {
	for _f in $(grep -l "^X-Rcpt-Args: <$1>" "$SINK"/spool/* 2>/dev/null); do
		grep -qF "Subject: $2" "$_f" && body_of "$_f" | grep -qF "$3" && echo "$_f"
	done | wc -l
}
n=0
customer() {
	n=$((n + 1))
	lmtp_send --from "$1" --to "${3:-support}@example.com" --header "From: $1" \
		--header "Subject: $2" --header "Message-Id: <c$n@example.org>" \
		--body 'Please help.' >/dev/null 2>&1
	id=$(ctl list --json | jq '.[-1].id')
}

# 1. A warning at half the first-response target, then the breach.
customer nok@example.org 'Printer broken'
t1=$id
wait_for 10 has_event "$t1" sla_warning "first_response due at"
ok $? "a warning at 50%: $(events "$t1" sla_warning)"
wait_for 10 has_event "$t1" sla_breach "first_response breached"
ok $? "the breach: $(events "$t1" sla_breach)"
late=$(($(event_at "$t1" sla_breach first_response) - $(created "$t1") - 4))
[ "$late" -ge 0 ] && [ "$late" -le 2 ]
ok $? "it fired within 2 s of its deadline (${late} s)"
json "$t1" '.tags[]' | grep -qx breached
ok $? "the ticket is tagged breached"
wait_for 10 mail_to somchai@example.com "SLA warning" &&
    wait_for 10 mail_to somchai@example.com "SLA breached"
ok $? "somchai (notify = all) was warned and told of the breach"
wait_for 10 mail_to nid@example.com "SLA breached"
ok $? "nid (notify = assigned) hears too: the ticket has no assignee"
wait_for 10 mail_to lead@example.com "first_response breached"
ok $? "escalate = lead@example.com hears of the breach"
mail_to lead@example.com "SLA warning"
ok $((!$?)) "... but not of the warning"

# 2. Pending pauses the resolution clock, not the first response's.
customer pim@example.org 'Invoice missing'
t2=$id
ctl status "$t2" pending >/dev/null
is "$(json "$t2" '.sla.deadlines.resolution')" null "while pending, no resolution deadline runs"
wait_for 10 has_event "$t2" sla_breach "first_response breached"
ok $? "the first-response clock ran on while pending"
wait_for 10 sh -c '[ "$(date +%s)" -gt '"$(($(created "$t2") + 2))"' ]'
customer pim@example.org "Re: [#$t2] Invoice missing"
is "$(json "$t2" .status)" open "the customer's mail opens it again"
paused=$(($(json "$t2" '[.events[] | select(.type == "reopened")][0].at | fromdate') -
    $(json "$t2" '[.events[] | select(.type == "status")][0].at | fromdate')))
is "$(($(json "$t2" '.sla.deadlines.resolution.due_at | fromdate') - $(created "$t2")))" \
    "$((12 + paused))" "the resolution deadline moved by the ${paused} s paused"

# 3. Each fires once: no second breach, no second mail.
stop_ticketd
ok $? "ticketd stops cleanly"
is "$(events "$t1" sla_breach | grep -c first_response)" 1 "one first-response breach on ticket $t1"
# 4. A deadline that passes while ticketd is down fires at once on start.
"$BUILD/ticketd" -c "$TMP/t.conf" deliver -r support@example.com -f rin@example.org >/dev/null <<EOF
From: rin@example.org
To: support@example.com
Subject: Cannot log in
Message-Id: <down@example.org>

Please help.
EOF
ok $? "a mail delivered by pipe while the daemon is down"
t3=$(ctl list --json | jq '.[-1].id')
wait_for 10 sh -c '[ "$(date +%s)" -gt '"$(($(created "$t3") + 4))"' ]'
started=$(date +%s)
start_ticketd "$TMP/t.conf" || exit 1
wait_for 10 has_event "$t3" sla_breach "first_response breached"
ok $? "the missed breach fired"
late=$(($(event_at "$t3" sla_breach first_response) - started))
[ "$late" -le 2 ]
ok $? "within 2 s of the start (${late} s)"
has_event "$t3" sla_warning "first_response"
ok $((!$?)) "the missed warning was not sent after its breach"
is "$(events "$t1" sla_breach | grep -c first_response)" 1 "still one first-response breach on ticket $t1 after the restart"
is "$(count_to lead@example.com "[#$t1] SLA breached" "first_response breached")" 1 \
    "escalate heard of ticket $t1's first-response breach once"
is "$(count_to somchai@example.com "[#$t1] SLA warning" "first_response due at")" 1 \
    "somchai was warned of ticket $t1's first response once"

# 5. A priority change moves the deadline: billing's 1 h becomes 3 s.
customer ona@example.org 'Refund' billing
t4=$id
is "$(($(json "$t4" '.sla.deadlines.first_response.due_at | fromdate') - $(created "$t4")))" 3600 "billing's first response is due in 1 h"
ctl priority "$t4" urgent >/dev/null
is "$(($(json "$t4" '.sla.deadlines.first_response.due_at | fromdate') - $(created "$t4")))" 3 "urgent: in 3 s"
wait_for 10 has_event "$t4" sla_breach "policy billing-urgent"
ok $? "ticketctl's change reached the daemon's queue: $(events "$t4" sla_breach)"
late=$(($(event_at "$t4" sla_breach first_response) - $(created "$t4") - 3))
[ "$late" -le 2 ]
ok $? "within 2 s of the new deadline (${late} s late)"

# 6. A pending ticket reminds its customer after pending_remind.
ctl status "$t4" pending >/dev/null
wait_for 10 has_event "$t4" reminded "pending for 3s (pending_remind)"
ok $? "the reminder: $(events "$t4" reminded)"
wait_for 10 mail_to ona@example.org "still waiting for your answer"
ok $? "the customer has it"

# 7. A reload that changes a policy moves the deadlines of open tickets:
# billing's first response, 1 h, becomes 4 s.
customer pat@example.org 'Card declined' billing
t5=$id
reloads=$(grep -c ': reloaded$' "$TICKETD_LOG")
sed -i '/^\[sla billing\]$/,/^\[/ s/^first_response = 1h$/first_response = 4s/' "$TMP/t.conf"
kill -HUP "$TICKETD_PID"
wait_for 10 sh -c "[ \$(grep -c ': reloaded\$' '$TICKETD_LOG') -gt $reloads ]"
ok $? "reloaded"
wait_for 15 has_event "$t5" sla_breach "policy billing)"
ok $? "the open ticket's deadline moved with the policy: $(events "$t5" sla_breach)"
