#!/bin/sh
# Configuration: "ticketd -n" and its file:line errors, and SIGHUP reload
# by swap (a broken file keeps the running configuration).
. "$(dirname "$0")/../lib.sh"
plan 19

check "the shipped conf/ticketd.conf is valid" "$BUILD/ticketd" -n -c conf/ticketd.conf
{ ticketd_conf; printf '%s\n' "timezone = Asia/Bangkok" "holidays = $PWD/conf/holidays-th.txt"; } >"$TMP/holidays.conf"
check "the shipped conf/holidays-th.txt is valid" "$BUILD/ticketd" -n -c "$TMP/holidays.conf"
check "trace categories are accepted" "$BUILD/ticketd" -T lmtp,sql,ingest,mime,smtp,imap -n -c conf/ticketd.conf
"$BUILD/ticketd" -T bogus -n -c conf/ticketd.conf 2>"$TMP/t.err"
[ $? -eq 64 ] && grep -q 'unknown trace category: bogus' "$TMP/t.err"
ok $? "an unknown trace category is a usage error"

printf '%s\n' '[ticketd]' 'database = x.db' 'colour = blue' '[lmtp]' 'timeout = soon' \
	'[queue a]' 'address = a@example.com' '[queue b]' 'address = A@example.com' >"$TMP/bad.conf"
"$BUILD/ticketd" -n -c "$TMP/bad.conf" 2>"$TMP/n.err"
is $? 1 "-n exits 1 on a broken file"
is "$(cat "$TMP/n.err")" "$TMP/bad.conf:3: unknown key \"colour\" in this section
$TMP/bad.conf:5: timeout: expected a number from 1 to 86400, not \"soon\"
$TMP/bad.conf:9: address: a@example.com is already owned by a queue at line 7" \
	"-n reports every error as file:line: message"

# Templates are checked with the configuration, each error as file:line.
mkdir "$TMP/tpl"
printf 'Subject: {{tag}} hi {{nonsense}}\n\nDear {{requester_name}},\n{{#after_hours}}\nclosed\n' >"$TMP/tpl/ack.en.txt"
{ ticketd_conf | sed "s|^templates = .*|templates = $TMP/tpl|"; printf '%s\n' "[smtp]" "url = smtp://127.0.0.1:1"; } >"$TMP/tpl.conf"
"$BUILD/ticketd" -n -c "$TMP/tpl.conf" 2>"$TMP/tpl.err"
is $? 1 "-n fails on a broken template"
grep -q "^$TMP/tpl/ack.en.txt:1: .*nonsense" "$TMP/tpl.err" && grep -q "^$TMP/tpl/ack.en.txt:4: .*after_hours" "$TMP/tpl.err"
ok $? "template errors read file:line: $(tr '\n' '|' <"$TMP/tpl.err")"

# Mistakes -n used to accept, each reported as file:line.
# minus_n NAME SED-SCRIPT LINE MESSAGE: edit a valid config and expect one error.
minus_n() {
	ticketd_conf | sed "$2" >"$TMP/m.conf"
	"$BUILD/ticketd" -n -c "$TMP/m.conf" 2>"$TMP/m.err"
	[ $? -eq 1 ] && grep -qF "$TMP/m.conf:$3: $4" "$TMP/m.err"
	ok $? "-n rejects $1 ($(cat "$TMP/m.err"))"
}
minus_n "timezone = GMT+7" '$a timezone = GMT+7' 12 \
	'timezone: "GMT+7" is POSIX for UTC-7, not UTC+7; use an IANA name such as Asia/Bangkok, or Etc/GMT-7 for UTC+7'
minus_n "a quoted value" '$a name = "Example Support"' 12 \
	'name: values are not quoted here, the quotes would be kept; write: name = Example Support'
minus_n "a duplicate section" '$a [ticketd]\nsubject_tag = [T{id}]' 12 '[ticketd] is already at line 1'
mkdir "$TMP/ro" && chmod 555 "$TMP/ro"
ticketd_conf | sed "s|^database = .*|database = $TMP/ro/db/tickets.db|" >"$TMP/ro.conf"
# Root writes anywhere: the check runs as the daemon's kind of user.
if [ "$(id -u)" -eq 0 ]; then as_user() { runuser -u nobody -- "$@"; }; else as_user() { "$@"; }; fi
as_user "$BUILD/ticketd" -n -c "$TMP/ro.conf" 2>"$TMP/ro.err"
[ $? -eq 1 ] && grep -qF "$TMP/ro.conf:2: database: $TMP/ro: Permission denied" "$TMP/ro.err"
ok $? "-n rejects a database directory it cannot write ($(cat "$TMP/ro.err"))"

ticketd_conf >"$TMP/t.conf"
start_ticketd "$TMP/t.conf" || exit 1
# hup: SIGHUP, then wait until the log says the reload is done or failed.
reloads() { log_count "$TMP/t.conf: (reloaded|reload failed)"; }
more_reloads() { [ "$(reloads)" -gt "$1" ]; }
hup() { _n=$(reloads); kill -HUP "$TICKETD_PID"; wait_for 10 more_reloads "$_n"; }
lmtp_send --to sales@example.com >"$TMP/1.out" 2>&1
grep -q '550 5.1.1' "$TMP/1.out"
ok $? "before reload sales@ is unknown"

printf '%s\n' '[queue sales]' 'address = sales@example.com' >>"$TMP/t.conf"
hup
lmtp_send --to sales@example.com >"$TMP/2.out" 2>&1
grep -q '250 2.0.0 <sales@example.com> Ok' "$TMP/2.out"
ok $? "after SIGHUP the new queue takes mail"

printf '%s\n' 'oops' >>"$TMP/t.conf"
hup
grep -q "$TMP/t.conf:[0-9]*: expected \"key = value\"" "$TICKETD_LOG"
ok $? "a broken reload is reported with file:line"
grep -q 'reload failed, keeping the running configuration' "$TICKETD_LOG"
ok $? "and the running configuration is kept"
lmtp_send --to sales@example.com >"$TMP/3.out" 2>&1
grep -q '250 2.0.0 <sales@example.com> Ok' "$TMP/3.out"
ok $? "mail still flows after the failed reload"

sed -i '$d' "$TMP/t.conf"
sed -i "s|^templates = .*|templates = $TMP/tpl|" "$TMP/t.conf"
hup
[ "$(grep -c 'reload failed, keeping the running configuration' "$TICKETD_LOG")" = 2 ]
ok $? "a reload with a broken template keeps the running configuration"
stop_ticketd
ok $? "ticketd exits 0"
