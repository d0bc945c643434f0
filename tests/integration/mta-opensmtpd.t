#!/bin/sh
# OpenSMTPD in front of ticketd, with contrib/opensmtpd/ (listen port,
# table paths, LMTP port and socket swapped for the test's, tables mapping
# to nobody instead of ticketd). OpenSMTPD conflicts with Postfix, so the
# test runs Debian's opensmtpd unpacked with dpkg -x from the .deb that
# deps.sh fetched, as root, on a free loopback port.
#
# Its paths are compiled in: the spool /var/spool/smtpd (root, 0711),
# the control socket /var/run/smtpd.sock, the delivery agents in
# /usr/libexec/opensmtpd (mail.lmtp), the chroot /var/lib/opensmtpd/empty;
# and it looks up the users opensmtpd and opensmtpq by name. The system
# changes, made once by deps.sh as the package's postinst would: those two
# users and groups, and the three directories, empty. The test runs smtpd
# in a private mount namespace (unshare -m) with its own spool, /run and
# the unpacked libexec bound over them, so nothing it writes lands outside
# $TMP. smtpctl must be setgid opensmtpq: the unpacked copy is made so.
#
# support@ goes over LMTP on TCP, billing@ over the UNIX socket. Mail
# sent while ticketd is down is deferred and stays queued; once ticketd
# runs, "smtpctl schedule all" delivers each mail exactly once.
. "$(dirname "$0")/../lib.sh"

skip() { echo "1..0 # SKIP $1"; exit 0; }
[ "$(id -u)" -eq 0 ] || skip "OpenSMTPD runs as root here"
getent passwd opensmtpq >/dev/null && getent passwd opensmtpd >/dev/null &&
    [ -d /var/spool/smtpd ] && [ -d /usr/libexec/opensmtpd ] &&
    [ -d /var/lib/opensmtpd/empty ] || skip "OpenSMTPD's users or directories are missing (make deps)"
unshare -m true 2>/dev/null || skip "no private mount namespace (unshare -m)"
deb_root "$TMP/root" opensmtpd || skip "no OpenSMTPD package (make deps)"
plan 14

CONTRIB=${TESTS%/tests}/contrib/opensmtpd
OS=$TMP/smtpd
SOCK=$TMP/run/lmtp
mkdir -p "$OS/spool" "$OS/run" "$TMP/run"
chmod 711 "$OS/spool"
chgrp opensmtpq "$TMP/root/usr/sbin/smtpctl" && chmod 2755 "$TMP/root/usr/sbin/smtpctl"

# mail.lmtp runs as the mapped user, nobody here: the socket is its group's.
{ ticketd_conf | sed "s|^listen = .*|&, unix:$SOCK\\nsocket_group = nogroup|"
  printf '%s\n' "[queue billing]" "address = billing@example.com"; } >"$TMP/t.conf"
LMTP_PORT=$(sed -n 's/^listen = 127\.0\.0\.1:\([0-9]*\),.*/\1/p' "$TMP/t.conf")
SMTPD_PORT=$(freeport)

cp "$CONTRIB/ticketd" "$OS/ticketd"
sed 's/ticketd$/nobody/' "$CONTRIB/ticketd-users" >"$OS/ticketd-users"
# billing@ goes to the socket: the commented action, named apart and
# matched first.
{
	sed -e "s|/etc/smtpd/|$OS/|" -e "s|^listen on localhost|listen on 127.0.0.1 port $SMTPD_PORT|" \
	    -e "s|127\.0\.0\.1:2424|127.0.0.1:$LMTP_PORT|" -e "/^match/d" "$CONTRIB/smtpd.conf"
	sed -n "s|^#action \"ticketd\" lmtp \"/run/ticketd/lmtp\"|action \"socket\" lmtp \"$SOCK\"|p" \
	    "$CONTRIB/smtpd.conf"
	echo 'match from any for rcpt-to "billing@example.com" action "socket"'
	grep '^match' "$CONTRIB/smtpd.conf"
} >"$OS/smtpd.conf"
"$TMP/root/usr/sbin/smtpd" -n -f "$OS/smtpd.conf" >"$OS/check.out" 2>&1
ok $? "the adapted contrib smtpd.conf is valid" || diag <"$OS/check.out"

SMTPD_LOG=$OS/smtpd.log
spawn unshare -m sh -c 'mount --bind "$1" /var/spool/smtpd &&
    mount --bind "$2" /usr/libexec/opensmtpd && mount --bind "$3" /run &&
    exec "$4" -d -f "$5"' sh "$OS/spool" "$TMP/root/usr/libexec/opensmtpd" "$OS/run" \
    "$TMP/root/usr/sbin/smtpd" "$OS/smtpd.conf" 2>"$SMTPD_LOG"
SMTPD_PID=$!
wait_port "$SMTPD_PORT" 20 || { echo "Bail out! OpenSMTPD did not start"; diag <"$SMTPD_LOG"; exit 1; }
# smtpctl reaches smtpd's socket inside its namespace.
smtpctl() { nsenter -t "$SMTPD_PID" -m "$TMP/root/usr/sbin/smtpctl" "$@"; }
queued() { smtpctl show queue | grep -c .; }

# send ID RCPT: one mail by SMTP to OpenSMTPD.
send() {
	swaks --silent 2 --server 127.0.0.1 --port "$SMTPD_PORT" --from nok@customer.test \
	    --to "$2" --header "Message-Id: <$1@customer.test>" --header "Subject: mail $1"
}
logged() { grep -Eq "$1" "$SMTPD_LOG"; }
nlogged() { [ "$(grep -Ec "$1" "$SMTPD_LOG")" -ge "$2" ]; }

# ticketd is down.
send down-tcp support@example.com && send down-unix billing@example.com &&
    send down-tag support+urgent@example.com
ok $? "OpenSMTPD accepts mail for ticketd's addresses, support+urgent@ too"
send stranger nobody@example.com 2>&1 | grep -q '550 Invalid recipient'
ok $? "an address not in the ticketd table is refused at RCPT"

wait_for 20 logged 'rcpt=<support\+urgent@example.com> .*result=TempFail' &&
    wait_for 20 logged 'rcpt=<billing@example.com> .*result=TempFail' &&
    wait_for 20 logged 'rcpt=<support@example.com> .*result=TempFail'
ok $? "while ticketd is down all three are deferred (TempFail)"
check "billing@ went to the socket: No such file" \
    grep -Eq 'rcpt=<billing@example.com> .*TempFail.*connect: No such file' "$SMTPD_LOG"
is "$(queued)" 3 "and the three stay in OpenSMTPD's queue"

start_ticketd "$TMP/t.conf" || { echo "Bail out! ticketd did not start"; exit 1; }
smtpctl schedule all >/dev/null
wait_for 30 nlogged 'mda delivery .*result=Ok' 3
ok $? "after ticketd starts, smtpctl schedule all delivers all three"
queue_empty() { [ "$(queued)" -eq 0 ]; }
wait_for 10 queue_empty
ok $? "and the queue is empty"

# ticketd is up: mail goes straight through.
send up-tcp support@example.com && send up-unix billing@example.com &&
    send up-tag support+s42.5.MAC@example.com
wait_for 30 nlogged 'mda delivery .*result=Ok' 6
ok $? "with ticketd up, new mail is delivered at once"

# The deliveries' addresses are the LMTP RCPT TOs, tags included.
is "$(stored_deliveries "$TMP/tickets.db")" \
"down-tag@customer.test|support|support+urgent@example.com
down-tcp@customer.test|support|support@example.com
down-unix@customer.test|billing|billing@example.com
up-tag@customer.test|support|support+s42.5.MAC@example.com
up-tcp@customer.test|support|support@example.com
up-unix@customer.test|billing|billing@example.com" \
    "each mail is stored once, in its address's queue, for the whole address"
is "$("$BUILD/ticketctl" -c "$TMP/t.conf" list --json | jq length)" 6 "six tickets"
is "$(sed -n 's/.*mda delivery .* rcpt=<\([^>]*\)> .*result=Ok.*/\1/p' "$SMTPD_LOG" |
    sort | uniq -c | awk '{ print $2, $1 }')" \
"billing@example.com 2
support+s42.5.MAC@example.com 1
support+urgent@example.com 1
support@example.com 2" "OpenSMTPD delivered each mail once, tags kept"
is "$(log_count 'duplicate')" 0 "ticketd saw no duplicate delivery"

stop_ticketd
ok $? "ticketd stops cleanly"
stop "$SMTPD_PID"
