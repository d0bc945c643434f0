#!/bin/sh
# ticketctl report over synthetic tickets (tests/bench/report-gen.sh):
# its figures against the same figures counted here in SQL, the same
# numbers twice, in CSV and per group; the HTML page in headless
# Chromium (a screenshot, every chart drawn, every figure equal to the
# JSON's, nothing fetched); and --mail through the outbox to smtp-sink.
. "$(dirname "$0")/../lib.sh"
plan 27

command -v chromium >/dev/null || { diag "no chromium: run make deps"; exit 1; }
DB=$TMP/tickets.db
{ ticketd_conf | sed 's/^address = .*/&\ntimezone = Asia\/Bangkok/'
  printf '%s\n' "[queue billing]" "address = billing@example.com" \
	"[sla normal]" "first_response = 4h" "resolution = 2d" "business_hours = no"; } >"$TMP/t.conf"
ctl() { "$BUILD/ticketctl" -c "$TMP/t.conf" "$@"; }
q() { sqlite3 "$DB" "$1"; }

# 3000 tickets over the 40 days before Sunday 22 November 2026, 17:00 UTC.
END=$(date -d '2026-11-22 17:00 UTC' +%s)
sh "$TESTS/bench/report-gen.sh" "$TMP/t.conf" 3000 40 "$END" >/dev/null 2>"$TMP/gen.err"
ok $? "3000 synthetic tickets" || diag "$(cat "$TMP/gen.err")"
FROM=$(date -d '2026-11-09 00:00 +0700' +%s) TO=$(date -d '2026-11-23 00:00 +0700' +%s)
ctl report --from 2026-11-09 --to 2026-11-22 --json >"$TMP/r.json" 2>"$TMP/r.err"
ok $? "report --json" || diag "$(cat "$TMP/r.err")"
j() { jq -r "$1" "$TMP/r.json"; }
# num_is JQ VALUE NAME: the JSON's number equals VALUE, as numbers.
num_is() {
	jq -e --argjson v "$2" "$1 == \$v" "$TMP/r.json" >/dev/null
	ok $? "$3 ($(j "$1"), counted $2)"
}
is "$(j '[.from, .to, .timezone] | join(" ")')" "2026-11-09 2026-11-22 Asia/Bangkok" "two whole weeks, in the first queue's time zone"

# The same figures, counted in SQL.
IN_CREATED="t.created_at >= $FROM AND t.created_at < $TO"
facts="FROM tickets t LEFT JOIN sla_facts f ON f.ticket_id = t.id"
is "$(j .total.created)" "$(q "SELECT count(*) FROM tickets t WHERE $IN_CREATED")" "created"
is "$(j .total.resolved)" "$(q "SELECT count(*) FROM sla_facts WHERE resolved_at >= $FROM AND resolved_at < $TO")" "resolved"
is "$(j .total.reopened)" "$(q "SELECT count(*) FROM sla_facts WHERE reopened_at >= $FROM AND reopened_at < $TO")" "reopened"
is "$(j .total.backlog)" "$(q "SELECT count(*) $facts WHERE t.created_at < $TO AND (coalesce(f.resolved_at, 0) = 0 OR f.resolved_at >= $TO)")" "backlog at the end"
is "$(j '.total.backlog_age.over_7d')" "$(q "SELECT count(*) $facts WHERE t.created_at < $TO - 7 * 86400 AND (coalesce(f.resolved_at, 0) = 0 OR f.resolved_at >= $TO)")" "backlog over 7 days old"
# rank RANK SAMPLE-SQL: the nearest-rank value (RANK of 100) of a sample.
rank() {
	q "WITH s AS ($2) SELECT v FROM s ORDER BY v LIMIT 1 OFFSET max(0, ((SELECT count(*) FROM s) * $1 + 99) / 100 - 1)"
}
FR="SELECT f.first_response_wall AS v $facts WHERE $IN_CREATED AND f.first_response_at > 0"
is "$(j '[.total.first_response | .count, .median, .p90, .max] | join(" ")')" \
    "$(q "SELECT count(*) FROM ($FR)") $(rank 50 "$FR") $(rank 90 "$FR") $(q "SELECT max(v) FROM ($FR)")" \
    "first response: count, median, p90, longest"
num_is .total.first_response.within_target \
    "$(q "SELECT printf('%.4f', 1.0 * sum(f.first_response_met = 1) / count(*)) $facts WHERE $IN_CREATED AND f.first_response_met >= 0")" \
    "first responses within target"
RES="SELECT f.resolution_wall AS v FROM sla_facts f WHERE f.resolved_at >= $FROM AND f.resolved_at < $TO"
is "$(j '[.total.resolution | .median, .p90] | join(" ")')" "$(rank 50 "$RES") $(rank 90 "$RES")" "resolution: median, p90"
num_is .total.next_response.within_target \
    "$(q "SELECT printf('%.4f', 1.0 * sum(met = 1) / count(*)) FROM sla_waits WHERE answered_at >= $FROM AND answered_at < $TO AND met >= 0")" \
    "next responses within target"
num_is .total.one_touch \
    "$(q "SELECT printf('%.4f', 1.0 * sum(agent_replies = 1) / count(*)) FROM sla_facts WHERE resolved_at >= $FROM AND resolved_at < $TO")" \
    "one-touch resolution"
num_is .total.messages_per_ticket \
    "$(q "SELECT printf('%.2f', 1.0 * (SELECT count(*) FROM messages m JOIN tickets t ON t.id = m.ticket_id WHERE $IN_CREATED) / count(*)) FROM tickets t WHERE $IN_CREATED")" \
    "messages per ticket"
is "$(j '[.hour_of_week[][]] | add')" "$(j .total.created)" "every ticket created is in the hour-of-week grid"
is "$(j '[.days[].created] | add')" "$(j .total.created)" "and in the days"

# The same numbers again, in CSV, and per group.
ctl report --from 2026-11-09 --to 2026-11-22 --json | cmp -s - "$TMP/r.json"
ok $? "a second run gives the same numbers"
ctl report --from 2026-11-09 --to 2026-11-22 --csv >"$TMP/r.csv"
is "$(sed -n 2p "$TMP/r.csv" | cut -d, -f1-5,11)" "\"total\",$(j '[.total | .created, .resolved, .reopened, .backlog, .first_response.median] | join(",")')" "the CSV's total row"
ctl report --from 2026-11-09 --to 2026-11-22 --by queue --json >"$TMP/q.json"
is "$(jq '[.groups[].created] | add' "$TMP/q.json") $(jq -r '[.groups[].key] | join(",")' "$TMP/q.json")" "$(j .total.created) billing,support" \
    "by queue: the groups add up"

# The page: every chart, every figure as the JSON has it, nothing fetched.
ctl report --from 2026-11-09 --to 2026-11-22 --by queue --html "$TMP/r.html" >/dev/null
ok $? "report --html"
chrome() { timeout 60 chromium --headless --no-sandbox --disable-gpu --no-first-run \
	--user-data-dir="$TMP/chrome" "$@" 2>>"$TMP/chrome.log"; }
chrome --dump-dom "file://$TMP/r.html" >"$TMP/dom.html"
missing=
for c in created-resolved first-response sla-weekly backlog-age hour-of-week csat; do
	perl -0ne 'exit(m{<figure[^>]*id="chart-'"$c"'"[^>]*>.*?<svg[^>]*viewBox.*?</svg>}s ? 0 : 1)' "$TMP/dom.html" ||
	    missing="$missing $c"
done
is "$missing" "" "Chromium's DOM has every chart, each an SVG"
# Every figure the page shows is the JSON's, by its path.
perl -ne 'while (/data-figure="([^"]+)"\s+data-value="([^"]*)"/g) { print "$1 $2\n" }' "$TMP/dom.html" >"$TMP/figures"
bad=0 n=0
while read -r path value; do
	n=$((n + 1))
	# A number or null as JSON, a group's key as text.
	printf '%s' "$value" | jq . >/dev/null 2>&1 && vopt=--argjson || vopt=--arg
	jq -e --arg p "$path" $vopt v "$value" \
	    '($p | split(".") | map(tonumber? // .)) as $k | getpath($k) == $v' "$TMP/q.json" >/dev/null ||
	    { bad=$((bad + 1)); diag "$path: page $value, JSON $(jq -c --arg p "$path" 'getpath($p | split(".") | map(tonumber? // .))' "$TMP/q.json")"; }
done <"$TMP/figures"
[ "$n" -ge 40 ] && [ "$bad" = 0 ]
ok $? "the page's $n figures equal the JSON's"
grep -Eqi '<script|https?://|@import|url\(' "$TMP/r.html"
ok $((!$?)) "no script and nothing to fetch"
chrome --screenshot="$TMP/r.png" --window-size=1200,2600 "file://$TMP/r.html" >/dev/null
[ "$(stat -c %s "$TMP/r.png" 2>/dev/null || echo 0)" -gt 50000 ]
ok $? "a screenshot ($(stat -c %s "$TMP/r.png" 2>/dev/null) bytes)"

# --mail: an outbox row, sent by the daemon to smtp-sink.
SINK=$TMP/sink
eval "$("$PEERS/smtp-sink.sh" start "$SINK")" || exit 1
cleanup "'$PEERS/smtp-sink.sh' stop '$SINK'"
ctl report --from 2026-11-09 --to 2026-11-22 --mail boss@example.com >"$TMP/mail.out"
ok $? "report --mail: $(cat "$TMP/mail.out")"
# The daemon, on the same database without the policy: no timer fires.
{ sed '/^\[sla normal\]/,$d; s/^hostname = .*/&\npending_remind = 0\npending_resolve = 0\nclose_after = 0/' "$TMP/t.conf"; printf '%s\n' "[smtp]" "url = smtp://127.0.0.1:$SMTP_PORT"; } >"$TMP/d.conf"
start_ticketd "$TMP/d.conf" || exit 1
wait_for 20 sh -c "grep -l '^X-Rcpt-Args: <boss@example.com>' '$SINK'/spool/* >/dev/null 2>&1"
ok $? "smtp-sink has it"
f=$(grep -l '^X-Rcpt-Args: <boss@example.com>' "$SINK"/spool/* | head -1)
grep -q '^Subject: Support report 2026-11-09 to 2026-11-22' "$f" &&
    grep -q 'filename="\?ticketd-report-2026-11-09-2026-11-22.html' "$f" &&
    grep -qi '^Content-Type: text/html' "$f"
ok $? "with its subject and the page attached"
