#!/bin/sh
# The IMAP source against a real Dovecot: a backlog, new mail during IDLE,
# Dovecot restarted under ticketd, a poison message, kill -9 in the middle
# of an import, a UIDVALIDITY change, mail that arrives by LMTP and IMAP
# alike, and the archive import of ticketctl.
. "$(dirname "$0")/../lib.sh"
plan 25

DOVE=$TMP/dovecot
dove_start() { eval "$("$PEERS/dovecot.sh" start "$DOVE")"; DLMTP=$LMTP_PORT; }
dove_stop() { "$PEERS/dovecot.sh" stop "$DOVE"; }
cleanup dove_stop
dove_start || exit 1
MAILDIR=$DOVE/home/support/Maildir
# to_dovecot ID SUBJECT [swaks options]: deliver one mail into the mailbox.
to_dovecot() {
	_id=$1 _subject=$2
	shift 2
	swaks --protocol LMTP --server 127.0.0.1 --port "$DLMTP" --to support@example.com \
		--from customer@example.org --header "Subject: $_subject" \
		--header "Message-Id: <$_id@example.org>" "$@" >/dev/null 2>&1
}
inbox() { find "$MAILDIR/new" "$MAILDIR/cur" -type f 2>/dev/null | wc -l; }
folder() { find "$MAILDIR/.$1/new" "$MAILDIR/.$1/cur" -type f 2>/dev/null | wc -l; }
conf() {
	ticketd_conf | sed "s|tickets.db|$1.db|"
	printf '%s\n' "[imap support]" "host = 127.0.0.1" "port = $IMAP_PORT" "tls = none" \
	    "user = support" "password = secret" "queue = support" "after = $2" \
	    "poll_interval = 1s" "max_failures = 2" "timeout = 10s"
}
messages() { sqlite3 "$TMP/$1.db" 'SELECT count(*) FROM messages'; }
tickets() { sqlite3 "$TMP/$1.db" 'SELECT count(*) FROM tickets'; }
eq() { [ "$("$1" "$2")" = "$3" ]; }

# 1. A backlog, waiting before ticketd starts.
for i in 1 2 3 4 5; do to_dovecot "b$i" "Backlog $i"; done
conf a move:Processed | sed 's/^\[lmtp\]$/&\nmax_message_size = 64k/' >"$TMP/a.conf"
start_ticketd "$TMP/a.conf" || exit 1
wait_for 10 eq tickets a 5
ok $? "a backlog of 5 mails becomes 5 tickets"
wait_for 5 eq folder Processed 5
ok $? "after the commit they are moved to Processed"
# A MOVE is a copy and an expunge: the copy may show first.
wait_for 5 eq inbox - 0
is "$(inbox)" 0 "and the inbox is empty"

# 2. New mail during IDLE.
t0=$(date +%s%N)
to_dovecot idle1 "Arrives during IDLE"
wait_for 5 eq tickets a 6
ok $? "mail arriving during IDLE becomes a ticket"
ms=$((($(date +%s%N) - t0) / 1000000))
[ "$ms" -le 2000 ]
ok $? "within 2 s (took $ms ms)"

# 3. Mail that arrives both by LMTP and by IMAP is stored once.
# The same mail: one Date, which swaks would otherwise set to the second
# each copy is sent in.
both_date='Date: Thu, 26 Nov 2026 09:00:00 +0000'
lmtp_send --from customer@example.org --to support@example.com --header 'Subject: Both ways' \
	--header 'Message-Id: <both@example.org>' --header "$both_date" >/dev/null 2>&1
to_dovecot both "Both ways" --header "$both_date"
wait_for 5 eq folder Processed 7
is "$(sqlite3 "$TMP/a.db" "SELECT count(*) FROM messages WHERE message_id = 'both@example.org'")" 1 \
	"a mail that came by LMTP and by IMAP is stored once"

# 4. Dovecot restarted under ticketd: it reconnects.
retries() { log_count 'imap support: .*retrying in'; }
more_retries() { [ "$(retries)" -gt "$1" ]; }
n=$(retries)
dove_stop
wait_for 20 more_retries "$n"	# ticketd has seen the outage
IMAP_PORT_WANT=$IMAP_PORT LMTP_PORT_WANT=$DLMTP
DOVECOT_IMAP_PORT=$IMAP_PORT_WANT DOVECOT_LMTP_PORT=$LMTP_PORT_WANT dove_start
to_dovecot restart1 "After the restart"
wait_for 20 eq tickets a 8
ok $? "after Dovecot restarts, ticketd reconnects and imports new mail"
grep -q 'imap support: connected' "$TICKETD_LOG" && [ "$(grep -c 'imap support: connected' "$TICKETD_LOG")" -ge 2 ]
ok $? "the reconnect is logged"

# 5. A poison message: every attempt to store it fails. After
# max_failures it goes to Quarantine and the mail behind it still flows.
sqlite3 "$TMP/a.db" "CREATE TRIGGER poison BEFORE INSERT ON messages WHEN NEW.subject LIKE '%POISON%'
	BEGIN SELECT RAISE(ABORT, 'injected poison'); END;"
to_dovecot p1 "POISON pill"
to_dovecot p2 "A healthy mail"
wait_for 15 eq folder Quarantine 1
ok $? "the poison message is moved to the quarantine folder"
sqlite3 "$TMP/a.db" "SELECT count(*) FROM messages WHERE message_id = 'p2@example.org'" | grep -qx 1
ok $? "the mail behind it becomes a ticket"
grep -q 'moved to Quarantine: not stored after 2 tries' "$TICKETD_LOG" && grep -q 'injected poison' "$TICKETD_LOG"
ok $? "the reason is logged"

# A mail over max_message_size is quarantined without being fetched.
head -c 120000 /dev/zero | tr '\0' 'x' | fold -w 70 >"$TMP/big.txt"
to_dovecot huge "Huge" --body "$TMP/big.txt"
wait_for 10 eq folder Quarantine 2
ok $? "a mail over max_message_size goes to quarantine"
grep -q 'moved to Quarantine: larger than max_message_size' "$TICKETD_LOG"
ok $? "and the log says why"

# A line over 1000 octets comes through IMAP whole, as through LMTP and pipe.
perl -e 'print "x" x 5000, "\n"' >"$TMP/long.txt"
to_dovecot longline "Long line" --body "$TMP/long.txt"
longbody() { sqlite3 "$TMP/a.db" "SELECT length(b) || ' ' || (b GLOB '*[^x]*') FROM (SELECT
	rtrim(body, char(10, 13)) AS b FROM messages WHERE message_id = 'longline@example.org')"; }
wait_for 10 eq longbody - "5000 0"
is "$(longbody)" "5000 0" "a 5000-octet line comes through IMAP whole"
stop_ticketd
ok $? "ticketd stops cleanly with an IMAP account"

# 6. kill -9 in the middle of an import: no loss, no duplicate.
"$BUILD/tests/lmtp-load" -s 4 -m 300 -r support@example.com "127.0.0.1:$DLMTP" \
	"$TESTS"/bench/mix/*.eml >/dev/null
conf k move:Done >"$TMP/k.conf"
start_ticketd "$TMP/k.conf" || exit 1
wait_for 20 sh -c "[ \$(sqlite3 '$TMP/k.db' 'SELECT count(*) FROM messages' 2>/dev/null || echo 0) -ge 50 ]"
kill -9 "$TICKETD_PID"; wait "$TICKETD_PID" 2>/dev/null
diag "killed after $(messages k) messages"
start_ticketd "$TMP/k.conf" || exit 1
wait_for 30 eq folder Done 300
ok $? "after kill -9 and restart all 300 mails are moved"
is "$(messages k)" 300 "each is stored exactly once"
is "$(sqlite3 "$TMP/k.db" 'SELECT count(DISTINCT dedupe_key) FROM messages')" 300 "no duplicates"
stop_ticketd

# 7. UIDVALIDITY changes: the mailbox is read again, nothing doubles.
for i in 1 2 3; do to_dovecot "u$i" "Seen mode $i"; done
conf u seen >"$TMP/u.conf"
start_ticketd "$TMP/u.conf" || exit 1
wait_for 10 eq tickets u 3
ok $? "with after = seen, 3 mails become tickets and stay in the inbox"
stop_ticketd
old_position=$(sqlite3 "$TMP/u.db" 'SELECT last_uid FROM imap_state')
doveadm -c "$DOVE/dovecot.conf" mailbox update -u support --uid-validity 4242 INBOX
start_ticketd "$TMP/u.conf" || exit 1
wait_for 10 grep -q 'UIDVALIDITY of INBOX changed' "$TICKETD_LOG"
ok $? "a UIDVALIDITY change is noticed"
# A full pass under the new UIDVALIDITY has saved its position (after its
# mail committed) as far as the old one had come.
position() { sqlite3 "$TMP/u.db" "SELECT last_uid FROM imap_state WHERE uidvalidity = $1"; }
position_is() { [ -n "$2" ] && [ "$(position "$1")" = "$2" ]; }
wait_for 10 position_is 4242 "$old_position"
is "$(tickets u) $(messages u)" "3 3" "reading the mailbox again creates no duplicates"
stop_ticketd

# 8. Backfill with ticketctl: no acknowledgements, original dates, resumable.
SINK=$TMP/sink
eval "$("$PEERS/smtp-sink.sh" start "$SINK")" || exit 1
cleanup "'$PEERS/smtp-sink.sh' stop '$SINK'"
for i in 1 2 3; do to_dovecot "old$i" "From the archive $i" --header 'Date: Mon, 01 Jan 2024 10:00:00 +0000'; done
{ conf r seen; printf '%s\n' "[smtp]" "url = smtp://127.0.0.1:$SMTP_PORT"; } >"$TMP/r.conf"
"$BUILD/ticketctl" -c "$TMP/r.conf" import support --archive 2>/dev/null | grep -q '^imap support: 6 messages imported'
ok $? "ticketctl import --archive imports the mailbox"
is "$(sqlite3 "$TMP/r.db" 'SELECT count(*) FROM outbox')" 0 "no acknowledgements are queued"
is "$(sqlite3 "$TMP/r.db" "SELECT count(*) FROM tickets WHERE created_at = 1704103200")" 3 \
	"archived mail keeps its original date"
"$BUILD/ticketctl" -c "$TMP/r.conf" import support --archive 2>/dev/null | grep -q '^imap support: 0 messages imported'
ok $? "running it again resumes: nothing is imported twice"
