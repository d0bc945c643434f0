#!/usr/bin/perl
# lmtp-race PORT PAIRS: for each pair, a mail A on one connection that is
# slow to parse but quick to send (20,000 tiny MIME parts, 720 KB) and,
# 20 ms after A's final dot (time for the server to read A, not to parse
# it), a small reply B (In-Reply-To: A) on a second connection. B is
# parsed long before A, and is often submitted first too (when A's data
# is still being read); either way B must end up in A's ticket.
# Prints "pairs=N replies=M" with M the number of 250s received.
use strict;
use warnings;
use IO::Socket::INET;

my ($port, $pairs) = @ARGV;
sub conn {
	my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port,
	    Proto => 'tcp') or die "lmtp-race: connect: $!\n";
	reply($s);
	print $s "LHLO race\r\n";
	reply($s);
	return $s;
}
sub reply { my $s = shift; my $l; do { $l = <$s> // die "closed\n" } while $l =~ /^\d\d\d-/; $l }
sub start { my $s = shift; print $s "MAIL FROM:<c\@example.org>\r\nRCPT TO:<support\@example.com>\r\nDATA\r\n"; reply($s) for 1 .. 3 }
my ($a, $b) = (conn(), conn());
my $parts = "--b\r\nContent-Type: text/plain\r\n\r\nx\r\n" x 20000;
my $ok = 0;
for my $i (1 .. $pairs) {
	start($a);
	start($b);
	print $a "From: c\@example.org\r\nSubject: Big $i\r\nMessage-ID: <big-$i\@race>\r\n",
	    "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n",
	    "$parts--b--\r\n.\r\n";
	select(undef, undef, undef, 0.02);
	print $b "From: c\@example.org\r\nSubject: Re: Big $i\r\nMessage-ID: <small-$i\@race>\r\n",
	    "In-Reply-To: <big-$i\@race>\r\n\r\nforgot to say\r\n.\r\n";
	$ok++ if reply($a) =~ /^250/;
	$ok++ if reply($b) =~ /^250/;
}
print "pairs=$pairs replies=$ok\n";
