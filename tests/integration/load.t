#!/bin/sh
# Under load: many parallel sessions from Postfix's smtp-source and from
# our own loader all end up as tickets, and a kill -9 in the middle of a
# load loses nothing that was acknowledged: every 250 is on disk.
. "$(dirname "$0")/../lib.sh"
plan 6

ticketd_conf >"$TMP/t.conf"
start_ticketd "$TMP/t.conf" || exit 1
count() { sqlite3 "$TMP/tickets.db" 'SELECT count(*) FROM messages'; }

smtp-source -L -s 10 -m 500 -f load@example.org -t support@example.com "127.0.0.1:$LMTP_PORT"
ok $? "smtp-source: 500 mails over 10 LMTP sessions"
is "$(count)" 500 "every one of them is stored"

"$BUILD/tests/lmtp-load" -p -s 20 -m 1000 -r support@example.com "127.0.0.1:$LMTP_PORT" \
	"$TESTS"/bench/mix/*.eml >"$TMP/load.out"
ok $? "lmtp-load: a mix of 1000 realistic mails over 20 pipelining sessions"
is "$(count)" 1500 "every one of them is stored"

# kill -9 mid-load: the loader counts the 250s it got before the crash.
"$BUILD/tests/lmtp-load" -p -s 8 -m 20000 -r support@example.com "127.0.0.1:$LMTP_PORT" \
	"$TESTS"/bench/mix/*.eml >"$TMP/crash.out" 2>&1 &
loader=$!
# Crash in the middle: once the load is well under way, not after a time.
more_than() { [ "$(count)" -gt "$1" ]; }
wait_for 60 more_than 2000
kill -9 "$TICKETD_PID"
wait "$loader"
acked=$(sed -n 's/.* ok=\([0-9]*\).*/\1/p' "$TMP/crash.out")
diag "acknowledged before the crash: $acked"
start_ticketd "$TMP/t.conf" || exit 1
stored=$(($(count) - 1500))
[ -n "$acked" ] && [ "$acked" -gt 0 ] && [ "$stored" -ge "$acked" ]
ok $? "after kill -9 every acknowledged mail is in the database ($stored stored >= $acked acked)"
sqlite3 "$TMP/tickets.db" 'PRAGMA integrity_check' | grep -qx ok
ok $? "the database is intact after the crash"
