#!/bin/sh
# GET /metrics ([metrics] listen) on the real daemon: mail over LMTP (a
# new ticket, a follow-up, a duplicate, an acknowledgement suppressed, an
# unknown recipient), an acknowledgement and a notification sent to
# smtp-sink, an agent's answer by mail; then the counters' exact values,
# the gauges, the histograms, 404 and 405, and promtool's lint. A reload
# moves the endpoint; an address in use is a config error at startup.
. "$(dirname "$0")/../lib.sh"
plan 25

. "$TESTS/outbox-lib.sh"
METRICS_PORT=$(freeport)
cp "$TMP/t.conf" "$TMP/base.conf"
printf '%s\n' "[sla fast]" "first_response = 30m" "" \
    "[agent somchai]" "address = somchai@example.com" "notify = all" "" \
    "[metrics]" "listen = 127.0.0.1:$METRICS_PORT" >>"$TMP/t.conf"

URL=http://127.0.0.1:$METRICS_PORT/metrics
scrape() { curl -sf "$URL" >"$TMP/scrape.txt"; }
# metric NAME{LABELS}: its value in the last scrape (empty when absent).
metric() { awk -v k="$1" '$1 == k { print $2 }' "$TMP/scrape.txt"; }
# scraped_is NAME{LABELS} VALUE: a new scrape shows that value.
scraped_is() { scrape && [ "$(metric "$1")" = "$2" ]; }
# mail FROM MSGID [HEADER...]: one mail to support@ with a fixed Date,
# so that sending it again is the same mail.
mail() {
	_from=$1 _mid=$2
	shift 2
	lmtp_send --from "$_from" --to support@example.com \
	    --header "Message-Id: <$_mid>" --header "Date: Fri, 27 Nov 2026 10:00:00 +0000" \
	    --header "Subject: metrics $_mid" "$@" --body hi >/dev/null 2>&1
}

sink_start
start_ticketd "$TMP/t.conf" || exit 1
wait_port "$METRICS_PORT" 10
ok $? "ticketd listens on [metrics] listen"
scrape
sessions0=$(metric ticketd_lmtp_sessions_total)

mail a@example.org m1@x
mail a@example.org m2@x --header "In-Reply-To: <m1@x>"
mail a@example.org m1@x
mail robot@example.org m3@x --header "Auto-Submitted: auto-replied"
lmtp_send --from a@example.org --to nobody@example.com --body hi >/dev/null 2>&1
wait_for 20 scraped_is 'ticketd_acknowledgements_total{outcome="sent"}' 1
ok $? "the acknowledgement smtp-sink took is counted as sent"

# The agent answers the notification of ticket 1 from their mail client.
notified() { grep -l '^X-Rcpt-Args: <somchai@example.com>' "$SINK"/spool/* 2>/dev/null | head -1; }
wait_for 20 eval '[ -n "$(notified)" ]'
note=$(notified)
reply_to=$(sed -n 's/^Reply-To: .*<\(.*\)>.*/\1/p; s/^Reply-To: \([^ <]*@[^ ]*\)\r*$/\1/p' "$note" | tr -d '\r' | head -1)
note_id=$(sed -n 's/^Message-Id: *\(<[^>]*>\).*/\1/Ip' "$note" | tr -d '\r' | head -1)
lmtp_send --from somchai@example.com --to "$reply_to" --header "From: somchai@example.com" \
    --header "In-Reply-To: $note_id" --header "Subject: Re: metrics m1@x" \
    --body "We are on it." >/dev/null 2>&1
wait_for 20 scraped_is ticketd_first_response_duration_seconds_count 1
ok $? "the agent's answer is observed as a first response (reply to <$reply_to>)"
wait_for 20 scraped_is 'ticketd_outbox_backlog{state="queued"}' 0

is "$(metric 'ticketd_mail_received_total{source="lmtp"}')" 5 "mail received over LMTP: 5"
is "$(metric ticketd_tickets_created_total)" 2 "tickets created: 2"
is "$(metric ticketd_follow_ups_total)" 1 "follow-ups: 1"
is "$(metric ticketd_duplicates_total)" 1 "duplicates: 1"
is "$(metric ticketd_agent_mails_total)" 1 "agents' mails: 1"
is "$(metric 'ticketd_acknowledgements_total{outcome="suppressed"}')" 1 \
    "the acknowledgement of the auto-replied mail is counted as suppressed"
is "$(metric 'ticketd_acknowledgements_total{outcome="failed"}')" 0 "no acknowledgement failed"
is "$(metric 'ticketd_lmtp_rejections_total{code="550"}')" 1 "the unknown recipient's 550 is counted"
is "$(metric ticketd_lmtp_sessions_total)" $((sessions0 + 6)) "six LMTP sessions"
is "$(grep -c '^ticketd_lmtp_rejections_total' "$TMP/scrape.txt")" 1 "no other rejection"

is "$(metric 'ticketd_tickets{queue="support",status="new"}')" 1 "gauge: one ticket new"
is "$(metric 'ticketd_tickets{queue="support",status="pending"}')" 1 \
    "gauge: the answered one pending"
is "$(metric 'ticketd_sla_at_risk_tickets{queue="support"}')" 1 \
    "gauge: the unanswered ticket's 30 min first response is at risk"
is "$(metric 'ticketd_outbox_backlog{state="deferred"}')" 0 "gauge: nothing deferred"

n=$(metric ticketd_ingest_commit_duration_seconds_count)
inf=$(metric 'ticketd_ingest_commit_duration_seconds_bucket{le="+Inf"}')
[ "$n" -ge 1 ] && [ "$n" -le 6 ] && [ "$inf" = "$n" ]
ok $? "commit latency: $n group commits, the +Inf bucket holds them all"
is "$(metric 'ticketd_first_response_duration_seconds_bucket{le="60"}')" 1 \
    "the first response falls in the first bucket"

promtool check metrics <"$TMP/scrape.txt" >"$TMP/promtool.out" 2>&1
ok $? "promtool check metrics accepts the scrape$(sed 's/^/: /' "$TMP/promtool.out" | head -3)"
is "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$METRICS_PORT/other")" 404 "404 for another path"
is "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$URL")" 405 "405 for POST"

# A reload moves the endpoint to another port.
NEW_PORT=$(freeport)
sed "s/^listen = 127.0.0.1:$METRICS_PORT\$/listen = 127.0.0.1:$NEW_PORT/" "$TMP/t.conf" >"$TMP/t2.conf"
mv "$TMP/t2.conf" "$TMP/t.conf"
kill -HUP "$TICKETD_PID"
wait_for 10 eval "curl -sf http://127.0.0.1:$NEW_PORT/metrics >/dev/null && ! curl -sf '$URL' >/dev/null"
ok $? "after SIGHUP the endpoint moved to the new port"
stop_ticketd
ok $? "ticketd stops cleanly"

# An address in use: a file:line error, and no daemon.
perl -MIO::Socket::INET -e 'my $s = IO::Socket::INET->new(Listen => 1, LocalAddr => "127.0.0.1",
    LocalPort => $ARGV[0], ReuseAddr => 1) or die; open my $f, ">", $ARGV[1]; close $f; sleep 30' \
    "$NEW_PORT" "$TMP/held" &
holder=$!
cleanup "kill $holder 2>/dev/null"
wait_for 10 test -e "$TMP/held"
"$BUILD/ticketd" -c "$TMP/t.conf" 2>"$TMP/inuse.log"
rc=$?
kill "$holder" 2>/dev/null
[ $rc -ne 0 ] && grep -q "t.conf:[0-9]*: \[metrics\] listen 127.0.0.1:$NEW_PORT: Address already in use" "$TMP/inuse.log"
ok $? "a listen address in use fails the start with file:line ($(grep metrics "$TMP/inuse.log" | head -1))"
