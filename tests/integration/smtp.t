#!/bin/sh
# The SMTP sender (src/smtp.c, libcurl) against real servers, driven
# through build/tests/smtp-send: smtp-sink for delivery, envelopes, fault
# injection and connection reuse; a perl listener that never speaks for
# timeouts; Dovecot's submission service (tests/peers/submission.sh) for
# smtps://, STARTTLS, certificate verification and AUTH, relaying into
# smtp-sink so that we can read back what arrived.
. "$(dirname "$0")/../lib.sh"
plan 41

SEND=$BUILD/tests/smtp-send
[ -x "$SEND" ] || { echo "Bail out! $SEND is not built (make tests)"; exit 1; }
[ -x /usr/lib/dovecot/submission ] ||
	{ echo "Bail out! dovecot-submissiond is not installed (make deps)"; exit 1; }
# smtp-sink.sh takes SMTP_PORT from the environment to restart a sink;
# every sink here wants a port of its own.
unset SMTP_PORT

# sink NAME [smtp-sink options]: start a sink in $TMP/NAME, set SINK_PORT.
sink() {
	_d=$TMP/$1; shift
	eval "$("$PEERS/smtp-sink.sh" start "$_d" "$@")" || return 1
	SINK_PORT=$SMTP_PORT
	unset SMTP_PORT
	cleanup "'$PEERS/smtp-sink.sh' stop '$_d'"
}
# dumps NAME: the sink's dump files, oldest first.
dumps() { ls -tr "$TMP/$1/spool" | sed "s|^|$TMP/$1/spool/|"; }
# body FILE: what the client sent, from a dump: drop smtp-sink's own
# header lines (through its three-line Received:) and the final blank line.
body() { awk 'p { print } /^[ \t]+by smtp-sink / { getline; p = 1 }' "$1" | sed '$d'; }
# unreceived: drop the Received: field a relay put in front, with its
# continuation lines.
unreceived() {
	awk 'NR == 1 && /^Received:/ { skip = 1; next }
	    skip && /^[ \t]/ { next } { skip = 0; print }'
}
# word: the result ("sent", "tempfail", "permfail") on the first line of
# smtp-send's output, read from stdin.
word() { sed -n '1s/:.*//p'; }
# words FILE: the results of every line, space-separated.
words() { sed 's/:.*//' "$1" | tr '\n' ' '; }

# The message: CRLF line ends as the outbox hands them over, lines that
# start with dots (curl must dot-stuff them), 8-bit UTF-8 (Thai).
printf '%s\r\n' "From: Support <support@example.com>" "To: Nok <nok@example.co.th>" \
    "Subject: =?UTF-8?B?4Liq4Lin4Lix4Liq4LiU4Li1?=" "MIME-Version: 1.0" \
    "Content-Type: text/plain; charset=utf-8" "Content-Transfer-Encoding: 8bit" \
    "" "สวัสดีครับ" ".a line with a leading dot" ".." "." "end" >"$TMP/msg.eml"
tr -d '\r' <"$TMP/msg.eml" >"$TMP/msg.lf"
to=nok@example.co.th

# --- plain SMTP against smtp-sink --------------------------------------

sink plain || exit 1
PLAIN=smtp://127.0.0.1:$SINK_PORT
OUT=$("$SEND" "$PLAIN" agent@example.com "$to" "$TMP/msg.eml")
ok $? "a send the server accepts exits 0"
case $OUT in "sent: $PLAIN: 250 "*) r=0 ;; *) r=1 ;; esac
ok $r "and the detail names the server and its 250 reply" || diag "$OUT"
d=$(dumps plain | tail -n 1)
body "$d" >"$TMP/got"
check "the server received the exact message, dot lines and 8-bit text intact" \
    diff -u "$TMP/msg.lf" "$TMP/got"
is "$(grep -E '^X-(Mail|Rcpt)-Args:' "$d")" "X-Mail-Args: <agent@example.com>
X-Rcpt-Args: <$to>" "the envelope is MAIL FROM:<agent@...> RCPT TO:<nok@...>"

"$SEND" "$PLAIN" '' "$to" "$TMP/msg.eml" >/dev/null
is "$(grep '^X-Mail-Args:' "$(dumps plain | tail -n 1)")" "X-Mail-Args: <>" \
    "the null sender goes out as MAIL FROM:<>"

printf 'Subject: no final line end\r\n\r\nlast line' >"$TMP/noeol.eml"
"$SEND" "$PLAIN" '' "$to" "$TMP/noeol.eml" >/dev/null
is "$(body "$(dumps plain | tail -n 1)")" "Subject: no final line end

last line" "a message without a final CRLF still ends cleanly"

sink reuse -c || exit 1
"$SEND" -n 3 "smtp://127.0.0.1:$SINK_PORT" '' "$to" "$TMP/msg.eml" >"$TMP/reuse.out"
is "$(words "$TMP/reuse.out")" "sent sent sent " "three sends through one handle all succeed"
# smtp-sink -c prints its counters after CRs; QUIT closes a session.
counters() { tr '\r' '\n' <"$TMP/reuse/smtp-sink.log" | tail -n 1 | sed 's/.*quit=/quit=/'; }
i=0
while [ "$(counters)" != "quit=1 mesg=3" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
is "$(counters)" "quit=1 mesg=3" "over one connection: three mails, one QUIT"
is "$(dumps reuse | wc -l | tr -d ' ')" 3 "and the server stored all three"

# --- failures: classification and detail ------------------------------

# fault NAME SINK-OPTIONS...: send once to a new sink that injects a
# fault; sets ST (exit status) and OUT (output).
fault() {
	_n=$1; shift
	sink "$_n" "$@" || return 1
	OUT=$("$SEND" "smtp://127.0.0.1:$SINK_PORT" agent@example.com "$to" "$TMP/msg.eml")
	ST=$?
}
fault r4 -r RCPT
is "$ST $(echo "$OUT" | word)" "75 tempfail" "450 at RCPT is a temporary failure (exit 75)"
case $OUT in *": 450 4.3.0 "*) r=0 ;; *) r=1 ;; esac
ok $r "and the detail carries the server's reply" || diag "$OUT"
fault r5 -f RCPT
is "$ST $(echo "$OUT" | word)" "69 permfail" "500 at RCPT is a permanent failure (exit 69)"
fault d5 -f DATA
is "$ST $(echo "$OUT" | word)" "69 permfail" "500 at DATA is a permanent failure"
fault e5 -f .
is "$ST $(echo "$OUT" | word)" "69 permfail" "500 after the final dot is a permanent failure"
fault e4 -r .
is "$ST $(echo "$OUT" | word)" "75 tempfail" "450 after the final dot is a temporary failure"
fault q4 -Q MAIL
is "$ST $(echo "$OUT" | word)" "75 tempfail" "421 and a closed connection is a temporary failure"
fault g5 -f CONNECT
is "$ST $(echo "$OUT" | word)" "69 permfail" "a 5xx greeting is a permanent failure"

n=$(dumps plain | wc -l)
OUT=$("$SEND" "$PLAIN" '' "$(printf 'x@example.com>\r\nRCPT TO:<victim@example.net')" \
    "$TMP/msg.eml")
is "$? $(echo "$OUT" | word)/$(($(dumps plain | wc -l) - n))" "69 permfail/0" \
    "a CR LF in an envelope address is refused before any command is sent"

port=$(freeport)
t0=$(date +%s)
OUT=$("$SEND" -t 5 "smtp://127.0.0.1:$port" '' "$to" "$TMP/msg.eml")
ST=$? t1=$(date +%s)
is "$ST $(echo "$OUT" | word)" "75 tempfail" "a server that is down is a temporary failure"
[ $((t1 - t0)) -le 2 ]
ok $? "and it is reported at once ($((t1 - t0)) s)"
case $OUT in *"127.0.0.1:$port: "*"onnect"*) r=0 ;; *) r=1 ;; esac
ok $r "and the detail says it could not connect" || diag "$OUT"

# A listener that accepts and never says a word.
port=$(freeport)
spawn perl -MIO::Socket::INET -e '
	my $l = IO::Socket::INET->new(Listen => 5, ReuseAddr => 1,
	    LocalAddr => "127.0.0.1", LocalPort => $ARGV[0]) or die "$!\n";
	my @keep; while (my $c = $l->accept) { push @keep, $c }' "$port"
wait_port "$port" 10
t0=$(date +%s)
OUT=$("$SEND" -t 2 "smtp://127.0.0.1:$port" '' "$to" "$TMP/msg.eml")
ST=$? t1=$(date +%s)
is "$ST $(echo "$OUT" | word)" "75 tempfail" "a server that never greets is a temporary failure"
[ $((t1 - t0)) -le 4 ]
ok $? "after the 2 s timeout, not later ($((t1 - t0)) s)" || diag "$OUT"

# No reply to the final dot in time. curl keeps such a connection; the
# late "250" would answer the next MAIL FROM, so the next send must
# connect afresh.
sink late -W .:3 || exit 1
"$SEND" -T -n 2 -t 1 "smtp://127.0.0.1:$SINK_PORT" '' "$to" "$TMP/msg.eml" \
    >"$TMP/late.out" 2>"$TMP/late.trace"
is "$(words "$TMP/late.out")" "tempfail tempfail " \
    "no reply to the final dot in time is a temporary failure"
is "$(grep -c 'Connected to' "$TMP/late.trace")/$(grep -c 'Re-using' "$TMP/late.trace")" "2/0" \
    "and the next send does not reuse that connection"

OUT=$("$SEND" -s "$PLAIN" '' "$to" "$TMP/msg.eml")
is "$? $(echo "$OUT" | word)" "75 tempfail" \
    "required STARTTLS that the server does not offer is a temporary failure"
case $OUT in *"does not offer STARTTLS"*) r=0 ;; *) r=1 ;; esac
ok $r "and the detail says so" || diag "$OUT"

# --- TLS and AUTH through Dovecot submission ---------------------------

# A private CA and a server certificate for 127.0.0.1 and localhost.
pki=$TMP/pki
mkdir -p "$pki"
if ! {
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=ticketd test CA" \
	    -addext basicConstraints=critical,CA:TRUE \
	    -addext keyUsage=critical,keyCertSign,cRLSign \
	    -keyout "$pki/ca.key" -out "$pki/ca.pem" &&
	openssl req -new -newkey rsa:2048 -nodes -subj /CN=localhost \
	    -keyout "$pki/server.key" -out "$pki/server.csr" &&
	printf '%s\n' "subjectAltName = IP:127.0.0.1, DNS:localhost" \
	    "extendedKeyUsage = serverAuth" >"$pki/ext" &&
	openssl x509 -req -days 2 -in "$pki/server.csr" -CA "$pki/ca.pem" \
	    -CAkey "$pki/ca.key" -CAcreateserial -extfile "$pki/ext" -out "$pki/server.pem"
} >"$pki/openssl.log" 2>&1; then
	echo "Bail out! cannot make test certificates: $(tail -n 3 "$pki/openssl.log")"
	exit 1
fi

sink relay || exit 1
SUB=$TMP/submission
eval "$("$PEERS/submission.sh" start "$SUB" "$SINK_PORT" "$pki/server.pem" "$pki/server.key")" ||
	{ echo "Bail out! submission.sh did not start"; exit 1; }
cleanup "'$PEERS/submission.sh' stop '$SUB'"
SMTPS=smtps://127.0.0.1:$SUBMISSIONS_PORT
STARTTLS=smtp://127.0.0.1:$SUBMISSION_PORT
CA=$pki/ca.pem

OUT=$("$SEND" -u ticketd -p secret -C "$CA" "$SMTPS" '' "$to" "$TMP/msg.eml")
is "$? $(echo "$OUT" | word)" "0 sent" "smtps:// with ca_file and AUTH: sent" || diag "$OUT"
body "$(dumps relay | tail -n 1)" | unreceived >"$TMP/got"
check "and the relay received the exact message" diff -u "$TMP/msg.lf" "$TMP/got"

OUT=$("$SEND" -u ticketd -p secret "$SMTPS" '' "$to" "$TMP/msg.eml")
is "$? $(echo "$OUT" | word)" "75 tempfail" \
    "smtps:// to a certificate the system store does not trust: temporary failure"
case $OUT in *"certificate verification failed"*) r=0 ;; *) r=1 ;; esac
ok $r "and the detail says certificate verification failed" || diag "$OUT"

OUT=$("$SEND" -s -u ticketd -p secret -C "$CA" "$STARTTLS" agent@example.com "$to" "$TMP/msg.eml")
is "$? $(echo "$OUT" | word)" "0 sent" "STARTTLS with ca_file and AUTH: sent" || diag "$OUT"
is "$(grep '^X-Mail-Args:' "$(dumps relay | tail -n 1)")" \
    "X-Mail-Args: <agent@example.com> AUTH=ticketd" "and it went through as the authenticated user"

OUT=$("$SEND" -s -u ticketd -p secret -C "$CA" "smtp://localhost:$SUBMISSION_PORT" '' "$to" \
    "$TMP/msg.eml")
is "$? $(echo "$OUT" | word)" "0 sent" "the certificate's DNS name verifies too" || diag "$OUT"

OUT=$("$SEND" -s -u ticketd -p secret "$STARTTLS" agent@example.com "$to" "$TMP/msg.eml")
is "$? $(echo "$OUT" | word)" "75 tempfail" "STARTTLS without the CA: temporary failure"

OUT=$("$SEND" -s -T -u ticketd -p 'Wr0ng-pw' -C "$CA" "$STARTTLS" agent@example.com "$to" \
    "$TMP/msg.eml" 2>"$TMP/auth.trace")
is "$? $(echo "$OUT" | word)" "75 tempfail" "a wrong password is a temporary failure: mail waits for the fix" || diag "$OUT"
case $OUT in *": 535 "*) r=0 ;; *) r=1 ;; esac
ok $r "with the server's 535 in the detail" || diag "$OUT"

OUT=$("$SEND" -s -C "$CA" "$STARTTLS" agent@example.com "$to" "$TMP/msg.eml")
is "$? $(echo "$OUT" | word)" "75 tempfail" \
    "no AUTH where the server requires it: temporary failure (530)"

OUT=$("$SEND" -t 5 "smtps://${PLAIN#smtp://}" '' "$to" "$TMP/msg.eml")
is "$? $(echo "$OUT" | word)" "75 tempfail" "smtps:// to a server without TLS: temporary failure"

logins() { grep -c 'Login: user=<ticketd>' "$SUB/dovecot.log"; }
before=$(logins)
"$SEND" -T -n 3 -u ticketd -p secret -C "$CA" "$SMTPS" '' "$to" "$TMP/msg.eml" \
    >"$TMP/tls3.out" 2>>"$TMP/auth.trace"
is "$(words "$TMP/tls3.out")/$(($(logins) - before))" "sent sent sent /1" \
    "three sends over smtps:// log in once"

# The trace shows the dialogue but never the password, plain or base64.
leak=
for s in Wr0ng-pw secret "$(printf '\0ticketd\0Wr0ng-pw' | base64)" \
    "$(printf '\0ticketd\0secret' | base64)"; do
	grep -qF -- "$s" "$TMP/auth.trace" && leak="$leak $s"
done
grep -q '> AUTH PLAIN' "$TMP/auth.trace"
is "$?:$leak" "0:" "the trace shows AUTH but no password"
