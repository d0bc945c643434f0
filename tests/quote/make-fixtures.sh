#!/bin/sh
# make-fixtures.sh: writes the tests/quote fixtures that real mail
# clients make: mutt 2.2 (mutt.eml, mutt-star.eml, inline.eml) and
# s-nail 14.9 (s-nail.eml, thai-signature.eml), each the client's own
# reply, quoting and attribution to a ticketd notification, run in batch
# mode with a private configuration and a sendmail that only writes the
# mail to a file. To regenerate them (Debian: apt-get install mutt
# s-nail; util-linux for script(1)), from the top of the tree:
#
#	sh tests/quote/make-fixtures.sh
#
# Only Date and Message-ID change from one run to the next; the .ref
# files, written and checked by hand, stay valid.
#
# mutt wants a terminal even when every key is pushed, so it runs under
# script(1); the editor is a script that types the agent's words.
set -eu
Q=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d "${TMPDIR:-/tmp}/quote-fixtures.XXXXXX")
trap 'rm -rf "$T"' EXIT
export TZ=UTC LC_ALL=C.UTF-8 HOME="$T"

# A ticketd notification to the agent, in mbox form; $1: ticket lines,
# $2: subject, $3: Message-ID.
notification() {
	cat <<MAIL
From support@example.com Fri Nov 27 09:15:00 2026
Return-Path: <support@example.com>
From: Example Support <support@example.com>
To: Somchai Agent <somchai@example.com>
Subject: $2
Date: Fri, 27 Nov 2026 09:15:00 +0000
Message-ID: <$3>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

##- Please type your reply above this line -##

$1

MAIL
}

EN_TICKET='Ticket #42: Printer on fire
Customer: Ann Customer <ann@example.org>

The printer in room 3 is on fire again.
Which form do I fill in for a new one?
Please help.'
TH_TICKET='ตั๋ว #43: เข้าระบบไม่ได้
ลูกค้า: สมศรี ใจดี <somsri@example.org>

เข้าระบบไม่ได้ตั้งแต่เมื่อวาน
ช่วยตรวจสอบให้ด้วยค่ะ'
notification "$EN_TICKET" '[Ticket #42] Printer on fire' \
    tkt42.8f3a9c2e51b7d604.5d1e0c9a7b3f2e18@helpdesk.example.com >"$T/en.mbox"
notification "$TH_TICKET" \
    '=?UTF-8?B?W1RpY2tldCAjNDNdIOC5gOC4guC5ieC4suC4o+C4sOC4muC4muC5hOC4oeC5iOC5hOC4lOC5iQ==?=' \
    tkt43.0b6e2d9f4a1c8e37.93c4a1f06d2b7e85@helpdesk.example.com >"$T/th.mbox"

printf '#!/bin/sh\ncat >"$OUT"\n' >"$T/sendmail"
chmod +x "$T/sendmail"
printf 'Somchai Agent\nExample Support, Bangkok\n' >"$T/signature"

# The editors: the agent writes above the quote, or between its lines.
cat >"$T/edit-top" <<'EDIT'
#!/bin/sh
{ printf 'Hi Ann,\n\nA technician is on the way; the form is HR-7.\n\n'; cat "$1"; } >"$1.new"
mv "$1.new" "$1"
EDIT
cat >"$T/edit-inline" <<'EDIT'
#!/bin/sh
awk 'NR == 1 { print "Hi Ann,"; print "" }
{ print }
/^> The printer in room 3/ { print ""; print "Please switch it off at the wall first."; print "" }
/^> Which form/ { print ""; print "HR-7, the one in the blue folder."; print "" }' "$1" >"$1.new"
mv "$1.new" "$1"
EDIT
chmod +x "$T/edit-top" "$T/edit-inline"

cat >"$T/muttrc" <<RC
set folder="$T"
set spoolfile="$T/en.mbox"
set sendmail="$T/sendmail"
set from="Somchai Agent <somchai@example.com>"
set use_from=yes
set hostname="example.com"
set include=yes
set fast_reply=yes
set autoedit=yes
set edit_headers=no
set signature="$T/signature"
set sig_dashes=yes
set charset="utf-8"
set send_charset="us-ascii:utf-8"
set record=""
set copy=no
set postpone=no
set quit=yes
set move=no
set wait_key=no
set mbox_type=mbox
RC

# $1: fixture, $2: editor, $3: more mutt commands ("" for none).
mutt_reply() {
	cp "$T/en.mbox" "$T/in.mbox"
	OUT="$Q/$1.eml" TERM=xterm timeout 60 script -qec "mutt -n -F '$T/muttrc' \
	    -f '$T/in.mbox' -e 'set editor=$T/$2' -e '$3' \
	    -e 'push <reply><send-message><quit>'" /dev/null </dev/null >"$T/mutt.log" 2>&1 ||
	    { echo "mutt failed for $1" >&2; exit 1; }
	[ -s "$Q/$1.eml" ] || { echo "mutt wrote no $1.eml" >&2; exit 1; }
}

mutt_reply mutt edit-top ''
mutt_reply inline edit-inline ''
mutt_reply mutt-star edit-top 'set attribution="* %n <%a> [%{%Y-%m-%d %H:%M}]:"'

# s-nail in batch mode: the reply's words come on standard input, ~Q
# quotes the message being answered and ~a appends the signature.
# $1: fixture, $2: mbox, $3: words, then more s-nail -S settings.
snail_reply() {
	name=$1 mbox=$2 words=$3
	shift 3
	printf 'reply 1\n%s\n\n~Q\n~a\n~.\nquit\n' "$words" |
	    OUT="$Q/$name.eml" s-nail -# -:/ -Sv15-compat -Sttycharset=utf-8 \
	    -Ssendcharsets=utf-8 -Smta="$T/sendmail" -Shostname=example.com \
	    -Sfrom='Somchai Agent <somchai@example.com>' "$@" -Rf "$T/$mbox" \
	    >"$T/s-nail.log" 2>&1 ||
	    { echo "s-nail failed for $name" >&2; exit 1; }
	[ -s "$Q/$name.eml" ] || { echo "s-nail wrote no $name.eml" >&2; exit 1; }
}

# Its defaults: "Name <addr> wrote:" and a tab before each quoted line.
snail_reply s-nail en.mbox 'Hi Ann,

A technician is on the way; the form is HR-7.' \
    -Ssign='-- 
Somchai Agent
Example Support, Bangkok'
snail_reply thai-signature th.mbox 'สวัสดีค่ะ คุณสมศรี

รีเซ็ตรหัสผ่านให้แล้วค่ะ ลองเข้าระบบใหม่อีกครั้งนะคะ' \
    -Sindentprefix='> ' -Ssign='-- 
สมชาย (ฝ่ายบริการลูกค้า)
โทร 02-123-4567'
chmod 644 "$Q"/mutt.eml "$Q"/mutt-star.eml "$Q"/inline.eml "$Q"/s-nail.eml \
    "$Q"/thai-signature.eml
