#!/bin/sh
# Agents at work from their own mail client (issue 8), end to end: the
# real daemon over LMTP, outgoing mail caught by smtp-sink. Notifications,
# replies built from them as a mail client would, every forgery, commands
# and their errors, reopening, closing and linking, out-of-office notices,
# agents' own copies, redelivery, HTML replies with attachments, and
# [agents] require_auth.
. "$(dirname "$0")/../lib.sh"
plan 81

SINK=$TMP/sink
eval "$("$PEERS/smtp-sink.sh" start "$SINK")" || exit 1
cleanup "'$PEERS/smtp-sink.sh' stop '$SINK'"
MARKER='##- Please type your reply above this line -##'

# conf [LINE...]: the configuration, LINEs at its end. somchai serves
# every queue and hears of everything; malee serves billing only; nid
# hears only of what is assigned to them. The listen port stays the
# same across reloads.
ticketd_conf | sed 's/^address = support@example.com$/&\nname = Example Support/' >"$TMP/base.conf"
conf() {
	cat "$TMP/base.conf"
	printf '%s\n' "[queue billing]" "address = billing@example.com" "name = Example Billing" "" \
	    "[smtp]" "url = smtp://127.0.0.1:$SMTP_PORT" "retry_min = 1" "retry_max = 2" "" \
	    "[autoreply]" "per_address = 1000/1h" "per_ticket = 1000/1h" "" \
	    "[agent somchai]" "address = somchai@example.com, somchai.k@gmail.example" \
	    "name = Somchai K." "notify = all" "" \
	    "[agent malee]" "address = malee@example.com" "name = Malee S." \
	    "queues = billing" "" \
	    "[agent nid]" "address = nid@example.com" "notify = assigned" "" "$@"
}
CONF=$TMP/t.conf DB=$TMP/tickets.db
conf >"$CONF"
start_ticketd "$CONF" || exit 1

ctl() { "$BUILD/ticketctl" -c "$CONF" "$@"; }
q() { sqlite3 "$DB" "$1"; }
show() { ctl show "$1" --json | jq -r "$2"; }
status() { show "$1" .status; }
assignee() { q "SELECT coalesce(assignee, '') FROM tickets WHERE id = $1"; }
# events T TYPE: the details of ticket T's events of that type.
events() { show "$1" ".events[] | select(.type == \"$2\") | .detail"; }
ticket_of() { q "SELECT ticket_id FROM messages WHERE message_id = '$1'"; }

# The outbox, and smtp-sink's spool.
outbox() { ctl outbox --json | jq -r "$1"; }
outbox_max() { outbox 'map(.id) | max // 0'; }
# sent_since ID RCPT [KIND]: outbox rows after ID to RCPT (of KIND).
sent_since() {
	outbox "[.[] | select(.id > $1 and .rcpt == \"$2\" and (\"${3:-}\" == \"\" or .kind == \"${3:-}\"))] | length"
}
# settled: nothing is queued or being sent. smtp-sink spools a mail
# before its 250 and the outbox marks it sent after that, so every mail
# queued so far is in the spool then.
settled() {
	[ "$(outbox '[.[] | select(.status == "queued" or .status == "sending")] | length')" = 0 ]
}
settle() { wait_for 20 settled || diag "the outbox did not empty: $(outbox '.[] | select(.status != "sent")')"; }
# spooled MSGID RCPT: the file smtp-sink wrote for that mail to RCPT.
spooled() {
	grep -il "^Message-Id: <$1>" "$SINK"/spool/* 2>/dev/null | while read -r _f; do
		grep -q "^X-Rcpt-Args: <$2>" "$_f" && echo "$_f"
	done | head -1
}
# to_in_spool ADDR: how many mails smtp-sink took for ADDR.
to_in_spool() { grep -l "^X-Rcpt-Args: <$1>" "$SINK"/spool/* 2>/dev/null | wc -l; }
# last_mail T KIND RCPT: the newest outbox mail of ticket T of KIND to
# RCPT, once sent; prints its spool file.
last_mail() {
	_mid=$(outbox "[.[] | select(.ticket == $1 and .kind == \"$2\" and .rcpt == \"$3\")] | last | .message_id // empty")
	_rcpt=$3
	[ -n "$_mid" ] || return 1
	wait_for 20 eval '[ -n "$(spooled "$_mid" "$_rcpt")" ]' || return 1
	spooled "$_mid" "$_rcpt"
}

# A mail as smtp-sink took it: mail.pl FILE header NAME | text | files.
cat >"$TMP/mail.pl" <<'EOF'
use strict; use MIME::Base64; use MIME::QuotedPrint; use Digest::MD5 qw(md5_hex);
my ($file, $what, $name) = @ARGV;
open my $fh, '<', $file or die "$file: $!"; local $/; my $raw = <$fh>; $raw =~ s/\r\n/\n/g;
sub split_mail { my ($m) = @_; my ($h, $b) = split /\n\n/, $m, 2; $h =~ s/\n[ \t]+/ /g;
	my @h = map { [ /^([^:]+):[ \t]*(.*)$/ ] } split /\n/, $h; return (\@h, $b // ''); }
sub header { my ($h, $n) = @_; for (@$h) { return $_->[1] if lc $_->[0] eq lc $n } return undef }
sub decode { my ($h, $b) = @_; my $cte = lc(header($h, 'Content-Transfer-Encoding') // '');
	return decode_base64($b) if $cte eq 'base64'; return decode_qp($b) if $cte eq 'quoted-printable'; $b }
sub parts { my ($m) = @_; my ($h, $b) = split_mail($m); my $ct = header($h, 'Content-Type') // 'text/plain';
	if ($ct =~ /^multipart\/.*boundary="?([^";]+)"?/i) { my $bd = quotemeta $1;
		my @p = split /^--$bd(?:--)?[ \t]*\n/m, $b; shift @p; return map { parts($_) } grep { /\S/ } @p; }
	return ([ $h, $b ]); }
my ($h, $b) = split_mail($raw);
if ($what eq 'header') { my $v = header($h, $name); exit 1 unless defined $v; print "$v\n"; exit 0 }
for my $p (parts($raw)) { my ($ph, $pb) = @$p; my $ct = header($ph, 'Content-Type') // 'text/plain';
	my $cd = header($ph, 'Content-Disposition') // '';
	if ($what eq 'text' && $ct =~ /^text\/plain/i && $cd !~ /attachment/i) { print decode($ph, $pb); exit 0 }
	if ($what eq 'files' && $cd =~ /attachment/i) { my ($fn) = $cd =~ /filename="?([^";]+)"?/;
		print "$fn ", md5_hex(decode($ph, $pb)), "\n" } }
exit($what eq 'files' ? 0 : 1);
EOF
hdr() { perl "$TMP/mail.pl" "$1" header "$2"; }
text_of() { perl "$TMP/mail.pl" "$1" text; }
files_of() { perl "$TMP/mail.pl" "$1" files; }

# deliver RCPT ENVELOPE-FROM FILE: one LMTP transaction of the mail in FILE.
deliver() {
	[ -n "$1" ] || { diag "deliver: no recipient"; return 1; }
	lmtp_send --to "$1" --from "$2" --data "@$3" </dev/null >"$TMP/swaks.out" 2>&1 ||
	    diag "delivery to $1 failed:" "$(tail -n 5 "$TMP/swaks.out")"
}
# customer FROM MSGID SUBJECT TEXT [HEADER...]: a customer's mail to
# support@, or to billing@ with TO=billing@example.com set.
n=0
customer() {
	_from=$1 _mid=$2 _subj=$3 _text=$4
	shift 4
	{
		printf '%s\n' "From: $_from" "To: ${TO:-support@example.com}" "Subject: $_subj" \
		    "Date: $(date -R)" "Message-ID: <$_mid>" "$@" "MIME-Version: 1.0" \
		    "Content-Type: text/plain; charset=utf-8" ""
		printf '%s\n' "$_text"
	} >"$TMP/customer.eml"
	_addr=$(printf '%s' "$_from" | sed 's/.*<\(.*\)>.*/\1/')
	deliver "${TO:-support@example.com}" "$_addr" "$TMP/customer.eml"
}
billing_customer() { TO=billing@example.com; customer "$@"; TO=''; }
# reply NOTIFICATION FROM WORDS [HEADER...]: what a mail client sends
# when the agent presses Reply on the notification smtp-sink took:
# To its Reply-To, In-Reply-To its Message-ID, the notification quoted
# below an attribution. HEADERs (To:, In-Reply-To:, ...) replace the
# client's. Written to $TMP/reply.eml with Message-ID <r$n@mail.example>.
reply() {
	_nf=$1 _from=$2 _words=$3
	shift 3
	n=$((n + 1))
	_to=$(hdr "$_nf" Reply-To) _irt=$(hdr "$_nf" Message-Id)
	_refs="$(hdr "$_nf" References) $_irt"
	_subj="Re: $(hdr "$_nf" Subject)"
	{
		{
			printf '%s\n' "$@"
			for _h in "From: $_from" "To: $_to" "Subject: $_subj" "Date: $(date -R)" \
			    "Message-ID: <r$n@mail.example>" "In-Reply-To: $_irt" \
			    "References: $_refs" "MIME-Version: 1.0" \
			    "Content-Type: text/plain; charset=utf-8"; do
				printf '%s\n' "$@" | grep -qi "^${_h%%:*}:" || printf '%s\n' "$_h"
			done
		} | grep -v '^[^:]*: *$' | grep -v '^$'
		printf '\n%s\n\n' "$_words"
		printf 'On %s, Example Support <support@example.com> wrote:\n' "$(hdr "$_nf" Date)"
		text_of "$_nf" | sed 's/^/> /; s/^> $/>/'
	} >"$TMP/reply.eml"
}
# send_reply RCPT ENVELOPE-FROM: deliver $TMP/reply.eml.
send_reply() { deliver "$1" "$2" "$TMP/reply.eml"; }
rcpt_of() { sed -n 's/^To: *//p' "$TMP/reply.eml" | head -1 | sed 's/.*<\(.*\)>.*/\1/'; }

# A customer's new ticket: the queue's agents are told.
before=$(outbox_max)
customer 'Khun Dao <dao@example.org>' c1@example.org 'Printer jam' "My printer is jammed again.
It blinks red twice."
t1=$(ticket_of c1@example.org)
settle
is "$(outbox "[.[] | select(.id > $before and .kind == \"notify\") | .rcpt] | join(\" \")")" \
	somchai@example.com "only somchai is notified: not malee (billing), not nid (assigned only)"
nf=$(last_mail "$t1" notify somchai@example.com) nf1=$nf
[ -n "$nf" ] && [ "$(hdr "$nf" Auto-Submitted)" = auto-generated ] &&
    [ "$(hdr "$nf" X-Ticketd-Loop)" = helpdesk.example.com ]
ok $? "the notification has Auto-Submitted: auto-generated and our loop marker"
hdr "$nf" Reply-To | grep -Eq "^support\+a$t1\.somchai\.[0-9a-f]+@example\.com$"
ok $? "its Reply-To is support+TOKEN@example.com: $(hdr "$nf" Reply-To)"
hdr "$nf" Message-Id | grep -Eq "^<tkt$t1\.somchai\.[0-9a-f]+\.[0-9a-f]+@helpdesk\.example\.com>$"
ok $? "its Message-ID is tkt$t1.somchai...: $(hdr "$nf" Message-Id)"
text_of "$nf" >"$TMP/nf.txt"
grep -qx 'My printer is jammed again.' "$TMP/nf.txt" && grep -qx 'It blinks red twice.' "$TMP/nf.txt"
ok $? "it holds the customer's text, line by line"
grep -q "^Ticket: *\[#$t1\] Printer jam$" "$TMP/nf.txt" &&
    grep -q '^Status: *new *Priority: normal$' "$TMP/nf.txt" &&
    grep -q '^Queue: *Example Support$' "$TMP/nf.txt" &&
    grep -q '^Assignee: *nobody yet$' "$TMP/nf.txt"
ok $? "it names the ticket number, subject, status, priority, queue and assignee"
grep -qxF "$MARKER" "$TMP/nf.txt"
ok $? "it has the marker line"

# The agent presses Reply.
before=$(outbox_max)
reply "$nf" 'Somchai K. <somchai@example.com>' "Hello Khun Dao,

Please open the back cover and take the paper out.
Somchai"
send_reply "$(rcpt_of)" somchai@example.com
settle
cf=$(last_mail "$t1" agent_reply dao@example.org)
is "$(text_of "$cf")" "Hello Khun Dao,

Please open the back cover and take the paper out.
Somchai" "the customer receives only the agent's words"
is "$(sent_since "$before" dao@example.org)" 1 "and one mail"
is "$(hdr "$cf" From)" '"Somchai K. (Example Support)" <support@example.com>' \
	"it comes from the queue address in the agent's name"
is "$(hdr "$cf" To)" 'Khun Dao <dao@example.org>' "to the requester"
is "$(hdr "$cf" In-Reply-To)" '<c1@example.org>' "in reply to the customer's mail"
is "$(hdr "$cf" Subject)" "Re: [#$t1] Printer jam" "with the tag in the subject"
! grep -qi '^Auto-Submitted:' "$cf"
ok $? "without Auto-Submitted: a person wrote it"
is "$(status "$t1") $(assignee "$t1")" "pending somchai" \
	"the ticket is pending and somchai, the first to reply, its assignee"
mid=$(hdr "$cf" Message-Id | tr -d '<>')
is "$(q "SELECT direction || ' ' || coalesce(author, '') FROM messages WHERE message_id = '$mid'")" \
	"out somchai" "the stored outgoing mail has somchai as its author"
events "$t1" assigned | grep -q 'nobody -> somchai by agent somchai (mail)' &&
    events "$t1" status | grep -q 'new -> pending by agent somchai (mail)'
ok $? "the events say who: $(events "$t1" status)"

# Either token alone, with the agent's From, is enough.
before=$(outbox_max)
reply "$nf" 'Somchai K. <somchai@example.com>' "Did the paper come out?" \
	"To: Example Support <support@example.com>"
send_reply support@example.com somchai@example.com
settle
cf=$(last_mail "$t1" agent_reply dao@example.org)
[ "$(sent_since "$before" dao@example.org agent_reply)" = 1 ] &&
    [ "$(text_of "$cf")" = "Did the paper come out?" ]
ok $? "a reply to support@ whose In-Reply-To is the notification's Message-ID reaches the customer"
before=$(outbox_max)
reply "$nf" 'Somchai K. <somchai@example.com>' "Try a new cartridge as well." \
	"In-Reply-To:" "References:"
send_reply "$(rcpt_of)" somchai@example.com
settle
cf=$(last_mail "$t1" agent_reply dao@example.org)
[ "$(sent_since "$before" dao@example.org agent_reply)" = 1 ] &&
    [ "$(text_of "$cf")" = "Try a new cartridge as well." ]
ok $? "a reply to the token address without In-Reply-To or References reaches the customer"

# Forgeries: each is customer mail with an agent_refused event, and
# nothing goes to the customer as the agent, nor changes the ticket.
# new_ticket FROM MSGID SUBJECT: a customer's new ticket ($t) and
# somchai's notification of it ($nf).
new_ticket() {
	customer "$1" "$2" "$3" "Please help."
	t=$(ticket_of "$2")
	settle
	nf=$(last_mail "$t" notify "${AGENT:-somchai@example.com}")
}
# forged NAME REQUESTER WHY-REGEX: the mail $TMP/reply.eml, just
# delivered, was refused with a reason matching WHY-REGEX; it is stored
# as customer mail; nothing was sent to REQUESTER since $before and
# ticket $t is still new with nobody assigned.
forged() {
	_mt=$(ticket_of "r$n@mail.example") _bad=
	[ -n "$_mt" ] || _bad="the mail is not stored;"
	[ "$(q "SELECT direction || coalesce(author, '') FROM messages WHERE message_id = 'r$n@mail.example'")" = in ] ||
	    _bad="$_bad it is not customer mail;"
	events "${_mt:-0}" agent_refused | grep -Eq "$3" ||
	    _bad="$_bad no agent_refused event matching \"$3\" on ticket ${_mt:-none};"
	settle
	[ "$(sent_since "$before" "$2")" = 0 ] && [ "$(to_in_spool "$2")" = "$spool_before" ] ||
	    _bad="$_bad mail went to <$2>;"
	[ "$(status "$t") $(assignee "$t")" = "new " ] || _bad="$_bad ticket $t is $(status "$t"), assigned to $(assignee "$t");"
	[ -z "$_bad" ]
	ok $? "$1: refused, stored as customer mail of ticket ${_mt:-none}, nothing sent${_bad:+ ($_bad)}" ||
	    diag "$(events "${_mt:-0}" agent_refused)"
}
forgery_start() { before=$(outbox_max) spool_before=$(to_in_spool "$1"); }

new_ticket 'Ann <ann@example.org>' f1@example.org 'Refund please'
forgery_start ann@example.org
reply "$nf" 'Somchai K. <somchai@example.com>' "Refund approved, send your bank details." \
	"To: support@example.com" "In-Reply-To: <f1@example.org>" "References: <f1@example.org>"
send_reply support@example.com somchai@example.com
forged "the agent's From without a token" ann@example.org 'carries no token'

new_ticket 'Ben <ben@example.org>' f2@example.org 'Password reset'
forgery_start ben@example.org
reply "$nf" 'Eve <eve@example.net>' "Your new password is hunter2."
send_reply "$(rcpt_of)" eve@example.net
forged "a valid token from another sender (a forwarded notification)" ben@example.org \
	"not one of somchai's addresses"
is "$(q "SELECT count(*) FROM participants WHERE address = 'eve@example.net'")" 0 \
	"and its sender takes no part in the ticket: later replies do not go to them"

new_ticket 'Cat <cat@example.org>' f3a@example.org 'Ticket A'
nf_a=$nf t_a=$t
new_ticket 'Dan <dan@example.org>' f3b@example.org 'Ticket B'
forgery_start dan@example.org
spool_cat=$(to_in_spool cat@example.org)
reply "$nf" 'Somchai K. <somchai@example.com>' "Closing this one." "To: $(hdr "$nf_a" Reply-To)"
send_reply "$(rcpt_of)" somchai@example.com
forged "ticket A's token in the address, ticket B's notification in In-Reply-To" dan@example.org \
	"tokens name tickets ($t_a and $t|$t and $t_a)"
settle
[ "$(sent_since "$before" cat@example.org)" = 0 ] && [ "$(to_in_spool cat@example.org)" = "$spool_cat" ] &&
    [ "$(status "$t_a") $(assignee "$t_a")" = "new " ]
ok $? "and ticket A's customer got nothing, ticket A is unchanged"

new_ticket 'Eko <eko@example.org>' f4@example.org 'Invoice copy'
forgery_start eko@example.org
# The notification's token with the last digit of its MAC changed.
bad=$(hdr "$nf" Reply-To | perl -pe 's/([0-9a-f])\@/($1 eq "0" ? "1" : "0") . "\@"/e')
reply "$nf" 'Somchai K. <somchai@example.com>' "Here is your invoice." "To: $bad" \
	"In-Reply-To:" "References:"
send_reply "$bad" somchai@example.com
forged "a token with a bad signature ($bad)" eko@example.org 'bad signature'

# Forgeries, continued. An agent removed from the configuration can no
# longer act, even with a notification they received before.
reloads() { grep -c ': reloaded$' "$TICKETD_LOG"; }
reload() {
	_n=$(reloads)
	kill -HUP "$TICKETD_PID"
	wait_for 10 eval '[ "$(reloads)" -gt "$_n" ]'
}
TO=billing@example.com AGENT=malee@example.com
new_ticket 'Fay <fay@example.net>' f5@example.net 'Wrong invoice address'
TO='' AGENT=''
conf | sed '/^\[agent malee\]/,/^$/d' >"$CONF"
reload
ok $? "malee is removed from the configuration, and ticketd reloaded"
forgery_start fay@example.net
reply "$nf" 'Malee S. <malee@example.com>' "I fixed the address."
send_reply "$(rcpt_of)" malee@example.com
forged "the token of an agent no longer configured" fay@example.net "agent malee's, who is no longer an agent"

conf >"$CONF"
reload
ok $? "malee is back in the configuration"

# Commands, on a billing ticket: somchai and malee serve billing.
billing_customer 'Bob <bob@example.net>' b1@example.net 'Double charge' "You charged me twice for November."
tb=$(ticket_of b1@example.net)
settle
is "$(outbox "[.[] | select(.ticket == $tb and .kind == \"notify\") | .rcpt] | sort | join(\" \")")" \
	"malee@example.com somchai@example.com" "a billing ticket is told to somchai and malee, not nid"
nfb=$(last_mail "$tb" notify somchai@example.com)
# cmd WORDS: somchai answers the billing notification with WORDS.
cmd() {
	before=$(outbox_max) bob_spool=$(to_in_spool bob@example.net)
	reply "$nfb" 'Somchai K. <somchai@example.com>' "$1"
	send_reply "$(rcpt_of)" somchai@example.com
	settle
}
# quiet: nothing went to the customer since cmd.
quiet() { [ "$(sent_since "$before" bob@example.net)" = 0 ] && [ "$(to_in_spool bob@example.net)" = "$bob_spool" ]; }
notified() { outbox "[.[] | select(.id > $before and .kind == \"notify\") | .rcpt] | sort | join(\" \")"; }
state() { echo "$(status "$tb") $(show "$tb" .priority) [$(show "$tb" '.tags | join(",")')] $(assignee "$tb")"; }

cmd "#assign malee"
is "$(state)" "new normal [] malee" "#assign malee assigns the ticket, and changes nothing else"
events "$tb" assigned | grep -q 'nobody -> malee by agent somchai (mail)'
ok $? "the assigned event names who: $(events "$tb" assigned)"
is "$(notified)" malee@example.com "malee is notified of the assignment, and no one else"
quiet
ok $? "nothing goes to the customer"

cmd "#note
Bob phoned: his bank shows one charge only.
I asked for a statement."
quiet
ok $? "#note sends nothing to the customer"
is "$(notified)" malee@example.com "the note goes to malee, the assignee; not to somchai, who wrote it, nor nid"
f=$(last_mail "$tb" notify malee@example.com)
text_of "$f" >"$TMP/note.txt"
grep -qx 'Bob phoned: his bank shows one charge only.' "$TMP/note.txt" &&
    grep -qx 'I asked for a statement.' "$TMP/note.txt" && ! grep -qx '#note' "$TMP/note.txt"
ok $? "malee's notification holds the note's words" || diag <"$TMP/note.txt"
is "$(q "SELECT direction || ' ' || author FROM messages WHERE message_id = 'r$n@mail.example'")" "note somchai" \
	"the note is stored as a note by somchai"

cmd "#priority urgent"
is "$(state)" "new urgent [] malee" "#priority urgent sets the priority"
cmd "#tag refund"
is "$(state)" "new urgent [refund] malee" "#tag refund adds the tag"
cmd "#untag refund"
is "$(state)" "new urgent [] malee" "#untag refund removes it"
quiet
ok $? "none of them sends anything to the customer"
cmd "#pending"
is "$(status "$tb")" pending "#pending sets pending"
cmd "#open"
is "$(status "$tb")" open "#open sets open"
events "$tb" reopened | grep -q 'pending -> open by agent somchai (mail)'
ok $? "with an event that says who"

# The customer writes on a pending, then on a resolved ticket.
cmd "#pending"
before=$(outbox_max)
billing_customer 'Bob <bob@example.net>' b2@example.net "Re: [#$tb] Double charge" \
	"The second charge is still there." "In-Reply-To: <b1@example.net>"
is "$(status "$tb")" open "customer mail on a pending ticket opens it again"
events "$tb" reopened | grep -q 'pending -> open by ticketd (customer mail)'
ok $? "with a reopened event: $(events "$tb" reopened | tail -1)"
settle
is "$(notified)" malee@example.com "the assignee is notified, not the other agents"
f=$(last_mail "$tb" notify malee@example.com)
text_of "$f" | grep -qx 'The second charge is still there.'
ok $? "with the customer's words"
cmd "#resolve"
is "$(status "$tb")" resolved "#resolve sets resolved"
billing_customer 'Bob <bob@example.net>' b3@example.net "Re: [#$tb] Double charge" \
	"Sorry, it is still not right." "In-Reply-To: <b2@example.net>"
is "$(status "$tb")" open "customer mail on a resolved ticket opens it again"

# Commands, continued. Wrong ones: nothing to the customer, no change,
# and a mail back to the agent that names the error and quotes the text.
for c in '#priority hgih:unknown priority "hgih"' '#assign nobody:no agent "nobody"' \
    '#frobnicate:unknown command "#frobnicate"'; do
	was=$(state)
	cmd "${c%%:*}
Refund the second charge, please."
	[ "$(state)" = "$was" ] && quiet
	ok $? "${c%%:*}: nothing changes, nothing goes to the customer"
	f=$(last_mail "$tb" agent_error somchai@example.com) && text_of "$f" >"$TMP/err.txt"
	[ "$(hdr "$f" Auto-Submitted)" = auto-replied ] && grep -qF "${c#*:}" "$TMP/err.txt" &&
	    grep -qxF "${c%%:*}" "$TMP/err.txt" && grep -qx 'Refund the second charge, please.' "$TMP/err.txt" &&
	    [ "$(sent_since "$before" somchai@example.com agent_error)" = 1 ]
	ok $? "${c%%:*}: somchai gets a mail back (Auto-Submitted: auto-replied) naming the error and quoting the text" ||
	    diag <"$TMP/err.txt"
done

cmd "#canned need-more-info"
f=$(last_mail "$tb" reply bob@example.net)
[ "$(sent_since "$before" bob@example.net reply)" = 1 ] && text_of "$f" | grep -q 'we need a few more details'
ok $? "#canned need-more-info sends the canned reply to the customer"
is "$(status "$tb")" pending "and, a reply to the customer, sets pending"

cmd "#resolve
The second charge is refunded; it shows within three days."
f=$(last_mail "$tb" agent_reply bob@example.net)
[ "$(sent_since "$before" bob@example.net)" = 1 ] &&
    [ "$(text_of "$f")" = "The second charge is refunded; it shows within three days." ]
ok $? "words with #resolve go to the customer, without the command"
is "$(status "$tb")" resolved "and the ticket is resolved, not pending"

# Back to the first ticket and its notification.
nf=$nf1

# The agent's out-of-office notice answers a notification: kept,
# nothing done, nothing sent.
before=$(outbox_max) st=$(status "$t1")
reply "$nf" 'Somchai K. <somchai@example.com>' "I am away until Monday." \
	"Auto-Submitted: auto-replied" "Subject: Out of office: I am away"
send_reply "$(rcpt_of)" somchai@example.com
mid=r$n@mail.example
events "$t1" agent_automatic | grep -q 'somchai'
ok $? "an out-of-office notice from the agent's mailbox is recorded: $(events "$t1" agent_automatic)"
[ "$(outbox "[.[] | select(.id > $before)] | length")" = 0 ] && [ "$(status "$t1")" = "$st" ] &&
    [ "$(ticket_of "$mid")" = "$t1" ]
ok $? "and sends nothing to anyone and changes nothing"

# The agent writes to the customer from their own mailbox, the queue
# on Cc: recorded as ours, not sent again, not customer mail.
before=$(outbox_max) st=$(status "$t1") spool_dao=$(to_in_spool dao@example.org)
printf '%s\n' "From: Somchai K. <somchai.k@gmail.example>" "To: Khun Dao <dao@example.org>" \
	"Cc: support@example.com" "Subject: Re: [#$t1] Printer jam" "Date: $(date -R)" \
	"Message-ID: <copy1@gmail.example>" "In-Reply-To: <c1@example.org>" \
	"References: <c1@example.org>" "" "I will call you at three." >"$TMP/copy.eml"
deliver support@example.com somchai.k@gmail.example "$TMP/copy.eml"
is "$(q "SELECT ticket_id || ' ' || direction || ' ' || coalesce(author, '') FROM messages WHERE message_id = 'copy1@gmail.example'")" \
	"$t1 out somchai" "the agent's own mail to the customer is an outgoing message of the ticket, by somchai"
events "$t1" agent_copy | grep -q 'not sent again'
ok $? "an agent_copy event says so"
settle
[ "$(outbox "[.[] | select(.id > $before)] | length")" = 0 ] &&
    [ "$(to_in_spool dao@example.org)" = "$spool_dao" ] && [ "$(status "$t1")" = "$st" ]
ok $? "it is not sent again, no agent is notified, the status stays $st"

# LMTP redelivery of the same reply: the customer gets it once.
before=$(outbox_max)
reply "$nf" 'Somchai K. <somchai@example.com>' "One more thing: switch it off first."
send_reply "$(rcpt_of)" somchai@example.com
send_reply "$(rcpt_of)" somchai@example.com
settle
is "$(sent_since "$before" dao@example.org)" 1 "the same agent reply delivered twice reaches the customer once"
is "$(grep -l 'switch it off first' "$SINK"/spool/* | xargs grep -l '^X-Rcpt-Args: <dao@example.org>' | wc -l)" 1 \
	"smtp-sink has it once"

# An HTML-only reply as Gmail writes it, with an attachment.
before=$(outbox_max) n=$((n + 1))
printf '%%PDF-1.4 receipt 42\n\001\002\003binary\n' >"$TMP/receipt.pdf"
{
	printf '%s\n' "From: Somchai K. <somchai.k@gmail.example>" "To: $(hdr "$nf" Reply-To)" \
	    "Subject: Re: $(hdr "$nf" Subject)" "Date: $(date -R)" "Message-ID: <r$n@mail.example>" \
	    "In-Reply-To: $(hdr "$nf" Message-Id)" "References: $(hdr "$nf" Message-Id)" \
	    "MIME-Version: 1.0" 'Content-Type: multipart/mixed; boundary="000mixed"' "" \
	    "--000mixed" 'Content-Type: text/html; charset="UTF-8"' "Content-Transfer-Encoding: quoted-printable" ""
	{
		printf '<div dir="ltr">Hi Khun Dao,<div><br></div><div>The receipt is attached.</div></div><br>'
		printf '<div class="gmail_quote"><div dir="ltr" class="gmail_attr">On %s, Example Support &lt;' \
		    "$(hdr "$nf" Date)"
		printf '<a href="mailto:support@example.com">support@example.com</a>&gt; wrote:<br></div>'
		printf '<blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex;border-left:1px solid rgb(204,204,204);padding-left:1ex">'
		text_of "$nf" | sed 's/&/\&amp;/g; s/</\&lt;/g; s/>/\&gt;/g; s/$/<br>/' | tr -d '\n'
		printf '</blockquote></div>\n'
	} | perl -MMIME::QuotedPrint -0777 -pe '$_ = encode_qp($_)'
	printf '%s\n' "--000mixed" 'Content-Type: application/pdf; name="receipt.pdf"' \
	    'Content-Disposition: attachment; filename="receipt.pdf"' "Content-Transfer-Encoding: base64" ""
	base64 "$TMP/receipt.pdf"
	printf '%s\n' "--000mixed--"
} >"$TMP/html.eml"
deliver "$(hdr "$nf" Reply-To)" somchai.k@gmail.example "$TMP/html.eml"
settle
cf=$(last_mail "$t1" agent_reply dao@example.org)
[ "$(sent_since "$before" dao@example.org)" = 1 ] && text_of "$cf" >"$TMP/html.txt" &&
    grep -q '^Hi Khun Dao,$' "$TMP/html.txt" && grep -q '^The receipt is attached.$' "$TMP/html.txt" &&
    ! grep -q 'wrote:\|##-\|opened ticket\|Printer' "$TMP/html.txt"
ok $? "an HTML-only reply sends only the agent's words" || diag <"$TMP/html.txt"
is "$(files_of "$cf")" "receipt.pdf $(md5sum <"$TMP/receipt.pdf" | cut -d' ' -f1)" \
	"the attachment the agent added reaches the customer intact"

# [agents] require_auth: the MX's Authentication-Results must show a
# DKIM or DMARC pass for the agent's domain.
conf "[agents]" "require_auth = yes" "authserv_id = mx.test" >"$CONF"
reload
ok $? "require_auth is switched on by a reload"
new_ticket 'Gil <gil@example.org>' a1@example.org 'Login fails'
before=$(outbox_max)
reply "$nf" 'Somchai K. <somchai@example.com>' "Please clear your cookies." \
	"Authentication-Results: mx.test; dkim=pass (2048-bit key) header.d=example.com header.s=mail"
send_reply "$(rcpt_of)" somchai@example.com
settle
f=$(last_mail "$t" agent_reply gil@example.org)
[ "$(sent_since "$before" gil@example.org agent_reply)" = 1 ] && [ "$(text_of "$f")" = "Please clear your cookies." ]
ok $? "with a DKIM pass from mx.test for example.com, the agent's reply acts"
new_ticket 'Hal <hal@example.org>' a2@example.org 'Login fails too'
forgery_start hal@example.org
reply "$nf" 'Somchai K. <somchai@example.com>' "Please clear your cookies."
send_reply "$(rcpt_of)" somchai@example.com
forged "require_auth: without Authentication-Results" hal@example.org 'no Authentication-Results from mx.test'
new_ticket 'Ivy <ivy@example.org>' a3@example.org 'Login fails again'
forgery_start ivy@example.org
reply "$nf" 'Somchai K. <somchai@example.com>' "Please clear your cookies." \
	"Authentication-Results: mx.evil.example; dkim=pass header.d=example.com"
send_reply "$(rcpt_of)" somchai@example.com
forged "require_auth: a pass from another authserv-id" ivy@example.org 'no Authentication-Results from mx.test'

stop_ticketd
ok $? "ticketd stops cleanly"

# close_after: a resolved ticket closes; the customer's mail to it
# then opens a new ticket, and the two name each other. A daemon of its
# own, so that no other ticket closes under the tests above.
CONF=$TMP/close.conf DB=$TMP/close.db
conf | sed "s|^database = .*|database = $DB|; s|^hostname = .*|&\nclose_after = 2s\npending_resolve = 2s|;
    s|^listen = .*|listen = 127.0.0.1:$(freeport)|" >"$CONF"
start_ticketd "$CONF" || exit 1
new_ticket 'Jan <jan@example.org>' k1@example.org 'Broken screen'
tc=$t
before=$(outbox_max)
reply "$nf" 'Somchai K. <somchai@example.com>' "#resolve
A new screen is on its way."
send_reply "$(rcpt_of)" somchai@example.com
settle
f=$(last_mail "$tc" agent_reply jan@example.org)
is "$(status "$tc")" resolved "the ticket is resolved"
wait_for 15 eval '[ "$(status "$tc")" = closed ]'
ok $? "after close_after it is closed"
events "$tc" status | grep -q 'resolved -> closed by ticketd (timer)'
ok $? "by ticketd's timer: $(events "$tc" status | tail -1)"
# pending_resolve: a ticket waiting for its customer is resolved.
new_ticket 'Ida <ida@example.org>' p1@example.org 'Slow laptop'
tp=$t
reply "$nf" 'Somchai K. <somchai@example.com>' "Could you send us its model number?"
send_reply "$(rcpt_of)" somchai@example.com
settle
wait_for 15 eval '[ "$(status "$tp")" = resolved ] || [ "$(status "$tp")" = closed ]'
ok $? "after pending_resolve a pending ticket is resolved"
events "$tp" status | grep -q '^pending -> resolved by ticketd (timer): pending for 2s (pending_resolve)$'
ok $? "by the timer, which says why: $(events "$tp" status | grep timer | head -1)"
customer 'Jan <jan@example.org>' k2@example.org "Re: [#$tc] Broken screen" "The new screen is broken too." \
	"In-Reply-To: $(hdr "$f" Message-Id)" "References: <k1@example.org> $(hdr "$f" Message-Id)"
tn=$(ticket_of k2@example.org)
[ -n "$tn" ] && [ "$tn" != "$tc" ] && [ "$(status "$tc")" = closed ]
ok $? "the customer's reply to the closed ticket $tc opens a new ticket ${tn:-none}"
events "$tn" linked | grep -q "follows closed ticket $tc" &&
    events "$tc" linked | grep -q "ticket $tn"
ok $? "both have linked events naming each other" ||
    diag "$tn: $(events "$tn" linked)" "$tc: $(events "$tc" linked)"
