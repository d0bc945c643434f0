#!/bin/sh
# tests/bench/imap.sh: import a backlog from Dovecot (make bench). The
# mailbox gets IMAP_COUNT (10000) mails from the bench mix, each with its
# own Message-ID, written straight into its Maildir. Then, in one run:
#  - the raw fetch rate of that mailbox (imap-fetch, BODY.PEEK[] in
#    batches of 100, over the same libetpan wrapper ticketd uses);
#  - ticketd importing it into tickets (after = move:Processed), from
#    start to the last ticket.
. "$(dirname "$0")/../lib.sh"

IMAP_COUNT=${IMAP_COUNT:-10000}
DOVE=$TMP/dovecot
eval "$("$PEERS/dovecot.sh" start "$DOVE")" || exit 1
cleanup "'$PEERS/dovecot.sh' stop '$DOVE'"
MAILDIR=$DOVE/home/support/Maildir
mkdir -p "$MAILDIR/new" "$MAILDIR/cur" "$MAILDIR/tmp"

# Write the backlog in one process; Dovecot reads new/ at SELECT.
perl -e '
	my ($dir, $count, @files) = @ARGV;
	my @mails = map { local (@ARGV, $/) = ($_); <> } @files;
	for my $i (1 .. $count) {
		my $m = $mails[$i % @mails];
		$m =~ s/^Message-I[dD]:[^\n]*\n(?:[ \t][^\n]*\n)*//mi;
		$m = "Message-ID: <backlog-$i\@bench.example>\n$m";
		$m =~ s/\r\n/\n/g;
		open(my $f, ">", "$dir/new/$i.bench") or die "$dir: $!";
		print $f $m;
		close $f;
	}' "$MAILDIR" "$IMAP_COUNT" "$TESTS"/bench/mix/*.eml
[ "$(id -u)" -eq 0 ] && chown -R nobody:nogroup "$DOVE/home"

FETCH=$BUILD/tests/imap-fetch
fetch() { "$FETCH" -t none -b 100 127.0.0.1 "$IMAP_PORT" support secret INBOX | tail -n 1; }
echo "== warming Dovecot's index" >&2
fetch >&2
raw=$(fetch)
echo "$raw" >&2
raw_rate=$(echo "$raw" | sed -n 's/.*(\([0-9.]*\) msgs\/s).*/\1/p')

ticketd_conf >"$TMP/t.conf"
printf '%s\n' "[imap support]" "host = 127.0.0.1" "port = $IMAP_PORT" "tls = none" \
	"user = support" "password = secret" "queue = support" "after = move:Processed" \
	>>"$TMP/t.conf"
t0=$(date +%s.%N)
start_ticketd "$TMP/t.conf" || exit 1
until [ "$(sqlite3 "$TMP/tickets.db" 'SELECT count(*) FROM messages' 2>/dev/null || echo 0)" -ge "$IMAP_COUNT" ]; do
	sleep 0.05
done
t1=$(date +%s.%N)
stop_ticketd
rate=$(awk -v n="$IMAP_COUNT" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", n / (b - a) }')

printf '\n%-26s %-26s %s\n' "ticketd import msgs/s" "raw IMAP fetch msgs/s" "ratio"
printf '%-26s %-26s %s\n' "$rate" "$raw_rate" \
	"$(awk -v a="$rate" -v b="$raw_rate" 'BEGIN { printf "%.2f", a / b }')"
