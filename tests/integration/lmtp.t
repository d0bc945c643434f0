#!/bin/sh
# LMTP protocol: LHLO capabilities, per-recipient replies in RCPT order
# with pipelining, unknown and plus-addressed recipients, the UNIX socket
# listener, lines longer than 1000 octets, and the tickets that result.
. "$(dirname "$0")/../lib.sh"
plan 22

SOCK=$TMP/lmtp.sock
{ ticketd_conf; printf '%s\n' "[queue billing]" "address = billing@example.com"; } |
	sed "s|^listen = .*|&, unix:$SOCK\nmax_message_size = 4M|" >"$TMP/t.conf"
start_ticketd "$TMP/t.conf" || exit 1
ctl() { "$BUILD/ticketctl" -c "$TMP/t.conf" "$@"; }

out=$(printf 'LHLO client.example.org\r\nQUIT\r\n' | "$PEERS/lmtp-talk" "$LMTP_PORT")
caps=$(printf '%s\n' "$out" | sed -n 's/^250[- ]\([A-Z0-9]\+\)\b.*/\1/p' | sort | tr '\n' ' ')
is "$caps" "8BITMIME ENHANCEDSTATUSCODES PIPELINING SIZE " "LHLO offers PIPELINING, ENHANCEDSTATUSCODES, 8BITMIME and SIZE"

lmtp_send --pipeline --from cust@example.org \
	--to support+urgent@example.com,nobody@example.com,billing@example.com \
	--header 'Subject: Printer on fire' --header 'Message-Id: <m1@example.org>' \
	--body 'Please help.' >"$TMP/swaks.out" 2>&1
replies=$(sed -n 's/^<[-*]* *\(25[0-9]\|55[0-9]\|45[0-9]\) \([0-9]\.[0-9.]*\).*/\1 \2/p' "$TMP/swaks.out" | tr '\n' ' ')
is "$replies" "250 2.1.0 250 2.1.5 550 5.1.1 250 2.1.5 250 2.0.0 250 2.0.0 " \
	"pipelined: unknown recipient refused, one reply per accepted recipient after DATA"
grep -q '^<[-*]* *250 2.0.0 <support+urgent@example.com> Ok: ticket 1$' "$TMP/swaks.out" &&
    grep -A1 'support+urgent@example.com> Ok' "$TMP/swaks.out" | grep -q 'billing@example.com> Ok: ticket 1'
ok $? "DATA replies come in RCPT order and name the ticket"

json=$(ctl list --json)
is "$(printf '%s' "$json" | jq -r 'length')" 1 "one mail to two queues makes one ticket"
is "$(printf '%s' "$json" | jq -r '.[0] | [.id, .subject, .requester, .status, .queue, .priority, (.tags|length), .messages] | @tsv')" \
	"$(printf '1\tPrinter on fire\tcust@example.org\tnew\tsupport\tnormal\t0\t1')" \
	"the ticket has id, subject, requester, status new, the first recipient's queue"
printf '%s' "$json" | jq -e '.[0].created_at | test("^[0-9-]{10}T[0-9:]{8}Z$")' >/dev/null
ok $? "created_at is ISO 8601 UTC"

show=$(ctl show 1 --json)
is "$(printf '%s' "$show" | jq -r '.messages[0] | [.direction, .from, .message_id, .subject, .return_path] | @tsv')" \
	"$(printf 'in\tcust@example.org\tm1@example.org\tPrinter on fire\tcust@example.org')" \
	"show: message direction, from, message_id, subject, envelope sender"
is "$(printf '%s' "$show" | jq -r '[.events[].type] | join(",")')" "created,message" "show: the event log"
printf '%s' "$show" | jq -e '.messages[0].body | startswith("Please help.")' >/dev/null
ok $? "show: the body"

out=$(printf 'LHLO x\r\nMAIL FROM:<>\r\nRCPT TO:<SUPPORT@EXAMPLE.COM>\r\nDATA\r\nSubject: bounce\r\nMessage-ID: <m2@x>\r\n\r\nhi\r\n.\r\nQUIT\r\n' |
	"$PEERS/lmtp-talk" "$LMTP_PORT")
printf '%s\n' "$out" | grep -q '^250 2.0.0 <SUPPORT@EXAMPLE.COM> Ok: ticket 2$'
ok $? "null sender and upper-case recipient are accepted"
is "$(ctl show 2 --json | jq -r '.messages[0].return_path')" "" "the null sender is kept as an empty return path"

swaks --protocol LMTP --socket "$SOCK" --from a@example.org --to billing@example.com \
	--header 'Subject: via unix socket' >"$TMP/unix.out" 2>&1
grep -q '250 2.0.0 <billing@example.com> Ok: ticket 3' "$TMP/unix.out"
ok $? "the UNIX socket listener stores mail"
is "$(ctl show 3 --json | jq -r .queue)" billing "the recipient's queue is the ticket's queue"

# More pipelined replies than the session holds back for an unread
# client (64 KB): once they are read, the commands already received must
# still be answered, though the client sends nothing more.
out=$( (i=0; while [ $i -lt 6000 ]; do printf 'NOOP\\r\\n'; i=$((i + 1)); done; printf 'QUIT\\r\\n') |
	"$PEERS/lmtp-talk" "$LMTP_PORT")
is "$(printf '%s\n' "$out" | grep -c '^250 2.0.0 Ok$') $(printf '%s\n' "$out" | tail -n 1)" "6000 221 2.0.0 Bye" \
	"6000 pipelined NOOPs get 6000 replies, then QUIT its 221"

# Long lines: Postfix and Dovecot accept them, and so does pipe delivery;
# a 5xx here would bounce the customer's mail.
perl -e 'print "From: long\@example.org\nTo: support\@example.com\n",
    "Subject: long lines\nMessage-ID: <long\@example.org>\n\n",
    "x" x 5000, "\n", ".", "y" x 2999, "\nend\n"' >"$TMP/long.eml"
lmtp_send --from long@example.org --to support@example.com --data "$TMP/long.eml" \
	>"$TMP/long.out" 2>&1
grep -q '^<-  250 2.0.0 <support@example.com> Ok: ticket 4$' "$TMP/long.out"
ok $? "a mail with lines of 5000 and 3000 octets gets 250"
is "$(sqlite3 "$TMP/tickets.db" "SELECT hex(raw) FROM raw_messages WHERE message_id = 4" |
	xxd -r -p | tr -d '\r' | sed -n '6,7p' | md5sum)" "$(sed -n '6,7p' "$TMP/long.eml" | md5sum)" \
	"the long lines are stored verbatim, the dot-stuffed one unstuffed"
sed 's/<long@/<long-pipe@/' "$TMP/long.eml" |
	"$BUILD/ticketd" -c "$TMP/t.conf" deliver -r support@example.com 2>>"$TMP/deliver.log"
ok $? "pipe delivery accepts the same mail"
body_lines() { ctl show "$1" --json | jq -r '.messages[0].body' | head -n 2 | md5sum; }
is "$(body_lines 4) $(body_lines 5)" "$(sed -n '6,7p' "$TMP/long.eml" | md5sum) $(sed -n '6,7p' "$TMP/long.eml" | md5sum)" \
	"LMTP and pipe both keep the long lines whole in the body"
# The corpus mail of this class: a one-line References field and HTML.
lmtp_send --from long@example.org --to support@example.com --data "$TESTS/corpus/long-lines.eml" \
	>"$TMP/corpus.out" 2>&1
t=$(sed -n 's/^<-  250 2.0.0 <support@example.com> Ok: ticket \([0-9]*\)$/\1/p' "$TMP/corpus.out")
is "$(ctl show "${t:-0}" --json | jq -r '.messages[0].body')" "$(sed '1,/^body:$/d' "$TESTS/corpus/long-lines.ref")" \
	"tests/corpus/long-lines.eml gets 250, and its body is stored as its .ref says"

# One line of 128 MB, far over max_message_size: refused, and the line is
# not buffered whole on its way to that answer.
hwm() { awk '/^VmHWM:/ { print int($2 / 1024) }' "/proc/$TICKETD_PID/status"; }
before=$(hwm)
reply=$(perl -MIO::Socket::INET -e '
	my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1", PeerPort => $ARGV[0]) or die;
	sub reply { my $l; do { $l = <$s> // die "closed\n" } while $l =~ /^\d\d\d-/; $l }
	reply();
	print $s "LHLO x\r\n"; reply();
	print $s "MAIL FROM:<big\@example.org>\r\n"; reply();
	print $s "RCPT TO:<support\@example.com>\r\n"; reply();
	print $s "DATA\r\n"; reply();
	print $s "Subject: one long line\r\n\r\n";
	my $chunk = "x" x (1024 * 1024);
	print $s $chunk for 1 .. 128;
	print $s "\r\n.\r\n";
	print reply();' "$LMTP_PORT" | tr -d '\r')
is "${reply%% *}" 552 "a 128 MB line over max_message_size is refused with 552 ($reply)"
after=$(hwm)
diag "ticketd peak RSS $before -> $after MB"
[ $((after - before)) -lt 64 ]
ok $? "and ticketd's memory does not grow with the line ($before -> $after MB)"

stop_ticketd
ok $? "ticketd exits 0 on SIGTERM"
