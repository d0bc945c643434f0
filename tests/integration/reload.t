#!/bin/sh
# SIGHUP reaches everything (issue 7, section 9), against a real Dovecot:
# - an IMAP account whose section did not change keeps its connection and
#   takes the new configuration (here the subject tag of acknowledgements);
# - a new secret_file signs from the reload on, and Message-IDs signed
#   with the earlier key keep finding their ticket, after a restart too.
# Every step waits for the reload line in the log, never a fixed time.
. "$(dirname "$0")/../lib.sh"
plan 9

eval "$("$PEERS/dovecot.sh" start "$TMP/dovecot")" || exit 1
cleanup "'$PEERS/dovecot.sh' stop '$TMP/dovecot'"
DLMTP=$LMTP_PORT
to_dovecot() {
	swaks --protocol LMTP --server 127.0.0.1 --port "$DLMTP" --to support@example.com \
		--from customer@example.org --header "Subject: $2" \
		--header "Message-Id: <$1@example.org>" >/dev/null 2>&1
}
q() { sqlite3 "$TMP/tickets.db" "$1"; }
ticket_of() { q "SELECT ticket_id FROM messages WHERE message_id = '$1@example.org'"; }
has_ticket() { [ -n "$(ticket_of "$1")" ]; }
ack_id() { q "SELECT message_id FROM outbox WHERE kind = 'ack' AND ticket_id = '$1'"; }
ack_subject() { q "SELECT subject FROM messages WHERE direction = 'out' AND message_id = '$(ack_id "$1")'"; }
# reload: SIGHUP, then wait until the log has one more "reloaded" line.
reloads() { grep -c ': reloaded$' "$TICKETD_LOG"; }
reload() {
	_n=$(reloads)
	kill -HUP "$TICKETD_PID"
	wait_for 10 eval '[ "$(reloads)" -gt "$_n" ]'
}
# signed KEYFILE ID: a Message-ID for ticket ID signed with that key, as
# ticketd makes them (thread.c): tkt<id>.<nonce>.<first 16 octets of
# HMAC-SHA256(SHA-256(secret), "tkt<id>.<nonce>")>@host.
signed() {
	_key=$(tr -d '\n' <"$1" | openssl dgst -sha256 -r | cut -c1-64)
	_nonce=$(openssl rand -hex 8)
	_mac=$(printf 'tkt%s.%s' "$2" "$_nonce" | openssl dgst -sha256 -mac HMAC -macopt "hexkey:$_key" -r | cut -c1-32)
	echo "tkt$2.$_nonce.$_mac@helpdesk.example.com"
}
# verifies KEYFILE MSGID: is MSGID signed with that key?
verifies() {
	_key=$(tr -d '\n' <"$1" | openssl dgst -sha256 -r | cut -c1-64)
	_base=${2%.*@*}
	_mac=$(printf '%s' "$_base" | openssl dgst -sha256 -mac HMAC -macopt "hexkey:$_key" -r | cut -c1-32)
	[ "$_base.$_mac@helpdesk.example.com" = "$2" ]
}

echo "the first secret, long enough" >"$TMP/secret-a"
echo "the second secret, long enough" >"$TMP/secret-b"
conf() {
	ticketd_conf | sed "s|^hostname = .*|&\nsecret_file = $TMP/$1\nsubject_tag = $2|"
	printf '%s\n' "[smtp]" "url = file:$TMP/spool" \
	    "[imap support]" "host = 127.0.0.1" "port = $IMAP_PORT" "tls = none" \
	    "user = support" "password = secret" "queue = support" "poll_interval = 1s"
}
conf secret-a '[#{id}]' >"$TMP/t.conf"
start_ticketd "$TMP/t.conf" || exit 1

to_dovecot m1 "Printer on fire"
wait_for 10 has_ticket m1
t1=$(ticket_of m1)
is "$(ack_subject "$t1")" "[#$t1] Request received: Printer on fire" "before the reload the IMAP ticket is acknowledged with [#N]"
verifies "$TMP/secret-a" "$(ack_id "$t1")"
ok $? "and its Message-ID is signed with the first secret"

# The [imap support] section stays as it is; the rest changes.
conf secret-b '[HD-{id}]' >"$TMP/t.conf"
reload
ok $? "SIGHUP: the reload is logged"
to_dovecot m2 "Paper jam"
wait_for 10 has_ticket m2
t2=$(ticket_of m2)
is "$(ack_subject "$t2")" "[HD-$t2] Request received: Paper jam" \
	"an unchanged IMAP account takes the new subject tag"
[ "$(grep -c 'imap support: connected' "$TICKETD_LOG")" = 1 ] &&
    grep -q 'imap support: unchanged, keeps its connection and takes the new configuration' "$TICKETD_LOG"
ok $? "without reconnecting"
verifies "$TMP/secret-b" "$(ack_id "$t2")"
ok $? "the new secret_file signs the Message-IDs from the reload on"

# A stranger's answer quoting a Message-ID signed with the first secret
# (one ticketd never stored: only the signature can tell) joins ticket 1.
answer() {
	lmtp_send --from someone@example.net --to support@example.com --header "Subject: about that" \
		--header "In-Reply-To: <$(signed "$TMP/secret-a" "$t1")>" --header "Message-Id: <$1@example.net>" >/dev/null 2>&1
	q "SELECT ticket_id FROM messages WHERE message_id = '$1@example.net'"
}
is "$(answer a1)" "$t1" "after the reload a Message-ID signed with the earlier secret still verifies"
stop_ticketd
ok $? "ticketd stops"
start_ticketd "$TMP/t.conf" || exit 1
is "$(answer a2)" "$t1" "and after a restart too: the earlier key is kept in the database"
