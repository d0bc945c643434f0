#!/bin/sh
# Postfix in front of ticketd, configured from contrib/postfix/ (main.cf,
# master.cf and the ticketd table, paths and ports swapped for the test's):
# a private Postfix (tests/peers/postfix.sh, loopback, high port, nothing
# in /etc) delivers support@ over LMTP on TCP, billing@ over LMTP on the
# UNIX socket through the unchrooted ticketd-lmtp service, and sales@ by
# the pipe transport ("ticketd deliver", as nobody: pipe(8) refuses root).
# Mail sent while ticketd is down (no listener, no configuration for the
# pipe) is deferred and stays queued; once ticketd runs, a queue flush
# delivers each mail exactly once. The stock chrooted lmtp service fails
# on the socket as contrib/postfix/README.md says.
. "$(dirname "$0")/../lib.sh"
[ "$(id -u)" -eq 0 ] || { echo "1..0 # SKIP Postfix must be started as root"; exit 0; }
plan 16

CONTRIB=${TESTS%/tests}/contrib/postfix
PF=$TMP/postfix
SOCK=$TMP/run/lmtp
mkdir -p "$PF/etc" "$TMP/run" "$TMP/db"
# One database for the daemon and the pipe's "ticketd deliver" run as
# nobody: an empty file owned by nobody is a new database, and SQLite
# gives the WAL files the root daemon makes the database's owner.
chown nobody "$TMP/db"
runuser -u nobody -- touch "$TMP/db/tickets.db"

# The pipe transport reads $TMP/t.conf, which exists only once ticketd is
# "installed": until then "ticketd deliver" exits 75 and Postfix defers.
ticketd_conf | sed -e "s|^database = .*|database = $TMP/db/tickets.db|" \
    -e "s|^listen = .*|&, unix:$SOCK\\nsocket_group = postfix|" >"$TMP/t.ready"
printf '%s\n' "[queue billing]" \
    "address = billing@example.com" "" "[queue sales]" \
    "address = sales@example.com" >>"$TMP/t.ready"
LMTP_PORT=$(sed -n 's/^listen = 127\.0\.0\.1:\([0-9]*\),.*/\1/p' "$TMP/t.ready")

# contrib/postfix with the test's paths. trap@ goes through a chrooted
# lmtp service, as Debian's stock "lmtp" is.
sed -e "s|127\.0\.0\.1:2424|127.0.0.1:$LMTP_PORT|" -e "s|/run/ticketd/lmtp|$SOCK|" \
    "$CONTRIB/ticketd" >"$PF/etc/ticketd"
printf 'trap@example.com\tlmtp-chroot:unix:%s\n' "$SOCK" >>"$PF/etc/ticketd"
: >"$PF/etc/main.cf"	# postmap reads one; postfix.sh writes the real one
postmap -c "$PF/etc" "hash:$PF/etc/ticketd" || { echo "Bail out! postmap failed"; exit 1; }
{
	sed -e "s|user=ticketd|user=nobody|" -e "s|/usr/local/sbin/ticketd|$BUILD/ticketd|" \
	    -e "s|/etc/ticketd/ticketd.conf|$TMP/t.conf|" "$CONTRIB/master.cf"
	echo "lmtp-chroot unix - - y - - lmtp"
} >"$TMP/master.extra"
# main.cf's settings, then a mynetworks without 127.0.0.1: the test's
# client is a stranger, so only relay_domains lets its mail in.
IFS='
'
# shellcheck disable=SC2046
set -- $(sed -e '/^#/d' -e '/^$/d' -e "s|/etc/postfix/|$PF/etc/|g" "$CONTRIB/main.cf") \
    "mynetworks = 127.0.0.2/32"
unset IFS

POSTFIX_PORT=$(freeport)
export POSTFIX_PORT POSTFIX_MASTER_CF="$TMP/master.extra"
cleanup "'$PEERS/postfix.sh' stop '$PF'"
"$PEERS/postfix.sh" start "$PF" "$@" >/dev/null || { echo "Bail out! Postfix did not start"; exit 1; }
# The mynetworks override makes every Postfix command warn.
pq() { postqueue -c "$PF/etc" "$@" 2>>"$TMP/postqueue.log"; }
queued() { pq -j | grep -c '"queue_id"'; }
sent_at_least() { [ "$(grep -c 'status=sent' "$PF/maillog")" -ge "$1" ]; }

# send ID RCPT: one mail by SMTP to the private Postfix.
send() {
	swaks --silent 2 --server 127.0.0.1 --port "$POSTFIX_PORT" --from nok@customer.test \
	    --to "$2" --header "Message-Id: <$1@customer.test>" --header "Subject: mail $1"
}

# ticketd is down.
send down-tcp support@example.com &&
    send down-unix billing@example.com &&
    send down-pipe sales@example.com &&
    send down-tag support+urgent@example.com
ok $? "Postfix accepts mail for ticketd's addresses, support+urgent@ too"
out=$(send stranger nobody@example.com 2>&1)
echo "$out" | grep -q '550 5\.1\.1 .*User unknown in relay recipient table'
ok $? "an address not in the ticketd table is refused at RCPT, not relayed"

all_deferred() {
	for _a in support billing sales support+urgent; do
		grep -q "to=<$_a@example.com>, .*status=deferred" "$PF/maillog" || return 1
	done
}
wait_for 20 all_deferred
ok $? "while ticketd is down all four are deferred"
check "LMTP over TCP: connection refused, deferred" \
    grep -Eq 'to=<support@example.com>, .*status=deferred.*Connection refused' "$PF/maillog"
check "LMTP over the socket: no such file, deferred" \
    grep -Eq 'to=<billing@example.com>, relay=.*status=deferred.*No such file' "$PF/maillog"
check "pipe: exit 75 (EX_TEMPFAIL) defers" \
    grep -Eq 'to=<sales@example.com>, relay=ticketd,.*status=deferred' "$PF/maillog"
is "$(queued)" 4 "and the four stay in Postfix's queue"

mv "$TMP/t.ready" "$TMP/t.conf"
start_ticketd "$TMP/t.conf" || { echo "Bail out! ticketd did not start"; exit 1; }
pq -f
wait_for 30 sent_at_least 4
ok $? "after ticketd starts and a queue flush all four are sent"
queue_empty() { [ "$(queued)" -eq 0 ]; }
wait_for 10 queue_empty
ok $? "and the queue is empty"

# ticketd is up: mail goes straight through each route.
send up-tcp support@example.com && send up-unix billing@example.com &&
    send up-pipe sales@example.com && send up-tag support+s42.5.MAC@example.com
wait_for 30 sent_at_least 8
ok $? "with ticketd up, new mail is delivered at once"

# Exactly once: one message row per mail, each its own ticket in the
# queue its route leads to, one "sent" per recipient, no duplicate.
DB=$TMP/db/tickets.db
is "$(sqlite3 "$DB" "SELECT m.message_id, t.queue, m.source, d.address FROM messages m
    JOIN tickets t ON t.id = m.ticket_id JOIN deliveries d ON d.message_id = m.id
    ORDER BY m.message_id")" \
"down-pipe@customer.test|sales|pipe|sales@example.com
down-tag@customer.test|support|lmtp|support+urgent@example.com
down-tcp@customer.test|support|lmtp|support@example.com
down-unix@customer.test|billing|lmtp|billing@example.com
up-pipe@customer.test|sales|pipe|sales@example.com
up-tag@customer.test|support|lmtp|support+s42.5.MAC@example.com
up-tcp@customer.test|support|lmtp|support@example.com
up-unix@customer.test|billing|lmtp|billing@example.com" \
    "each mail is stored once, in its route's queue, for the whole address"
is "$("$BUILD/ticketctl" -c "$TMP/t.conf" list --json | jq length)" 8 "eight tickets"
is "$(sed -n 's/.*to=<\([^>]*\)>.*status=sent.*/\1/p' "$PF/maillog" | sort | uniq -c |
    awk '{ print $2, $1 }')" "billing@example.com 2
sales@example.com 2
support+s42.5.MAC@example.com 1
support+urgent@example.com 1
support@example.com 2" "Postfix sent each mail once"
is "$(log_count 'duplicate')" 0 "ticketd saw no duplicate delivery"

# Debian's stock lmtp service is chrooted in the queue directory, where
# the socket's path does not exist.
send trap trap@example.com >/dev/null 2>&1
"$PEERS/postfix.sh" wait "$PF" 'to=<trap@example.com>.*status=deferred.*No such file or directory' 20
ok $? "a chrooted lmtp service cannot reach the socket: No such file or directory"

stop_ticketd
ok $? "ticketd stops cleanly"
