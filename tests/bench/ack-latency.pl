#!/usr/bin/perl
# ack-latency PORT COUNT RATE [REPLIES]: an open-loop LMTP client for the
# latency benchmarks. Sends COUNT mails to 127.0.0.1:PORT at RATE per
# second, each from its own address (so no rate limit applies) with
# Message-ID <lat-N@bench.example>, and prints "lat-N SECONDS SENT": when
# its 250 came back and when its DATA ended. A mail that is not answered
# 250 is printed as "lat-N FAIL". With REPLIES, a file of lines
# "RCPT FROM", mail N is an agent's reply instead: line N gives its
# envelope recipient (a token address) and its From, and its body says
# "lat-N" so that the mail it causes can be found.
use strict;
use warnings;
use IO::Socket::INET;
use Time::HiRes qw(time sleep);

my ($port, $count, $rate, $replies) = @ARGV;
my @agent;
if (defined $replies) {
	open(my $f, '<', $replies) or die "ack-latency: $replies: $!\n";
	@agent = map { [split] } <$f>;
	$count = @agent if $count > @agent;
}
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
	my ($rcpt, $from) = @agent ? @{$agent[$i - 1]} :
	    ('support@example.com', "lat-$i\@customer.example");
	print $s "MAIL FROM:<$from>\r\nRCPT TO:<$rcpt>\r\nDATA\r\n";
	reply() for 1 .. 3;
	print $s "From: <$from>\r\nTo: $rcpt\r\n",
	    "Subject: Order $i\r\nMessage-ID: <lat-$i\@bench.example>\r\n\r\n",
	    @agent ? "Your order lat-$i has left the warehouse.\r\n" : $body, ".\r\n";
	my $sent = time;
	my $r = reply();
	printf "lat-%d %s\n", $i, $r =~ /^250/ ?
	    sprintf("%.6f %.6f", time, $sent) : "FAIL";
}
print $s "QUIT\r\n";
