#!/bin/sh
# The IMAP client (src/imap.c, libetpan) against real Dovecots, driven
# through build/tests/imap-fetch: byte-exact fetches, batching, the
# after-actions (MOVE, and COPY/STORE/EXPUNGE where the server lacks MOVE
# or UIDPLUS), IDLE and its interruption, TLS (imaps and STARTTLS, trust,
# host names, IP addresses, SNI), and LOGIN, PLAIN and XOAUTH2. What the
# client sent is read back from Dovecot's rawlog; what Dovecot stored,
# from its Maildir (mail_save_crlf = yes, so the files are what IMAP
# serves).
. "$(dirname "$0")/../lib.sh"
plan 57

FETCH=$BUILD/tests/imap-fetch
[ -x "$FETCH" ] || { echo "Bail out! $FETCH is not built (make tests)"; exit 1; }

# --- certificates: a private CA and three server certificates ----------

pki=$TMP/pki
mkdir -p "$pki"
# cert NAME CN SAN: a key and a certificate signed by the test CA.
cert() {
	openssl req -new -newkey rsa:2048 -nodes -subj "/CN=$2" \
	    -keyout "$pki/$1.key" -out "$pki/$1.csr" &&
	printf '%s\n' "subjectAltName = $3" "extendedKeyUsage = serverAuth" \
	    >"$pki/$1.ext" &&
	openssl x509 -req -days 2 -in "$pki/$1.csr" -CA "$pki/ca.pem" \
	    -CAkey "$pki/ca.key" -CAcreateserial -extfile "$pki/$1.ext" \
	    -out "$pki/$1.pem"
}
if ! {
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=ticketd test CA" \
	    -addext basicConstraints=critical,CA:TRUE \
	    -addext keyUsage=critical,keyCertSign,cRLSign \
	    -keyout "$pki/ca.key" -out "$pki/ca.pem" &&
	# Only an IP address: 127.0.0.1 must verify against it.
	cert ip "ticketd imap test" IP:127.0.0.1 &&
	# Only a DNS name: served for SNI "localhost".
	cert host "ticketd imap test" DNS:localhost &&
	# The right address in the CN only, which must not count.
	cert other 127.0.0.1 DNS:other.example
} >"$pki/openssl.log" 2>&1; then
	echo "Bail out! cannot make test certificates: $(tail -n 3 "$pki/openssl.log")"
	exit 1
fi
chmod 644 "$pki"/*
CA=$pki/ca.pem

# --- a local OAuth2 issuer: Dovecot validates HS256 JWTs itself --------

mkdir -p "$TMP/keys/default/HS256"
head -c 32 /dev/urandom | base64 >"$TMP/keys/default/HS256/default"
printf '%s\n' "introspection_mode = local" \
    "local_validation_key_dict = fs:posix:prefix=$TMP/keys/" \
    "username_attribute = sub" >"$TMP/oauth2.conf"
chmod -R a+rX "$TMP/keys" "$TMP/oauth2.conf"
# jwt SUB SECS: a token for SUB that expires in SECS seconds.
jwt() {
	perl -MDigest::SHA=hmac_sha256 -MMIME::Base64 -e '
		my ($key, $sub, $secs) = @ARGV;
		sub b64u { (my $s = encode_base64($_[0], "")) =~ tr{+/}{-_}; $s =~ s/=+$//; $s }
		my $t = time;
		my $h = b64u(q({"alg":"HS256","typ":"JWT"}));
		my $b = b64u(qq({"sub":"$sub","iat":) . ($t - 5) . q(,"exp":) . ($t + $secs) . "}");
		print "$h.$b.", b64u(hmac_sha256("$h.$b", decode_base64($key))), "\n"' \
	    "$(cat "$TMP/keys/default/HS256/default")" "$1" "$2"
}

# --- the Dovecots ------------------------------------------------------

RAW=$TMP/rawlog
mkdir -p "$RAW"
[ "$(id -u)" -eq 0 ] && chown nobody "$RAW"
COMMON="mail_save_crlf = yes
auth_failure_delay = 0
rawlog_dir = $RAW"

# dove NAME CERT [CONF]: start Dovecot NAME with TLS; sets IMAP_PORT,
# IMAPS_PORT, LMTP_PORT.
dove() {
	_d=$TMP/$1
	eval "$(DOVECOT_SSL_CERT=$pki/$2.pem DOVECOT_SSL_KEY=$pki/$2.key \
	    DOVECOT_CONF="$COMMON
${3:-}" "$PEERS/dovecot.sh" start "$_d")" || return 1
	cleanup "'$PEERS/dovecot.sh' stop '$_d'"
}

# The main one: the IP certificate by default, the DNS one for SNI
# "localhost"; XOAUTH2 next to PLAIN and LOGIN.
dove main ip "local_name localhost {
  ssl_cert = <$pki/host.pem
  ssl_key = <$pki/host.key
}
auth_mechanisms = plain login xoauth2
passdb {
  driver = oauth2
  mechanisms = xoauth2
  args = $TMP/oauth2.conf
}" || { echo "Bail out! Dovecot did not start"; exit 1; }
IMAP=$IMAP_PORT IMAPS=$IMAPS_PORT LMTP=$LMTP_PORT
MAILDIR=$TMP/main/home/support/Maildir
LOG=$TMP/main/dovecot.log

# run ARGS...: imap-fetch ARGS; output in $TMP/out and $TMP/err, status
# in $ST. Its stderr also collects in a .log, where lib.sh looks for
# sanitizer reports, even of runs that were meant to fail.
run() {
	"$FETCH" "$@" >"$TMP/out" 2>"$TMP/err"
	ST=$?
	cat "$TMP/err" >>"$TMP/imap-fetch.log"
}
# deliver PORT FILE: one mail into support's INBOX through LMTP.
deliver() {
	swaks --protocol LMTP --server 127.0.0.1 --port "$1" \
	    --from customer@example.org --to support@example.com \
	    --data "@$2" >"$TMP/swaks.out" 2>&1
}
# files MAILDIR [FOLDER]: the message files in INBOX or FOLDER.
files() {
	_m=$1
	[ -n "${2:-}" ] && _m=$_m/.$2
	find "$_m/new" "$_m/cur" -type f 2>/dev/null
}
count() { files "$@" | wc -l | tr -d ' '; }
# stored MAILDIR [FOLDER]: "size sha256-prefix" of each stored message.
stored() {
	files "$@" | while read -r f; do
		printf '%s %s\n' "$(wc -c <"$f" | tr -d ' ')" \
		    "$(sha256sum "$f" | cut -c1-16)"
	done | sort
}
# fetched: the same, from imap-fetch's output.
fetched() { awk 'NF == 3 && $1 ~ /^[0-9]+$/ { print $2, $3 }' "$TMP/out" | sort; }
# sent: what the client said in the last IMAP session (Dovecot's rawlog),
# without the timestamps.
sent() { tr -d '\r' <"$(ls -t "$RAW"/*.in | head -n 1)" | sed -E 's/^[0-9.]+ //; s/^[0-9]+ //'; }
logins() { grep -c 'imap-login: Info: Login: user=<support>' "$1"; }
# last_login PATTERN: the main Dovecot's last login matches PATTERN (its
# log process may write the line a moment after the client is done).
last_login() {
	_i=0
	until grep 'imap-login: Info: Login:' "$LOG" | tail -n 1 | grep -q "$1"; do
		[ $_i -gt 40 ] && return 1
		sleep 0.05; _i=$((_i + 1))
	done
}
ms() { echo $(($(date +%s%N) / 1000000)); }

# The mails: plain ones, 8-bit Thai with dot lines, and a large one.
mkmail() {
	printf 'From: Customer <customer@example.org>\nTo: support@example.com\n'
	printf 'Subject: %s\nMessage-ID: <%s@example.org>\n\n' "$1" "$1"
}
for i in 1 2 4 5; do { mkmail "m$i"; echo "Body $i."; } >"$TMP/m$i.eml"; done
{ mkmail m3; printf 'สวัสดีครับ\n.one dot\n..two dots\n.\nend\n'; } >"$TMP/m3.eml"
{ mkmail big; perl -e 'print "x" x 76, "\n" for 1 .. 4000'; } >"$TMP/big.eml"
for m in m1 m2 m3 big m4 m5; do deliver "$LMTP" "$TMP/$m.eml"; done
[ "$(count "$MAILDIR")" = 6 ] || { echo "Bail out! Dovecot did not store the mails"; exit 1; }

# --- fetching ----------------------------------------------------------

run -t none -b 4 127.0.0.1 "$IMAP" support secret INBOX
ok $ST "a backlog of 6 over plain IMAP: exit 0" || diag <"$TMP/err"
is "$(fetched)" "$(stored "$MAILDIR")" \
    "every message is byte-exact what Dovecot stored (size and sha256)"
is "$(sent | grep -c 'FETCH')" 2 "6 messages in batches of 4: two fetch commands"
is "$(sent | grep 'FETCH' | head -n 1)" "UID FETCH 1:4 (UID BODY.PEEK[])" \
    "one UID FETCH per batch, for UID and BODY.PEEK[]"
is "$(files "$MAILDIR" | grep -c ':2,.*S')" 0 "BODY.PEEK leaves the mail unseen"
is "$(awk 'NF == 3 { print $1 }' "$TMP/out" | tr '\n' ' ')" "1 2 3 4 5 6 " \
    "UIDs come from the server, in order"
tail -n 1 "$TMP/out" | grep -q '^fetched 6 in [0-9.]* s ([0-9]* msgs/s)$'
ok $? "the last line reports count and rate" || diag "$(tail -n 1 "$TMP/out")"

run -t none -f 7 127.0.0.1 "$IMAP" support secret INBOX
is "$ST $(awk 'NF == 3' "$TMP/out" | wc -l | tr -d ' ')" "0 0" \
    'UIDs from 7 when the highest is 6: none ("7:*" means "6:7")'
is "$(sent | grep SEARCH)" "UID SEARCH UID 7:*" "searched as UID SEARCH UID 7:*"
run -t none -f 5 127.0.0.1 "$IMAP" support secret INBOX
is "$(awk 'NF == 3 { print $1 }' "$TMP/out" | tr '\n' ' ')" "5 6 " "UIDs from 5: 5 and 6"

# --- after-actions -----------------------------------------------------

run -t none -m seen 127.0.0.1 "$IMAP" support secret INBOX
is "$ST $(files "$MAILDIR" | grep -c ':2,.*S')" "0 6" "seen: all six are \\Seen"
is "$(sent | grep STORE)" 'UID STORE 1:6 +FLAGS.SILENT (\Seen)' \
    "in one UID STORE +FLAGS.SILENT"

before=$(stored "$MAILDIR")
run -t none -b 4 -m move:Processed 127.0.0.1 "$IMAP" support secret INBOX
is "$ST $(count "$MAILDIR")/$(count "$MAILDIR" Processed)" "0 0/6" \
    "move:Processed empties INBOX into Processed"
is "$(stored "$MAILDIR" Processed)" "$before" "and the moved messages are the same bytes"
is "$(sent | grep -E 'MOVE|COPY|EXPUNGE|CREATE' | tr '\n' '|')" \
    "CREATE Processed|UID MOVE 1:4 Processed|UID MOVE 5:6 Processed|" \
    "with UID MOVE per batch where the server offers MOVE"

for m in m1 m2; do deliver "$LMTP" "$TMP/$m.eml"; done
run -t none -m delete 127.0.0.1 "$IMAP" support secret INBOX
is "$ST $(count "$MAILDIR")" "0 0" "delete: INBOX is empty afterwards"
is "$(sent | grep -E 'STORE|EXPUNGE' | tr '\n' '|')" \
    'UID STORE 7:8 +FLAGS.SILENT (\Deleted)|UID EXPUNGE 7:8|' \
    "by \\Deleted and UID EXPUNGE of just those"

# An empty message (written straight into the Maildir), into a folder
# whose name needs quoting; then CREATE of a folder that exists.
deliver "$LMTP" "$TMP/m1.eml"
: >"$MAILDIR/new/empty.eml"
[ "$(id -u)" -eq 0 ] && chown nobody:nogroup "$MAILDIR/new/empty.eml"
run -t none -m 'move:Done items' 127.0.0.1 "$IMAP" support secret INBOX
is "$ST $(count "$MAILDIR" 'Done items')" "0 2" 'move:"Done items" (a name with a space)' ||
    diag <"$TMP/err"
grep -q '^10 0 e3b0c44298fc1c14$' "$TMP/out"
ok $? "an empty message is fetched, as 0 bytes" || diag <"$TMP/out"
run -t none -m move:Processed 127.0.0.1 "$IMAP" support secret INBOX
ok $ST "CREATE of a folder that exists is no error" || diag <"$TMP/err"

# Without MOVE: UID COPY, \Deleted, UID EXPUNGE (UIDPLUS). Without SASL-IR,
# AUTHENTICATE PLAIN waits for the server's "+".
dove nomove ip "imap_capability = IMAP4rev1 LITERAL+ ENABLE IDLE UIDPLUS
imap_idle_notify_interval = 1 secs" ||
	{ echo "Bail out! Dovecot did not start"; exit 1; }
for m in m1 m2 m3; do deliver "$LMTP_PORT" "$TMP/$m.eml"; done
M2=$TMP/nomove/home/support/Maildir
before=$(stored "$M2")
run -t none -a plain -b 2 -m move:Processed 127.0.0.1 "$IMAP_PORT" support secret INBOX
is "$ST $(count "$M2")/$(count "$M2" Processed)" "0 0/3" \
    "no MOVE: the messages still end up in Processed only" || diag <"$TMP/err"
is "$(stored "$M2" Processed)" "$before" "the same bytes"
is "$(sent | grep -E 'MOVE|COPY|STORE|EXPUNGE' | tr '\n' '|')" \
    'UID COPY 1:2 Processed|UID STORE 1:2 +FLAGS.SILENT (\Deleted)|UID EXPUNGE 1:2|UID COPY 3 Processed|UID STORE 3 +FLAGS.SILENT (\Deleted)|UID EXPUNGE 3|' \
    "through UID COPY, STORE \\Deleted and UID EXPUNGE"

# This Dovecot says "* OK Still here" every second during IDLE.
t0=$(ms)
run -t none -i 3 127.0.0.1 "$IMAP_PORT" support secret INBOX
t1=$(ms)
is "$ST $(grep '^idle:' "$TMP/out")" "0 idle: 0" "keepalives during IDLE are not news"
[ $((t1 - t0)) -ge 2900 ]
ok $? "and do not cut the wait short ($((t1 - t0)) ms)"

dove nouidplus ip "imap_capability = IMAP4rev1 LITERAL+ ENABLE IDLE" ||
	{ echo "Bail out! Dovecot did not start"; exit 1; }
for m in m1 m2; do deliver "$LMTP_PORT" "$TMP/$m.eml"; done
M3=$TMP/nouidplus/home/support/Maildir
run -t none -m move:Processed 127.0.0.1 "$IMAP_PORT" support secret INBOX
is "$ST $(count "$M3")/$(count "$M3" Processed)" "0 0/2" \
    "neither MOVE nor UIDPLUS: moved all the same"
is "$(sent | grep -E 'COPY|STORE|EXPUNGE' | tr '\n' '|')" \
    'UID COPY 1:2 Processed|UID STORE 1:2 +FLAGS.SILENT (\Deleted)|EXPUNGE|' \
    "through a plain EXPUNGE"

# --- IDLE --------------------------------------------------------------

# idle_start ARGS...: imap-fetch in the background until it says it idles.
idle_start() {
	"$FETCH" "$@" >"$TMP/out" 2>"$TMP/err" &
	IDLE_PID=$! pids="$pids $!"
	_i=0
	until grep -q idling "$TMP/err"; do
		[ $_i -gt 100 ] && return 1
		sleep 0.05; _i=$((_i + 1))
	done
}
# idle_end SECS: wait at most SECS for it to exit; ST is its status.
idle_end() {
	_i=0
	while alive "$IDLE_PID" && [ $_i -lt $(($1 * 20)) ]; do sleep 0.05; _i=$((_i + 1)); done
	if alive "$IDLE_PID"; then stop "$IDLE_PID"; ST=124; return; fi
	wait "$IDLE_PID"; ST=$?
	cat "$TMP/err" >>"$TMP/imap-fetch.log"
	_l=$pids pids=''
	for _q in $_l; do [ "$_q" = "$IDLE_PID" ] || pids="$pids $_q"; done
}

idle_start -t none -i 20 127.0.0.1 "$IMAP" support secret INBOX
t0=$(ms)
deliver "$LMTP" "$TMP/m1.eml"
idle_end 5
t1=$(ms)
is "$ST $(grep '^idle:' "$TMP/out")" "0 idle: 1" "IDLE: a mail delivered meanwhile wakes it"
[ $((t1 - t0)) -lt 2000 ]
ok $? "within 2 s ($((t1 - t0)) ms)"
is "$(grep '^after idle:' "$TMP/out")" "after idle: 1 messages" \
    "and the session works afterwards"
is "$(sent | grep -A1 IDLE | tr '\n' ' ')" "IDLE DONE " \
    "IDLE was ended with DONE"

t0=$(ms)
run -t none -i 1 127.0.0.1 "$IMAP" support secret INBOX
t1=$(ms)
is "$ST $(grep '^idle:' "$TMP/out")" "0 idle: 0" "IDLE without news times out with 0"
[ $((t1 - t0)) -ge 900 ] && [ $((t1 - t0)) -lt 3000 ]
ok $? "after its 1 s ($((t1 - t0)) ms)"

t0=$(ms)
run -t none -i 20 -I 300 127.0.0.1 "$IMAP" support secret INBOX
t1=$(ms)
is "$ST $(grep '^idle:' "$TMP/out") $(grep -c '^after idle: 1 ' "$TMP/out")" "0 idle: 0 1" \
    "an interrupt from another thread ends IDLE with 0, session intact"
[ $((t1 - t0)) -lt 2000 ]
ok $? "at once ($((t1 - t0)) ms)"
t0=$(ms)
run -t none -i 20 -I 0 127.0.0.1 "$IMAP" support secret INBOX
t1=$(ms)
is "$ST $(grep '^idle:' "$TMP/out")" "0 idle: 0" \
    "an interrupt that came before IDLE began is not lost"
[ $((t1 - t0)) -lt 2000 ]
ok $? "it returns at once ($((t1 - t0)) ms)"

# --- TLS ---------------------------------------------------------------

run -t imaps -C "$CA" 127.0.0.1 "$IMAPS" support secret INBOX
is "$ST $(fetched | wc -l | tr -d ' ')" "0 1" \
    "imaps with ca_file: 127.0.0.1 verifies against the certificate's IP address" ||
    diag <"$TMP/err"
run -t starttls -C "$CA" 127.0.0.1 "$IMAP" support secret INBOX
is "$ST $(fetched | wc -l | tr -d ' ')" "0 1" "STARTTLS with ca_file: works" ||
    diag <"$TMP/err"
run -t imaps -C "$CA" localhost "$IMAPS" support secret INBOX
ok $ST "SNI: Dovecot serves the localhost certificate to \"localhost\"" || diag <"$TMP/err"

# untrusted TLS-ARGS...: the connection must fail before any login.
untrusted() {
	_before=$(logins "$LOG")
	run "$@" support secret INBOX
	_after=$(logins "$LOG")
	grep -q 'TLS certificate not trusted: .*issuer is unknown' "$TMP/err" &&
	    [ "$ST" = 1 ] && [ "$_before" = "$_after" ]
}
untrusted -t imaps 127.0.0.1 "$IMAPS"
ok $? "imaps without ca_file: not trusted, issuer unknown, no login" || diag <"$TMP/err"
untrusted -t starttls 127.0.0.1 "$IMAP"
ok $? "STARTTLS without ca_file: the same" || diag <"$TMP/err"
# Dovecot logs the disconnection when it notices it.
i=0
until grep 'imap-login' "$LOG" | tail -n 1 | grep -q 'no auth attempts' || [ $i -gt 40 ]; do
	sleep 0.05; i=$((i + 1))
done
grep 'imap-login' "$LOG" | tail -n 1 | grep -q 'no auth attempts'
ok $? "Dovecot saw no authentication attempt at all"

dove other other || { echo "Bail out! Dovecot did not start"; exit 1; }
run -t imaps -C "$CA" 127.0.0.1 "$IMAPS_PORT" support secret INBOX
is "$ST $(grep -c 'imap 127.0.0.1:[0-9]*: TLS certificate not trusted: .*name in the certificate does not match' "$TMP/err")" \
    "1 1" "a certificate for another name fails even with ca_file (the CN does not count)" ||
    diag <"$TMP/err"
is "$(logins "$TMP/other/dovecot.log")" 0 "and no login happened"

run 127.0.0.1 "$IMAP" support secret INBOX
is "$ST $(grep -c 'TLS handshake failed' "$TMP/err")" "1 1" \
    "TLS is the default: the plaintext port is refused without -t none"

# --- authentication ----------------------------------------------------

run -t imaps -C "$CA" -a login 127.0.0.1 "$IMAPS" support secret INBOX
ok $ST "LOGIN works" || diag <"$TMP/err"
run -t imaps -C "$CA" -a plain 127.0.0.1 "$IMAPS" support secret INBOX
ok $ST "AUTHENTICATE PLAIN works" || diag <"$TMP/err"
last_login 'method=PLAIN, .*TLS'
ok $? "Dovecot logged a PLAIN login over TLS"

pw='Wr0ng-p4ss'
run -t imaps -C "$CA" -a login 127.0.0.1 "$IMAPS" support "$pw" INBOX
is "$ST $(cat "$TMP/err")" \
    "1 imap-fetch: imap 127.0.0.1:$IMAPS: LOGIN as support: Authentication failed." \
    "a wrong password fails with the server's words"
run -t imaps -C "$CA" -a plain 127.0.0.1 "$IMAPS" support "$pw" INBOX
is "$ST $(grep -c 'AUTHENTICATE PLAIN as support: Authentication failed' "$TMP/err")" \
    "1 1" "with PLAIN too"
! grep -q "$pw\|$(printf '\0support\0%s' "$pw" | base64)" "$TMP/err"
ok $? "the password appears in no cause"

run -t imaps -C "$CA" -a xoauth2 127.0.0.1 "$IMAPS" support "$(jwt support 600)" INBOX
last_login 'method=XOAUTH2'
is "$ST $?" "0 0" \
    "XOAUTH2 with a valid token logs in (Dovecot validates the JWT locally)" ||
    diag <"$TMP/err"
run -t imaps -C "$CA" -a xoauth2 127.0.0.1 "$IMAPS" support "$(jwt support -60)" INBOX
is "$ST $(grep -c 'AUTHENTICATE XOAUTH2 as support: ' "$TMP/err")" "1 1" \
    "an expired token is refused"

# --- dead servers ------------------------------------------------------

port=$(freeport)
run -t none 127.0.0.1 "$port" support secret INBOX
is "$ST $(grep -c "imap 127.0.0.1:$port: .*refused" "$TMP/err")" "1 1" \
    "a closed port fails with the reason" || diag <"$TMP/err"
spawn perl -MIO::Socket::INET -e '
	my $l = IO::Socket::INET->new(Listen => 5, ReuseAddr => 1,
	    LocalAddr => "127.0.0.1", LocalPort => $ARGV[0]) or die "$!\n";
	my @keep; while (my $c = $l->accept) { push @keep, $c }' "$port"
wait_port "$port" 10
t0=$(ms)
run -t none -w 2 127.0.0.1 "$port" support secret INBOX
t1=$(ms)
is "$ST $(grep -c 'greeting: connection lost or timed out' "$TMP/err")" "1 1" \
    "a server that never greets fails" || diag <"$TMP/err"
[ $((t1 - t0)) -lt 4000 ]
ok $? "after the 2 s timeout ($((t1 - t0)) ms)"
