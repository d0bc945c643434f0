#!/bin/sh
# Several IMAP accounts side by side, each on its own connection, each
# feeding its own queue; one account with a wrong password does not stop
# the others; SIGHUP adds, changes and removes accounts.
. "$(dirname "$0")/../lib.sh"
plan 8

export DOVECOT_USERS="support sales late"
eval "$("$PEERS/dovecot.sh" start "$TMP/dovecot")" || exit 1
cleanup "'$PEERS/dovecot.sh' stop '$TMP/dovecot'"
DLMTP=$LMTP_PORT
wait_queue() {
	i=0
	while [ -z "$(queue_of "$1")" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	queue_of "$1"
}
to_dovecot() {
	swaks --protocol LMTP --server 127.0.0.1 --port "$DLMTP" --to "$1@example.com" \
		--from customer@example.org --header "Subject: $2" \
		--header "Message-Id: <$2@example.org>" >/dev/null 2>&1
}
account() {
	printf '%s\n' "[imap $1]" "host = 127.0.0.1" "port = $IMAP_PORT" "tls = none" \
	    "user = $1" "password = $2" "queue = $3" "poll_interval = 1s"
}
{ ticketd_conf; printf '%s\n' "[queue sales]" "address = sales@example.com"
  account support secret support; account sales secret sales
  account broken wrong-password support; } >"$TMP/t.conf"
to_dovecot support s1
to_dovecot sales a1
start_ticketd "$TMP/t.conf" || exit 1
queue_of() { sqlite3 "$TMP/tickets.db" "SELECT t.queue FROM tickets t JOIN messages m ON m.ticket_id = t.id WHERE m.message_id = '$1@example.org'"; }
i=0
while { [ -z "$(queue_of s1)" ] || [ -z "$(queue_of a1)" ]; } && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
is "$(queue_of s1)" support "the support account's mail lands in the support queue"
is "$(queue_of a1)" sales "the sales account's mail lands in the sales queue"
i=0
while ! grep -q 'imap broken: .*retrying in' "$TICKETD_LOG" && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
grep -q 'imap broken: .*LOGIN as broken.*retrying in' "$TICKETD_LOG"
ok $? "the account with a wrong password is reported and retried"
to_dovecot sales a2
i=0
while [ -z "$(queue_of a2)" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
is "$(queue_of a2)" sales "the working accounts keep flowing"

# Reload: "broken" is removed, "late" is new, "sales" moves to the
# support queue; "support" is unchanged and keeps its connection.
{ ticketd_conf; printf '%s\n' "[queue sales]" "address = sales@example.com"
  account support secret support; account sales secret support
  account late secret sales; } >"$TMP/t.conf"
kill -HUP "$TICKETD_PID"
to_dovecot late l1
to_dovecot sales a3
is "$(wait_queue l1)" sales "after SIGHUP a new account starts and imports"
is "$(wait_queue a3)" support "a changed account runs with its new settings"
grep -q 'imap broken: stopped for the new configuration' "$TICKETD_LOG" &&
    ! grep -q 'imap support: stopped' "$TICKETD_LOG"
ok $? "a removed account stops; an unchanged one is left alone"
stop_ticketd
ok $? "ticketd stops cleanly after the reload"
