#!/bin/sh
# mkcorpus.sh: writes the *.eml files of this directory. Every non-ASCII
# byte comes from iconv(1) (HZ, which glibc lacks, from Perl's Encode), so
# the charsets are real, not typed in.
# After a change, check each mimedump output by eye before making it the
# .ref (see tests/integration/corpus.t).
set -e
D=$(cd "$(dirname "$0")" && pwd)
cs() { iconv -f UTF-8 -t "$1"; }			# stdin UTF-8 -> charset
b64() { base64 -w0; }
qp() { perl -MMIME::QuotedPrint -0777 -ne 'print encode_qp($_)'; }
word() { printf '=?%s?B?%s?=' "$1" "$(printf '%s' "$2" | cs "$1" | b64)"; }
crlf() { sed 's/$/\r/'; }

# Thai TIS-620, quoted-printable, RFC 2047 subject and name
{
cat <<EOF
Return-Path: <somchai@example.co.th>
Received: from mail.example.co.th (mail.example.co.th [192.0.2.10])
	by mx.support.example.com with ESMTPS id 4TkW1z0x2Yz9
	for <support@example.com>; Mon, 15 Jan 2024 09:12:33 +0700
From: $(word TIS-620 'สมชาย ใจดี') <somchai@example.co.th>
To: support@example.com
Subject: $(word TIS-620 'ระบบอีเมลมีปัญหา')
Date: Mon, 15 Jan 2024 09:12:30 +0700
Message-ID: <20240115091230.1234@example.co.th>
MIME-Version: 1.0
Content-Type: text/plain; charset=TIS-620
Content-Transfer-Encoding: quoted-printable
Content-Language: th

EOF
cat <<'EOF' | cs TIS-620 | qp
สวัสดีครับ

ตั้งแต่เมื่อวานผมส่งอีเมลไม่ได้เลยครับ ขึ้นข้อความว่า "550 relay denied"
ช่วยตรวจสอบให้ด้วยครับ

ขอบคุณครับ
สมชาย
EOF
} >"$D/thai-tis620-qp.eml"

# Thai TIS-620, raw 8-bit, no charset anywhere (old webmail)
{
printf 'From: %s <nok@example.co.th>\n' "$(printf 'นก' | cs TIS-620)"
printf 'To: support@example.com\n'
printf 'Subject: %s\n' "$(printf 'ใบแจ้งหนี้เดือนมกราคม' | cs TIS-620)"
printf 'Date: Tue, 16 Jan 2024 14:00:00 +0700\n'
printf 'Message-ID: <tis620raw.1@example.co.th>\n'
printf '\n'
printf 'ขอใบแจ้งหนี้เดือนมกราคมอีกครั้งค่ะ\nเลขที่ลูกค้า 10442\n' | cs TIS-620
} >"$D/thai-tis620-unlabelled.eml"

# Thai UTF-8, base64 (Gmail style)
{
cat <<EOF
From: "Malee Sukjai" <malee@example.net>
To: Support <support@example.com>
Subject: =?UTF-8?B?$(printf 'ขอรีเซ็ตรหัสผ่าน' | b64)?=
Date: Wed, 17 Jan 2024 03:04:05 +0000
Message-ID: <CAB1234567890abcdef@mail.gmail.com>
MIME-Version: 1.0
Content-Type: text/plain; charset="UTF-8"
Content-Transfer-Encoding: base64

EOF
printf 'เรียนทีมงาน\n\nดิฉันลืมรหัสผ่าน กรุณารีเซ็ตให้ด้วยค่ะ\n\nมาลี\n' | base64 -w 76
} >"$D/thai-utf8-base64.eml"

# Thai windows-874, 8bit, with curly quotes and the euro sign
{
cat <<EOF
From: Outlook User <user@example.co.th>
To: support@example.com
Subject: $(word windows-874 'ยืนยันการชำระเงิน')
Date: Thu, 18 Jan 2024 10:00:00 +0700
Message-ID: <000001da49f1\$aabbccdd\$11223344\$@example.co.th>
MIME-Version: 1.0
Content-Type: text/plain; charset="windows-874"
Content-Transfer-Encoding: 8bit
X-Mailer: Microsoft Outlook 16.0

EOF
printf 'โอนเงินแล้ว 1,500 บาท (“ค่าบริการ”) — ราคา €40\nขอบคุณค่ะ\n' | cs WINDOWS-874
} >"$D/thai-windows-874.eml"

# Japanese ISO-2022-JP, 7bit, two encoded words in the subject
{
cat <<EOF
From: $(word ISO-2022-JP '山田太郎') <taro@example.jp>
To: support@example.com
Subject: $(word ISO-2022-JP 'ログインできません')
 $(word ISO-2022-JP '（至急）')
Date: Fri, 19 Jan 2024 18:30:00 +0900
Message-ID: <20240119183000.ABCD@example.jp>
MIME-Version: 1.0
Content-Type: text/plain; charset=ISO-2022-JP
Content-Transfer-Encoding: 7bit

EOF
printf 'サポートご担当者様\n\n本日朝からログインできません。\nパスワードは正しいはずです。\n\nよろしくお願いします。\n山田\n' | cs ISO-2022-JP
} >"$D/japanese-iso2022jp.eml"

# Japanese Shift_JIS, 8bit; Windows writes CP932 (circled digits, ～)
# under the Shift_JIS label.
{
cat <<EOF
From: suzuki@example.jp
To: support@example.com
Subject: $(word Shift_JIS '請求書について')
Date: Sat, 20 Jan 2024 09:00:00 +0900
Message-ID: <sjis.20240120@example.jp>
MIME-Version: 1.0
Content-Type: text/plain; charset=Shift_JIS
Content-Transfer-Encoding: 8bit

EOF
printf '請求書の金額が違うようです。\n① 請求書番号 A-1024\n② 金額 5,000円～\n確認をお願いいたします。\n鈴木\n' | cs CP932
} >"$D/japanese-shiftjis.eml"

# HTML only: table, list, links, style, script, entities, pre
cat >"$D/html-only.eml" <<'EOF'
From: Newsletter <news@shop.example>
To: support@example.com
Subject: Your order #5531 has shipped
Date: Sun, 21 Jan 2024 12:00:00 -0500
Message-ID: <order5531.shipped@shop.example>
MIME-Version: 1.0
Content-Type: text/html; charset=utf-8
Content-Transfer-Encoding: quoted-printable

<!DOCTYPE html>
<html><head><title>Order shipped</title>
<style type=3D"text/css">
  body { font-family: Arial; } .x { color: red; }
</style>
<script>var tracking =3D "do not show";</script>
</head>
<body>
<h1>Your order has   shipped</h1>
<p>Hello&nbsp;Anna,<br>your parcel is on its way &amp; should arrive soon.</p>
<table>
<tr><th>Item</th><th>Qty</th></tr>
<tr><td>Caf=C3=A9 mug</td><td>2</td></tr>
<tr><td>Tea &lt;green&gt;</td><td>1</td></tr>
</table>
<ul>
  <li>Track it <a href=3D"https://track.example/p/5531">here</a></li>
  <li>Visit <a href=3D"https://shop.example/">https://shop.example/</a></li>
  <li>Mail <a href=3D"mailto:help@shop.example">help@shop.example</a></li>
</ul>
<p><a href=3D"#top">Back to top</a></p>
<!-- a comment -->
<pre>
  Order   5531
  Total   12.50
</pre>
</body></html>
EOF

# Attachments: RFC 2231 and RFC 2047 names, a text attachment, a
# forwarded mail
TH_NAME=$(printf 'ใบเสนอราคา.pdf' |
    perl -pe 's/([^A-Za-z0-9._-])/sprintf("%%%02X", ord($1))/ge')
cat >"$D/attachments.eml" <<EOF
From: Anna Schmidt <anna@example.de>
To: support@example.com
Cc: =?UTF-8?Q?J=C3=BCrgen_M=C3=BCller?= <juergen@example.de>, bob@example.de
Subject: Documents for ticket
Date: Mon, 22 Jan 2024 08:15:00 +0100
Message-ID: <attach.1@example.de>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="b1"

--b1
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

Please find the documents attached.

--b1
Content-Type: application/pdf
Content-Disposition: attachment; filename*=UTF-8''$TH_NAME
Content-Transfer-Encoding: base64

$(printf '%%PDF-1.4\n%% fake pdf for tests\n' | base64 -w 76)
--b1
Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet;
 name="$(word UTF-8 'Übersicht März.xlsx')"
Content-Disposition: attachment;
 filename="$(word UTF-8 'Übersicht März.xlsx')"
Content-Transfer-Encoding: base64

$(printf 'PK\003\004 not a real xlsx' | base64 -w 76)
--b1
Content-Type: text/plain; charset=utf-8; name="log.txt"
Content-Disposition: attachment; filename="log.txt"

error: disk full
--b1
Content-Type: message/rfc822

From: printer@example.de
Subject: Toner low
Message-ID: <toner@example.de>

The toner is low.

--b1--
EOF

# Thunderbird multipart/alternative
cat >"$D/thunderbird-alternative.eml" <<'EOF'
Message-ID: <7c1e9a2b-3f4d-4e5a-9b8c-1d2e3f4a5b6c@example.org>
Date: Tue, 23 Jan 2024 16:45:12 +0100
MIME-Version: 1.0
User-Agent: Mozilla Thunderbird
Content-Language: de-DE
To: support@example.com
From: Klaus Weber <klaus@example.org>
Subject: =?UTF-8?Q?Drucker_im_B=C3=BCro_3?=
Content-Type: multipart/alternative;
 boundary="------------0aBcDeFgHiJkLmNoPqRsTuVw"

This is a multi-part message in MIME format.
--------------0aBcDeFgHiJkLmNoPqRsTuVw
Content-Type: text/plain; charset=UTF-8; format=flowed
Content-Transfer-Encoding: 8bit

Hallo,

der Drucker im Büro 3 druckt nur noch leere Seiten.

Grüße
Klaus

--------------0aBcDeFgHiJkLmNoPqRsTuVw
Content-Type: text/html; charset=UTF-8
Content-Transfer-Encoding: 8bit

<!DOCTYPE html>
<html>
  <head>
    <meta http-equiv="content-type" content="text/html; charset=UTF-8">
  </head>
  <body>
    <p>Hallo,</p>
    <p>der Drucker im Büro 3 druckt nur noch leere Seiten.</p>
    <p>Grüße<br>Klaus</p>
  </body>
</html>

--------------0aBcDeFgHiJkLmNoPqRsTuVw--
EOF

# Outlook multipart/related with an inline image, CRLF line ends
cat <<EOF | crlf >"$D/outlook-related-inline.eml"
From: "Kittisak P." <kittisak@example.co.th>
To: "Support" <support@example.com>
Subject: RE: =?utf-8?B?$(printf 'เครื่องพิมพ์เสีย' | b64)?= [#1042]
Date: Wed, 24 Jan 2024 11:20:00 +0700
Message-ID: <TYZPR01MB1234ABCD@TYZPR01MB1234.apcprd01.prod.outlook.com>
In-Reply-To: <tkt1042.0011223344556677.00112233445566778899aabbccddeeff@support.example.com>
References: <tkt1042.0011223344556677.00112233445566778899aabbccddeeff@support.example.com>
Content-Language: th-TH
MIME-Version: 1.0
Content-Type: multipart/related;
	boundary="_004_TYZPR01MB1234_";
	type="multipart/alternative"

--_004_TYZPR01MB1234_
Content-Type: multipart/alternative;
	boundary="_000_TYZPR01MB1234_"

--_000_TYZPR01MB1234_
Content-Type: text/plain; charset="utf-8"
Content-Transfer-Encoding: base64

$(printf 'ยังพิมพ์ไม่ได้ครับ ดูรูปประกอบ\r\n\r\nกิตติศักดิ์\r\n' | base64 -w 76)

--_000_TYZPR01MB1234_
Content-Type: text/html; charset="utf-8"
Content-Transfer-Encoding: base64

$(printf '<html><body><p>ยังพิมพ์ไม่ได้ครับ ดูรูปประกอบ</p><p><img src="cid:image001.png@01DA4E"></p><p>กิตติศักดิ์</p></body></html>' | base64 -w 76)

--_000_TYZPR01MB1234_--

--_004_TYZPR01MB1234_
Content-Type: image/png
Content-ID: <image001.png@01DA4E>
Content-Transfer-Encoding: base64

iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==

--_004_TYZPR01MB1234_--
EOF

# Garbage: no header block at all
printf 'this is not a mail header\nbut someone sent it anyway: %s\n' \
    "$(printf 'ทดสอบ' | cs TIS-620)" >"$D/malformed-garbage.eml"

# NUL bytes in the body
{
printf 'From: device@example.com\nTo: support@example.com\nSubject: sensor dump\n'
printf 'Date: Thu, 25 Jan 2024 00:00:00 +0000\nMessage-ID: <nul.1@example.com>\n\n'
printf 'reading: 42\000\000 end\nnext line\n'
} >"$D/nul-bytes.eml"

# Unlabelled 8-bit Latin-1, windows-1252 quotes and an undefined 0x81
{
printf 'From: %s <francois@example.fr>\n' "$(printf 'François Gérard' | cs WINDOWS-1252)"
printf 'To: support@example.com\nSubject: %s\n' "$(printf 'Problème de connexion' | cs WINDOWS-1252)"
printf 'Date: Fri, 26 Jan 2024 10:00:00 +0100\nMessage-ID: <latin1.1@example.fr>\n\n'
printf 'Bonjour,\n\nje ne peux plus me connecter à mon compte depuis hier.\n“Mot de passe incorrect” – à chaque fois.\n' | cs WINDOWS-1252
printf 'octet inconnu: \201\n'
printf 'Merci, François\n' | cs WINDOWS-1252
} >"$D/latin1-unlabelled.eml"

# A reply with In-Reply-To (plus a comment) and folded References
cat >"$D/reply-references.eml" <<'EOF'
From: customer@example.com
To: support@example.com
Subject: Re: Re: [#77] VPN drops every hour
Date: Sat, 27 Jan 2024 23:59:59 -0800
Message-ID: <reply.3@example.com>
In-Reply-To: <tkt77.aaaaaaaaaaaaaaaa.bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb@support.example.com>
 (Support's message of Sat, 27 Jan 2024)
References: <first.1@example.com>
	<tkt77.0123456789abcdef.00000000000000000000000000000000@support.example.com>
 <reply.2@example.com>
 <tkt77.aaaaaaaaaaaaaaaa.bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb@support.example.com>
Auto-Submitted: no

Still broken.

> Did the new client help?
EOF

# Dedupe and thread identity (see tests/integration/identity.t).
# One mail without a Message-ID, twice: LF as written, and CRLF with the
# trace headers an MTA and an IMAP server add. One dedupe key.
nomsgid() {
cat <<'EOF'
From: Mali <mali@customer.example>
To: support@example.com
Subject: Scanner jams (no Message-ID)
Date: Tue, 24 Nov 2026 08:15:00 +0700

The scanner on floor 3 jams on every second page.
EOF
}
nomsgid >"$D/dedupe-no-msgid-lf.eml"
{
printf 'Return-Path: <mali@customer.example>\nDelivered-To: support@example.com\n'
printf 'Received: from mx.customer.example (mx.customer.example [192.0.2.7])\n'
printf '\tby mx.example.com; Tue, 24 Nov 2026 08:15:02 +0700\n'
nomsgid
} | crlf >"$D/dedupe-no-msgid-crlf.eml"

# Another sender's mail that reuses the Message-ID of reply-references.eml.
cat >"$D/dedupe-reused-msgid.eml" <<'EOF'
From: Billing Robot <robot@billing.example.net>
To: billing@example.com
Subject: Invoice 2024-001
Date: Sun, 28 Jan 2024 10:00:00 +0000
Message-ID: <reply.3@example.com>

Your invoice is attached.
EOF

# Participants: groups, repeated addresses, mixed case, a queue address.
cat >"$D/participants-groups.eml" <<'EOF'
From: "Pim, Ops" <Pim@Customer.Example>
To: Support <support@example.com>, Team: ann@customer.example,
 "Bob B." <BOB@customer.example>;
Cc: pim@customer.example, Undisclosed recipients:;, carol@partner.example
Subject: Group addresses
Date: Wed, 25 Nov 2026 09:00:00 +0700
Message-ID: <groups.1@customer.example>

Who is on this thread?
EOF

# A customer's mail with a colleague on Cc, and a stranger who cites it.
cat >"$D/thread-original.eml" <<'EOF'
From: Customer <cust@customer.example>
To: support@example.com
Cc: colleague@customer.example
Subject: VPN drops
Date: Wed, 25 Nov 2026 10:00:00 +0700
Message-ID: <orig.1@customer.example>

The VPN drops every hour.
EOF
cat >"$D/thread-stranger-cites.eml" <<'EOF'
From: mallory@example.net
To: support@example.com
Subject: Re: VPN drops
Date: Wed, 25 Nov 2026 10:05:00 +0700
Message-ID: <stranger.1@example.net>
In-Reply-To: <orig.1@customer.example>
References: <orig.1@customer.example>

Please send me the details of this ticket.
EOF

# A quick follow-up that arrives before the mail it answers.
cat >"$D/thread-reply-first.eml" <<'EOF'
From: Dao <dao@customer.example>
To: support@example.com
Subject: Re: Cannot print invoices
Date: Wed, 25 Nov 2026 11:00:20 +0700
Message-ID: <late-reply.1@customer.example>
In-Reply-To: <late-orig.1@customer.example>
References: <late-orig.1@customer.example>

Forgot to say: it is the printer on floor 2.
EOF
cat >"$D/thread-original-late.eml" <<'EOF'
From: Dao <dao@customer.example>
To: support@example.com
Subject: Cannot print invoices
Date: Wed, 25 Nov 2026 11:00:00 +0700
Message-ID: <late-orig.1@customer.example>

Invoices come out blank.
EOF

# Bounces of our acknowledgement tkt1.0123456789abcdef...: one per
# format. tests/unit/test-dsn.c checks what dsn_parse() reads from each,
# and tests/integration/bounce.t feeds them to ticketd with the id and
# the recipient of a real acknowledgement put in.
ORIG=tkt1.0123456789abcdef.0123456789abcdef0123456789abcdef@support.example.com

# Exchange Online NDR: multipart/report, headers returned as
# text/rfc822-headers, the human part as multipart/alternative.
cat <<EOF | crlf >"$D/dsn-exchange.eml"
Received: from AM9PR01MB7777.eurprd01.prod.exchangelabs.com
 (2603:10a6:20b:4a2::10) by AM0PR01MB1234.eurprd01.prod.exchangelabs.com
 with HTTPS; Mon, 15 Jan 2024 02:12:38 +0000
From: postmaster@contoso.onmicrosoft.com
To: support@example.com
Date: Mon, 15 Jan 2024 02:12:38 +0000
Content-Type: multipart/report; report-type=delivery-status;
	boundary="b8e0c5a5-3b5d-4d3e-a3f0-4c2f6e9b1d22"
MIME-Version: 1.0
Message-ID: <b7c4e1aa-1c2d-4b4f-9e9e-1f3a2b9c8d7e@AM0PR01MB1234.eurprd01.prod.exchangelabs.com>
In-Reply-To: <$ORIG>
References: <$ORIG>
Subject: Undeliverable: [#1] Request received: Printer on fire
Auto-Submitted: auto-replied
X-MS-Exchange-Message-Is-Ndr:

--b8e0c5a5-3b5d-4d3e-a3f0-4c2f6e9b1d22
Content-Type: multipart/alternative; differences=Content-Type;
	boundary="7d2b8f0e-9a1c-4e55-b1d2-0c9e3f6a5b44"

--7d2b8f0e-9a1c-4e55-b1d2-0c9e3f6a5b44
Content-Type: text/plain; charset="us-ascii"
Content-Transfer-Encoding: quoted-printable

Your message to jane.doe@contoso.com couldn't be delivered.
jane.doe wasn't found at contoso.com.

jane.doe     Office 365      contoso.com
Action Required                 Recipient

Unknown To address

How to Fix It
The address may be misspelled or may not exist. Try one or more of the fol=
lowing:

Diagnostic information for administrators:

Generating server: AM0PR01MB1234.eurprd01.prod.exchangelabs.com

jane.doe@contoso.com
Remote Server returned '550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipie=
nt not found by SMTP address lookup'

--7d2b8f0e-9a1c-4e55-b1d2-0c9e3f6a5b44
Content-Type: text/html; charset="us-ascii"
Content-Transfer-Encoding: quoted-printable

<html><body><p>Your message to jane.doe@contoso.com couldn't be delivered.=
</p></body></html>

--7d2b8f0e-9a1c-4e55-b1d2-0c9e3f6a5b44--

--b8e0c5a5-3b5d-4d3e-a3f0-4c2f6e9b1d22
Content-Type: message/delivery-status

Reporting-MTA: dns;AM0PR01MB1234.eurprd01.prod.exchangelabs.com
Received-From-MTA: dns;mail.example.com
Arrival-Date: Mon, 15 Jan 2024 02:12:35 +0000

Original-Recipient: rfc822;jane.doe@contoso.com
Final-Recipient: rfc822;jane.doe@contoso.com
Action: failed
Status: 5.1.10
Diagnostic-Code: smtp;550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient
 not found by SMTP address lookup

--b8e0c5a5-3b5d-4d3e-a3f0-4c2f6e9b1d22
Content-Type: text/rfc822-headers

Return-Path: <>
Received: from mail.example.com (192.0.2.1) by
 AM9PR01MB7777.mail.protection.outlook.com with ESMTP; Mon, 15 Jan 2024
 02:12:35 +0000
From: Example Support <support@example.com>
To: Jane Doe <jane.doe@contoso.com>
Subject: [#1] Request received: Printer on fire
Date: Mon, 15 Jan 2024 09:12:33 +0700
Message-ID: <$ORIG>
Auto-Submitted: auto-replied
X-Auto-Response-Suppress: All
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

--b8e0c5a5-3b5d-4d3e-a3f0-4c2f6e9b1d22--
EOF

# Gmail: multipart/report, the failure spread over three continued
# Diagnostic-Code lines, the whole original returned as message/rfc822.
cat <<EOF | crlf >"$D/dsn-gmail.eml"
Received: by 2002:a05:6400:1234:b0:25a:1b2c:3d4e with SMTP id u20csp1234567;
        Mon, 15 Jan 2024 02:12:40 -0800 (PST)
Return-Path: <>
From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>
To: support@example.com
Auto-Submitted: auto-replied
Subject: Delivery Status Notification (Failure)
References: <$ORIG>
In-Reply-To: <$ORIG>
X-Failed-Recipients: no.such.user@gmail.com
Message-ID: <65a5061c.a70a0220.1234.abcdSMTPIN_ADDED_BY_MAILER@mx.google.com>
Date: Mon, 15 Jan 2024 02:12:40 -0800 (PST)
MIME-Version: 1.0
Content-Type: multipart/report; boundary="000000000000d1e2f3060ef1a2b3"; report-type=delivery-status

--000000000000d1e2f3060ef1a2b3
Content-Type: multipart/related; boundary="000000000000d1f0a0060ef1a2c4"

--000000000000d1f0a0060ef1a2c4
Content-Type: multipart/alternative; boundary="000000000000d1f0a1060ef1a2c5"

--000000000000d1f0a1060ef1a2c5
Content-Type: text/plain; charset="UTF-8"


** Address not found **

Your message wasn't delivered to no.such.user@gmail.com because the address couldn't be found, or is unable to receive mail.

Learn more here: https://support.google.com/mail/?p=NoSuchUser

The response was:

The email account that you tried to reach does not exist. Please try double-checking the recipient's email address for typos or unnecessary spaces. For more information, go to https://support.google.com/mail/?p=NoSuchUser

--000000000000d1f0a1060ef1a2c5
Content-Type: text/html; charset="UTF-8"

<html><body><h2>Address not found</h2><p>Your message wasn't delivered to <a>no.such.user@gmail.com</a>.</p></body></html>

--000000000000d1f0a1060ef1a2c5--
--000000000000d1f0a0060ef1a2c4--
--000000000000d1e2f3060ef1a2b3
Content-Type: message/delivery-status

Reporting-MTA: dns; googlemail.com
Received-From-MTA: dns; support@example.com
Arrival-Date: Mon, 15 Jan 2024 02:12:38 -0800 (PST)
X-Original-Message-ID: <$ORIG>

Final-Recipient: rfc822; no.such.user@gmail.com
Action: failed
Status: 5.1.1
Remote-MTA: dns; gmail-smtp-in.l.google.com. (142.250.102.26, the server for
 the domain gmail.com.)
Diagnostic-Code: smtp; 550-5.1.1 The email account that you tried to reach does
 not exist. Please try
 550-5.1.1 double-checking the recipient's email address for typos or
 550-5.1.1 unnecessary spaces. For more information, go to
 550 5.1.1  https://support.google.com/mail/?p=NoSuchUser a1-20020a5d4b81000000b00337d6f8b6a4si1234567wrt.123 - gsmtp
Last-Attempt-Date: Mon, 15 Jan 2024 02:12:40 -0800 (PST)

--000000000000d1e2f3060ef1a2b3
Content-Type: message/rfc822

Return-Path: <>
From: Example Support <support@example.com>
To: no.such.user@gmail.com
Subject: [#1] Request received: Printer on fire
Date: Mon, 15 Jan 2024 17:12:33 +0700
Message-ID: <$ORIG>
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

Thank you for your message. We have opened ticket [#1].

--000000000000d1e2f3060ef1a2b3--
EOF

# Exim's classic bounce in plain text, the original quoted after the
# "------ This is a copy of the message" line.
cat <<EOF >"$D/dsn-exim.eml"
Return-path: <>
Received: from Debian-exim by mx.example.net with local (Exim 4.96)
	id 1rPBjV-0004Xk-2E
	for support@example.com; Mon, 15 Jan 2024 02:12:41 +0000
X-Failed-Recipients: nobody@example.net
Auto-Submitted: auto-replied
From: Mail Delivery System <Mailer-Daemon@mx.example.net>
To: support@example.com
Content-Type: text/plain; charset=us-ascii
Subject: Mail delivery failed: returning message to sender
Message-Id: <E1rPBjV-0004Xk-2E@mx.example.net>
Date: Mon, 15 Jan 2024 02:12:41 +0000

This message was created automatically by mail delivery software.

A message that you sent could not be delivered to one or more of its
recipients. This is a permanent error. The following address(es) failed:

  nobody@example.net
    host mx.example.net [192.0.2.25]
    SMTP error from remote mail server after RCPT TO:<nobody@example.net>:
    550 5.1.1 <nobody@example.net>: Recipient address rejected: User unknown in local recipient table

------ This is a copy of the message, including all the headers. ------

Return-path: <>
Received: from mail.example.com ([192.0.2.1])
	by mx.example.net with esmtps (TLS1.3) tls TLS_AES_256_GCM_SHA384
	(Exim 4.96)
	id 1rPBjU-0004Xe-1x
	for nobody@example.net; Mon, 15 Jan 2024 02:12:40 +0000
From: Example Support <support@example.com>
To: nobody@example.net
Subject: [#1] Request received: Printer on fire
Date: Mon, 15 Jan 2024 09:12:33 +0700
Message-ID:
 <$ORIG>
Auto-Submitted: auto-replied

Thank you for your message. We have opened ticket [#1].
EOF

# qmail-send: two recipients, one local and one remote, the second
# with the remote server's reply; the original after the marker.
cat <<EOF >"$D/dsn-qmail.eml"
Return-Path: <>
Received: (qmail 23456 invoked for bounce); 15 Jan 2024 02:12:42 -0000
Date: 15 Jan 2024 02:12:42 -0000
From: MAILER-DAEMON@mail.example.org
To: support@example.com
Subject: failure notice

Hi. This is the qmail-send program at mail.example.org.
I'm afraid I wasn't able to deliver your message to the following addresses.
This is a permanent error; I've given up. Sorry it didn't work out.

<ghost@example.org>:
Sorry, no mailbox here by that name. (#5.1.1)

<someone@remote.example>:
192.0.2.77 does not like recipient.
Remote host said: 550 Requested action not taken: mailbox unavailable
Giving up on 192.0.2.77.

--- Below this line is a copy of the message.

Return-Path: <>
Received: (qmail 23450 invoked from network); 15 Jan 2024 02:12:41 -0000
From: Example Support <support@example.com>
To: ghost@example.org
Subject: [#1] Request received: Printer on fire
Date: Mon, 15 Jan 2024 09:12:33 +0700
Message-ID: <$ORIG>
Auto-Submitted: auto-replied

Thank you for your message. We have opened ticket [#1].
EOF

# Postfix's delay warning: "delayed" is not a failure.
cat <<EOF >"$D/dsn-postfix-delayed.eml"
Return-Path: <>
Date: Mon, 15 Jan 2024 06:12:44 +0000 (UTC)
From: MAILER-DAEMON@mail.example.com (Mail Delivery System)
Subject: Delayed Mail (still being retried)
To: support@example.com
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
	boundary="4TkW1z0x2Yz9.1705299164/mail.example.com"
Message-Id: <20240115061244.5E1B12A0@mail.example.com>

This is a MIME-encapsulated message.

--4TkW1z0x2Yz9.1705299164/mail.example.com
Content-Description: Notification
Content-Type: text/plain; charset=us-ascii

This is the mail system at host mail.example.com.

####################################################################
# THIS IS A WARNING ONLY.  YOU DO NOT NEED TO RESEND YOUR MESSAGE. #
####################################################################

Your message could not be delivered for 4.0 hours.
It will be retried until it is 5.0 days old.

<slow@example.net>: connect to mx.example.net[192.0.2.25]:25: Connection
    timed out

--4TkW1z0x2Yz9.1705299164/mail.example.com
Content-Description: Delivery report
Content-Type: message/delivery-status

Reporting-MTA: dns; mail.example.com
X-Postfix-Queue-ID: 4TkW1z0x2Yz9
X-Postfix-Sender: rfc822; 
Arrival-Date: Mon, 15 Jan 2024 02:12:35 +0000 (UTC)

Final-Recipient: rfc822; slow@example.net
Original-Recipient: rfc822;slow@example.net
Action: delayed
Status: 4.4.1
Diagnostic-Code: X-Postfix; connect to mx.example.net[192.0.2.25]:25:
    Connection timed out
Will-Retry-Until: Sat, 20 Jan 2024 02:12:35 +0000 (UTC)

--4TkW1z0x2Yz9.1705299164/mail.example.com
Content-Description: Undelivered Message Headers
Content-Type: text/rfc822-headers

Return-Path: <>
Received: by mail.example.com (Postfix, from userid 0)
	id 4TkW1z0x2Yz9; Mon, 15 Jan 2024 02:12:35 +0000 (UTC)
From: Example Support <support@example.com>
To: slow@example.net
Subject: [#1] Request received: Printer on fire
Message-ID: <$ORIG>
Date: Mon, 15 Jan 2024 09:12:33 +0700

--4TkW1z0x2Yz9.1705299164/mail.example.com--
EOF

# Issue 7, section 2: charsets.

# Thai UTF-8 split across padded base64 words, as mutt writes long
# subjects (gmime #133 drops the second word), and split inside a
# character; the display name and the attachment name likewise.
TH='แจ้งปัญหาเข้าระบบไม่ได้ตั้งแต่เช้า'
TH_B=$(printf '%s' "$TH" | wc -c)
half() { printf '%s' "$TH" | head -c "$1" | b64; }
rest() { printf '%s' "$TH" | tail -c +"$(($1 + 1))" | b64; }
{
cat <<EOF2
From: =?UTF-8?B?$(printf 'สมหญิง' | b64)?=
 =?UTF-8?B?$(printf ' รักดี' | b64)?= <somying@example.co.th>
To: support@example.com
Subject: =?UTF-8?B?$(half 31)?=
 =?UTF-8?B?$(rest 31)?=
Date: Mon, 05 Feb 2024 08:00:00 +0700
Message-ID: <split.1@example.co.th>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="s1"

--s1
Content-Type: text/plain; charset=UTF-8
Content-Transfer-Encoding: 8bit

$TH ($TH_B octets)
--s1
Content-Type: image/png; name="=?UTF-8?B?$(printf 'ภาพหน้าจอ' | b64)?=
 =?UTF-8?B?$(printf '.png' | b64)?="
Content-Disposition: attachment;
 filename="=?UTF-8?B?$(printf 'ภาพหน้าจอ' | b64)?=
 =?UTF-8?B?$(printf '.png' | b64)?="
Content-Transfer-Encoding: base64

iVBORw0KGgo=
--s1--
EOF2
} >"$D/split-words-thai-utf8.eml"

# windows-1252 subject and body, no label: £ © « » are not Thai.
{
printf 'From: Jane Doe <jane@example.co.uk>\nTo: support@example.com\n'
printf 'Subject: %s\n' "$(printf 'Quote £7,000 – «final» © 2024' | cs WINDOWS-1252)"
printf 'Date: Tue, 06 Feb 2024 09:00:00 +0000\nMessage-ID: <pound.1@example.co.uk>\n\n'
printf 'Hello,\n\nthe quote of £7,000 is fine. “Thanks” – Jane\n' | cs WINDOWS-1252
} >"$D/unlabelled-windows-1252-pound.eml"

# Unlabelled 8-bit text in the charsets the issue names: subject, name
# and body in one charset and no label anywhere.
unlabelled() {	# file charset name subject body
	{
	printf 'From: %s <user@example.net>\nTo: support@example.com\n' \
	    "$(printf '%s' "$3" | cs "$2")"
	printf 'Subject: %s\n' "$(printf '%s' "$4" | cs "$2")"
	printf 'Date: Wed, 07 Feb 2024 10:00:00 +0000\n'
	printf 'Message-ID: <unlabelled.%s@example.net>\n\n' "$2"
	printf '%s\n' "$5" | cs "$2"
	} >"$D/$1.eml"
}
ZH_S='无法登录系统'
ZH_B='您好，我昨天开始无法登录系统，提示密码错误。请帮我重置密码，谢谢。'
TW_S='無法登入系統'
TW_B='您好，我昨天開始無法登入系統，提示密碼錯誤。請幫我重設密碼，謝謝。'
JA_S='ログインできません'
JA_B='本日朝からログインできません。パスワードは正しいはずです。よろしくお願いします。'
KO_S='로그인 불가'
KO_B='안녕하세요. 어제부터 로그인이 되지 않습니다. 비밀번호를 재설정해 주세요.'
RU_S='Не могу войти'
RU_B='Здравствуйте! Не могу войти в систему, пароль неверный. Помогите, пожалуйста.'
unlabelled unlabelled-gb2312 GB2312 '张伟' "$ZH_S" "$ZH_B"
unlabelled unlabelled-big5 BIG5 '陳大文' "$TW_S" "$TW_B"
unlabelled unlabelled-shift-jis SHIFT_JIS '山田' "$JA_S" "$JA_B"
unlabelled unlabelled-euc-jp EUC-JP '山田' "$JA_S" "$JA_B"
unlabelled unlabelled-euc-kr EUC-KR '김민수' "$KO_S" "$KO_B"
unlabelled unlabelled-koi8-r KOI8-R 'Иван' "$RU_S" "$RU_B"
unlabelled unlabelled-windows-1251 WINDOWS-1251 'Иван' "$RU_S" "$RU_B"
unlabelled unlabelled-iso-8859-5 ISO-8859-5 'Иван' "$RU_S" "$RU_B"
# 7-bit, but its escape sequences must not reach the stored text.
unlabelled unlabelled-iso-2022-jp ISO-2022-JP '山田' "$JA_S" "$JA_B"

# Labelled us-ascii, written in windows-1251: the label is a lie.
{
printf 'From: ivan@example.ru\nTo: support@example.com\nSubject: x\n'
printf 'Date: Thu, 08 Feb 2024 11:00:00 +0300\nMessage-ID: <ascii-lie.1@example.ru>\n'
printf 'MIME-Version: 1.0\nContent-Type: text/plain; charset=us-ascii\n\n'
printf '%s\n' "$RU_B" | cs WINDOWS-1251
} >"$D/us-ascii-lie.eml"

# Exchange's UTF-7 label, with one bad sequence that must cost only
# its own characters.
cat >"$D/utf7-exchange.eml" <<'EOF2'
From: Exchange User <user@example.com>
To: support@example.com
Subject: =?unicode-1-1-utf-7?Q?+ZeVnLIqe-?= test
Date: Fri, 09 Feb 2024 12:00:00 +0000
Message-ID: <utf7.1@example.com>
MIME-Version: 1.0
Content-Type: text/plain; charset="unicode-1-1-utf-7"
Content-Transfer-Encoding: 7bit

Caf+AOk- cr+AOg-me, 1+-1=2.
Bad: +2D3YPQ- (a lone surrogate pair half)
Still read: +ZeVnLIqe- +Jjo-
EOF2

# HZ (RFC 1843), which glibc's iconv does not know; Perl's Encode does.
{
cat <<'EOF2'
From: hz@example.cn
To: support@example.com
Subject: hz
Date: Sat, 10 Feb 2024 13:00:00 +0800
Message-ID: <hz.1@example.cn>
MIME-Version: 1.0
Content-Type: text/plain; charset=hz-gb-2312

EOF2
printf '你好，我无法登录 ~ ok\n' |
    perl -MEncode -pe '$_ = encode("hz", decode("UTF-8", $_))'
} >"$D/hz-gb-2312.eml"

# From holds only an encoded name, no address.
{
printf 'From: %s\nTo: support@example.com\nSubject: no address\n' \
    "$(word KOI8-R 'Иван Петров')"
printf 'Date: Sun, 11 Feb 2024 14:00:00 +0300\nMessage-ID: <noaddr.1@example.ru>\n\n'
printf 'The envelope sender is the only address.\n'
} >"$D/from-name-only.eml"

# Issue 7, section 3: broken mail still yields its text.

# The header block ends in a line holding one space.
printf 'From: a@example.com\nTo: support@example.com\nSubject: space line\nMessage-ID: <broken.1@example.com>\n \nThe body after a space line.\n' \
    >"$D/broken-space-line.eml"
# No blank line between headers and body.
printf 'From: a@example.com\nTo: support@example.com\nSubject: no blank line\nMessage-ID: <broken.2@example.com>\nHello, the body starts here.\nSecond line: still body.\n' \
    >"$D/broken-no-blank-line.eml"
# Content-Type: text, no subtype.
printf 'From: a@example.com\nTo: support@example.com\nSubject: no subtype\nMessage-ID: <broken.3@example.com>\nMIME-Version: 1.0\nContent-Type: text\n\nPlain text under a bare "text" type.\n' \
    >"$D/broken-content-type-text.eml"
# A part whose Content-Type is garbage.
cat >"$D/broken-content-type-garbage.eml" <<'EOF2'
From: a@example.com
To: support@example.com
Subject: garbage part type
Message-ID: <broken.4@example.com>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="g"

--g
Content-Type: <html>

<html><body><p>The printer on floor 2 is <b>jammed</b>.</p></body></html>
--g
Content-Type: application/pdf; name="scan.pdf"
Content-Transfer-Encoding: base64

JVBERi0xLjQK
--g--
EOF2
# Plain text wrongly labelled base64.
cat >"$D/broken-base64-plain.eml" <<'EOF2'
From: a@example.com
To: support@example.com
Subject: not base64
Message-ID: <broken.5@example.com>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: base64

Hello, my invoice #4411 shows the wrong amount (€120 instead of €100).
Can you fix it?
EOF2
# The first header line starts with white space.
printf ' X-Stray: continues nothing\nFrom: a@example.com\nTo: support@example.com\nSubject: first line folded\nMessage-ID: <broken.6@example.com>\n\nThe rest is parsed.\n' \
    >"$D/broken-first-line-space.eml"
# No text anywhere and no attachment: flagged, never silently empty.
printf 'From: a@example.com\nTo: support@example.com\nSubject: nothing readable\nMessage-ID: <broken.7@example.com>\nMIME-Version: 1.0\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\nAAECAwQFBgcICQoLDA0ODw==\n' \
    >"$D/broken-no-text.eml"

# Issue 7, section 4: lines over 1000 octets, which LMTP must accept as
# pipe and IMAP do. Outlook writes HTML as one line; a long thread gives
# a References field of one line; the text line carries a long URL.
{
printf 'From: Long Lines <long@example.org>\nTo: support@example.com\n'
printf 'Subject: The report link does not open\nMessage-ID: <long-lines.1@example.org>\n'
printf 'Date: Wed, 25 Nov 2026 08:00:00 +0000\nReferences:'
i=1; while [ $i -le 40 ]; do printf ' <thread.%02d.0123456789@example.org>' $i; i=$((i + 1)); done
printf '\nMIME-Version: 1.0\nContent-Type: multipart/alternative; boundary="l"\n\n--l\n'
printf 'Content-Type: text/plain; charset=utf-8\n\nThe link https://reports.example.org/view?'
i=1; while [ $i -le 120 ]; do printf 'f%03d=value%03d&' $i $i; i=$((i + 1)); done
printf 'end=1 gives an error.\n\n--l\nContent-Type: text/html; charset=utf-8\n\n<html><body>'
i=1; while [ $i -le 60 ]; do printf '<p>Paragraph %02d of the report, written without a line break.</p>' $i; i=$((i + 1)); done
printf '</body></html>\n--l--\n'
} >"$D/long-lines.eml"
