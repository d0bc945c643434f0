#!/bin/sh
# Pipe delivery: "ticketd deliver" stores one mail from standard input and
# its exit status is the acknowledgement (sysexits).
. "$(dirname "$0")/../lib.sh"
plan 10

ticketd_conf >"$TMP/t.conf"
deliver() { "$BUILD/ticketd" -c "$TMP/t.conf" deliver "$@" 2>>"$TMP/deliver.log"; }
show() { "$BUILD/ticketctl" -c "$TMP/t.conf" show "$@" --json; }
mail='From: Nok <nok@example.co.th>
To: support@example.com
Subject: Pipe test
Message-ID: <p1@example.co.th>

hello
'

printf '%s' "$mail" | deliver -r support+x@example.com -f nok@example.co.th >/dev/null
ok $? "deliver exits 0 once the mail is stored"
is "$(show 1 | jq -r '[.subject, .requester, .queue, .messages[0].source, .messages[0].return_path] | @tsv')" \
	"$(printf 'Pipe test\tnok@example.co.th\tsupport\tpipe\tnok@example.co.th')" \
	"the ticket has the subject, requester, queue and envelope sender"
printf '%s' "$mail" | deliver >/dev/null
ok $? "delivering the same mail again exits 0"
is "$(show 1 | jq '.messages | length')" 1 "and stores it once"

printf '' | deliver; is $? 65 "empty input exits 65 (EX_DATAERR)"
printf '%s' "$mail" | deliver -r nobody@example.com; is $? 67 "a recipient of no queue exits 67 (EX_NOUSER)"
grep -q 'recipient <nobody@example.com> belongs to no queue' "$TMP/deliver.log"
ok $? "and says why"

printf 'garbage without any header\n' | deliver >/dev/null
ok $? "an unparseable mail is stored, not refused"
is "$(show 2 | jq -r '[.attention, .tags[0]] | @tsv')" "$(printf 'true\tunparsed')" \
	"and flagged for attention"

printf '[ticketd]\ndatabase = %s\nbogus = 1\n' "$TMP/tickets.db" >"$TMP/bad.conf"
printf '%s' "$mail" | "$BUILD/ticketd" -c "$TMP/bad.conf" deliver 2>/dev/null
is $? 75 "a broken configuration exits 75 so the MTA retries"
