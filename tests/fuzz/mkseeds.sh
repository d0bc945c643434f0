#!/bin/sh
# mkseeds.sh: writes the seed inputs in seeds/NAME/ from what the project
# already holds (tests/corpus mails, conf/, templates/, tests/quote
# replies) plus a few small inputs written here. Run it again after
# adding corpus mails; the fuzzers' own finds stay in build-fuzz/corpus,
# never here.
set -e
F=$(cd "$(dirname "$0")" && pwd)
R=$(cd "$F/../.." && pwd)
S=$F/seeds
mkdir -p "$S/mime" "$S/conf" "$S/template" "$S/html" "$S/lmtp"

cp "$R"/tests/corpus/*.eml "$S/mime/"
cp "$R/conf/ticketd.conf" "$S/conf/example.conf"
cp "$R"/templates/*.txt "$S/template/"

# conf: every section, every kind of value, and common slips.
cat >"$S/conf/full.conf" <<'CONF'
[ticketd]
database = /var/lib/ticketd/tickets.db
hostname = helpdesk.example.com
subject_tag = [Ticket #{id}]
fallback_charset = windows-874
[lmtp]
listen = 127.0.0.1:2424, [::1]:2424, unix:/run/ticketd/lmtp
max_sessions = 50
timeout = 300
max_message_size = 10M
max_recipients = 20
recipient_delimiter = -
[smtp]
url = smtp://127.0.0.1:25
starttls = yes
timeout = 30s
retry_min = 5s
retry_max = 1h
queue_lifetime = 5d
[autoreply]
per_address = 3/1h, 10/1d
per_ticket = 2/30m
[queue support]
address = support@example.com, help@example.com
name = Example Support
language = th
timezone = Asia/Bangkok
hours = mon-fri 09:00-18:00, sat 10:00-12:00
acknowledge = no
[imap support]
host = imap.example.com
port = 993
tls = imaps
auth = plain
user = support
password = secret
mailbox = INBOX
queue = support
after = move:Done
max_failures = 3
timeout = 1m
poll_interval = 30s
idle = yes
batch = 100
archive = no
CONF
printf '[ticketd]\ndatabase=x\n[queue a]\naddress=a@b\n[queue a]\n[imap]\nbogus\nkey = 1 ; c\n' \
	>"$S/conf/slips.conf"

# conf: agents before and after their queues, and their slips.
cat >"$S/conf/agents.conf" <<'CONF'
[ticketd]
database = x.db
close_after = 7d
[agents]
require_auth = yes
authserv_id = mx.example.com
[agent somchai]
address = Somchai@Example.com, somchai.k@gmail.example
name = Somchai K.
queues = support, billing
notify = assigned
[agent lek]
address = lek@example.com
notify = none
[queue support]
address = support@example.com
[queue billing]
address = billing@example.com
[lmtp]
recipient_delimiter = -
CONF
cat >"$S/conf/agent-slips.conf" <<'CONF'
[ticketd]
database = x.db
close_after = never
[agents]
require_auth = maybe
[agent somchai]
address = somchai@example.com
[queue support]
address = support@example.com
[agent Bad.Name]
address = support-x@example.com, SOMCHAI@example.com, nope
queues = sales,
notify = some
[agent somchai]
queues =
[agent]
[agents]
require_auth = yes
CONF

# html: the constructs HTML mail is made of.
printf '%s' '<html><head><title>T</title><style>p{}</style></head><body><p>Hello&nbsp;<b>world</b></p><ul><li>one<li>two</ul><ol><li><a href="https://example.com/x">link</a></ol><table><tr><td>a<td>b</table><pre>  a\n  b</pre><br><hr><blockquote>q</blockquote></body></html>' >"$S/html/blocks.html"
printf '%s' '<div><p>&#3626;&#3617;&#3594;&#3634;&#3618; &eacute; &amp; &lt;x&gt;</p><script>x()</script><!-- c --><template>t</template></div>' >"$S/html/entities.html"
printf '%s' '<p><a href="mailto:a@b">a@b</a></p><p><a>no href</a><a href="">empty</a></p><h1>Title</h1><dl><dt>t<dd>d</dl>' >"$S/html/links.html"

# quote: the bodies of the tests/quote replies as mime.c reads them,
# when mimedump is built (make tests).
MIMEDUMP=$R/${BUILD:-build}/tests/mimedump
if [ -x "$MIMEDUMP" ]; then
	mkdir -p "$S/quote"
	for f in "$R"/tests/quote/*.eml; do
		n=$(basename "$f" .eml)
		"$MIMEDUMP" "$f" | sed '1,/^body:$/d' >"$S/quote/$n.txt"
	done
else
	echo "mkseeds: $MIMEDUMP is not built: seeds/quote left as they are" >&2
fi

# lmtp: whole sessions, as a client sends them, after the harness's
# control octet (how the stream is cut into reads): one read, and reads
# of 17 octets.
crlf() { sed 's/$/\r/'; }
crlf >"$S/lmtp/session.txt" <<'LMTP'
LHLO mx.example.org
MAIL FROM:<customer@example.org> SIZE=120 BODY=8BITMIME
RCPT TO:<support+urgent@example.com>
RCPT TO:<nobody@example.com>
DATA
Subject: Printer on fire
Message-ID: <m1@example.org>

..dot-stuffed
.
RSET
NOOP
QUIT
LMTP
crlf >"$S/lmtp/errors.txt" <<'LMTP'
MAIL FROM:<a@x>
HELO x
LHLO x
DATA
RCPT TO:<support@example.com>
MAIL FROM:<@a,@b:a@x> BODY=7BIT
MAIL FROM:<>
RCPT TO:support@example.com
RCPT TO:<support@example.com> NOTIFY=NEVER
RCPT TO:<support@example.com>
DATA
body
.
LMTP
printf 'LHLO x\r\nMAIL FROM:<a@x>\r\nRCPT TO:<support@example.com>\r\nDATA\r\nSubject: x\r\n\r\nbare\n.\nstill content\r\n.\r\nQUIT\r\n' \
	>"$S/lmtp/smuggle.txt"
perl -e 'print "LHLO x\r\nMAIL FROM:<a\@x>\r\nRCPT TO:<support\@example.com>\r\n",
    "DATA\r\nSubject: long\r\n\r\n", "x" x 3000, "\r\n.", "y" x 1500, "\r\n.\r\nQUIT\r\n"' \
	>"$S/lmtp/long-lines.txt"
perl -e 'print "LHLO x\r\n", "NOOP\r\n" x 5000, "QUIT\r\n"' >"$S/lmtp/pipelined.txt"
for f in "$S"/lmtp/*.txt; do
	{ printf '\017'; cat "$f"; } >"${f%.txt}.whole"
	{ printf '\001'; cat "$f"; } >"${f%.txt}.cut"
	rm "$f"
done

# rules: the shipped example set and the golden rule sets.
mkdir -p "$S/rules"
cp "$R"/conf/rules/*.rules "$R"/tests/rules/*.rules "$S/rules/"

# re: "PATTERN\nFLAGS\nTEXT", the patterns of the rule sets and a few
# that the required literals must get right.
mkdir -p "$S/re"
n=0
for p in 'order\s*#?4711[0-9]{2}\b' '\b(outage|ticket)-13\b' '@shop12\.example$' \
    'kelvin' 'STREET' 'ด่วน|urgent|asap' 'still (down|broken)' '^auto-' \
    '[]a)]xyz' '(?:ab|cd)+efg' 'abc(?i)DEF' '(a(*ACCEPT))bcd' '\Qa|b\Eabc' \
    '(a+)+$' 'caf\x{e9}s' 'ab{2,}c' 'x\Ky{1,3}?z'; do
	n=$((n + 1))
	printf '%s\ni\nOrder #471199, ticket-13 down; \342\204\252elvin STRE\305\277T abcDEF\n' "$p" >"$S/re/$n.txt"
	printf '%s\n\naaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!\nabcdef cafés xyz\n' "$p" >"$S/re/$n-plain.txt"
done
printf 'order\\s+#\n\n' >"$S/re/empty-text.txt"

# sla: "HOURS\nSTART SECONDS ZONE\nHOLIDAYS", around weekends, holidays
# and the DST changes of 2026.
mkdir -p "$S/sla"
printf 'mon-fri 09:00-18:00\n1795852800 21600 1\n2026-11-30 a Monday off\n' >"$S/sla/bangkok.txt"
printf 'mon-sun 01:00-04:00\n1774652400 14400 2\n' >"$S/sla/berlin-spring.txt"
printf 'mon-fri 09:00-17:00, sat 10:00-14:00\n1792882800 7200 2\n2026-12-24\n2026-12-25\n' >"$S/sla/berlin-autumn.txt"
printf 'always\n1798495200 28800 1\n2026-12-31 New Year'"'"'s Eve\n' >"$S/sla/always.txt"
printf 'sun-thu 22:00-24:00, mon-fri 00:00-06:00\n1700000000 100000 3\n' >"$S/sla/night.txt"
printf 'mon 09:00\n0 0 0\n' >"$S/sla/bad-hours.txt"
printf 'mon-fri 09:00-18:00\n0 0 0\n2026-02-30\n' >"$S/sla/bad-holiday.txt"
