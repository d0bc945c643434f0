#!/bin/sh
# tests/bench/search.sh: ticketctl search over MESSAGES (1,000,000)
# synthetic mails, English, Thai and Japanese (search-gen, through the
# store's own insert path, so with the real schema, then indexed by the
# op the daemon's indexer runs; kept in $BUILD/bench/ between runs, as
# generating takes minutes). For each
# query, the median of RUNS (5) runs of `ticketctl search` (the whole
# process: configuration, open, query, snippets; target: under 0.1 s),
# and beside it, in the same run, the peer: the LIKE '%term%' scan over
# subjects, bodies and senders, newest first, that osTicket and
# FreeScout run, through the sqlite3 shell. Also the sizes: the index
# against the text it indexes.
# Environment: BUILD, MESSAGES, RUNS.
. "$(dirname "$0")/../lib.sh"

MESSAGES=${MESSAGES:-1000000} RUNS=${RUNS:-5}
GEN=$BUILD/tests/search-gen
for _b in "$BUILD/ticketctl" "$GEN"; do
	[ -x "$_b" ] || { echo "search.sh: $_b not built" >&2; exit 1; }
done
# The generator's output depends on its version (v2: the index of
# schema 11 as indexer.c makes it) and the count.
DB=$BUILD/bench/search-v2-$MESSAGES.db
median() { sort -n | awk '{ v[NR] = $1 } END { printf "%.3f", v[int((NR + 1) / 2)] }'; }
# secs CMD...: the wall-clock seconds CMD takes, output thrown away.
secs() {
	_t0=$(date +%s.%N)
	"$@" >/dev/null 2>&1 || echo "search.sh: failed: $*" >&2
	echo "$(date +%s.%N) - $_t0" | bc
}

if [ ! -f "$DB" ]; then
	echo "== generating $MESSAGES messages into $DB" >&2
	mkdir -p "$BUILD/bench"
	rm -f "$DB.tmp" "$DB.tmp-wal" "$DB.tmp-shm"
	"$GEN" "$DB.tmp" "$MESSAGES" 2>/dev/null >&2 || { echo "search.sh: search-gen failed" >&2; exit 1; }
	mv "$DB.tmp" "$DB"
fi
printf '%s\n' "[ticketd]" "database = $DB" "hostname = helpdesk.example.com" \
    "[queue support]" "address = support@example.com" \
    "[queue billing]" "address = billing@example.com" >"$TMP/search.conf"
# Open it once: a database from an older ticketd is migrated here.
"$BUILD/ticketctl" -c "$TMP/search.conf" search INV-000000 >/dev/null 2>&1

sqlite3 "$DB" "SELECT printf('== %d messages, %.0f MB of text; the index %.0f MB, the messages table %.0f MB, raw mail %.0f MB, the file %.0f MB',
    (SELECT count(*) FROM messages),
    (SELECT sum(length(CAST(subject AS BLOB)) + length(CAST(body AS BLOB)) + length(from_name) + length(from_addr) + length(to_addrs) + length(cc_addrs)) FROM messages) / 1048576.0,
    (SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'messages_fts%') / 1048576.0,
    (SELECT sum(pgsize) FROM dbstat WHERE name = 'messages') / 1048576.0,
    (SELECT sum(pgsize) FROM dbstat WHERE name = 'raw_messages') / 1048576.0,
    (SELECT page_count * page_size FROM pragma_page_count, pragma_page_size) / 1048576.0)" >&2

# like TERM: the peer, as a help desk built on LIKE asks it.
like() {
	sqlite3 "$DB" "SELECT m.id, m.ticket_id, m.subject FROM messages m WHERE m.subject LIKE '%$1%' OR m.body LIKE '%$1%' OR m.from_addr LIKE '%$1%' ORDER BY m.id DESC LIMIT 20"
}
search() { "$BUILD/ticketctl" -c "$TMP/search.conf" search "$1"; }

printf '\n%-22s %-22s %8s %12s %12s %8s\n' "what" "query" "hits" "ticketctl s" "LIKE s" "LIKE/tc"
# what|query: a word in half the mail, a rare one (one message), Thai,
# Japanese (three characters; and two, which scans the newest), an address.
while IFS='|' read -r what q; do
	hits=$("$BUILD/ticketctl" -c "$TMP/search.conf" search --json --limit 1000 "$q" 2>/dev/null | jq length)
	: >"$TMP/t" ; : >"$TMP/l"
	i=0
	while [ $i -lt "$RUNS" ]; do
		secs search "$q" >>"$TMP/t"
		secs like "$q" >>"$TMP/l"
		i=$((i + 1))
	done
	t=$(median <"$TMP/t") l=$(median <"$TMP/l")
	printf '%-22s %-22s %8s %12s %12s %8s\n' "$what" "$q" "$hits" "$t" "$l" \
	    "$(awk -v t="$t" -v l="$l" 'BEGIN { printf "%.1f", l / t }')"
done <<EOF
common English word|please
rarer English word|projector
rare (one message)|INV-$(printf %06d $((MESSAGES / 2)))
Thai|ใบกำกับภาษี
Japanese|会議室
Japanese, 2 characters|東京
address|c4711@example.org
EOF
echo "(hits: up to 1000 shown; ticketctl ranks the newest 10000 matches, LIKE takes the newest 20)" >&2
sqlite3 "$DB" "SELECT CASE WHEN indexed_upto < (SELECT max(id) FROM messages) THEN
    'search.sh: the index is behind: ' || ((SELECT max(id) FROM messages) - indexed_upto) || ' messages' END FROM search_state" >&2
