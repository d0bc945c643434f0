#!/usr/bin/perl
# ack-latency PORT COUNT RATE: an open-loop LMTP client for the latency
# benchmark. Sends COUNT mails to 127.0.0.1:PORT at RATE per second, each
# from its own address (so no rate limit applies) with Message-ID
# <lat-N@bench.example>, and prints "lat-N SECONDS" with the time its 250
# came back. A mail that is not answered 250 is printed as "lat-N FAIL".
use strict;
use warnings;
use IO::Socket::INET;
use Time::HiRes qw(time sleep);

my ($port, $count, $rate) = @ARGV;
my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port,
    Proto => 'tcp') or die "ack-latency: connect: $!\n";
sub reply { my $l; do { $l = <$s> // die "ack-latency: closed\n" } while $l =~ /^\d\d\d-/; $l }
reply();
print $s "LHLO bench.example\r\n";
reply();
my $body = "Hello,\r\n\r\nmy order has not arrived yet. Could you check?\r\n\r\nThanks\r\n";
my $start = time;
for my $i (1 .. $count) {
	my $due = $start + ($i - 1) / $rate;
	my $now = time;
	sleep($due - $now) if $due > $now;
	print $s "MAIL FROM:<lat-$i\@customer.example>\r\nRCPT TO:<support\@example.com>\r\nDATA\r\n";
	reply() for 1 .. 3;
	print $s "From: <lat-$i\@customer.example>\r\nTo: support\@example.com\r\n",
	    "Subject: Order $i\r\nMessage-ID: <lat-$i\@bench.example>\r\n\r\n$body.\r\n";
	my $r = reply();
	printf "lat-%d %s\n", $i, $r =~ /^250/ ? sprintf("%.6f", time) : "FAIL";
}
print $s "QUIT\r\n";
