#!/bin/sh
# ticketd against a real auto-responder: Dovecot's Sieve vacation. The
# customer's mailbox answers everything it gets; ticketd's mail reaches
# it through smtp-sink and a relay loop here (the "network"), and the
# responder's answers reach ticketd through Dovecot's sendmail_path and
# "ticketd deliver". The exchange must stop after a bounded number of
# mails, even when both sides' loop headers are stripped on the way.
. "$(dirname "$0")/../lib.sh"
plan 9

SINK=$TMP/sink
eval "$("$PEERS/smtp-sink.sh" start "$SINK")" || exit 1
cleanup "'$PEERS/smtp-sink.sh' stop '$SINK'"
{ ticketd_conf; printf '%s\n' "[smtp]" "url = smtp://127.0.0.1:$SMTP_PORT" \
	"[autoreply]" "per_address = 3/1h"; } >"$TMP/t.conf"

# The responder's outgoing mail goes to an MTA queue directory; relay()
# below plays the MTA and pipes it into "ticketd deliver". (Dovecot runs
# the script as its mail user, which must not need our database.)
mkdir -m 1777 "$TMP/outq"
cat >"$TMP/sendmail" <<EOS
#!/bin/sh
sender=
while [ \$# -gt 0 ]; do case \$1 in -f) sender=\$2; shift 2 ;; *) shift ;; esac; done
f=\$(mktemp "$TMP/outq/mail.XXXXXX")
{ echo "X-Envelope-From: \$sender"; cat; } >"\$f"
EOS
chmod 755 "$TMP/sendmail"
export DOVECOT_USERS=customer DOVECOT_CONF="sendmail_path = $TMP/sendmail
plugin {
  sieve_extensions = +vacation-seconds
  sieve_vacation_min_period = 0
  sieve_vacation_dont_check_recipient = yes
}"
eval "$("$PEERS/dovecot.sh" start "$TMP/dovecot")" || exit 1
cleanup "'$PEERS/dovecot.sh' stop '$TMP/dovecot'"
DOVECOT_LMTP=$LMTP_PORT
home=$TMP/dovecot/home/customer
mkdir -p "$home"
cat >"$home/.dovecot.sieve" <<'EOS'
require ["vacation", "vacation-seconds"];
vacation :seconds 0 :subject "Out of office" "I am away until Monday.";
EOS
chown -R nobody:nogroup "$home" 2>/dev/null || :

start_ticketd "$TMP/t.conf" || exit 1

# relay: the network and the MTAs. Each new mail smtp-sink got goes into
# the customer's mailbox (Dovecot LMTP); each answer the responder queued
# goes into "ticketd deliver". It runs until nothing moves for 3 s (at
# most 40 mails). With $TMP/strip-ours it is a broken forwarder that drops
# our loop headers and puts a real envelope sender where ours was null;
# with $TMP/strip-theirs the responder is a naive one that sends no
# Auto-Submitted and no threading headers.
STRIP_OURS='-e /^Auto-Submitted:/d -e /^X-Auto-Response-Suppress:/d -e /^X-Ticketd-Loop:/d'
STRIP_THEIRS='-e /^Auto-Submitted:/Id -e /^X-Auto-Response-Suppress:/Id -e /^In-Reply-To:/Id -e /^References:/Id -e /^Precedence:/Id'
new_files() {
	for f in "$@"; do
		[ -f "$f" ] && ! grep -qxF "$f" "$TMP/relayed" 2>/dev/null && echo "$f"
	done
}
to_customer() {
	_from='<>' _strip=
	[ -f "$TMP/strip-ours" ] && _from=support@example.com _strip=$STRIP_OURS
	# shellcheck disable=SC2086
	sed -e '/^X-Client-Addr:/d;/^X-Client-Proto:/d;/^X-Helo-Args:/d' \
	    -e '/^X-Mail-Args:/d;/^X-Rcpt-Args:/d' $_strip "$1" >"$TMP/relay.eml"
	swaks --protocol LMTP --server 127.0.0.1 --port "$DOVECOT_LMTP" --from "$_from" \
	    --to customer@example.org --data "$TMP/relay.eml" >/dev/null 2>&1
}
to_ticketd() {
	_sender=$(sed -n '1s/^X-Envelope-From: //p' "$1") _strip=
	[ -f "$TMP/strip-theirs" ] && _sender=customer@example.org _strip=$STRIP_THEIRS
	echo "$_sender" >>"$TMP/vacation.log"
	# shellcheck disable=SC2086
	sed -e 1d $_strip "$1" | "$BUILD/ticketd" -c "$TMP/t.conf" deliver \
	    -r support@example.com -f "$_sender" >/dev/null 2>>"$TMP/deliver.log"
}
relay() {
	_quiet=0 _moved=0
	while [ $_quiet -lt 30 ] && [ $_moved -lt 40 ]; do
		_new=$(new_files "$SINK"/spool/* "$TMP"/outq/*)
		if [ -z "$_new" ]; then _quiet=$((_quiet + 1)); sleep 0.1; continue; fi
		_quiet=0
		for f in $_new; do
			echo "$f" >>"$TMP/relayed"
			_moved=$((_moved + 1))
			case $f in "$SINK"/*) to_customer "$f" ;; *) to_ticketd "$f" ;; esac
		done
	done
}
count() { cat "$1" 2>/dev/null | wc -l; }
acks() { ls "$SINK"/spool | wc -l; }

# 1. Both sides well behaved: the vacation reply never happens.
lmtp_send --from customer@example.org --to support@example.com --header 'Subject: Help' \
	--header 'Message-Id: <c1@example.org>' >/dev/null 2>&1
relay
is "$(acks)" 1 "well behaved: one acknowledgement"
is "$(count "$TMP/vacation.log")" 0 "well behaved: the responder does not answer an acknowledgement"

# 2. A forwarder strips our loop headers: the responder answers once, with
# Auto-Submitted and In-Reply-To, and ticketd files it without answering.
touch "$TMP/strip-ours"
lmtp_send --from customer@example.org --to support@example.com --header 'Subject: Help again' \
	--header 'Message-Id: <c2@example.org>' >/dev/null 2>&1
relay
is "$(count "$TMP/vacation.log")" 1 "stripped loop headers: the responder answers once"
is "$(acks)" 2 "and ticketd does not answer the answer"
"$BUILD/ticketctl" -c "$TMP/t.conf" show 2 --json | jq -e '.messages | length == 3' >/dev/null
ok $? "the responder's answer joins the ticket it answers"

# 3. Both sides broken: no loop headers, no threading. Only the rate limit
# (3 acknowledgements per address and hour) stands between us and a loop.
touch "$TMP/strip-theirs"
lmtp_send --from customer@example.org --to support@example.com --header 'Subject: Help a third time' \
	--header 'Message-Id: <c3@example.org>' >/dev/null 2>&1
relay
total=$(($(acks) + $(count "$TMP/vacation.log")))
diag "mails exchanged in all: $total ($(acks) from ticketd, $(count "$TMP/vacation.log") from the responder)"
is "$(acks)" 3 "both broken: ticketd stops at the per-address limit"
[ "$total" -le 8 ]
ok $? "the whole exchange stops after a bounded number of mails ($total)"
"$BUILD/ticketctl" -c "$TMP/t.conf" list --json | jq -r '.[].id' | while read -r t; do
	"$BUILD/ticketctl" -c "$TMP/t.conf" show "$t" --json | jq -r '.events[] | select(.type == "ack_suppressed") | .detail'
done >"$TMP/suppressed"
grep -q 'rate limit' "$TMP/suppressed"
ok $? "the rate-limited acknowledgement is recorded as suppressed"
alive "$TICKETD_PID"
ok $? "ticketd is still running"
