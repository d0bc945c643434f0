#!/bin/sh
# Charsets and broken mail through the real daemon: fallback_charset is
# part of the configuration that SIGHUP swaps, a From with only an
# encoded name makes the envelope sender the requester, and a mail with
# no readable text gets a ticket that asks for attention.
. "$(dirname "$0")/../lib.sh"
plan 10

reloads() { grep -c ': reloaded$' "$TICKETD_LOG"; }
reloaded_since() { [ "$(reloads)" -gt "$1" ]; }
show() { "$BUILD/ticketctl" -c "$TMP/t.conf" show "$1" --json; }
tickets() { "$BUILD/ticketctl" -c "$TMP/t.conf" list --json | jq length; }
# send ID FROM-HEADER BODY: a mail from <envelope@example.org>.
send() {
	printf 'From: %s\nTo: support@example.com\nSubject: %s\nMessage-ID: <%s@example.org>\n\n%s\n' \
	    "$2" "$1" "$1" "$3" >"$TMP/$1.eml"
	lmtp_send --from envelope@example.org --to support@example.com \
	    --data "$TMP/$1.eml" >"$TMP/$1.out" 2>&1
}
# Polish in ISO-8859-2, which uchardet takes for windows-1252: only the
# fallback charset can read it.
polish=$(printf 'Za\277\363\263\346 g\352\266l\261 ja\274\361')

{ ticketd_conf | sed 's/^\[ticketd\]$/&\nfallback_charset = windows-1252/'
	printf '%s\n' "[smtp]" "url = file:$TMP/out"; } >"$TMP/t.conf"
start_ticketd "$TMP/t.conf" || exit 1

send before a@example.org "$polish"
is "$(show 1 | jq -r '.messages[0].body')" "Za¿ó³æ gê¶l± ja¼ñ" \
	"with fallback_charset windows-1252 the Polish is misread"

n=$(reloads)
sed -i 's/^fallback_charset = .*/fallback_charset = iso-8859-2/' "$TMP/t.conf"
kill -HUP "$TICKETD_PID"
wait_for 10 reloaded_since "$n"
ok $? "SIGHUP reloads the configuration"
send after a@example.org "$polish"
is "$(show 2 | jq -r '.messages[0].body')" "Zażółć gęślą jaźń" \
	"after the reload new mail reads with fallback_charset iso-8859-2"

send noaddr "=?koi8-r?B?6dfBziDwxdTSz9c=?=" "name only"
is "$(show 3 | jq -r '[.requester, .requester_name, .messages[0].from, .messages[0].from_name] | @tsv')" \
	"$(printf 'envelope@example.org\tИван Петров\t\tИван Петров')" \
	"a From with only an encoded name: the envelope sender is the requester"
is "$(show 3 | jq -r .attention)" false "and the ticket needs no attention for it"
is "$("$BUILD/ticketctl" -c "$TMP/t.conf" outbox --json | jq -r '.[] | select(.ticket == 3) | .rcpt')" \
	envelope@example.org "and the envelope sender is acknowledged"

printf 'From: a@example.org\nTo: support@example.com\nSubject: binary only\nMessage-ID: <bin@example.org>\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\nAAECAwQFBgcICQoLDA0ODw==\n' >"$TMP/bin.eml"
lmtp_send --from a@example.org --to support@example.com --data "$TMP/bin.eml" >"$TMP/bin.out" 2>&1
is "$(show 4 | jq -r '[.subject, .attention, .messages[0].parsed] | @tsv')" \
	"$(printf 'binary only\ttrue\tfalse')" \
	"a mail with no readable text asks for attention"

printf 'From: a@example.org\nTo: support@example.com\nSubject: no blank line\nMessage-ID: <nb@example.org>\nHello, the body starts here.\n' >"$TMP/nb.eml"
lmtp_send --from a@example.org --to support@example.com --data "$TMP/nb.eml" >"$TMP/nb.out" 2>&1
is "$(show 5 | jq -r '[.attention, (.messages[0].body | sub("\\n+$"; ""))] | @tsv')" \
	"$(printf 'false\tHello, the body starts here.')" \
	"a mail without a blank line after its headers keeps its body"
is "$(tickets)" 5 "every mail made its own ticket"

# A follow-up without readable text flags the ticket it joins.
printf 'From: a@example.org\nTo: support@example.com\nSubject: Re: no blank line\nMessage-ID: <bin2@example.org>\nIn-Reply-To: <nb@example.org>\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\nAAECAwQFBgcICQoLDA0ODw==\n' >"$TMP/bin2.eml"
lmtp_send --from a@example.org --to support@example.com --data "$TMP/bin2.eml" >"$TMP/bin2.out" 2>&1
is "$(show 5 | jq -r '[.attention, (.messages | length), (.events | map(.type) | index("parse_failed") != null)] | @tsv')" \
	"$(printf 'true\t2\ttrue')" "a follow-up with no readable text flags its ticket for attention"
