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
