#!/bin/sh
# An agent answers from a real mail client, end to end: a private Postfix
# in front of ticketd and of Dovecot, which holds the customer's and the
# agent's mailboxes. The customer writes; the agent reads the
# notification in their Maildir and replies with mutt in batch mode; the
# customer's mailbox receives the agent's words without the quoted
# notification, threaded and tagged; the customer replies with s-nail
# and the ticket opens again, and the agent hears of it.
. "$(dirname "$0")/../lib.sh"
plan 14

command -v mutt >/dev/null && command -v s-nail >/dev/null &&
	command -v script >/dev/null ||
	{ echo "Bail out! mutt, s-nail and script(1) are needed (make deps)"; exit 1; }

PF=$TMP/postfix
export POSTFIX_PORT DOVECOT_USERS="customer somchai"
POSTFIX_PORT=$(freeport)
ticketd_conf >"$TMP/t.conf"
TICKETD_PORT=$LMTP_PORT
printf '%s\n' "name = Example Support" "[smtp]" \
	"url = smtp://127.0.0.1:$POSTFIX_PORT" "retry_min = 1" \
	"[autoreply]" "per_address = 100/1h" "per_ticket = 100/1h" \
	"[agent somchai]" "address = somchai@agents.test" \
	"name = Somchai K." >>"$TMP/t.conf"
eval "$("$PEERS/dovecot.sh" start "$TMP/dovecot")" || exit 1
cleanup "'$PEERS/dovecot.sh' stop '$TMP/dovecot'"
DOVECOT_LMTP=$LMTP_PORT
cleanup "'$PEERS/postfix.sh' stop '$PF'"
"$PEERS/postfix.sh" start "$PF" \
	"transport_maps = inline:{ example.com=lmtp:inet:[127.0.0.1]:$TICKETD_PORT, customer.test=lmtp:inet:[127.0.0.1]:$DOVECOT_LMTP, agents.test=lmtp:inet:[127.0.0.1]:$DOVECOT_LMTP }" \
	"recipient_delimiter = +" >/dev/null || exit 1
start_ticketd "$TMP/t.conf" || exit 1
ctl() { "$BUILD/ticketctl" -c "$TMP/t.conf" "$@"; }

CUSTOMER=$TMP/dovecot/home/customer/Maildir
AGENT=$TMP/dovecot/home/somchai/Maildir
# count DIR: mails in a Maildir; grep_mail DIR REGEX: the newest matching.
count() { find "$1/new" "$1/cur" -type f 2>/dev/null | wc -l; }
grep_mail() { grep -l -E "$2" "$1"/new/* "$1"/cur/* 2>/dev/null | tail -n 1; }
has_mail() { [ -n "$(grep_mail "$1" "$2")" ]; }

# The clients hand their mail to Postfix over SMTP, as a submission
# server would take it.
cat >"$TMP/sendmail" <<EOS
#!/bin/sh
rcpts=
for a; do case \$a in -*) ;; *) rcpts="\$rcpts,\$a" ;; esac; done
exec swaks --silent 2 --server 127.0.0.1 --port $POSTFIX_PORT \
	--from "\$SENDER" --to "\${rcpts#,}" --data -
EOS
chmod 755 "$TMP/sendmail"
export HOME=$TMP TZ=UTC LC_ALL=C.UTF-8

# 1. The customer writes to support.
swaks --silent 2 --server 127.0.0.1 --port "$POSTFIX_PORT" \
	--from customer@customer.test --to support@example.com \
	--header 'From: Ann Customer <customer@customer.test>' \
	--header 'Subject: Printer on fire' \
	--header 'Message-Id: <first@customer.test>' \
	--body 'The printer in room 3 is on fire again. Please help.'
wait_for 30 has_mail "$AGENT" '^Subject: .*Printer on fire'
ok $? "the agent's mailbox has the notification of the new ticket"
note=$(grep_mail "$AGENT" '^Subject: .*Printer on fire')
grep -q 'The printer in room 3 is on fire' "$note" &&
	grep -q '^##- Please type your reply above this line -##' "$note"
ok $? "it holds the customer's words and the marker line"
grep -Eq '^Reply-To: support\+a1\.somchai\.[0-9a-f]{20}@example\.com' "$note"
ok $? "its Reply-To carries the agent's token"
wait_for 30 has_mail "$CUSTOMER" '^Subject: .*Request received'
ok $? "the customer got the acknowledgement"

# 2. The agent replies with mutt: its own quoting and attribution, the
# words typed above them, sent to the Reply-To.
cat >"$TMP/edit" <<'EOS'
#!/bin/sh
{ printf 'Hi Ann,\n\nA technician is on the way. Please switch it off at the wall.\n\n'; cat "$1"; } >"$1.new"
mv "$1.new" "$1"
EOS
chmod 755 "$TMP/edit"
cat >"$TMP/muttrc" <<RC
set folder="$TMP"
set spoolfile="$AGENT"
set sendmail="$TMP/sendmail"
set from="Somchai K. <somchai@agents.test>"
set use_from=yes
set hostname="agents.test"
set include=yes
set fast_reply=yes
set reply_to=yes
set autoedit=yes
set edit_headers=no
set editor="$TMP/edit"
set charset="utf-8"
set record=""
set copy=no
set postpone=no
set quit=yes
set move=no
set wait_key=no
set mbox_type=Maildir
RC
before=$(count "$CUSTOMER")
SENDER=somchai@agents.test TERM=xterm timeout 60 script -qec \
	"mutt -n -F '$TMP/muttrc' -f '$AGENT' -e 'push <reply><send-message><quit>'" \
	/dev/null </dev/null >"$TMP/mutt.log" 2>&1
ok $? "mutt sent the agent's reply"
wait_for 30 has_mail "$CUSTOMER" 'A technician is on the way'
ok $? "the customer's mailbox received the agent's words"
reply=$(grep_mail "$CUSTOMER" 'A technician is on the way')
[ -n "$reply" ] && ! grep -Eq 'Please type your reply|wrote:|^>' "$reply"
ok $? "without the quoted notification or the marker"
grep -q '^In-Reply-To: <first@customer.test>' "$reply" &&
	grep -Eq '^Subject: Re: \[#1\] Printer on fire' "$reply"
ok $? "threaded to the customer's mail and tagged"
grep -Eq '^From: "Somchai K\. \(Example Support\)" <support@example\.com>' "$reply" &&
	! grep -qi '^Auto-Submitted:' "$reply"
ok $? "from the agent's name at the queue address, with no Auto-Submitted"
is "$(ctl show 1 --json | jq -r '.status + " " + (.assignee // "none")')" \
	"pending somchai" "the ticket is pending, assigned to the agent who answered"
is "$(count "$CUSTOMER")" $((before + 1)) "the customer got one mail for the reply"

# 3. The customer answers with s-nail; the ticket opens again and the
# agent, its assignee, is told.
{ echo 'From support@example.com Fri Nov 27 00:00:00 2026'; cat "$reply"; } >"$TMP/reply.mbox"
printf 'reply 1\nIt is out now, thank you. When will he come?\n~.\nquit\n' |
	SENDER=customer@customer.test s-nail -# -:/ -Sv15-compat \
	-Sttycharset=utf-8 -Smta="$TMP/sendmail" -Shostname=customer.test \
	-Sfrom='Ann Customer <customer@customer.test>' \
	-Rf "$TMP/reply.mbox" \
	>"$TMP/s-nail.log" 2>&1
ok $? "s-nail sent the customer's answer"
reopened() { ctl show 1 --json | jq -e '.status == "open" and any(.events[]; .type == "reopened")' >/dev/null; }
wait_for 30 reopened
ok $? "the ticket is open again, with a reopened event"
wait_for 30 has_mail "$AGENT" 'When will he come'
ok $? "the agent was notified of the customer's answer"
