#!/bin/sh
# ticketd as a service: started as root it binds its sockets, then becomes
# [ticketd] user (nobody here) before it opens anything else; it speaks
# systemd's notify protocol (READY, STATUS, RELOADING, STOPPING and the
# watchdog) to a stand-in socket; files honour the umask; `ticketctl
# status` tells running or not, listeners, IMAP accounts against a real
# Dovecot, the outbox and the last reload, with an exit status for
# monitoring; `ticketctl outbox cancel|retry` against a real smtp-sink.
. "$(dirname "$0")/../lib.sh"
if [ "$(id -u)" -ne 0 ]; then echo "1..0 # SKIP needs root to drop privileges"; exit 0; fi
plan 41

DOVE=$TMP/dovecot
cleanup '"$PEERS/dovecot.sh" stop "$DOVE"'
eval "$("$PEERS/dovecot.sh" start "$DOVE")" || exit 1
SINK=$TMP/sink
SMTP_PORT=$(freeport)
export SMTP_PORT
sink_start() { "$PEERS/smtp-sink.sh" start "$SINK" >/dev/null; }
sink_stop() { "$PEERS/smtp-sink.sh" stop "$SINK"; }
cleanup sink_stop
sink_start || exit 1

nobody=$(id -u nobody)
mkdir -p "$TMP/run" && chown nobody "$TMP/run"
conf() {
	ticketd_conf | sed -e "s|^database = .*|database = $TMP/db/tickets.db|" \
	    -e "s|^listen = .*|&, unix:$TMP/run/lmtp|" -e 's|^\[ticketd\]$|&\nuser = nobody|'
	printf '%s\n' "[smtp]" "url = smtp://127.0.0.1:$SMTP_PORT" "retry_min = 1" \
	    "retry_max = 1" "[imap box]" "host = 127.0.0.1" "port = $IMAP_PORT" \
	    "tls = none" "user = support" "password = secret" "queue = support" \
	    "poll_interval = 1s"
}
conf >"$TMP/t.conf"
ctl() { "$BUILD/ticketctl" -c "$TMP/t.conf" "$@"; }
health() { ctl status --json | jq -r "$1"; }

"$PEERS/dgram-listen" "$TMP/notify" >"$TMP/notify.log" &
pids="$pids $!"
wait_for 10 test -S "$TMP/notify"
notified() { grep -Eq "$1" "$TMP/notify.log"; }

# 0. Before the first start: not running, and no database made by root.
ctl status >"$TMP/out" 2>&1
is "$?" 3 "status before the first start: not running"
check "status makes no database" test ! -e "$TMP/db/tickets.db"
# Another command does; run as root, it gives the database to the user.
mkdir -p "$TMP/pre" && chown nobody "$TMP/pre"
sed "s|^database = .*|database = $TMP/pre/tickets.db|" "$TMP/t.conf" >"$TMP/pre.conf"
"$BUILD/ticketctl" -c "$TMP/pre.conf" list >/dev/null
is "$(stat -c '%U %a' "$TMP/pre/tickets.db")" "nobody 640" \
	"a database ticketctl makes as root is the daemon's user's, not readable by others"

# 1. Started as root, with a umask that lets everyone read: ticketd
# tightens it itself (the unit's UMask=0027 does too).
umask 022
NOTIFY_SOCKET=$TMP/notify WATCHDOG_USEC=200000 start_ticketd "$TMP/t.conf" || exit 1
wait_for 10 notified '^READY=1\|STATUS=Taking mail: lmtp 127.0.0.1:[0-9]+, lmtp unix:'
ok $? "READY=1 once it takes mail, with STATUS naming the listeners"
is "$(awk '/^Uid:/ { print $2, $3, $4, $5 }' "/proc/$TICKETD_PID/status")" \
	"$nobody $nobody $nobody $nobody" "it runs as [ticketd] user, for good"
log_has 'running as nobody'
ok $? "and says so in the log"
is "$(stat -c '%U %a' "$TMP/db")" "nobody 750" "the database's directory is made for that user"
is "$(stat -c '%U %a' "$TMP/db/tickets.db")" "nobody 640" "the database is the user's, not readable by others"
is "$(stat -c '%U' "$TMP/db/tickets.db.lock")" "nobody" "so is the lock"
is "$(stat -c '%U %a' "$TMP/run/lmtp")" "nobody 660" "the socket, bound as root, is the user's"
swaks --socket "$TMP/run/lmtp" --protocol LMTP --to support@example.com --from ann@example.org \
	--header "Subject: by the socket" --body hi </dev/null >/dev/null 2>&1
ok $? "mail comes in over the UNIX socket"
wait_for 10 sh -c "ls '$SINK'/spool | grep -q ."
ok $? "its acknowledgement goes out"
wait_for 5 sh -c "[ \$(grep -c '^WATCHDOG=1$' '$TMP/notify.log') -ge 2 ]"
ok $? "the watchdog is fed"

# 2. ticketctl status, all well.
wait_for 10 sh -c "[ \"\$($BUILD/ticketctl -c '$TMP/t.conf' status --json | jq -r '.imap[0].connected')\" = true ]"
ok $? "status: the IMAP account is connected"
out=$(ctl status)
ok $? "status exits 0 when all is well"
diag "$out"
is "$(health '[.running, .pid] | @tsv')" "$(printf 'true\t%s' "$TICKETD_PID")" "status: running, with the daemon's pid"
is "$(health '.listeners | join(", ")')" "lmtp 127.0.0.1:$LMTP_PORT, lmtp unix:$TMP/run/lmtp, imap box (127.0.0.1:$IMAP_PORT INBOX)" \
	"status: its listeners"
is "$(health '[.imap[0].name, (.imap[0].last_ok != null)] | @tsv')" "$(printf 'box\ttrue')" \
	"status: the account's last success"
is "$(health '[.outbox.queued, .outbox.deferred, .outbox.failed, .database.size_bytes > 0] | @tsv')" \
	"$(printf '0\t0\t0\ttrue')" "status: the outbox is empty, the database has a size"

# 3. A reload that fails, then one that works.
cp "$TMP/t.conf" "$TMP/good.conf"
echo "bogus = 1" >>"$TMP/t.conf"
kill -HUP "$TICKETD_PID"
wait_for 10 notified '^READY=1\|STATUS=Reload failed'
ok $? "a failed reload: RELOADING=1, then READY=1 with the old configuration"
notified '^RELOADING=1\|'
ok $? "RELOADING=1 was sent first"
# ticketctl reads the configuration too: it is given the good one.
good() { "$BUILD/ticketctl" -c "$TMP/good.conf" "$@"; }
wait_for 10 sh -c "[ \"\$($BUILD/ticketctl -c '$TMP/good.conf' status --json | jq -r .reload.ok)\" = false ]"
ok $? "status: the reload failed"
good status >"$TMP/out" 2>&1
is "$?" 1 "status exits 1 after a failed reload"
grep -q "^problem: the last reload failed, the configuration before it still runs: $TMP/t.conf:[0-9]*: .*bogus" "$TMP/out"
ok $? "and names the problem, with the first error as file:line"
cp "$TMP/good.conf" "$TMP/t.conf"
kill -HUP "$TICKETD_PID"
wait_for 10 sh -c "[ \"\$($BUILD/ticketctl -c '$TMP/t.conf' status --json | jq -r .reload.ok)\" = true ]"
ok $? "a reload that works clears it"

# 4. The outbox: cancel and retry what the sender cannot deliver.
sink_stop
swaks --socket "$TMP/run/lmtp" --protocol LMTP --to support@example.com --from bob@example.org \
	--header "Subject: while the relay is down" --body hi </dev/null >/dev/null 2>&1
id=$(ctl outbox --json | jq -r '.[] | select(.rcpt == "bob@example.org") | .id')
wait_for 10 sh -c "[ \"\$($BUILD/ticketctl -c '$TMP/t.conf' status --json | jq -r .outbox.deferred)\" = 1 ]"
ok $? "status counts the deferred mail"
wait_for 10 sh -c "$BUILD/ticketctl -c '$TMP/t.conf' outbox cancel $id >/dev/null 2>&1"
ok $? "outbox cancel ID: a queued mail is cancelled"
out=$(ctl outbox cancel "$id" 2>&1)
[ $? -eq 65 ] && echo "$out" | grep -q "outbox $id: cancelled: cannot cancel it"
ok $? "cancelling it again says why not"
out=$(ctl outbox retry 9999 2>&1)
[ $? -eq 65 ] && echo "$out" | grep -q "outbox 9999: no such mail"
ok $? "an unknown id is refused"
sink_start
is "$(ctl outbox retry "$id")" "outbox $id: queued" "outbox retry ID queues it again"
wait_for 10 sh -c "[ \"\$($BUILD/ticketctl -c '$TMP/t.conf' outbox --json | jq -r '.[] | select(.id == $id) | .status')\" = sent ]"
ok $? "and it is sent"
is "$(grep -l 'bob@example.org' "$SINK"/spool/* | wc -l)" 1 "exactly once"
out=$(ctl outbox retry "$id" 2>&1)
[ $? -eq 65 ] && echo "$out" | grep -q "sent: cannot retry it"
ok $? "a sent mail is not sent again"
t=$(ctl outbox --json | jq -r ".[] | select(.id == $id) | .ticket")
is "$(ctl show "$t" --json | jq -r '[.events[] | select(.type | test("^(send_|sent$)")) | .type] | join(" ")')" \
	"send_cancelled send_retried sent" "the ticket's history has the admin's cancel and retry"

# 5. The IMAP server goes away.
"$PEERS/dovecot.sh" stop "$DOVE"
wait_for 15 sh -c "[ \"\$($BUILD/ticketctl -c '$TMP/t.conf' status --json | jq -r '.imap[0].connected')\" = false ]"
ok $? "status: the account is no longer connected"
ctl status >"$TMP/out" 2>&1
is "$?" 1 "status exits 1"
grep -q '^problem: imap box: not connected: ' "$TMP/out"
ok $? "and says which account and why"

# 6. Stopping.
stop_ticketd
is "$?" 0 "SIGTERM: it exits 0"
notified '^STOPPING=1\|'
ok $? "STOPPING=1 was sent"
check "the socket and the status file are gone" test ! -e "$TMP/run/lmtp" -a ! -e "$TMP/db/tickets.db.status"
ctl status >"$TMP/out" 2>&1
is "$?" 3 "status exits 3 when ticketd is not running"
