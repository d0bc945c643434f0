#!/bin/sh
# Hostile and broken LMTP clients: size and line limits, SMTP smuggling
# with bare LF, command errors, idle timeout and the session cap. The
# daemon must answer each with a clear error and keep running.
. "$(dirname "$0")/../lib.sh"
plan 17

{ ticketd_conf; } | sed 's/^\[lmtp\]$/&\nmax_message_size = 4k\ntimeout = 1\nmax_sessions = 3/' >"$TMP/t.conf"
start_ticketd "$TMP/t.conf" || exit 1
talk() { "$PEERS/lmtp-talk" "$LMTP_PORT" "$@"; }
tickets() { "$BUILD/ticketctl" -c "$TMP/t.conf" list --json | jq length; }
HELLO='LHLO x\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<support@example.com>\r\n'

out=$(printf 'LHLO x\r\nMAIL FROM:<a@example.org> SIZE=999999\r\nQUIT\r\n' | talk)
printf '%s\n' "$out" | grep -q '^552 5.3.4'
ok $? "MAIL with SIZE over the limit gets 552"

big=$(head -c 6000 /dev/zero | tr '\0' 'x' | fold -w 70 | sed 's/$/\\r/' | tr -d '\n' | sed 's/\\r/\\r\\n/g')
out=$(printf '%s' "${HELLO}DATA\r\nSubject: big\r\n\r\n$big.\r\nQUIT\r\n" | talk)
printf '%s\n' "$out" | grep -q '^552 5.3.4 Message too big'
ok $? "a message over max_message_size gets 552 after the dot"
printf '%s\n' "$out" | grep -q '^221'
ok $? "the session goes on after an oversized message"

long=$(head -c 1200 /dev/zero | tr '\0' 'y')
out=$(printf '%s' "${HELLO}DATA\r\nSubject: long\r\n\r\n$long\r\n.\r\nQUIT\r\n" | talk)
printf '%s\n' "$out" | grep -q '^250 2.0.0'
ok $? "a message line over 1000 octets is accepted"
huge=$(head -c 6000 /dev/zero | tr '\0' 'z')
out=$(printf '%s' "${HELLO}DATA\r\nSubject: huge\r\n\r\n$huge\r\n.\r\nQUIT\r\n" | talk)
printf '%s\n' "$out" | grep -q '^552 5.3.4 Message too big' && printf '%s\n' "$out" | grep -q '^221'
ok $? "one line over max_message_size gets 552 after the dot, and the session goes on"
out=$(printf 'LHLO x\r\nNOOP %s\r\nNOOP\r\nQUIT\r\n' "$long" | talk)
printf '%s\n' "$out" | grep -q '^500 5.5.2 Line too long' && printf '%s\n' "$out" | grep -q '^221'
ok $? "an overlong command line gets 500 and the session goes on"
is "$(tickets)" 1 "nothing refused was stored"

# SMTP smuggling: a dot after a bare LF must not end the message, so the
# smuggled MAIL/RCPT/DATA stays content and only one mail is stored.
out=$(printf '%s' "${HELLO}DATA\r\nSubject: outer\r\nMessage-ID: <outer@x>\r\n\r\nbody\n.\nMAIL FROM:<evil@x>\r\nRCPT TO:<support@example.com>\r\nDATA\r\nSubject: smuggled\r\n\r\nx\r\n.\r\nQUIT\r\n" | talk)
is "$(printf '%s\n' "$out" | grep -c '^250 2.0.0')" 1 "bare LF dot does not end DATA: one message, one reply"
is "$(tickets)" 2 "the smuggled mail is not a ticket of its own"
"$BUILD/ticketctl" -c "$TMP/t.conf" show 2 --json | jq -r '.messages[0].body' | grep -q 'MAIL FROM:<evil@x>'
ok $? "the smuggled commands are kept as message content"

out=$(printf 'MAIL FROM:<a@x>\r\nHELO x\r\nLHLO x\r\nDATA\r\nRCPT TO:<support@example.com>\r\nMAIL FROM:<a@x>\r\nDATA\r\nBOGUS\r\nQUIT\r\n' | talk)
is "$(printf '%s\n' "$out" | sed -n 's/^\([0-9][0-9][0-9]\)[ -].*/\1/p' | uniq | tr '\n' ' ')" \
	"220 503 500 250 503 250 503 500 221 " \
	"out-of-order and unknown commands get 503 and 500"

out=$(printf 'LHLO x\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:support@example.com\r\nRCPT TO:<support@example.com\r\nQUIT\r\n' | talk)
is "$(printf '%s\n' "$out" | sed -n 's/^\([0-9][0-9][0-9]\)[ -].*/\1/p' | uniq | tr '\n' ' ')" "220 250 501 221 " \
	"RCPT without angle brackets, or without the closing one, gets 501"

# A CR inside a path would come back in the DATA reply, which names the
# recipient, and split it.
out=$(printf 'LHLO x\r\nMAIL FROM:<a\r@example.org>\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<support+\r@example.com>\r\nRCPT TO:<support+\x01@example.com>\r\nQUIT\r\n' | talk)
is "$(printf '%s\n' "$out" | sed -n 's/^\([0-9][0-9][0-9]\)[ -].*/\1/p' | uniq | tr '\n' ' ')" "220 250 501 250 501 221 " \
	"a control character in MAIL or RCPT paths gets 501"

out=$( (for i in $(seq 1 25); do printf 'XYZZY\r\n'; done) | talk)
printf '%s\n' "$out" | grep -q '^421 4.7.0 Too many errors'
ok $? "a client that only sends garbage is disconnected with 421"

out=$(printf 'LHLO x\r\n' | talk 4)
printf '%s\n' "$out" | grep -q '^421 4.4.2'
ok $? "an idle session is closed with 421 after the timeout"

# Three sessions fill the cap; the fourth client is told 421. Each of the
# three says when it has its greeting, keeps its session with NOOPs (the
# idle timeout is 1 s) until $TMP/release exists, then quits and waits
# for the daemon to close.
hold() {
	perl -MIO::Socket::INET -e '
		my ($port, $ready, $release) = @ARGV;
		my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1", PeerPort => $port) or die;
		<$s> =~ /^220/ or die; open(my $f, ">", $ready) or die; close $f;
		until (-e $release) { print $s "NOOP\r\n"; <$s>; select(undef, undef, undef, 0.2) }
		print $s "QUIT\r\n"; 1 while <$s>;' "$LMTP_PORT" "$TMP/ready.$1" "$TMP/release"
}
holders=''
for i in 1 2 3; do spawn hold "$i"; holders="$holders $!"; done
all_ready() { [ -e "$TMP/ready.1" ] && [ -e "$TMP/ready.2" ] && [ -e "$TMP/ready.3" ]; }
wait_for 10 all_ready
out=$(printf 'LHLO x\r\n' | talk 1)
printf '%s\n' "$out" | grep -q '^421 4.3.2'
ok $? "over max_sessions a client gets 421 instead of a session"

touch "$TMP/release"
none_alive() { for _p in $holders; do alive "$_p" && return 1; done; return 0; }
wait_for 10 none_alive
out=$(printf 'LHLO x\r\nQUIT\r\n' | talk)
printf '%s\n' "$out" | grep -q '^221' && alive "$TICKETD_PID"
ok $? "after all this the daemon still serves"
