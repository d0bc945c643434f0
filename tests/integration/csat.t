#!/bin/sh
# Satisfaction by mail, end to end over LMTP and smtp-sink: the survey
# a while after a ticket is resolved (in the customer's language), a
# click on one of its mailto: links, a reply whose first line is the
# rating, the last rating winning, a low one telling the assignee once
# and tagging the ticket, a forged token counting nothing, no survey for
# automatic senders or where a rule said acknowledge = no, and the
# ratings in the report.
. "$(dirname "$0")/../lib.sh"
plan 26

SINK=$TMP/sink
eval "$("$PEERS/smtp-sink.sh" start "$SINK")" || exit 1
cleanup "'$PEERS/smtp-sink.sh' stop '$SINK'"
printf '%s\n' "[rule quiet]" "when = new" 'match = subject contains "[quiet]"' \
    "acknowledge = no" >"$TMP/t.rules"
{ ticketd_conf | sed "s|^templates = .*|&\nrules = $TMP/t.rules|"
  printf '%s\n' "name = Example Support" \
	"[smtp]" "url = smtp://127.0.0.1:$SMTP_PORT" "retry_min = 1" "retry_max = 2" \
	"[autoreply]" "per_address = 1000/1h" "per_ticket = 1000/1h" \
	"[agent somchai]" "address = somchai@example.com" "notify = assigned" \
	"[csat]" "send = yes" "delay = 1s"; } >"$TMP/t.conf"
start_ticketd "$TMP/t.conf" || exit 1
ctl() { "$BUILD/ticketctl" -c "$TMP/t.conf" "$@"; }
json() { ctl show "$1" --json | jq -r "$2"; }
events() { json "$1" ".events[] | select(.type == \"$2\") | .detail"; }
has_event() { [ -n "$(events "$1" "$2")" ]; }
tickets() { ctl list --json | jq length; }
# text_of FILE: the decoded text of a one-part mail smtp-sink took.
text_of() {
	perl -MMIME::Base64 -MMIME::QuotedPrint -0777 -ne '
		s/\r\n/\n/g; my ($h, $b) = split /\n\n/, $_, 2;
		if ($h =~ /^Content-Transfer-Encoding:\s*base64/mi) { print decode_base64($b) }
		elsif ($h =~ /^Content-Transfer-Encoding:\s*quoted-printable/mi) { print decode_qp($b) }
		else { print $b }' "$1"
}
# mail_to RCPT TEXT: the newest file smtp-sink holds for RCPT with TEXT.
mail_to() {
	for _f in $(ls -t "$SINK"/spool/* 2>/dev/null); do
		grep -q "^X-Rcpt-Args: <$1>" "$_f" && text_of "$_f" | grep -qF "$2" &&
		    { echo "$_f"; return 0; }
	done
	return 1
}
count_to() { _c=0; for _f in "$SINK"/spool/*; do
	grep -q "^X-Rcpt-Args: <$1>" "$_f" 2>/dev/null && text_of "$_f" | grep -qF "$2" && _c=$((_c + 1)); done; echo $_c; }
n=0
# customer FROM SUBJECT [swaks options]: a new mail to support@; $id its ticket.
customer() {
	n=$((n + 1)) _from=$1 _subj=$2
	shift 2
	lmtp_send --from "$(printf '%s' "$_from" | sed 's/.*<\(.*\)>.*/\1/')" --to support@example.com --header "From: $_from" \
		--header "Subject: $_subj" --header "Message-Id: <c$n@example.org>" "$@" </dev/null >/dev/null 2>&1
	id=$(ctl list --json | jq '.[-1].id')
}
# send TO FROM [swaks options]: one more mail over LMTP.
send() { _to=$1 _from=$2; shift 2; n=$((n + 1))
	lmtp_send --from "$_from" --to "$_to" --header "From: $_from" </dev/null \
		--header "Message-Id: <c$n@example.org>" "$@" >/dev/null 2>&1; }

# 1. Resolved, then the survey: five links, each a signed address.
customer nok@example.org 'Printer broken' --body 'It jams.'
t1=$id
ctl assign "$t1" somchai >/dev/null
ctl status "$t1" resolved >/dev/null
wait_for 10 mail_to nok@example.org "How satisfied are you" >/dev/null
ok $? "a survey after [csat] delay"
survey=$(mail_to nok@example.org "How satisfied are you")
text_of "$survey" | grep -o 'mailto:[^ ]*' >"$TMP/links"
is "$(sed 's/\.[0-9a-f]*@/.MAC@/' "$TMP/links" | tr '\n' ' ')" \
    "$(for r in 5 4 3 2 1; do printf 'mailto:support+s%s.%s.MAC@example.com?subject=Rating%%20%s%%20%%5B%%23%s%%5D ' "$t1" "$r" "$r" "$t1"; done)" \
    "five mailto: links, one per rating, to signed addresses"
has_event "$t1" csat_queued
ok $? "the survey is an event: $(events "$t1" csat_queued)"
link() { sed -n "s/^mailto:\([^?]*\)?.*/\1/p" "$TMP/links" | grep "\.$1\.[0-9a-f]*@"; }

# 2. A click on "4": a mail to that address, nothing more.
before=$(tickets)
send "$(link 4)" nok@example.org --header "Subject: Rating 4 [#$t1]" --body 'Sent from my phone'
wait_for 10 sh -c "[ \"\$('$BUILD/ticketctl' -c '$TMP/t.conf' show $t1 --json | jq .csat.rating)\" = 4 ]"
ok $? "the link's rating is kept: 4"
is "$(tickets) $(json "$t1" .status)" "$before resolved" "no new ticket, and the ticket stays resolved"

# 3. A reply whose first line is the rating: the last one wins.
send support@example.com nok@example.org --header "Subject: Re: [#$t1] How did we do?" \
    --header "In-Reply-To: $(grep -i '^Message-Id:' "$survey" | sed 's/^[^:]*: *//')" \
    --body "2 - it jams again
The fix did not last.

> Your request has been resolved."
wait_for 10 sh -c "[ \"\$('$BUILD/ticketctl' -c '$TMP/t.conf' show $t1 --json | jq .csat.rating)\" = 2 ]"
ok $? "a reply's first line rates it 2, the last rating"
is "$(json "$t1" .csat.comment)" "it jams again
The fix did not last." "the rest of it is the comment, without the quote"
is "$(json "$t1" .status)" resolved "still resolved"
json "$t1" '.tags[]' | grep -qx csat-low
ok $? "tagged csat-low"
wait_for 10 mail_to somchai@example.com "2 of 5 from <nok@example.org>" >/dev/null
ok $? "the assignee hears of the low rating"
last_rated() { json "$t1" '[.events[] | select(.type == "csat_rated")][-1].detail' | head -1; }
last_rated | grep -q '^2 of 5 (was 4), by reply to the survey: it jams again'
ok $? "an event says what it was before: $(last_rated)"
# The same low rating again: kept, but nobody is told twice.
send "$(link 2)" nok@example.org --header "Subject: Rating 2 [#$t1]" --body 'Sent from my phone'
wait_for 10 sh -c "[ \"\$('$BUILD/ticketctl' -c '$TMP/t.conf' show $t1 --json | jq '[.events[] | select(.type == \"csat_rated\")] | length')\" = 3 ]"
ok $? "a second click is a third rating"
is "$(json "$t1" .csat.comment)" "Sent from my phone" "the last one wins, comment and all"
is "$(count_to somchai@example.com "of 5 from <nok@example.org>")" 1 "the assignee was told once"
# Better: the tag goes.
send "$(link 5)" nok@example.org --header "Subject: Rating 5 [#$t1]" --body 'Thanks!'
wait_for 10 sh -c "[ \"\$('$BUILD/ticketctl' -c '$TMP/t.conf' show $t1 --json | jq .csat.rating)\" = 5 ]"
ok $? "then 5"
json "$t1" '.tags[]' | grep -qx csat-low
ok $((!$?)) "and the csat-low tag is gone"

# 4. The report has the last rating.
today=$(TZ=UTC date +%F)
ctl report --from "$today" --to "$today" --json >"$TMP/r.json"
is "$(jq -c '.total.csat | [.count, .average, .distribution]' "$TMP/r.json")" '[1,5,[0,0,0,0,1]]' "the report counts the last rating"

# 5. A forged token counts nothing; the mail is kept as customer mail.
# The last digit of the MAC, changed.
forged=$(link 1 | perl -pe 's/([0-9a-f])@/($1 eq "0" ? "1" : "0") . "@"/e')
msgs=$(json "$t1" '.messages | length')
send "$forged" nok@example.org --header "Subject: Rating 1 [#$t1]" --body 'Sent from my phone'
wait_for 10 has_event "$t1" csat_refused
ok $? "a forged token: $(events "$t1" csat_refused)"
is "$(json "$t1" '[.csat.rating, (.messages | length)] | join(" ")')" "5 $((msgs + 1))" "no rating, and the mail is kept"

# 6. No survey for automatic senders, or where a rule said no.
customer robot@example.org 'Your order shipped' --header 'Auto-Submitted: auto-generated'
t2=$id
ctl status "$t2" resolved >/dev/null
wait_for 10 has_event "$t2" csat_skipped
ok $? "not to an automatic sender: $(events "$t2" csat_skipped)"
customer pim@example.org 'Invoice [quiet]'
t3=$id
ctl status "$t3" resolved >/dev/null
wait_for 10 has_event "$t3" csat_skipped
ok $? "nor where a rule said acknowledge = no: $(events "$t3" csat_skipped)"
is "$(count_to robot@example.org 'How satisfied') $(count_to pim@example.org 'How satisfied')" "0 0" "neither got one"

# 7. In the customer's language.
customer 'สมศรี <somsri@example.org>' 'เครื่องพิมพ์เสีย' --body 'เครื่องพิมพ์ของฉันใช้งานไม่ได้ กระดาษติดทุกครั้ง ช่วยด้วยค่ะ'
t4=$id
ctl status "$t4" resolved >/dev/null
wait_for 10 mail_to somsri@example.org "คุณพึงพอใจกับความช่วยเหลือ" >/dev/null
ok $? "a Thai customer gets the Thai survey"
# 8. One survey a ticket, however often it is resolved.
customer ying@example.org 'Login'
t5=$id
ctl status "$t5" resolved >/dev/null
wait_for 10 has_event "$t5" csat_queued
ctl status "$t5" open >/dev/null
ctl status "$t5" resolved >/dev/null
is "$(sqlite3 "$TMP/tickets.db" "SELECT fired FROM timers WHERE ticket_id = $t5 AND kind = 'csat_survey'")" 1 \
    "resolved again, its survey stays the one fired: none is due"
stop_ticketd
ok $? "ticketd stops cleanly"
is "$(json "$t5" '[.events[] | select(.type == "csat_queued")] | length')" 1 "resolved twice, surveyed once"
