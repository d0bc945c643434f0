#!/bin/sh
# tests/bench/agents.sh: agents by mail (make bench), against Postfix's
# smtp-sink.
#  - fan-out: new tickets in a queue with AGENTS agents (50) each make
#    AGENTS notifications; the LMTP 250 latency of those mails is set
#    beside the same mails to a ticketd without agents, in the same run;
#  - reply latency: from the LMTP 250 of an agent's reply to the mail to
#    the customer arriving at smtp-sink (the mtime of its dump file).
# Environment: BUILD, AGENTS (50), COUNT (200 mails each), RATE (20/s).
. "$(dirname "$0")/../lib.sh"

AGENTS=${AGENTS:-50} COUNT=${COUNT:-200} RATE=${RATE:-20}
SINK=$TMP/sink
export SMTP_PORT
SMTP_PORT=$(freeport)
"$PEERS/smtp-sink.sh" start "$SINK" >/dev/null || exit 1
cleanup "'$PEERS/smtp-sink.sh' stop '$SINK'"

# conf NAME AGENTS: a fresh database and AGENTS agents of every queue.
conf() {
	{ ticketd_conf | sed "s|tickets.db|$1.db|"
	  printf '%s\n' "[smtp]" "url = smtp://127.0.0.1:$SMTP_PORT" \
	    "retry_min = 1" "retry_max = 1" "[autoreply]" \
	    "per_address = 1000000/1h" "per_ticket = 1000000/1h"
	  _i=1
	  while [ "$_i" -le "$2" ]; do
		printf '[agent a%02d]\naddress = a%02d@agents.example\n' "$_i" "$_i"
		_i=$((_i + 1))
	  done; } >"$TMP/$1.conf"
}
sql() { sqlite3 "$TMP/$1.db" "$2"; }
# pct FILE Q: the Q quantile of the numbers in FILE, one a line, sorted.
pct() { awk -v q="$2" '{ v[NR] = $1 } END { i = int(NR * q + 0.999); if (i < 1) i = 1; printf "%.1f", v[i] }' "$1"; }
# lmtp_latency NAME: ms from the end of DATA to the 250, sorted.
lmtp_latency() {
	awk '$2 != "FAIL" { print ($2 - $3) * 1000 }' "$TMP/$1.sent" | sort -n >"$TMP/$1.lat"
}
drained() { [ "$(sql "$1" "SELECT count(*) FROM outbox WHERE status <> 'sent'")" = 0 ]; }

# Fan-out.
for run in none fan; do
	conf "$run" "$([ "$run" = fan ] && echo "$AGENTS" || echo 0)"
	start_ticketd "$TMP/$run.conf" || exit 1
	echo "== $run: $COUNT new tickets at $RATE/s" >&2
	perl "$TESTS/bench/ack-latency.pl" "$LMTP_PORT" "$COUNT" "$RATE" >"$TMP/$run.sent"
	wait_for 300 drained "$run" || echo "agents.sh: $run: outbox not drained" >&2
	[ "$run" = fan ] || stop_ticketd
	lmtp_latency "$run"
done
notes=$(sql fan "SELECT count(*) FROM outbox WHERE kind = 'notify'")
tickets=$(sql fan "SELECT count(*) FROM tickets")

# Reply latency: agent a01 answers every ticket through its token.
sql fan "SELECT data FROM outbox WHERE kind = 'notify' AND rcpt = 'a01@agents.example' ORDER BY id" |
	sed -n 's/^Reply-To: \(.*\)\r$/\1 a01@agents.example/p' >"$TMP/replies"
echo "== replies: $(wc -l <"$TMP/replies") agent replies at $RATE/s" >&2
perl "$TESTS/bench/ack-latency.pl" "$LMTP_PORT" "$COUNT" "$RATE" "$TMP/replies" >"$TMP/reply.sent"
answered() {
	[ "$(sql fan "SELECT count(*) FROM outbox WHERE kind = 'agent_reply' AND status = 'sent'")" -ge "$(wc -l <"$TMP/replies")" ]
}
wait_for 300 answered || echo "agents.sh: not every reply was sent" >&2
stop_ticketd
grep -l '^Your order lat-' "$SINK"/spool/* | while read -r f; do
	printf '%s %s\n' "$(sed -n 's/^Your order \(lat-[0-9]*\) .*/\1/p' "$f" | head -1)" \
	    "$(stat -c %.6Y "$f")"
done | sort >"$TMP/arrived"
sort "$TMP/reply.sent" | join - "$TMP/arrived" |
	awk '$2 != "FAIL" { print ($NF - $2) * 1000 }' | sort -n >"$TMP/reply.lat"

printf '\n%s\n' "fan-out: $tickets new tickets, $notes notifications ($AGENTS agents), $RATE mails/s offered"
printf '%-28s %-12s %-12s\n' "LMTP 250 latency" "p50 ms" "p99 ms"
printf '%-28s %-12s %-12s\n' "no agents" "$(pct "$TMP/none.lat" 0.5)" "$(pct "$TMP/none.lat" 0.99)"
printf '%-28s %-12s %-12s\n' "$AGENTS agents" "$(pct "$TMP/fan.lat" 0.5)" "$(pct "$TMP/fan.lat" 0.99)"
printf '\n%s\n' "agent reply, LMTP 250 -> customer's mail at smtp-sink: $(wc -l <"$TMP/reply.lat") replies"
printf '%-12s %-12s %-12s\n' "p50 ms" "p99 ms" "max ms"
printf '%-12s %-12s %-12s\n' "$(pct "$TMP/reply.lat" 0.5)" "$(pct "$TMP/reply.lat" 0.99)" "$(pct "$TMP/reply.lat" 1)"
