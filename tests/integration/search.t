#!/bin/sh
# ticketctl search over mail delivered by LMTP: an English word, a Thai
# substring inside a sentence without spaces (typed with either encoding
# of SARA AM), Japanese substrings (a two-kanji word too), an address, a
# quoted phrase, text that looks like FTS5 syntax, no match, --queue,
# --limit, --json, errors. Mail is found at once after its delivery
# (before the daemon indexes it, within a second), and so is mail that
# `ticketd deliver` stored while the daemon was down; and a database made
# before the index existed is indexed while mail keeps coming in.
. "$(dirname "$0")/../lib.sh"
plan 47

{ ticketd_conf; printf '%s\n' "[queue billing]" "address = billing@example.com"; } >"$TMP/t.conf"
start_ticketd "$TMP/t.conf" || exit 1
ctl() { "$BUILD/ticketctl" -c "$TMP/t.conf" "$@"; }

# SARA AM (U+0E33), and the same as NIKHAHIT (U+0E4D) with SARA AA (U+0E32).
AM=$(printf '\340\270\263') AM2=$(printf '\340\271\215\340\270\262')

# mail FROM QUEUE SUBJECT BODY: one UTF-8 mail; $id = its ticket.
n=0
mail() {
	n=$((n + 1))
	lmtp_send --from "$1" --to "$2@example.com" --header "From: $1" \
		--header "Subject: $3" --header "Message-Id: <s$n@example.org>" \
		--header 'Content-Type: text/plain; charset=utf-8' \
		--header 'Content-Transfer-Encoding: 8bit' --body "$4" >/dev/null 2>&1 ||
		{ diag "mail $n refused"; return 1; }
	id=$(ctl list --json | jq '.[-1].id')
}
# tickets QUERY...: the tickets of the hits, in order, on one line.
tickets() { ctl search --json "$@" | jq -r '[.[].ticket] | join(" ")'; }

mail nok@example.org support 'Printer on fire' \
	'The office printer is broken again. Order INV-4711, please help.'
t_en=$id
mail somchai@example.co.th support '=?utf-8?b?4LmA4LiE4Lij4Li34LmI4Lit4LiH4Lie4Li04Lih4Lie4LmM4LmA4Liq4Li14Lii?=' \
	"สวัสดีครับเครื่องพิมพ์ที่ส${AM}นักงานใหญ่ใช้งานไม่ได้ตั้งแต่เช้า"
t_th=$id
mail malee@example.co.th billing 'Invoice' "ขอใบก${AM2}กับภาษีเดือนนี้ด้วยค่ะ"
t_th2=$id
mail tanaka@example.jp support '=?utf-8?b?5pWF6Zqc?=' \
	'東京本社の会議室のプロジェクターが故障しました。至急対応をお願いします。'
t_ja=$id
mail eve@example.org billing 'Pricing' \
	'My printer question: is price*2 OR more the "quoted" figure? NEAR(a b)'
t_sym=$id

# 1-4. An English word: the mail with it in its subject ranks first.
out=$(ctl search printer)
ok $? "search printer exits 0"
is "$(echo "$out" | head -1 | tr -s ' ')" "TICKET STATUS QUEUE DATE SUBJECT SNIPPET" "a header row"
is "$(tickets printer)" "$t_en $t_sym" "printer: subject and body first, body only next"
is "$(tickets PRINTER)" "$t_en $t_sym" "any case"

# 5-8. Thai: a substring inside a sentence without spaces, in both encodings.
is "$(tickets "พิมพ์ที่ส${AM}นัก")" "$t_th" "Thai substring, as stored"
is "$(tickets "พิมพ์ที่ส${AM2}นัก")" "$t_th" "Thai substring, SARA AM typed the other way"
is "$(tickets "ใบก${AM}กับ")" "$t_th2" "Thai: mail with the decomposed SARA AM, query precomposed"
is "$(tickets งานใหญ่)" "$t_th" "Thai substring without SARA AM"

# 9-12. Japanese: a three-character word uses the index, and so does a
# two-kanji one, as the trigrams it starts; a single kanji alone is a
# scan of the newest messages, said on stderr.
is "$(tickets 会議室)" "$t_ja" "Japanese substring"
is "$(tickets 東京 2>"$TMP/err") $(wc -c <"$TMP/err" | tr -d ' ')" "$t_ja 0" "Japanese two-kanji word, nothing on stderr"
is "$(tickets 東京 プロジェクター) $(tickets 大阪 プロジェクター)" "$t_ja " "two short and long terms together"
is "$(tickets 京 2>"$TMP/err") $(grep -c 'search: no term can use the index' "$TMP/err")" "$t_ja 1" "one character: a scan, which says so"

# 13-15. Addresses, and a subject decoded from RFC 2047.
is "$(tickets nok@example.org)" "$t_en" "the sender's address"
is "$(ctl search --json example.co.th | jq -c '[.[].ticket] | sort')" "[$t_th,$t_th2]" "part of an address"
is "$(tickets 故障)" "$t_ja" "a word of a decoded subject"

# 16-18. A quoted phrase is one substring; words are ANDed in any order.
is "$(tickets '"printer is broken"')" "$t_en" "quoted phrase"
is "$(tickets '"broken printer"')" "" "a phrase is not its words"
is "$(tickets broken printer)" "$t_en" "words in any order, all of them"

# 19-23. What looks like FTS5 syntax is text.
is "$(tickets 'foo OR bar*')" "" "foo OR bar*: no operator, no match"
ctl search 'price*2 OR' --json >"$TMP/out"
ok $? "price*2 OR: no error"
is "$(jq -r '[.[].ticket] | join(" ")' "$TMP/out")" "$t_sym" "price*2 OR: found as text"
is "$(tickets '"' 2>/dev/null)" "$t_sym" "a lone double quote is a character"
is "$(tickets 'NEAR(a b)')" "$t_sym" "NEAR(a b) is text"

# 24-25. No match: the header alone, or [], and exit 0.
ctl search nosuchwordanywhere >"$TMP/out"
ok $? "no match exits 0"
is "$(wc -l <"$TMP/out" | tr -d ' ') $(ctl search --json nosuchwordanywhere)" "1 []" "no match: header only, []"

# 26-28. --json, --queue, --limit.
ctl search --json printer >"$TMP/out"
check "--json fields" jq -e --argjson t "$t_en" 'length == 2 and .[0].ticket == $t and
	(.[0].message | type) == "number" and .[0].subject == "Printer on fire" and
	.[0].from == "nok@example.org" and .[0].status == "new" and .[0].queue == "support" and
	(.[0].date | type) == "string" and (.[0].snippet | test("office printer is broken"))' "$TMP/out"
is "$(tickets printer --queue billing)" "$t_sym" "--queue"
is "$(tickets printer --limit 1)" "$t_en" "--limit"

# 29-31. Errors: ticketctl: search: ..., non-zero.
ctl search '  ' 2>"$TMP/err"
is "$? $(cat "$TMP/err")" "65 ticketctl: search: nothing to search for" "an empty query"
ctl search printer --limit 0 2>"$TMP/err"
is "$? $(head -1 "$TMP/err")" "64 ticketctl: search: --limit must be 1 or more" "--limit 0"
ctl search >/dev/null 2>&1
is "$?" 64 "no query: usage"

# indexed: how far the daemon's index has got, and the newest message.
indexed() { sqlite3 "$TMP/tickets.db" 'SELECT indexed_upto FROM search_state'; }
newest() { sqlite3 "$TMP/tickets.db" 'SELECT max(id) FROM messages'; }
caught_up() { [ "$(indexed)" = "$(newest)" ]; }

# 32-34. Found at once after delivery, and indexed within a second or so.
mail nok@example.org support 'Fresh mail' 'A wombat in the server room.'
t_new=$id
is "$(tickets wombat)" "$t_new" "found right after delivery"
check "indexed soon after" wait_for 5 caught_up
is "$(tickets wombat)" "$t_new" "found through the index"

# 35-37. Stored by `ticketd deliver` while the daemon is down: found by
# ticketctl search before the daemon starts, and indexed once it has.
stop_ticketd
printf '%s\r\n' "From: late@example.org" "To: support@example.com" \
	"Subject: After hours" "Message-Id: <late@example.org>" "" \
	"The aardvark has escaped." |
	"$BUILD/ticketd" -c "$TMP/t.conf" deliver -r support@example.com \
	-f late@example.org >/dev/null 2>>"$TMP/deliver.log"
t_late=$(ctl list --json | jq '.[-1].id')
is "$(indexed) $(tickets aardvark)" "$(($(newest) - 1)) $t_late" "stored while down: not indexed, found"
start_ticketd "$TMP/t.conf" || exit 1
check "indexed once the daemon runs" wait_for 5 caught_up
is "$(tickets aardvark)" "$t_late" "found through the index"

# 38-47. A database from before the index, with old mail: the migration
# only makes the tables; the daemon indexes the old mail in batches
# while new mail keeps coming in, each answered without waiting for it.
stop_ticketd
OLD=50000
sqlite3 "$TMP/tickets.db" "DROP TABLE messages_fts_terms; DROP TABLE messages_fts;
	DROP TABLE search_state; PRAGMA user_version = 10;
	WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $OLD)
	INSERT INTO messages (ticket_id, direction, source, dedupe_key, from_name,
	    from_addr, to_addrs, cc_addrs, subject, body, parsed, received_at)
	SELECT $t_en, 'in', 'test', 'old' || i, '', 'old@example.org', '', '',
	    'Old mail ' || i, 'Archived text number ' || i ||
	    CASE WHEN i % 1000 = 0 THEN ' with a narwhal' ELSE '' END, 1, 1000 FROM n;"
is "$(sqlite3 "$TMP/tickets.db" "SELECT count(*) FROM sqlite_master WHERE name LIKE 'messages_fts%'")" 0 "an older schema"
narwhals=$(ctl search --json --limit 100 narwhal 2>"$TMP/err" | jq length)
is "$narwhals $(sqlite3 "$TMP/tickets.db" 'PRAGMA user_version') $(indexed)" "5 11 0" \
	"migrated without indexing; the newest 5000 read"
check "says what it did not read" grep -q "search: $(($(newest) - 5000)) messages not indexed yet; results may be incomplete" "$TMP/err"
start_ticketd "$TMP/t.conf" || exit 1
check "the backfill starts" wait_for 5 log_has "search: indexing [0-9]+ messages"
slow=0 i=0 during=
while [ $i -lt 20 ]; do
	i=$((i + 1))
	t0=$(date +%s%N)
	mail "m$i@example.org" support "During $i" "Delivered while indexing, a quokka." || break
	ms=$((($(date +%s%N) - t0) / 1000000))
	[ $ms -gt 2000 ] && { slow=$((slow + 1)); diag "mail $i took ${ms}ms"; }
	[ -z "$during" ] && during=$(indexed)
done
is "$i $slow" "20 0" "20 mails during the backfill, none answered slower than 2 s"
check "they came while it ran" [ "$during" -lt "$OLD" ]
is "$(ctl search --json --limit 100 quokka | jq length)" 20 "all of them found"
check "the backfill ends" wait_for 60 log_has "search: indexed [0-9]+ messages in"
diag "$(grep -E 'search: index' "$TICKETD_LOG")"
# Mail stored after the backlog's last look (an acknowledgement sent,
# say) is indexed at the next one: wait for it, bounded.
check "everything indexed" wait_for 10 caught_up
is "$(ctl search --json --limit 100 narwhal 2>"$TMP/err" | jq length) $(wc -c <"$TMP/err" | tr -d ' ')" "$((OLD / 1000)) 0" "old mail found through the index, nothing unread"
