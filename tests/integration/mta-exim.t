#!/bin/sh
# Exim in front of ticketd, with contrib/exim/'s router and transports
# (port and socket path swapped for the test's). Exim conflicts with
# Postfix, so the test runs Debian's exim4-daemon-light unpacked with
# dpkg -x from the .deb that deps.sh fetched, as root, with its own
# configuration (-C), spool and logs under $TMP, on a free loopback port.
# The one system change it needs is the Debian-exim user, which the
# binary looks up by name at start (deps.sh makes it as exim4-base's
# postinst does).
#
# support@ goes over LMTP on TCP, billing@ over the UNIX socket. Mail
# sent while ticketd is down is deferred and stays queued; once ticketd
# runs, a forced queue run (exim -qff) delivers each mail exactly once.
. "$(dirname "$0")/../lib.sh"

skip() { echo "1..0 # SKIP $1"; exit 0; }
[ "$(id -u)" -eq 0 ] || skip "Exim runs as root here"
getent passwd Debian-exim >/dev/null || skip "no Debian-exim user (make deps)"
deb_root "$TMP/root" exim4-base exim4-daemon-light || skip "no Exim package (make deps)"
plan 14

CONTRIB=${TESTS%/tests}/contrib/exim
EXIM=$TMP/root/usr/sbin/exim4
EX=$TMP/exim
SOCK=$TMP/run/lmtp
mkdir -p "$EX/spool" "$EX/log" "$TMP/run"
# Exim writes its spool and logs as its user, also when started by root.
chown -R Debian-exim:Debian-exim "$EX/spool" "$EX/log"

{ ticketd_conf | sed "s|^listen = .*|&, unix:$SOCK\\nsocket_group = Debian-exim|"
  printf '%s\n' "[queue billing]" "address = billing@example.com"; } >"$TMP/t.conf"
LMTP_PORT=$(sed -n 's/^listen = 127\.0\.0\.1:\([0-9]*\),.*/\1/p' "$TMP/t.conf")
EXIM_PORT=$(freeport)

# The contrib router sends support@ and billing@ over TCP; a copy of it
# in front sends billing@ to the socket transport instead.
cat >"$EX/exim.conf" <<EOF
exim_path = $EXIM
primary_hostname = mta.example.test
keep_environment =
tls_advertise_hosts =
spool_directory = $EX/spool
log_file_path = $EX/log/%slog
pid_file_path = $EX/exim.pid
local_interfaces = 127.0.0.1
domainlist local_domains = example.com
acl_smtp_rcpt = acl_check_rcpt

begin acl
acl_check_rcpt:
  deny    domains = !+local_domains
          message = relay not permitted
  require verify = recipient
  accept

begin routers
$(sed -e 's/^ticketd:/ticketd_socket:/' -e 's/local_parts = .*/local_parts = billing/' \
    -e 's/transport = ticketd_lmtp/&_socket/' "$CONTRIB/router")
$(cat "$CONTRIB/router")

begin transports
$(sed -e "s|port = 2424|port = $LMTP_PORT|" -e "s|/run/ticketd/lmtp|$SOCK|" "$CONTRIB/transport")

begin retry
*	*	F,1h,10m
EOF
MAINLOG=$EX/log/mainlog
# -C with a file outside Debian's trusted list costs Exim its root
# privilege ("exim user lost privilege for using -C option", on stderr
# and in the paniclog): deliveries run as Debian-exim, which is enough.
spawn "$EXIM" -C "$EX/exim.conf" -bdf -oX "$EXIM_PORT" 2>>"$EX/stderr.log"
EXIM_PID=$!
wait_port "$EXIM_PORT" 20 || { echo "Bail out! Exim did not start"; cat "$EX/log/"* >&2; exit 1; }
exim() { "$EXIM" -C "$EX/exim.conf" "$@" 2>>"$EX/stderr.log"; }
queued() { exim -bpc; }

# send ID RCPT: one mail by SMTP to Exim.
send() {
	swaks --silent 2 --server 127.0.0.1 --port "$EXIM_PORT" --from nok@customer.test \
	    --to "$2" --header "Message-Id: <$1@customer.test>" --header "Subject: mail $1"
}
logged() { grep -Eq "$1" "$MAINLOG"; }
nlogged() { [ "$(grep -Ec "$1" "$MAINLOG")" -ge "$2" ]; }

# ticketd is down.
send down-tcp support@example.com && send down-unix billing@example.com &&
    send down-tag support+urgent@example.com
ok $? "Exim accepts mail for ticketd's addresses, support+urgent@ too"
send stranger nobody@example.com 2>&1 | grep -q '550'
ok $? "an address the router does not know is refused at RCPT"

wait_for 20 logged 'support\+urgent@example.com>? R=ticketd T=ticketd_lmtp defer' &&
    wait_for 20 logged '== billing@example.com .*defer' &&
    wait_for 20 logged '== support@example.com .*defer'
ok $? "while ticketd is down all three are deferred"
check "LMTP over TCP: connection refused" \
    grep -Eq '== support@example.com R=ticketd T=ticketd_lmtp defer .*Connection refused' "$MAINLOG"
check "LMTP over the socket: no such file" \
    grep -Eq '== billing@example.com R=ticketd_socket T=ticketd_lmtp_socket defer .*No such file' "$MAINLOG"
is "$(queued)" 3 "and the three stay in Exim's queue"

start_ticketd "$TMP/t.conf" || { echo "Bail out! ticketd did not start"; exit 1; }
exim -qff
wait_for 30 nlogged ' Completed' 3
ok $? "after ticketd starts, a forced queue run delivers all three"
is "$(queued)" 0 "and the queue is empty"

# ticketd is up: mail goes straight through.
send up-tcp support@example.com && send up-unix billing@example.com &&
    send up-tag support+s42.5.MAC@example.com
wait_for 30 nlogged ' Completed' 6
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
# "=> support@example.com <support+urgent@example.com>": the address as
# given is in <> when routing changed it.
is "$(sed -n -e 's/.* [=-]> [^ ]* <\([^>]*\)> R=.*/\1/p' -e t -e 's/.* [=-]> \([^ ]*\) R=.*/\1/p' \
    "$MAINLOG" | sort | uniq -c | awk '{ print $2, $1 }')" \
"billing@example.com 2
support+s42.5.MAC@example.com 1
support+urgent@example.com 1
support@example.com 2" "Exim delivered each mail once"
is "$(log_count 'duplicate')" 0 "ticketd saw no duplicate delivery"

stop_ticketd
ok $? "ticketd stops cleanly"
stop "$EXIM_PID"
