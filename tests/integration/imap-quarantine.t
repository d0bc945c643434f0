#!/bin/sh
# The IMAP source never skips a message (issue 7, section 6), against a
# real Dovecot:
# - a message Dovecot cannot read (mode 000, as after a restore by hand)
#   comes back as "* N FETCH (UID n)" without its body, then BYE: it
#   counts as a failure, is retried, then quarantined, and the mail
#   behind it flows;
# - a message expunged behind the session between SEARCH and FETCH
#   comes back as "BODY[] NIL": a failure too, never an empty ticket;
# - a mail over max_message_size makes a ticket flagged for attention
#   that holds its headers and says where the mail is and how large.
. "$(dirname "$0")/../lib.sh"
plan 12

DOVE=$TMP/dovecot
# Trust the directory mtimes, so a file removed by hand goes unnoticed
# until Dovecot tries to read it.
export DOVECOT_USERS="support ghost" DOVECOT_CONF="maildir_very_dirty_syncs = yes"
eval "$("$PEERS/dovecot.sh" start "$DOVE")" || exit 1
cleanup "'$PEERS/dovecot.sh' stop '$DOVE'"
DLMTP=$LMTP_PORT
# to_dovecot USER ID SUBJECT [swaks options]: deliver one mail.
to_dovecot() {
	_u=$1 _id=$2 _subject=$3
	shift 3
	swaks --protocol LMTP --server 127.0.0.1 --port "$DLMTP" --to "$_u@example.com" \
		--from customer@example.org --header "Subject: $_subject" \
		--header "Message-Id: <$_id@example.org>" "$@" >/dev/null 2>&1
}
# file_of USER ID: the maildir file holding that Message-ID.
file_of() {
	find "$DOVE/home/$1/Maildir/cur" "$DOVE/home/$1/Maildir/new" -type f \
		-exec grep -l "^Message-Id: <$2@example.org>" {} +
}
folder() { find "$DOVE/home/$1/Maildir/.$2/new" "$DOVE/home/$1/Maildir/.$2/cur" -type f 2>/dev/null | wc -l; }
q() { sqlite3 "$TMP/tickets.db" "$1"; }
stored() { [ "$(q "SELECT count(*) FROM messages WHERE message_id = '$1@example.org'")" = 1 ]; }
logged() { grep -q "$1" "$TICKETD_LOG"; }
account() {
	printf '%s\n' "[imap $1]" "host = 127.0.0.1" "port = $IMAP_PORT" "tls = none" \
	    "user = $1" "password = secret" "queue = support" "poll_interval = 1s" \
	    "max_failures = 2" "batch = 1"
}

# The unreadable message sits between two good ones.
to_dovecot support r1 "Before"
to_dovecot support r2 "Unreadable"
to_dovecot support r3 "After"
chmod 000 "$(file_of support r2)"

# The ghost: indexed by Dovecot, then its file removed behind its back.
to_dovecot ghost g1 "Ghost"
to_dovecot ghost g2 "Behind the ghost"
doveadm -c "$DOVE/dovecot.conf" mailbox status -u ghost messages INBOX >/dev/null ||
	diag "doveadm failed"
g=$(file_of ghost g1) && d=$(dirname "$g") && touch -r "$d" "$TMP/mtime" &&
    rm "$g" && touch -m -r "$TMP/mtime" "$d" || diag "cannot remove g1 ($g)"

# The big one, for later.
head -c 90000 /dev/zero | tr '\0' 'x' | fold -w 70 >"$TMP/big.txt"

{ ticketd_conf | sed 's/^\[lmtp\]$/&\nmax_message_size = 64k/'; account support; account ghost; } >"$TMP/t.conf"
start_ticketd "$TMP/t.conf" || exit 1

wait_for 20 stored r3
ok $? "the mail behind an unreadable message becomes a ticket"
is "$(folder support Quarantine)" 1 "the unreadable message is in the quarantine folder"
grep 'imap support: uid 2[: ]' "$TICKETD_LOG" | sed 's/.*uid 2:* //' >"$TMP/r2.log"
grep -q '^not stored (failure 1 of 2): the server sent no body' "$TMP/r2.log" &&
    grep -q '^not stored (failure 2 of 2): the server sent no body' "$TMP/r2.log"
ok $? "a FETCH response without a body counts as a failure, and it is tried again ($(tr '\n' '|' <"$TMP/r2.log"))"
[ "$(grep -n '^moved to Quarantine' "$TMP/r2.log" | cut -d: -f1)" = 3 ]
ok $? "it is quarantined only after max_failures tries"
is "$(q "SELECT count(*) FROM messages WHERE message_id LIKE 'r_@example.org'") $(q "SELECT count(*) FROM messages WHERE body = '' OR parsed = 0")" "2 0" \
	"no ticket is made of it"

wait_for 10 stored g2
ok $? "the mail behind a message expunged between SEARCH and FETCH becomes a ticket"
logged 'imap ghost: uid 1: not stored (failure 1 of 2): the server sent no body'
ok $? "a FETCH response with BODY[] NIL counts as a failure"
is "$(q "SELECT count(*) FROM messages WHERE message_id LIKE 'g_@example.org'") $(q "SELECT count(*) FROM messages WHERE body = '' OR parsed = 0")" "1 0" \
	"no empty ticket is made of it"

# Over max_message_size: a ticket with the headers, flagged, with a note.
to_dovecot support big "Scanned contract" --body "$TMP/big.txt" --header 'X-Marker: headers-only'
wait_for 10 eval '[ "$(folder support Quarantine)" = 2 ]'
ok $? "a mail over max_message_size goes to quarantine"
t=$(q "SELECT ticket_id FROM messages WHERE message_id = 'big@example.org'")
is "$(q "SELECT attention, subject FROM tickets WHERE id = '$t'")" "1|Scanned contract" \
	"it makes a ticket flagged for attention"
raw=$(q "SELECT length(raw), instr(raw, 'X-Marker: headers-only') > 0 FROM raw_messages r JOIN messages m ON m.id = r.message_id WHERE m.message_id = 'big@example.org'")
[ "${raw%|*}" -lt 2000 ] && [ "${raw#*|}" = 1 ]
ok $? "which holds its headers only ($raw)"
q "SELECT detail FROM events WHERE ticket_id = '$t' AND type = 'attention'" |
    grep -q '^the mail is 9[0-9]* octets, over max_message_size (65536): only its headers are stored; the whole mail is in the folder Quarantine of imap support$'
ok $? "and says where the mail is and how large it is"
