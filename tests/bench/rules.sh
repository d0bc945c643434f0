#!/bin/sh
# tests/bench/rules.sh: LMTP ingest with rules, as a ratio to the same
# daemon without rules in the same run (make bench). Three daemons, each
# on a fresh database: no rules, the shipped examples (conf/rules), and
# 1,000 generated rules (a regex and a "contains" each, none of which
# holds, so that every rule is tried on every mail).
#
# Environment: BUILD (build), SESSIONS (8), MESSAGES (3000 per run),
# RUNS (3; the median is reported), LOAD_FLAGS (-p).
. "$(dirname "$0")/../lib.sh"

SESSIONS=${SESSIONS:-8} MESSAGES=${MESSAGES:-3000} RUNS=${RUNS:-3}
LOAD_FLAGS=${LOAD_FLAGS:--p}
LOAD=$BUILD/tests/lmtp-load
MIX=$TESTS/bench/mix
[ -x "$LOAD" ] || { echo "rules.sh: $LOAD not built" >&2; exit 1; }

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

i=0
while [ $i -lt 1000 ]; do
	printf '[rule r%d]\nmatch = subject ~ /\\bzq%dx\\b/i\nmatch = body contains "never %d here"\nrequire = any\ntag = t%d\n\n' \
	    $i $i $i $i
	i=$((i + 1))
done >"$TMP/1000.rules"

# run NAME [RULES]: the median rate of RUNS runs, each on a fresh daemon.
run() {
	_r=1
	while [ $_r -le "$RUNS" ]; do
		rm -f "$TMP/$1.db"*
		{ ticketd_conf | sed -e "s|tickets.db|$1.db|" \
		    -e "${2:+s|^templates = .*|&\\nrules = $2|}"; printf '%s\n' \
		    "[queue billing]" "address = billing@example.com" "" \
		    "[agent somchai]" "address = somchai@example.com"; } >"$TMP/$1.conf"
		start_ticketd "$TMP/$1.conf" || exit 1
		# shellcheck disable=SC2086
		_out=$("$LOAD" $LOAD_FLAGS -s "$SESSIONS" -m "$MESSAGES" \
		    -r support@example.com "127.0.0.1:$LMTP_PORT" "$MIX"/*.eml) ||
			{ echo "rules.sh: $1: $_out" >&2; exit 1; }
		echo "# $1 run $_r: $_out" >&2
		echo "$_out" | sed 's/.*rate=//'
		stop_ticketd
		_r=$((_r + 1))
	done | median
}

none=$(run none)
shipped=$(run shipped "${TESTS%/tests}/conf/rules")
thousand=$(run thousand "$TMP/1000.rules")
ratio() { awk -v a="$1" -v b="$none" 'BEGIN { printf "%.2f", a / b }'; }
echo "rules: no rules $none mails/s; conf/rules $shipped mails/s" \
    "(ratio $(ratio "$shipped")); 1000 rules $thousand mails/s" \
    "(ratio $(ratio "$thousand"))"
