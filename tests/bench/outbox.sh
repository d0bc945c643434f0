#!/bin/sh
# tests/bench/outbox.sh: the outgoing side (make bench). Against Postfix's
# smtp-sink:
#  - latency from ticketd's LMTP 250 to the acknowledgement arriving at
#    smtp-sink (the mtime of its dump file), with RATE mails/s offered;
#  - the outbox's throughput into smtp-sink, next to Postfix's smtp-source
#    sending the same number of mails to the same sink in the same run.
# Environment: BUILD, RATE (100), LAT_COUNT (1000), OUT_COUNT (5000).
. "$(dirname "$0")/../lib.sh"

RATE=${RATE:-100} LAT_COUNT=${LAT_COUNT:-1000} OUT_COUNT=${OUT_COUNT:-5000}
SINK=$TMP/sink
export SMTP_PORT
SMTP_PORT=$(freeport)
sink_start() { "$PEERS/smtp-sink.sh" start "$SINK" >/dev/null; }
sink_stop() { "$PEERS/smtp-sink.sh" stop "$SINK"; }
cleanup sink_stop
# conf NAME: a fresh ticketd database; acknowledgements are not rate limited.
conf() {
	{ ticketd_conf | sed "s|tickets.db|$1.db|"
	  printf '%s\n' "[smtp]" "url = smtp://127.0.0.1:$SMTP_PORT" "retry_min = 1" \
	    "retry_max = 1" "[autoreply]" "per_address = 1000000/1h" \
	    "per_ticket = 1000000/1h"; } >"$TMP/$1.conf"
}
spooled() { find "$SINK/spool" -type f | wc -l; }
wait_spool() {
	_i=0
	while [ "$(spooled)" -lt "$1" ] && [ $_i -lt 600 ]; do sleep 0.1; _i=$((_i + 1)); done
}
queued() { sqlite3 "$TMP/$1.db" "SELECT count(*) FROM outbox WHERE status = 'queued'"; }

# Latency.
sink_start
conf lat
start_ticketd "$TMP/lat.conf" || exit 1
echo "== latency: $LAT_COUNT mails at $RATE/s" >&2
perl "$TESTS/bench/ack-latency.pl" "$LMTP_PORT" "$LAT_COUNT" "$RATE" >"$TMP/sent"
wait_spool "$LAT_COUNT"
stop_ticketd
for f in "$SINK"/spool/*; do
	printf '%s %s\n' "$(sed -n 's/^In-Reply-To: <\(lat-[0-9]*\)@.*/\1/p' "$f")" "$(stat -c %.6Y "$f")"
done | sort >"$TMP/arrived"
sort "$TMP/sent" | join - "$TMP/arrived" |
	awk '$2 != "FAIL" { print ($NF - $2) * 1000 }' | sort -n >"$TMP/lat"
lat_n=$(wc -l <"$TMP/lat")
p() { awk -v q="$1" '{ v[NR] = $1 } END { i = int(NR * q + 0.999); if (i < 1) i = 1; printf "%.1f", v[i] }' "$TMP/lat"; }
p50=$(p 0.50) p99=$(p 0.99) pmax=$(p 1)

# Throughput: queue OUT_COUNT acknowledgements with the sink down, then
# start ticketd again with the sink up and time until the outbox is empty.
sink_stop; rm -rf "$SINK/spool"
conf out
start_ticketd "$TMP/out.conf" || exit 1
"$BUILD/tests/lmtp-load" -p -s 8 -m "$OUT_COUNT" -r support@example.com \
	"127.0.0.1:$LMTP_PORT" "$TESTS"/bench/mix/*.eml >&2 || exit 1
stop_ticketd
n=$(queued out)
echo "== outbox: $n acknowledgements queued" >&2
sink_start
t0=$(date +%s.%N)
start_ticketd "$TMP/out.conf" || exit 1
while [ "$(queued out)" -gt 0 ]; do sleep 0.05; done
t1=$(date +%s.%N)
stop_ticketd
out_rate=$(awk -v n="$n" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", n / (b - a) }')

# The peer: smtp-source, one session like our sender, same count, same sink.
t0=$(date +%s.%N)
smtp-source -s 1 -m "$n" -l 2000 -f bench@example.com -t x@example.org "127.0.0.1:$SMTP_PORT"
t1=$(date +%s.%N)
src_rate=$(awk -v n="$n" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", n / (b - a) }')

printf '\n%-34s %s\n' "ack latency, LMTP 250 -> smtp-sink" "$lat_n acks at $RATE/s offered"
printf '%-12s %-12s %-12s\n' "p50 ms" "p99 ms" "max ms"
printf '%-12s %-12s %-12s\n' "$p50" "$p99" "$pmax"
printf '\n%-22s %-28s %s\n' "outbox msgs/s" "smtp-source msgs/s (1 sess)" ratio
printf '%-22s %-28s %s\n' "$out_rate" "$src_rate" \
	"$(awk -v a="$out_rate" -v b="$src_rate" 'BEGIN { printf "%.2f", a / b }')"
