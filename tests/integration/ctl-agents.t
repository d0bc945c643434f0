#!/bin/sh
# ticketctl does what an agent does by mail: reply (from a file, from
# stdin, canned, as a note), status, assign, tag and priority, as the
# admin or --as an agent, each an event that names who; bad values and
# agents change nothing; list filters and customer; the --json shapes.
. "$(dirname "$0")/../lib.sh"
plan 77

SINK=$TMP/sink
eval "$("$PEERS/smtp-sink.sh" start "$SINK")" || exit 1
cleanup "'$PEERS/smtp-sink.sh' stop '$SINK'"
{ ticketd_conf; printf '%s\n' "name = Support" \
	"[smtp]" "url = smtp://127.0.0.1:$SMTP_PORT" "retry_min = 1" "retry_max = 2" \
	"[queue billing]" "address = billing@example.com" \
	"[agent somchai]" "address = somchai@example.com" "name = Somchai K." \
	"queues = support" \
	"[agent malee]" "address = malee@example.com" "name = Malee S."; } >"$TMP/t.conf"
start_ticketd "$TMP/t.conf" || exit 1
ctl() { "$BUILD/ticketctl" -c "$TMP/t.conf" "$@"; }

# customer ADDRESS SUBJECT [QUEUE]: a customer's new mail; $id = its ticket.
n=0
customer() {
	n=$((n + 1))
	lmtp_send --from "$1" --to "${3:-support}@example.com" --header "From: $1" \
		--header "Subject: $2" --header "Message-Id: <c$n@example.org>" \
		--body 'Please help.' >/dev/null 2>&1
	id=$(ctl list --json | jq '.[-1].id')
}
# field ID JQ-EXPR: of ticketctl show ID --json.
field() { ctl show "$1" --json | jq -c "$2"; }
# events ID TYPE: the details of the ticket's events of that type.
events() { ctl show "$1" --json | jq -r ".events[] | select(.type == \"$2\") | .detail"; }
# The decoded text of a mail smtp-sink holds (base64 or not).
body_of() { sed '1,/^$/d' "$1" | base64 -d 2>/dev/null || sed '1,/^$/d' "$1"; }
# mail_to RCPT TEXT: the first mail to RCPT at the sink whose text has TEXT.
mail_to() {
	for _f in $(grep -l "^X-Rcpt-Args: <$1>" "$SINK"/spool/* 2>/dev/null); do
		body_of "$_f" | grep -qF "$2" && { echo "$_f"; return 0; }
	done
	return 1
}
has_mail() { mail_to "$@" >/dev/null; }
# snapshot ID: what a refused command must leave as it was.
snapshot() {
	field "$1" '[.status, .assignee, .priority, .tags, (.events | length),
	    (.outbox | length), (.messages | length)]'
}

# 1. A reply from a file, as somchai.
customer nok@example.org 'Printer broken'
t1=$id
printf '#priority high\nHello Nok,\nPlease restart the printer.\n' >"$TMP/reply.txt"
ctl reply "$t1" "$TMP/reply.txt" --as somchai >"$TMP/out"
ok $? "reply N FILE --as somchai"
is "$(cat "$TMP/out")" "ticket $t1: reply queued
ticket $t1: status new -> pending
ticket $t1: assignee none -> somchai
ticket $t1: priority normal -> high" "one line per change"
wait_for 10 has_mail nok@example.org 'Please restart the printer.'
ok $? "the customer gets the text"
f=$(mail_to nok@example.org 'Please restart the printer.')
grep -qF 'From: "Somchai K. (Support)" <support@example.com>' "$f"
ok $? "from the agent, speaking for the queue: $(grep '^From:' "$f")"
! body_of "$f" | grep -q '#priority'
ok $? "the #command line is not sent"
is "$(field "$t1" '[.status, .assignee, .priority]')" '["pending","somchai","high"]' \
	"the ticket goes pending and somchai, first to reply, is its assignee"
is "$(field "$t1" '[.messages[] | select(.direction == "out") | .author] | last')" '"somchai"' \
	"the reply on the ticket names its author"
events "$t1" status | grep -q '^new -> pending by agent somchai (ticketctl): replied to the customer$'
ok $? "the status event names who: $(events "$t1" status)"
events "$t1" assigned | grep -q '^nobody -> somchai by agent somchai (ticketctl): first to reply$'
ok $? "and so does the assignment"
is "$(field "$t1" '[.sla.agent_replies, (.sla.first_response_at != null), .sla.first_response_met, .sla.reopens]')" \
	'[1,true,null,0]' "the first response is an SLA fact (no [sla] policy: no target)"

# 2. An internal note, as malee: the other agent hears of it, the
# customer does not.
# to ADDRESS: how many mails of ticket t1 the outbox has for ADDRESS.
to() { field "$t1" "[.outbox[] | select(.rcpt == \"$1\")] | length"; }
before=$(to nok@example.org) before_malee=$(to malee@example.com)
echo 'Customer is a VIP, be quick.' | ctl reply "$t1" --note --as malee >"$TMP/out"
ok $? "reply --note from stdin"
is "$(cat "$TMP/out")" "ticket $t1: note added" "a note changes nothing else"
wait_for 10 has_mail somchai@example.com 'Customer is a VIP, be quick.'
ok $? "somchai, who wrote on the ticket, is notified of the note"
is "$(to nok@example.org)" "$before" "nothing goes to the customer"
is "$(field "$t1" '[.messages[] | select(.direction == "note")] | map([.author, .body]) | last')" \
	'["malee","Customer is a VIP, be quick.\n"]' "the note is on the ticket, by malee"
is "$(to malee@example.com)" "$before_malee" "the agent who wrote the note is not told of it"

# 3. A reply from stdin as the admin, with commands in the text.
customer bee@example.org 'Refund please'
t2=$id
printf '#resolve\n#tag refund\nYour refund is on its way.\n' | ctl reply "$t2" - >"$TMP/out"
ok $? "reply N - (stdin), without --as"
wait_for 10 has_mail bee@example.org 'Your refund is on its way.'
ok $? "the customer gets it"
grep -q '^From: Support <support@example.com>$' "$(mail_to bee@example.org 'Your refund is on its way.')"
ok $? "from the queue alone"
is "$(field "$t2" '[.status, .assignee, .tags]')" '["resolved",null,["refund"]]' \
	"#resolve and #tag apply; the admin becomes no assignee"
events "$t2" status | grep -q '^new -> resolved by admin (ticketctl): asked for$'
ok $? "the event names the admin: $(events "$t2" status)"
printf '#pending\nWaiting for the bank.\n' | ctl reply "$t2" --note >/dev/null
is "$(field "$t2" .status)" '"pending"' "#pending in a note sets the status"

# 4. status, assign, tag, priority.
is "$(ctl status "$t2" open --as malee)" "ticket $t2: status pending -> open" "status N open --as malee"
events "$t2" reopened | grep -q '^pending -> open by agent malee (ticketctl): asked for$'
ok $? "the event names malee: $(events "$t2" reopened | tail -1)"
is "$(ctl status "$t1" closed)" "ticket $t1: status pending -> closed" "status N closed, from the command line"
events "$t1" status | grep -q '^pending -> closed by admin (ticketctl): asked for$'
ok $? "the event names the admin"
is "$(ctl status "$t2" open)" "ticket $t2: no change" "the status it has already is no change"

is "$(ctl assign "$t2" malee)" "ticket $t2: assignee none -> malee" "assign N malee"
events "$t2" assigned | grep -q '^nobody -> malee by admin (ticketctl): asked for$'
ok $? "the event names the admin"
wait_for 10 has_mail malee@example.com "Refund please"
ok $? "malee is notified of the assignment"
is "$(ctl assign "$t2" me --as somchai)" "ticket $t2: assignee malee -> somchai" \
	"assign N me --as somchai"
is "$(ctl assign "$t2" none --json | jq -c '[.ticket, .assignee, .changes]')" \
	"[$t2,null,[\"assignee somchai -> none\"]]" "assign N none --json"
events "$t2" unassigned | grep -q '^somchai -> nobody by admin (ticketctl): asked for$'
ok $? "unassigning is an event too"

is "$(ctl tag "$t2" +vip printer -refund)" "ticket $t2: tag +printer
ticket $t2: tag +vip
ticket $t2: tag -refund" "tag N +a b -c"
is "$(ctl tag "$t2" -printer urgent --as somchai)" "ticket $t2: tag +urgent
ticket $t2: tag -printer" "tag N -a b --as somchai"
is "$(field "$t2" .tags)" '["urgent","vip"]' "the tags are as asked"
events "$t2" tagged | grep -q '^urgent by agent somchai (ticketctl)$' &&
    events "$t2" untagged | grep -q '^printer by agent somchai (ticketctl)$' &&
    events "$t2" untagged | grep -q '^refund by admin (ticketctl)$'
ok $? "every tag event names who"

is "$(ctl priority "$t2" URGENT --as malee --json | jq -c '[.ticket, .priority, .changes]')" \
	"[$t2,\"urgent\",[\"priority normal -> urgent\"]]" "priority N P --json"
events "$t2" priority | grep -q '^normal -> urgent by agent malee (ticketctl)$'
ok $? "the priority event names malee"

# 5. Errors change nothing and exit non-zero.
customer dao@example.org 'Invoice wrong' billing
t3=$id
refused() {
	_what=$1 _t=$2 _want=$3; shift 3
	_before=$(snapshot "$_t")
	ctl "$@" </dev/null >"$TMP/out" 2>"$TMP/err"
	_rc=$?
	[ $_rc -ne 0 ] && grep -qF "$_want" "$TMP/err" && [ ! -s "$TMP/out" ] &&
	    [ "$(snapshot "$_t")" = "$_before" ]
	ok $? "$_what: exit $_rc, $(head -1 "$TMP/err")"
}
refused "an unknown status" "$t2" 'unknown status "frozen"' status "$t2" frozen
refused "status new" "$t2" 'unknown status "new"' status "$t2" new
refused "an unknown agent to assign" "$t2" 'no agent "ghost"' assign "$t2" ghost
refused "an assignee who does not work in the ticket's queue" "$t3" \
	'agent somchai does not work in queue billing' assign "$t3" somchai
refused "--as an unknown agent" "$t2" 'no agent "ghost"' priority "$t2" low --as ghost
refused "--as an agent not in the ticket's queue" "$t3" \
	'agent somchai does not work in queue billing' status "$t3" pending --as somchai
refused "a bad tag, with a good one" "$t2" 'bad tag "a;b"' tag "$t2" +fine 'a;b'
refused "an unknown priority" "$t2" 'unknown priority "hgih"' priority "$t2" hgih
printf '#priority hgih\n#tag ok\nHello\n' >"$TMP/bad.txt"
refused "a bad #command line in the text" "$t2" 'line 1: unknown priority "hgih"' reply "$t2" "$TMP/bad.txt"
printf '\n' >"$TMP/empty.txt"
refused "an empty reply" "$t2" 'the text is empty' reply "$t2" "$TMP/empty.txt"
refused "a reply --as someone not in the queue" "$t3" 'agent somchai does not work' \
	reply "$t3" "$TMP/reply.txt" --as somchai
ctl status 9999 open 2>"$TMP/err"
[ $? -eq 65 ] && grep -q 'ticket 9999: no such ticket' "$TMP/err"
ok $? "a ticket that does not exist: $(cat "$TMP/err")"

# 6. A canned reply, alone and with a text.
customer nok@example.org 'Scanner broken'
t4=$id
ctl reply "$t4" --canned need-more-info --as malee >"$TMP/out"
is "$(cat "$TMP/out")" "ticket $t4: canned reply need-more-info queued
ticket $t4: status new -> pending
ticket $t4: assignee none -> malee" "reply --canned --as malee: a canned reply is a reply"
printf 'See also our FAQ.\n' | ctl reply "$t3" - --canned need-more-info >"$TMP/out"
is "$(head -2 "$TMP/out")" "ticket $t3: reply queued
ticket $t3: canned reply need-more-info queued" "a text and --canned: both"
is "$(field "$t3" '[.outbox[] | select(.kind != "ack" and .kind != "notify") | .rcpt]')" \
	'["dao@example.org","dao@example.org"]' "both go to the customer"

# 7. A closed ticket the customer writes to again: a new ticket links it.
lmtp_send --from nok@example.org --to support@example.com --header 'From: nok@example.org' \
	--header "Subject: Re: [#$t1] Printer broken" --header 'Message-Id: <again@example.org>' \
	--body 'Broken again.' >/dev/null 2>&1
t5=$(ctl list --json | jq '.[-1].id')
is "$(field "$t1" .links)" "[$t5]" "show --json lists the linked tickets"

# 8. list filters, and customer.
ids() { ctl "$@" --json | jq -c 'map(.id)'; }
is "$(ids list --status pending)" "[$t3,$t4]" "list --status pending"
is "$(ids list --status new,closed --status open)" "[$t1,$t2,$t5]" "list --status, repeated and comma-separated"
is "$(ids list --queue billing)" "[$t3]" "list --queue"
is "$(ids list --queue support --assignee none)" "[$t2,$t5]" "list --queue --assignee none"
is "$(ids list --assignee malee --status pending)" "[$t4]" "list --assignee --status"
is "$(ids list --tag vip --status open)" "[$t2]" "list --tag --status"
is "$(ids list --tag vip --status closed)" "[]" "no ticket passes every filter"
ctl list --status frozen >/dev/null 2>&1
[ $? -eq 65 ]
ok $? "list --status with an unknown status is refused"
is "$(ctl list --status closed)" "$(printf '%s\n%6d  %-8s %-8s %-10s %-30s %s' \
	'TICKET  STATUS   PRIORITY QUEUE      REQUESTER                      SUBJECT' \
	"$t1" closed high support nok@example.org 'Printer broken')" \
	"list prints a header row, then a line per ticket"
is "$(ids list --sort priority)" "[$t2,$t1,$t3,$t4,$t5]" "list --sort priority: urgent first, then by number"
is "$(ids list --sort -id --limit 2)" "[$t5,$t4]" "list --sort -id --limit: the newest page"
is "$(ids list --limit 2 --offset 2)" "[$t3,$t4]" "list --offset: the next page"
is "$(ids list --since 1h --status pending)" "[$t3,$t4]" "list --since SPAN: tickets updated since"
is "$(ids list --since 2099-01-01)" "[]" "list --since DATE in the future: none"
ctl list --since yesterday >/dev/null 2>&1
[ $? -eq 65 ]
ok $? "list --since with neither a date nor a span is refused"
out=$(ctl import suport 2>&1)
is "$?" 65 "import of an account that is not configured is refused"
is "$out" "ticketctl: import: no [imap suport] in $TMP/t.conf (it has no [imap] accounts)" \
	"and says so, not 'run import again'"
ctl list --sort size >/dev/null 2>&1
[ $? -eq 65 ]
ok $? "list --sort with an unknown key is refused"
is "$(ids customer NOK@example.org)" "[$t5,$t4,$t1]" "customer ADDRESS: that requester's tickets, newest first"

# 9. JSON shapes.
is "$(ctl list --json | jq -c '.[0] | keys')" \
	'["assignee","attention","created_at","id","messages","priority","queue","requester","requester_name","status","status_at","subject","tags","updated_at"]' \
	"list --json has assignee and status_at"
is "$(ctl show "$t1" --json | jq -c '[(keys | map(select(. == "assignee" or . == "links"))),
    (.messages | map(has("author")) | all)]')" '[["assignee","links"],true]' \
	"show --json has assignee, links and each message's author"
is "$(ctl status "$t4" resolved --json | jq -c 'keys')" \
	'["assignee","attention","changes","created_at","priority","queue","requester","requester_name","status","status_at","subject","tags","ticket","updated_at"]' \
	"a change --json gives the ticket after it"
