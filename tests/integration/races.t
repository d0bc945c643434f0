#!/bin/sh
# Races and shutdown: a reply submitted while its original is still being
# parsed still joins its ticket; a client that never reads its replies
# cannot make the daemon buffer without end; SIGTERM with pipelined mail
# in flight loses nothing that was acknowledged and exits cleanly.
. "$(dirname "$0")/../lib.sh"
plan 6

ticketd_conf >"$TMP/t.conf"
start_ticketd "$TMP/t.conf" || exit 1
db() { sqlite3 "$TMP/tickets.db" "$1"; }

out=$(perl "$PEERS/lmtp-race.pl" "$LMTP_PORT" 10)
is "$out" "pairs=10 replies=20" "10 slow-to-parse mails and their quick replies are all accepted"
is "$(db "SELECT count(*) FROM messages a JOIN messages b ON a.ticket_id = b.ticket_id
	WHERE a.message_id LIKE 'big-%' AND b.message_id = replace(a.message_id, 'big-', 'small-')")" 10 \
	"every reply joins the ticket of the mail it answers, though it was parsed first"

# A client that pipelines commands and never reads: ticketd stops reading
# it once its unread replies pile up, instead of growing. What the client
# manages to push is the measure (only socket buffers' worth, where an
# unthrottled daemon reads on for hundreds of megabytes); RSS is shown,
# but sanitizer builds make it meaningless.
rss() { awk '/^VmRSS:/ { print int($2 / 1024) }' "/proc/$TICKETD_PID/status"; }
before=$(rss)
perl -MIO::Socket::INET -MIO::Select -e '
	my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1", PeerPort => $ARGV[0]) or die;
	$s->blocking(0);
	my $chunk = "NOOP\r\n" x 10000; my $sent = 0; my $end = time + 3;
	while (time < $end) { my $n = syswrite($s, $chunk); $sent += $n if $n; select(undef, undef, undef, 0.001) unless $n; }
	print "$sent\n";' "$LMTP_PORT" >"$TMP/sent"
after=$(rss)
diag "a non-reading client pushed $(cat "$TMP/sent") bytes; ticketd RSS $before -> $after MB"
[ "$(cat "$TMP/sent")" -lt 20000000 ]
ok $? "a client that never reads is throttled ($(cat "$TMP/sent") bytes in 3 s)"

# SIGTERM while pipelined transactions are in flight. The client sends one
# mail and waits for its 250, so that something is acknowledged; then,
# with the daemon stopped, it pipelines two more and says so; only then
# does the daemon get SIGTERM (and SIGCONT to see it).
perl -MIO::Socket::INET -e '
	my ($port, $sent) = @ARGV;
	$| = 1;
	my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1", PeerPort => $port) or die;
	sub mail { "MAIL FROM:<t\@example.org>\r\nRCPT TO:<support\@example.com>\r\nDATA\r\n" .
	    "Subject: term $_[0]\r\nMessage-ID: <term-$_[0]\@x>\r\n\r\nbody\r\n.\r\n" }
	print $s "LHLO x\r\n" . mail(1);
	while (<$s>) { print; last if /^250 2\.0\.0 <support/ }
	until (-e "$sent.go") { select(undef, undef, undef, 0.05) }
	print $s mail(2) . mail(3);
	$s->shutdown(1);
	open(my $f, ">", $sent) or die; close $f;
	print while <$s>;' "$LMTP_PORT" "$TMP/term.sent" >"$TMP/term.out" &
client=$!
first_acked() { grep -q '^250 2.0.0 <support@example.com> Ok' "$TMP/term.out"; }
wait_for 10 first_acked
kill -STOP "$TICKETD_PID"
touch "$TMP/term.sent.go"
wait_for 10 test -e "$TMP/term.sent"
kill -TERM "$TICKETD_PID"
kill -CONT "$TICKETD_PID"
stop_ticketd
ok $? "ticketd exits 0 on SIGTERM with mail in flight"
wait "$client"
acked=$(grep -c '^250 2.0.0 <support@example.com> Ok' "$TMP/term.out")
stored=$(db "SELECT count(*) FROM messages WHERE message_id LIKE 'term-%'")
diag "acknowledged $acked, stored $stored"
[ "$acked" -gt 0 ] && [ "$stored" -ge "$acked" ]
ok $? "every acknowledged mail is stored ($stored >= $acked > 0)"
! grep -q 'CRITICAL\|assertion' "$TICKETD_LOG"
ok $? "no GLib criticals during shutdown"
