#!/bin/sh
# Through the running daemon: follow-ups join their ticket, duplicates
# are stored once and still answered 250, a store failure answers 451
# and the retried mail is then stored once, and mails in Thai and
# Japanese arrive intact.
. "$(dirname "$0")/../lib.sh"
plan 12

ticketd_conf >"$TMP/t.conf"
start_ticketd "$TMP/t.conf" || exit 1
show() { "$BUILD/ticketctl" -c "$TMP/t.conf" show "$@" --json; }
count() { "$BUILD/ticketctl" -c "$TMP/t.conf" list --json | jq length; }
send() { lmtp_send --from cust@example.org --to support@example.com "$@" >>"$TMP/swaks.out" 2>&1; }

# A redelivery is the same mail: Message-ID, From and Date (swaks would
# otherwise write the time of sending).
a1date='Date: Thu, 26 Nov 2026 10:00:00 +0000'
send --header 'Subject: Cannot log in' --header 'Message-Id: <a1@example.org>' --header "$a1date" --body first
send --header 'Subject: Re: Cannot log in' --header 'Message-Id: <a2@example.org>' \
	--header 'In-Reply-To: <a1@example.org>' --header 'References: <a1@example.org>' --body second
send --header 'Subject: AW: Antw: [#1] Cannot log in' --header 'Message-Id: <a3@example.org>' --body third
is "$(count)" 1 "a reply by References and one by subject tag join the ticket"
is "$(show 1 | jq -r '[.messages[].message_id] | join(" ")')" "a1@example.org a2@example.org a3@example.org" \
	"the ticket holds all three messages in order"
show 1 | jq -r '.events[].detail' | grep -q 'matched by subject tag'
ok $? "the event log says how a follow-up was matched"

lmtp_send --from cust@example.org --to support@example.com --header 'Subject: Cannot log in' \
	--header 'Message-Id: <a1@example.org>' --header "$a1date" --body 'redelivered' >"$TMP/dup.out" 2>&1
grep -q '250 2.0.0 <support@example.com> Ok: ticket 1' "$TMP/dup.out"
ok $? "a redelivered Message-ID is answered 250 with its ticket"
is "$(show 1 | jq '.messages | length')" 3 "and stored only once"

# Make every message insert fail inside the database: the daemon must
# answer 451 and store nothing; the MTA's retry then succeeds once.
sqlite3 "$TMP/tickets.db" "CREATE TRIGGER fail BEFORE INSERT ON messages BEGIN SELECT RAISE(ABORT, 'injected failure'); END;"
lmtp_send --from x@example.org --to support@example.com --header 'Subject: retry me' \
	--header 'Message-Id: <r1@example.org>' >"$TMP/fail.out" 2>&1
grep -q '451 4.3.0 <support@example.com>' "$TMP/fail.out"
ok $? "a store failure answers 451 4.3.0"
grep -q 'message <r1@example.org> not stored: .*injected failure' "$TICKETD_LOG"
ok $? "the failure is logged with the session and the Message-ID"
is "$(count)" 1 "nothing of the failed mail was kept"
sqlite3 "$TMP/tickets.db" "DROP TRIGGER fail;"
lmtp_send --from x@example.org --to support@example.com --header 'Subject: retry me' \
	--header 'Message-Id: <r1@example.org>' >"$TMP/retry.out" 2>&1
grep -q '250 2.0.0 <support@example.com> Ok: ticket 2' "$TMP/retry.out"
ok $? "the retry is stored as a new ticket"

lmtp_send --from somchai@example.co.th --to support@example.com \
	--data "$TESTS/corpus/thai-tis620-qp.eml" >/dev/null 2>&1
lmtp_send --from taro@example.jp --to support@example.com \
	--data "$TESTS/corpus/japanese-iso2022jp.eml" >/dev/null 2>&1
want=$(sed -n 's/^subject: //p' "$TESTS/corpus/thai-tis620-qp.ref")
is "$(show 3 | jq -r .messages[0].subject)" "$want" "a TIS-620 Thai subject arrives as the corpus expects"
want=$(sed -n 's/^subject: //p' "$TESTS/corpus/japanese-iso2022jp.ref")
is "$(show 4 | jq -r .messages[0].subject)" "$want" "an ISO-2022-JP subject arrives as the corpus expects"
alive "$TICKETD_PID"
ok $? "the daemon is still running"
