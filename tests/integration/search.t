#!/bin/sh
# ticketctl search over mail delivered by LMTP: an English word, a Thai
# substring inside a sentence without spaces (typed with either encoding
# of SARA AM), Japanese substrings (a two-kanji word too), an address, a
# quoted phrase, text that looks like FTS5 syntax, no match, --queue,
# --limit, --json, errors; and the migration that indexes the mail of a
# database made before the index existed.
. "$(dirname "$0")/../lib.sh"
plan 34

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
is "$(echo "$out" | head -1 | tr -s ' ')" "ticket status queue date subject snippet" "a header row"
is "$(tickets printer)" "$t_en $t_sym" "printer: subject and body first, body only next"
is "$(tickets PRINTER)" "$t_en $t_sym" "any case"

# 5-8. Thai: a substring inside a sentence without spaces, in both encodings.
is "$(tickets "พิมพ์ที่ส${AM}นัก")" "$t_th" "Thai substring, as stored"
is "$(tickets "พิมพ์ที่ส${AM2}นัก")" "$t_th" "Thai substring, SARA AM typed the other way"
is "$(tickets "ใบก${AM}กับ")" "$t_th2" "Thai: mail with the decomposed SARA AM, query precomposed"
is "$(tickets งานใหญ่)" "$t_th" "Thai substring without SARA AM"

# 9-12. Japanese: a three-character word uses the index; a two-kanji one
# alone is a scan of the newest messages, said on stderr; with a long
# term it filters what the index found.
is "$(tickets 会議室)" "$t_ja" "Japanese substring"
is "$(tickets 東京 2>"$TMP/err")" "$t_ja" "Japanese two-kanji word"
check "a scan says so" grep -q 'search: every term is shorter than 3 characters' "$TMP/err"
is "$(tickets 東京 プロジェクター) $(tickets 大阪 プロジェクター)" "$t_ja " "short term filters the index's hits"

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

# 32-34. A database from before the index: the migration indexes its mail.
stop_ticketd
sqlite3 "$TMP/tickets.db" 'DROP TABLE messages_fts; PRAGMA user_version = 10;'
is "$(sqlite3 "$TMP/tickets.db" "SELECT count(*) FROM sqlite_master WHERE name = 'messages_fts'")" 0 "an older schema"
is "$(tickets "พิมพ์ที่ส${AM2}นัก") $(tickets nok@example.org)" "$t_th $t_en" "old mail found after the migration"
is "$(sqlite3 "$TMP/tickets.db" 'PRAGMA user_version')" 11 "schema version 11"
