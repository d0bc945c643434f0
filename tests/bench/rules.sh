#!/bin/sh
# tests/bench/rules.sh: the rules engine (make bench).
#  - evaluation: RULES generated rules (1000; a mix of "~ /regex/i",
#    "contains" and "is" on from, subject and body) against a 10 KB mail,
#    EVALS times (200) by rules-eval: median and p99 per mail (target:
#    median <= 1 ms), and the median CPU time, which a busy machine
#    does not inflate;
#  - LMTP ingest throughput of ticketd with no rules, with the shipped
#    example rules (conf/rules) and with the RULES rules, in the same run,
#    as msgs/s and as a ratio to no rules (target: >= 0.8 with 1000 rules).
#    The three daemons take turns, RUNS times (5), and the median counts.
# Environment: BUILD, RULES (1000), EVALS (200), SESSIONS (8),
# MESSAGES (2000 per run), RUNS (5), LOAD_FLAGS (-p).
. "$(dirname "$0")/../lib.sh"

RULES=${RULES:-1000} EVALS=${EVALS:-200} SESSIONS=${SESSIONS:-8}
MESSAGES=${MESSAGES:-2000} RUNS=${RUNS:-5} LOAD_FLAGS=${LOAD_FLAGS:--p}
ROOT=${TESTS%/tests}
LOAD=$BUILD/tests/lmtp-load EVAL=$BUILD/tests/rules-eval
for _b in "$LOAD" "$EVAL" "$BUILD/ticketd"; do
	[ -x "$_b" ] || { echo "rules.sh: $_b not built" >&2; exit 1; }
done

# RULES rules, five kinds in turn; few of them match the mail below.
awk -v n="$RULES" 'BEGIN {
	for (i = 1; i <= n; i++) {
		printf "[rule r%d]\n", i
		k = i % 5
		if (k == 0) printf "match = subject ~ /\\b(outage|ticket)-%d\\b/i\n", i
		if (k == 1) printf "match = body contains \"reference number %d\"\n", i
		if (k == 2) printf "match = from is \"customer%d@example.org\"\n", i
		if (k == 3) printf "match = body ~ /order\\s*#?%d[0-9]{2}\\b/i\n", i
		if (k == 4) printf "match = from ~ /@shop%d\\.example$/i\n", i
		if (i % 2) printf "tag = t%d\n\n", i
		else printf "priority = high\n\n"
	}
	# and a few that match every mail
	print "[rule any-subject]\nmatch = subject ~ /invoice/i\ntag = billing\n"
	print "[rule any-body]\nmatch = body contains \"delivery\"\ntag = shipping\n"
}' >"$TMP/many.rules"

# A 10 KB mail: a subject and about 10 KB of plain text.
{ printf '%s\n' "From: Nok <nok@example.org>" "To: support@example.com" \
	"Subject: Invoice for order 4711 is wrong" "Message-ID: <bench@example.org>" \
	"Content-Type: text/plain; charset=utf-8" ""
  awk 'BEGIN { for (i = 1; i <= 160; i++)
	printf "Line %d of the mail about the delivery of my parcel, order %d.\n", i, 1000 + i }'
} >"$TMP/10k.eml"

# conf NAME [RULES]: a configuration with a database of its own.
conf() {
	{ ticketd_conf | sed "s|tickets.db|$1.db|"
	  [ $# -gt 1 ] && printf '%s\n' "[queue billing]" "address = billing@example.com" "[agent somchai]" "address = somchai@example.com"
	  printf '%s\n' "[autoreply]" "per_address = 1000000/1h" "per_ticket = 1000000/1h"
	} >"$TMP/$1.conf"
	# rules = belongs to [ticketd]
	[ $# -gt 1 ] && sed -i "/^\[ticketd\]/a rules = $2" "$TMP/$1.conf"
	LMTP_PORT=$(awk -F: '/^listen/ { print $2 }' "$TMP/$1.conf")
}

echo "== rules_eval: $RULES rules, $(wc -c <"$TMP/10k.eml") octet mail, $EVALS evaluations" >&2
conf eval
ev=$("$EVAL" -n "$EVALS" "$TMP/eval.conf" "$TMP/many.rules" "$TMP/10k.eml") ||
	{ echo "rules.sh: rules-eval failed" >&2; exit 1; }
echo "$ev" >&2
median_ms=$(echo "$ev" | sed 's/.*median_us=\([0-9.]*\).*/\1/' | awk '{ printf "%.3f", $1 / 1000 }')
p99_ms=$(echo "$ev" | sed 's/.*p99_us=\([0-9.]*\).*/\1/' | awk '{ printf "%.3f", $1 / 1000 }')
cpu_ms=$(echo "$ev" | sed 's/.*cpu_median_us=\([0-9.]*\).*/\1/' | awk '{ printf "%.3f", $1 / 1000 }')

# Three daemons, each on its own port and database.
conf none
conf examples "$ROOT/conf/rules"
conf many "$TMP/many.rules"
for n in none examples many; do
	"$BUILD/ticketd" -n -c "$TMP/$n.conf" >&2 ||
		{ echo "rules.sh: $n.conf does not check" >&2; exit 1; }
done
start_ticketd "$TMP/none.conf" || exit 1; PORT_none=$LMTP_PORT
start_ticketd "$TMP/examples.conf" || exit 1; PORT_examples=$LMTP_PORT
start_ticketd "$TMP/many.conf" || exit 1; PORT_many=$LMTP_PORT

# load NAME: one run at that daemon; appends its rate to $TMP/NAME.rates.
load() {
	eval "_port=\$PORT_$1"
	# shellcheck disable=SC2086
	_out=$("$LOAD" $LOAD_FLAGS -s "$SESSIONS" -m "$MESSAGES" -r support@example.com \
		"127.0.0.1:$_port" "$TESTS"/bench/mix/*.eml) ||
		{ echo "rules.sh: lmtp-load to $1 failed: $_out" >&2; exit 1; }
	printf '%s run: %s\n' "$1" "$_out" >&2
	echo "$_out" | sed 's/.*rate=//' >>"$TMP/$1.rates"
}
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

echo "== LMTP: $SESSIONS sessions, $MESSAGES mails per run, $RUNS runs, lmtp-load $LOAD_FLAGS" >&2
i=1
while [ "$i" -le "$RUNS" ]; do
	# A different one goes first each run.
	case $((i % 3)) in
	1) order="none examples many" ;;
	2) order="examples many none" ;;
	0) order="many none examples" ;;
	esac
	for n in $order; do load "$n"; done
	i=$((i + 1))
done
r_none=$(median <"$TMP/none.rates")
r_examples=$(median <"$TMP/examples.rates")
r_many=$(median <"$TMP/many.rates")
ratio() { awk -v a="$1" -v b="$r_none" 'BEGIN { printf "%.2f", a / b }'; }

printf '\n%-34s %s\n' "rules_eval, $RULES rules, 10 KB mail" \
    "median $median_ms ms, p99 $p99_ms ms, CPU median $cpu_ms ms ($EVALS evaluations)"
printf '%-34s %-10s %s\n' "LMTP ingest" "msgs/s" "ratio to no rules"
printf '%-34s %-10s %s\n' "  no rules" "$r_none" "1.00"
printf '%-34s %-10s %s\n' "  example rules (conf/rules)" "$r_examples" "$(ratio "$r_examples")"
printf '%-34s %-10s %s\n' "  $RULES rules" "$r_many" "$(ratio "$r_many")"
