#!/bin/sh
# One daemon per database, and the LMTP UNIX socket: a second ticketd on
# the same database refuses to start (exit 75, naming the database and the
# holder's pid) and leaves the first one's socket alone; ticketctl and
# "ticketd deliver" still work beside the daemon, whose outbox alone
# sends; a live socket is never taken over, a stale one is; the socket is
# created with socket_mode and socket_group, and bad values are file:line
# errors from ticketd -n.
. "$(dirname "$0")/../lib.sh"
plan 20

SOCK=$TMP/lmtp.sock
# A group we may give the socket to: any group as root, else our own.
if [ "$(id -u)" -eq 0 ]; then GROUP=nogroup; else GROUP=$(id -gn); fi
# conf NAME DB SOCKET [LMTP-SETTING...]: $TMP/NAME.conf on a new TCP port.
conf() {
	_name=$1 _db=$2 _sock=$3; shift 3
	ticketd_conf | sed -e "s|^database = .*|database = $_db|" \
	    -e "s|^listen = .*|&, unix:$_sock|" \
	    -e "/^listen = /{
$(for s; do printf 'a\\\n%s\n' "$s"; done)
}" >"$TMP/$_name.conf"
	printf '%s\n' "[smtp]" "url = file:$TMP/out" >>"$TMP/$_name.conf"
}
ctl() { "$BUILD/ticketctl" -c "$TMP/a.conf" "$@"; }
# over_socket PATH: one LMTP transaction over the UNIX socket at PATH.
over_socket() {
	swaks --protocol LMTP --socket "$1" --from c@example.org \
	    --to support@example.com --header "Subject: $2" >"$TMP/swaks.out" 2>&1 &&
	    grep -q '<- *250' "$TMP/swaks.out"
}
sent_by() { [ "$(ctl outbox --json | jq -r "$1")" = "$2" ]; }

conf a "$TMP/tickets.db" "$SOCK" "socket_group = $GROUP"
start_ticketd "$TMP/a.conf" || exit 1
first=$TICKETD_PID

# 1. The socket's mode and group.
is "$(stat -c '%a %G' "$SOCK")" "660 $GROUP" "the socket is 0660 and group $GROUP"
inode=$(stat -c %i "$SOCK")

# refused NAME STATUS MESSAGE WHAT: ticketd -c $TMP/NAME.conf exits STATUS
# saying MESSAGE, and the first one's socket stays, and takes mail.
refused() {
	timeout 30 "$BUILD/ticketd" -c "$TMP/$1.conf" 2>"$TMP/$1.err"
	is "$?" "$2" "$4 exits $2"
	grep -qF "$3" "$TMP/$1.err"
	ok $? "it says why: $(tail -n 1 "$TMP/$1.err")"
	is "$(stat -c %i "$SOCK")" "$inode" "the first one's socket was left alone"
	over_socket "$SOCK" "after $1"
	ok $? "and still takes mail"
}

# 2. A second ticketd on the same database.
conf b "$TMP/tickets.db" "$SOCK"
refused b 75 "$TMP/tickets.db: in use by another ticketd (pid $first holds $TMP/tickets.db.lock)" \
	"a second ticketd on the same database"
is "$(cat "$TMP/tickets.db.lock")" "$first" "the lock file holds the pid"

# 3. ticketctl and ticketd deliver beside the daemon; only it sends.
printf 'Subject: piped\nFrom: p@example.org\nMessage-Id: <pipe@x>\n\nhi\n' |
	"$BUILD/ticketd" -c "$TMP/a.conf" deliver -f p@example.org >"$TMP/deliver.out" 2>&1
ok $? "ticketd deliver works while the daemon runs"
t=$(sed -n 's/^ticket //p' "$TMP/deliver.out")
ctl reply "$t" --canned need-more-info >/dev/null
ok $? "ticketctl reply works while the daemon runs"
wait_for 30 sent_by ".[] | select(.kind == \"reply\") | .status" sent
ok $? "the canned reply is sent"
is "$(ctl outbox --json | jq -r '[.[] | .claimed_by] | unique | join(" ")')" \
	"$(hostname):$first" "by the daemon, as is every other mail"

# 4. Another database on the same socket path: the live socket stays.
conf c "$TMP/other.db" "$SOCK"
refused c 69 "lmtp unix:$SOCK: a live listener owns this socket" \
	"a ticketd on another database but the same socket"

# 5. A socket left by a killed ticketd is stale: the next one replaces it.
kill -9 "$first"; wait "$first" 2>/dev/null
[ -S "$SOCK" ]
ok $? "a killed ticketd leaves its socket behind"
start_ticketd "$TMP/a.conf" || exit 1
over_socket "$SOCK" 'after the restart'
ok $? "the next ticketd replaces the stale socket and takes mail"
stop_ticketd
[ ! -e "$SOCK" ]
ok $? "and removes it when it stops"

# 6. socket_mode, and what ticketd -n says about bad values.
conf d "$TMP/d.db" "$TMP/d.sock" "socket_mode = 0600"
start_ticketd "$TMP/d.conf" || exit 1
is "$(stat -c %a "$TMP/d.sock")" 600 "socket_mode = 0600 gives a 0600 socket"
# Someone else's listener takes the path: stopping must not unlink it.
mv "$TMP/d.sock" "$TMP/d.sock.old"
spawn perl -MIO::Socket::UNIX -e 'my $s = IO::Socket::UNIX->new(Local => $ARGV[0],
	Listen => 1) or die "$!\n"; sleep 60' "$TMP/d.sock"
wait_for 30 test -S "$TMP/d.sock"
stop_ticketd
[ -S "$TMP/d.sock" ]
ok $? "a stopping ticketd leaves alone a socket at its path that is not its own"
conf e "$TMP/e.db" "$TMP/e.sock" "socket_mode = 0999" "socket_group = no-such-group"
line=$(grep -n '^socket_mode' "$TMP/e.conf" | cut -d: -f1)
"$BUILD/ticketd" -n -c "$TMP/e.conf" >"$TMP/n.out" 2>&1
is "$(cat "$TMP/n.out")" "$TMP/e.conf:$line: socket_mode: expected octal permissions from 0 to 0777 (e.g. 0660), not \"0999\"
$TMP/e.conf:$((line + 1)): socket_group: no such group \"no-such-group\"" \
	"ticketd -n reports a bad socket_mode and socket_group as file:line"
