/*
 * test-mime: mime_parse() on small inline messages, for the cases the
 * corpus cannot show in a golden file as plainly: NUL bytes, garbage,
 * missing headers, charset guessing and the header table.
 */
#include <string.h>

#include "mime.h"

#include "mail-fixture.h"

#define THAI_SUBJECT	"ใบแจ้งหนี้เดือนมกราคม"
#define THAI_BODY	"ขอใบแจ้งหนี้อีกครั้งค่ะ\n"

/* Every string a struct mail hands out must be clean UTF-8. */
static void
assert_clean(const struct mail *m)
{
	const char	*strings[] = { m->subject, m->from_name, m->from_addr,
	    m->to, m->cc, m->body };
	GHashTableIter	 it;
	gpointer	 k, v;
	gsize		 i;

	for (i = 0; i < G_N_ELEMENTS(strings); i++) {
		g_assert_nonnull(strings[i]);
		g_assert_true(g_utf8_validate(strings[i], -1, NULL));
	}
	g_assert_null(strchr(m->body, '\r'));
	g_hash_table_iter_init(&it, m->headers);
	while (g_hash_table_iter_next(&it, &k, &v))
		g_assert_true(g_utf8_validate(v, -1, NULL));
}

/* UTF-8 text in a legacy charset, as a mailer would send it. */
static char *
encode(const char *utf8, const char *charset)
{
	char	*s;

	s = g_convert(utf8, -1, charset, "UTF-8", NULL, NULL, NULL);
	g_assert_nonnull(s);
	return s;
}

/* An unlabelled body in charset must come back as utf8. */
static void
parse_encoded(const char *utf8, const char *charset)
{
	struct mail	*m;
	char		*body, *msg;

	body = encode(utf8, charset);
	msg = g_strconcat("Subject: x\n\n", body, NULL);
	m = parse(msg);
	g_assert_cmpstr(m->body, ==, utf8);
	mail_free(m);
	g_free(msg);
	g_free(body);
}

static void
test_nul_bytes(void)
{
	static const char msg[] = "Subject: nul\n\nbefore\0\0after\nend\n";
	struct mail	*m = parse_len(msg, sizeof(msg) - 1);

	g_assert_cmpint(m->parsed, ==, 1);
	g_assert_cmpstr(m->body, ==,
	    "before\xef\xbf\xbd\xef\xbf\xbd" "after\nend\n");
	assert_clean(m);
	g_assert_cmpuint(g_bytes_get_size(m->raw), ==, sizeof(msg) - 1);
	mail_free(m);
}

static void
test_garbage(void)
{
#define INPUT(s)	{ s, sizeof(s) - 1 }
	static const struct {
		const char	*data;
		gsize		 len;
	} inputs[] = {
		INPUT("this is no header\nSubject: late\n\nbody\n"),
		INPUT("\xff\xfe\x00\x01 binary junk"),
		INPUT(""),
	};
	struct mail	*m;
	gsize		 i;

	for (i = 0; i < G_N_ELEMENTS(inputs); i++) {
		m = parse_len(inputs[i].data, inputs[i].len);
		g_assert_cmpint(m->parsed, ==, 0);
		g_assert_nonnull(m->parse_error);
		g_assert_cmpstr(m->subject, ==, "");
		g_assert_null(m->message_id);
		g_assert_null(m->in_reply_to);
		g_assert_null(m->date);
		g_assert_cmpuint(m->references->len, ==, 0);
		g_assert_cmpuint(m->attachments->len, ==, 0);
		g_assert_null(mail_header(m, "subject"));
		assert_clean(m);
		mail_free(m);
	}
	m = parse(inputs[0].data);
	/* The agent still gets to read it all. */
	g_assert_cmpstr(m->body, ==, inputs[0].data);
	mail_free(m);
}

static void
test_empty_parts(void)
{
	struct mail	*m;

	m = parse("Content-Type: text/plain; charset=tis-620\n\n");
	g_assert_cmpint(m->parsed, ==, 1);
	g_assert_cmpstr(m->body, ==, "");
	mail_free(m);
	m = parse("Content-Type: multipart/mixed; boundary=b\n\n--b\n"
	    "Content-Type: text/html; charset=iso-2022-jp\n\n--b--\n");
	g_assert_cmpstr(m->body, ==, "");
	mail_free(m);
}

static void
test_missing_headers(void)
{
	struct mail	*m = parse("X-Spam: no\n\nonly a body\n");

	g_assert_cmpint(m->parsed, ==, 1);
	g_assert_cmpstr(m->subject, ==, "");
	g_assert_cmpstr(m->from_name, ==, "");
	g_assert_cmpstr(m->from_addr, ==, "");
	g_assert_cmpstr(m->to, ==, "");
	g_assert_cmpstr(m->cc, ==, "");
	g_assert_null(m->message_id);
	g_assert_null(m->in_reply_to);
	g_assert_null(m->date);
	g_assert_null(m->content_language);
	g_assert_cmpstr(m->body, ==, "only a body\n");
	g_assert_cmpstr(mail_header(m, "X-SPAM"), ==, "no");
	assert_clean(m);
	mail_free(m);
}

static void
test_thai_unlabelled(void)
{
	char		*subject, *body, *name, *msg;
	struct mail	*m;

	subject = encode(THAI_SUBJECT, "TIS-620");
	body = encode(THAI_BODY, "TIS-620");
	name = encode("นก", "TIS-620");
	msg = g_strdup_printf("From: %s <nok@example.co.th>\nSubject: %s\n"
	    "\n%s", name, subject, body);
	m = parse(msg);
	g_assert_cmpint(m->parsed, ==, 1);
	g_assert_cmpstr(m->subject, ==, THAI_SUBJECT);
	g_assert_cmpstr(m->body, ==, THAI_BODY);
	/* Too short to guess alone; the body's charset decides. */
	g_assert_cmpstr(m->from_name, ==, "นก");
	g_assert_cmpstr(mail_header(m, "Subject"), ==, THAI_SUBJECT);
	assert_clean(m);
	mail_free(m);
	g_free(msg);
	g_free(name);
	g_free(body);
	g_free(subject);
}

static void
test_thai_guess(void)
{
	/* English words in between do not hide the Thai. */
	parse_encoded("ระบบ email มีปัญหา ส่ง mail ไม่ได้ครับ\n", "TIS-620");
	parse_encoded("น้ำ ที่นี่ ก็ได้\n", "TIS-620");
	/* windows-874 only: curly quotes and the euro sign. */
	parse_encoded("ราคา “พิเศษ” €40 ค่ะ\n", "WINDOWS-874");
	parse_encoded("Grüße aus München, schöne Größe\n", "WINDOWS-1252");
	parse_encoded("informação não é ação\n", "WINDOWS-1252");
}

static void
test_thai_mislabelled(void)
{
	struct mail	*m;

	/* UTF-8 Thai sent as "TIS-620" does not fit TIS-620. */
	m = parse("Content-Type: text/plain; charset=tis-620\n\n"
	    THAI_BODY);
	g_assert_cmpstr(m->body, ==, THAI_BODY);
	mail_free(m);
	m = parse("Content-Type: text/plain; charset=x-unknown\n\n"
	    THAI_BODY);
	g_assert_cmpstr(m->body, ==, THAI_BODY);
	mail_free(m);
}

static void
test_latin1_unlabelled(void)
{
	struct mail	*m;

	m = parse("Subject: caf\xe9\n\nd\xe9j\xe0 vu \x93quoted\x94 \x80 5\n");
	g_assert_cmpstr(m->subject, ==, "café");
	g_assert_cmpstr(m->body, ==, "déjà vu “quoted” € 5\n");
	mail_free(m);

	/* 0x81 is undefined in windows-1252 and must not lose the text. */
	m = parse("Subject: x\n\nGr\xfc\xdf" "e \x81 Gr\xfc\xdf" "e\n");
	g_assert_cmpstr(m->body, ==, "Grüße \xef\xbf\xbd Grüße\n");
	assert_clean(m);
	mail_free(m);

	/* Labelled us-ascii but 8-bit inside: still a guess. */
	m = parse("Content-Type: text/plain; charset=us-ascii\n\n"
	    "na\xefve\n");
	g_assert_cmpstr(m->body, ==, "naïve\n");
	mail_free(m);
}

/* A body labelled charset, its bytes written in writer's charset. */
static void
parse_labelled(const char *utf8, const char *charset, const char *writer,
    const char *expect)
{
	struct mail	*m;
	char		*body, *msg;

	body = encode(utf8, writer);
	msg = g_strdup_printf("Content-Type: text/plain; charset=\"%s\"\n\n%s",
	    charset, body);
	m = parse(msg);
	g_assert_cmpstr(m->body, ==, expect);
	mail_free(m);
	g_free(msg);
	g_free(body);
}

static void
test_labelled(void)
{
	parse_labelled("請求書 ① ～\n", "Shift_JIS", "CP932",
	    "請求書 ① ～\n");
	parse_labelled("請求書 ① ～\n", "x-sjis", "CP932", "請求書 ① ～\n");
	parse_labelled("“quoted” €\n", "iso-8859-1", "WINDOWS-1252",
	    "“quoted” €\n");
	parse_labelled("ราคา “พิเศษ”\n", "TIS-620", "WINDOWS-874",
	    "ราคา “พิเศษ”\n");
	parse_labelled("日本語のテキスト\n", "iso-2022-jp", "ISO-2022-JP",
	    "日本語のテキスト\n");
}

static void
test_labelled_lossy(void)
{
	struct mail	*m;
	GString		*msg;
	char		*jis;
	int		 i;

	/* A vendor character in ISO-2022-JP costs that character only. */
	jis = encode("ログインできません。", "ISO-2022-JP");
	msg = g_string_new("Content-Type: text/plain; charset=iso-2022-jp\n\n");
	for (i = 0; i < 20; i++)
		g_string_append_printf(msg, "%s\n", jis);
	g_string_append(msg, "\033$B-!\033(B\n");
	m = parse(msg->str);
	g_assert_true(g_str_has_prefix(m->body,
	    "ログインできません。\nログインできません。\n"));
	g_assert_nonnull(strstr(m->body, "\xef\xbf\xbd"));
	g_assert_null(strchr(m->body, '\033'));
	mail_free(m);
	g_string_free(msg, TRUE);
	g_free(jis);
}

static void
test_damaged_utf8(void)
{
	struct mail	*m;

	/* Mostly UTF-8 with one stray byte stays UTF-8. */
	m = parse("Content-Type: text/plain; charset=utf-8\n\n"
	    "สวัสดี \xff ครับ\n");
	g_assert_cmpstr(m->body, ==, "สวัสดี \xef\xbf\xbd ครับ\n");
	mail_free(m);
}

static void
test_fallback_charset(void)
{
	struct mail	*m;
	char		*cause = NULL;
	GBytes		*raw;
	static const char polish[] =
	    "Subject: x\n\nZa\xbf\xf3\xb3\xe6 g\xea\xb6l\xb1 ja\xbc\xf1\n";

	g_assert_cmpint(mime_charset_check("no-such-charset", &cause), ==, -1);
	g_assert_nonnull(cause);
	g_free(cause);
	g_assert_cmpint(mime_charset_check("unicode-1-1-utf-7", &cause), ==, 0);
	g_assert_cmpint(mime_charset_check("hz-gb-2312", &cause), ==, 0);
	/* uchardet reads this as windows-1252, which makes no words. */
	raw = g_bytes_new_static(polish, sizeof(polish) - 1);
	m = mime_parse(raw, "iso-8859-2");
	g_assert_cmpstr(m->body, ==, "Zażółć gęślą jaźń\n");
	mail_free(m);
	/* The fallback belongs to one parse, not to the process. */
	m = mime_parse(raw, NULL);
	g_assert_cmpstr(m->body, !=, "Zażółć gęślą jaźń\n");
	mail_free(m);
	g_bytes_unref(raw);
}

static void
test_references(void)
{
	struct mail	*m;

	m = parse("Message-ID: <a1@example.com>\n"
	    "In-Reply-To: Your message of Monday <p2@example.com>\n"
	    " <p3@example.com>\n"
	    "References: <r1@example.com> junk\n"
	    "\t<r2@example.com>   <p2@example.com>\n"
	    "\n");
	g_assert_cmpstr(m->message_id, ==, "a1@example.com");
	g_assert_cmpstr(m->in_reply_to, ==, "p2@example.com");
	g_assert_cmpuint(m->references->len, ==, 3);
	g_assert_cmpstr(g_ptr_array_index(m->references, 0), ==,
	    "r1@example.com");
	g_assert_cmpstr(g_ptr_array_index(m->references, 1), ==,
	    "r2@example.com");
	g_assert_cmpstr(g_ptr_array_index(m->references, 2), ==,
	    "p2@example.com");
	mail_free(m);

	m = parse("In-Reply-To: nothing useful\nReferences:\n\n");
	g_assert_null(m->in_reply_to);
	g_assert_cmpuint(m->references->len, ==, 0);
	mail_free(m);
}

static void
test_headers(void)
{
	struct mail	*m;
	char		*iso;

	m = parse("From: =?UTF-8?B?4Lih4Liy4Lil4Li1?= <malee@example.net>\r\n"
	    "To: a@example.com, \"B, Bee\" <b@example.com>\r\n"
	    "Subject: =?UTF-8?Q?Dru?=\r\n =?UTF-8?Q?cker_B=C3=BCro?=\r\n"
	    "Date: Mon, 15 Jan 2024 09:12:30 +0700\r\n"
	    "Auto-Submitted: auto-replied\r\n"
	    "Precedence: bulk\r\n"
	    "List-Id: Support list\r\n <support.example.com>\r\n"
	    "X-Dup: first\r\n"
	    "X-Dup: second\r\n"
	    "Content-Language: th\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "\r\nline 1\r\nline 2\rline 3\r\n");
	g_assert_cmpstr(m->from_name, ==, "มาลี");
	g_assert_cmpstr(m->from_addr, ==, "malee@example.net");
	g_assert_cmpstr(m->to, ==, "a@example.com, \"B, Bee\" <b@example.com>");
	g_assert_cmpstr(m->subject, ==, "Drucker Büro");
	g_assert_cmpstr(m->content_language, ==, "th");
	iso = g_date_time_format(m->date, "%FT%TZ");
	g_assert_cmpstr(iso, ==, "2024-01-15T02:12:30Z");
	g_free(iso);
	g_assert_cmpstr(mail_header(m, "auto-submitted"), ==, "auto-replied");
	g_assert_cmpstr(mail_header(m, "PRECEDENCE"), ==, "bulk");
	g_assert_cmpstr(mail_header(m, "List-Id"), ==,
	    "Support list <support.example.com>");
	g_assert_cmpstr(mail_header(m, "x-dup"), ==, "first");
	g_assert_cmpstr(mail_header(m, "content-type"), ==,
	    "text/plain; charset=utf-8");
	g_assert_null(mail_header(m, "x-absent"));
	g_assert_cmpstr(m->body, ==, "line 1\nline 2\nline 3\n");
	assert_clean(m);
	mail_free(m);
}

static void
test_parts(void)
{
	struct mail		*m;
	struct mail_attachment	*a;

	m = parse("Content-Type: multipart/mixed; boundary=b\n\n"
	    "--b\n"
	    "Content-Type: multipart/related; boundary=r\n\n"
	    "--r\n"
	    "Content-Type: multipart/alternative; boundary=a\n\n"
	    "--a\nContent-Type: text/html\n\n<p>html <b>body</b></p>\n"
	    "--a\nContent-Type: text/plain\n\nplain body\n"
	    "--a--\n"
	    "--r\nContent-Type: image/png\nContent-ID: <img1>\n"
	    "Content-Transfer-Encoding: base64\n\niVBORw0K\n"
	    "--r--\n"
	    "--b\nContent-Type: text/plain\n"
	    "Content-Disposition: attachment; filename=notes.txt\n\n"
	    "not the body\n"
	    "--b\nContent-Type: application/pdf; name=\"a.pdf\"\n"
	    "Content-Disposition: inline\n\n%PDF\n"
	    "--b\nContent-Type: message/rfc822\n\n"
	    "Subject: inner\n\ninner text\n"
	    "--b--\n");
	g_assert_cmpstr(m->body, ==, "plain body");
	g_assert_cmpuint(m->attachments->len, ==, 3);
	a = g_ptr_array_index(m->attachments, 0);
	g_assert_cmpstr(a->name, ==, "notes.txt");
	g_assert_cmpstr(a->type, ==, "text/plain");
	g_assert_cmpuint(a->size, ==, strlen("not the body"));
	g_assert_cmpmem(g_bytes_get_data(a->content, NULL), a->size,
	    "not the body", a->size);
	a = g_ptr_array_index(m->attachments, 1);
	g_assert_cmpstr(a->name, ==, "a.pdf");
	g_assert_cmpstr(a->type, ==, "application/pdf");
	a = g_ptr_array_index(m->attachments, 2);
	g_assert_cmpstr(a->name, ==, "message.eml");
	g_assert_cmpstr(a->type, ==, "message/rfc822");
	g_assert_nonnull(g_strstr_len(g_bytes_get_data(a->content, NULL),
	    a->size, "inner text"));
	mail_free(m);

	/* A type of other octets than RFC 2045 tokens is no type. */
	m = parse("Content-Type: multipart/mixed; boundary=b\n\n"
	    "--b\nContent-Type: text/plain\n\nbody\n"
	    "--b\nContent-Type: application/vnd.x\367\227\232\232t; name=a.xls"
	    "\n\ndata\n--b--\n");
	g_assert_cmpuint(m->attachments->len, ==, 1);
	a = g_ptr_array_index(m->attachments, 0);
	g_assert_cmpstr(a->type, ==, "application/octet-stream");
	g_assert_cmpstr(a->name, ==, "a.xls");
	mail_free(m);

	/* HTML only: rendered. */
	m = parse("Content-Type: text/html; charset=utf-8\n\n"
	    "<html><head><style>p{}</style></head>"
	    "<body><p>สวัสดี&nbsp;<a href=\"https://x.example/\">ลิงก์</a></p>"
	    "<script>alert(1)</script></body></html>\n");
	g_assert_cmpstr(m->body, ==, "สวัสดี ลิงก์ <https://x.example/>");
	g_assert_cmpuint(m->attachments->len, ==, 0);
	mail_free(m);

	/* Only a forwarded mail: its text is better than nothing. */
	m = parse("Content-Type: message/rfc822\n\nSubject: in\n\nfwd text\n");
	g_assert_cmpstr(m->body, ==, "fwd text\n");
	g_assert_cmpuint(m->attachments->len, ==, 1);
	mail_free(m);
}


/*
 * Encoded words (RFC 2047), which gmime 3.2.13 decodes wrongly.
 */

/* "=?charset?B?...?=" for octets [from, to) of utf8 written in charset. */
static char *
b_word(const char *utf8, const char *charset, gsize from, gssize to)
{
	char	*octets, *b64, *word;
	gsize	 len;

	octets = g_convert(utf8, -1, charset, "UTF-8", NULL, &len, NULL);
	g_assert_nonnull(octets);
	if (to < 0)
		to = len;
	b64 = g_base64_encode((guchar *)octets + from, to - from);
	word = g_strdup_printf("=?%s?B?%s?=", charset, b64);
	g_free(b64);
	g_free(octets);
	return word;
}

static void
test_ew_padding(void)
{
	struct mail	*m;

	/* gmime #133: the word after a padded one was dropped. */
	m = parse("Subject: =?UTF-8?B?YWJjZA==?= =?UTF-8?B?ZWZnaA==?=\n\nx\n");
	g_assert_cmpstr(m->subject, ==, "abcdefgh");
	g_assert_cmpstr(mail_header(m, "subject"), ==, "abcdefgh");
	mail_free(m);
	m = parse("Subject: =?UTF-8?B?YWJjZA==?=\n =?UTF-8?B?ZWZnaA==?=\n"
	    "\t=?UTF-8?B?aQ==?= end\n\nx\n");
	g_assert_cmpstr(m->subject, ==, "abcdefghi end");
	mail_free(m);
}

/* A Thai character cut in two by the split between two base64 words. */
static void
test_ew_split_character(void)
{
	static const char thai[] = "ขอรีเซ็ตรหัสผ่านด่วน";
	char		*w1, *w2, *t1, *t2, *msg;
	struct mail	*m;
	struct mail_attachment *a;

	w1 = b_word(thai, "UTF-8", 0, 16);	/* 16 is inside a character */
	w2 = b_word(thai, "UTF-8", 16, -1);
	t1 = b_word(thai, "TIS-620", 0, 5);
	t2 = b_word(thai, "TIS-620", 5, -1);
	msg = g_strdup_printf("From: %s\n %s <somchai@example.co.th>\n"
	    "To: %s %s <a@example.com>, b@example.com\n"
	    "Subject: %s\n %s\n"
	    "Content-Type: multipart/mixed; boundary=b\n\n"
	    "--b\nContent-Type: text/plain; charset=utf-8\n\nbody\n"
	    "--b\nContent-Type: application/pdf; name=\"%s %s.pdf\"\n"
	    "Content-Disposition: attachment; filename=\"%s\n %s.pdf\"\n\n"
	    "%%PDF\n--b--\n", w1, w2, t1, t2, w1, w2, t1, t2, w1, w2);
	m = parse(msg);
	g_assert_cmpstr(m->subject, ==, thai);
	g_assert_cmpstr(m->from_name, ==, thai);
	g_assert_cmpstr(m->from_addr, ==, "somchai@example.co.th");
	g_assert_cmpstr(m->to, ==,
	    "ขอรีเซ็ตรหัสผ่านด่วน <a@example.com>, b@example.com");
	g_assert_cmpuint(m->attachments->len, ==, 1);
	a = g_ptr_array_index(m->attachments, 0);
	g_assert_cmpstr(a->name, ==, "ขอรีเซ็ตรหัสผ่านด่วน.pdf");
	assert_clean(m);
	mail_free(m);
	g_free(msg);
	/* The content type's name, when there is no disposition. */
	msg = g_strdup_printf("Content-Type: multipart/mixed; boundary=b\n\n"
	    "--b\nContent-Type: text/plain\n\nbody\n"
	    "--b\nContent-Type: application/pdf; name=\"%s %s.pdf\"\n\n"
	    "%%PDF\n--b--\n", t1, t2);
	m = parse(msg);
	a = g_ptr_array_index(m->attachments, 0);
	g_assert_cmpstr(a->name, ==, "ขอรีเซ็ตรหัสผ่านด่วน.pdf");
	mail_free(m);
	g_free(msg);
	g_free(w1);
	g_free(w2);
	g_free(t1);
	g_free(t2);
}

static void
test_ew_spacing(void)
{
	struct mail	*m;

	/* Space between words goes; space next to plain text stays. */
	m = parse("Subject: Re: =?UTF-8?Q?Caf=C3=A9?= =?ISO-8859-1?Q?_cr=E8me?="
	    " [#12]  =?UTF-8?B?8J+Ygg==?=x\n"
	    "From: =?UTF-8?Q?Doe=2C_J=C3=BCrgen?= <j@example.de>\n"
	    "Cc: \"=?UTF-8?Q?M=C3=BCller?=, Anna\" <anna@example.de>\n\nx\n");
	g_assert_cmpstr(m->subject, ==, "Re: Café crème [#12]  😂x");
	g_assert_cmpstr(m->from_name, ==, "Doe, Jürgen");
	g_assert_cmpstr(m->from_addr, ==, "j@example.de");
	g_assert_cmpstr(m->cc, ==, "\"Müller, Anna\" <anna@example.de>");
	mail_free(m);
	/* What is no encoded word stays as written. */
	m = parse("Subject: =?UTF-8?X?abc?= =?UTF-8?B?YWJj =? a?=b\n\nx\n");
	g_assert_cmpstr(m->subject, ==, "=?UTF-8?X?abc?= =?UTF-8?B?YWJj =? a?=b");
	mail_free(m);
}

/* "=?koi8-r?B?...?=" alone: a name, no address. */
static void
test_from_name_only(void)
{
	char		*word, *msg;
	struct mail	*m;

	word = b_word("Иван Петров", "KOI8-R", 0, -1);
	msg = g_strdup_printf("From: %s\nSubject: x\n\nbody\n", word);
	m = parse(msg);
	g_assert_cmpstr(m->from_name, ==, "Иван Петров");
	g_assert_cmpstr(m->from_addr, ==, "");
	mail_free(m);
	g_free(msg);
	m = parse("From: Support Team\nSubject: x\n\nbody\n");
	g_assert_cmpstr(m->from_name, ==, "Support Team");
	g_assert_cmpstr(m->from_addr, ==, "");
	mail_free(m);
	g_free(word);
}

/*
 * Charset detection.
 */

/* An unlabelled mail whose subject and body are in charset. */
static void
parse_unlabelled(const char *subject, const char *body, const char *charset,
    const char *label)
{
	char		*s, *b, *msg;
	struct mail	*m;

	s = encode(subject, charset);
	b = encode(body, charset);
	msg = g_strdup_printf("Subject: %s\n%s%s%s\n%s", s,
	    label ? "Content-Type: text/plain; charset=" : "",
	    label ? label : "", label ? "\n" : "", b);
	m = parse(msg);
	g_assert_cmpstr(m->subject, ==, subject);
	g_assert_cmpstr(m->body, ==, body);
	g_assert_null(strchr(m->body, '\033'));
	assert_clean(m);
	mail_free(m);
	g_free(msg);
	g_free(b);
	g_free(s);
}

static void
test_detect_latin(void)
{
	/* Not Thai: £ is ฃ in windows-874, © and « » Thai letters too. */
	parse_unlabelled("Offer: £7,000", "See attached.\n", "WINDOWS-1252",
	    NULL);
	parse_unlabelled("£7,000", "", "WINDOWS-1252", NULL);
	parse_unlabelled("© 2024 «Société Générale»", "Voir la pièce jointe.\n",
	    "WINDOWS-1252", NULL);
	parse_unlabelled("Grüße", "Schöne Grüße aus München\n",
	    "WINDOWS-1252", NULL);
}

static void
test_detect_unlabelled(void)
{
	parse_unlabelled("无法登录系统",
	    "您好，我昨天开始无法登录系统，提示密码错误。"
	    "请帮我重置密码，谢谢。\n", "GB2312", NULL);
	parse_unlabelled("無法登入系統",
	    "您好，我昨天開始無法登入系統，提示密碼錯誤。"
	    "請幫我重設密碼，謝謝。\n", "BIG5", NULL);
	parse_unlabelled("ログインできません",
	    "本日朝からログインできません。パスワードは正しいはずです。\n",
	    "SHIFT_JIS", NULL);
	parse_unlabelled("ログインできません",
	    "本日朝からログインできません。パスワードは正しいはずです。\n",
	    "EUC-JP", NULL);
	parse_unlabelled("로그인 불가",
	    "어제부터 로그인이 되지 않습니다. 비밀번호를 재설정해 주세요.\n",
	    "EUC-KR", NULL);
	parse_unlabelled("Не могу войти",
	    "Здравствуйте! Не могу войти в систему, пароль неверный.\n",
	    "KOI8-R", NULL);
	parse_unlabelled("Не могу войти",
	    "Здравствуйте! Не могу войти в систему, пароль неверный.\n",
	    "WINDOWS-1251", NULL);
	parse_unlabelled("Не могу войти",
	    "Здравствуйте! Не могу войти в систему, пароль неверный.\n",
	    "ISO-8859-5", NULL);
	/* 7-bit, but its escapes must not reach the body. */
	parse_unlabelled("ログインできません",
	    "本日朝からログインできません。パスワードは正しいはずです。\n",
	    "ISO-2022-JP", NULL);
	/* us-ascii on 8-bit text is a known lie. */
	parse_unlabelled("Не могу войти",
	    "Здравствуйте! Не могу войти в систему, пароль неверный.\n",
	    "KOI8-R", "us-ascii");
}

static void
test_utf7(void)
{
	struct mail	*m;

	m = parse("Content-Type: text/plain; charset=unicode-1-1-utf-7\n\n"
	    "Hi Mom -+Jjo--!\nA+ImIDkQ. 1+-1=2 +ZeVnLIqe-\n");
	g_assert_cmpstr(m->body, ==, "Hi Mom -☺-!\nA≢Α. 1+1=2 日本語\n");
	mail_free(m);
	/* One bad sequence costs its own characters only. */
	m = parse("Content-Type: text/plain; charset=utf-7\n\n"
	    "good +ZeVnLIqe- bad +2D3YPQ- good +ZeVnLIqe-\n");
	g_assert_cmpstr(m->body, ==,
	    "good 日本語 bad \xef\xbf\xbd\xef\xbf\xbd good 日本語\n");
	mail_free(m);
}

static void
test_hz(void)
{
	struct mail	*m;

	m = parse("Content-Type: text/plain; charset=hz-gb-2312\n\n"
	    "This is ~{Dc:C~} and ~~ ~\nok\n");
	g_assert_cmpstr(m->body, ==, "This is 你好 and ~ ok\n");
	mail_free(m);
}

/*
 * Broken mail: its text must still be found.
 */

static void
assert_body(const char *msg, const char *subject, const char *body)
{
	struct mail	*m = parse(msg);

	g_assert_cmpint(m->parsed, ==, 1);
	g_assert_cmpstr(m->subject, ==, subject);
	g_assert_cmpstr(m->from_addr, ==, "a@example.com");
	g_assert_cmpstr(m->body, ==, body);
	assert_clean(m);
	mail_free(m);
}

static void
test_broken_header_end(void)
{
	/* The header block ends in a line holding only a space. */
	assert_body("From: a@example.com\nSubject: s\n \nbody text\n", "s",
	    "body text\n");
	assert_body("From: a@example.com\r\nSubject: s\r\n\t \r\nbody\r\n", "s",
	    "body\n");
	/* No blank line at all. */
	assert_body("From: a@example.com\nSubject: s\nHello, the body.\n"
	    "Note: more\n", "s", "Hello, the body.\nNote: more\n");
	/* The first line continues nothing. */
	assert_body(" stray\n\tcontinued\nFrom: a@example.com\nSubject: s\n\n"
	    "body\n", "s", "body\n");
	/* A byte order mark before the headers. */
	assert_body("\357\273\277From: a@example.com\nSubject: s\n\nbody\n", "s",
	    "body\n");
}

static void
test_broken_content_type(void)
{
	assert_body("From: a@example.com\nSubject: s\nContent-Type: text\n\n"
	    "plain text\n", "s", "plain text\n");
	assert_body("From: a@example.com\nSubject: s\n"
	    "Content-Type: multipart/mixed; boundary=b\n\n"
	    "--b\nContent-Type: <html>\n\nplain text\n"
	    "--b\nContent-Type: application/pdf; name=a.pdf\n\n%PDF\n--b--\n",
	    "s", "plain text");
	assert_body("From: a@example.com\nSubject: s\nContent-Type: <html>\n\n"
	    "<html><body><p>Hello <b>there</b></p></body></html>\n", "s",
	    "Hello there");
}

static void
test_broken_base64(void)
{
	/* Plain text labelled base64. */
	assert_body("From: a@example.com\nSubject: s\n"
	    "Content-Transfer-Encoding: base64\n\n"
	    "Hello, my printer is broken.\nCan you help?\n", "s",
	    "Hello, my printer is broken.\nCan you help?\n");
	/* Base64, then a footer that a list appended. */
	assert_body("From: a@example.com\nSubject: s\n"
	    "Content-Transfer-Encoding: base64\n\n"
	    "SGVsbG8sIG15IHByaW50ZXIgaXMgYnJva2VuLgo=\n\n"
	    "-- \nlist footer\n", "s",
	    "Hello, my printer is broken.\n\n-- \nlist footer\n");
	/* Real base64 still decodes. */
	assert_body("From: a@example.com\nSubject: s\n"
	    "Content-Transfer-Encoding: base64\n\n"
	    "SGVsbG8sIG15IHByaW50ZXIg\naXMgYnJva2VuLgo=\n", "s",
	    "Hello, my printer is broken.\n");
}

static void
test_no_text(void)
{
	struct mail	*m;

	/* A stray control character is never text. */
	m = parse("From: a@example.com\nSubject: s\n\nabc\001\002\033def\n");
	g_assert_cmpstr(m->body, ==,
	    "abc\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" "def\n");
	mail_free(m);
	/* Binary under a text label is no text: flagged. */
	m = parse_len("From: a@example.com\nSubject: s\n"
	    "Content-Type: text/plain\n\nPK\003\004\024\000\006\000\010\000"
	    "\000\000!\000\337\244\322lZ\001\000\000 \005\000\000\023\000\010\002"
	    "[Content_Types].xml \242\004\002(\240\000\002\000\000\000\000\n",
	    119);
	g_assert_cmpint(m->parsed, ==, 0);
	g_assert_cmpstr(m->body, ==, "");
	assert_clean(m);
	mail_free(m);
	/* Content, but no text and no attachment: flagged, not empty. */
	m = parse("From: a@example.com\nSubject: s\n"
	    "Content-Type: application/octet-stream\n\n\x89PNG\n");
	g_assert_cmpint(m->parsed, ==, 0);
	g_assert_nonnull(m->parse_error);
	g_assert_cmpstr(m->subject, ==, "s");
	g_assert_cmpstr(m->from_addr, ==, "a@example.com");
	mail_free(m);
	/* An empty mail is just empty. */
	m = parse("From: a@example.com\nSubject: s\n\n\n");
	g_assert_cmpint(m->parsed, ==, 1);
	mail_free(m);
}

/* Every value of every header, decoded, and the names on To and Cc. */
static void
test_header_list(void)
{
	struct mail	*m = parse(
	    "From: =?UTF-8?B?4Liq4Lih4LiK4Liy4Lii?= <Somchai@Example.COM>\n"
	    "To: \"Support, Team\" <support@example.com>, b@example.com\n"
	    "Cc: Team: =?ISO-8859-1?Q?Andr=E9?= <andre@example.net>;\n"
	    "X-Label: one\n"
	    "Subject: hi\n"
	    "x-label: =?UTF-8?Q?t=C3=A9l=C3=A9?=\n"
	    " folded\n"
	    "\n"
	    "body\n");
	GPtrArray	*v = mail_header_all(m, "X-LABEL");
	const struct mail_mailbox *mb;
	const struct mail_field *f;

	g_assert_cmpuint(v->len, ==, 2);
	g_assert_cmpstr(v->pdata[0], ==, "one");
	g_assert_cmpstr(v->pdata[1], ==, "télé folded");
	g_ptr_array_unref(v);
	v = mail_header_all(m, "x-none");
	g_assert_cmpuint(v->len, ==, 0);
	g_ptr_array_unref(v);
	g_assert_cmpstr(mail_header(m, "x-label"), ==, "one");
	f = m->header_list->pdata[0];
	g_assert_cmpstr(f->name, ==, "from");
	g_assert_cmpstr(m->from_name, ==, "สมชาย");
	g_assert_cmpuint(m->to_list->len, ==, 2);
	mb = m->to_list->pdata[0];
	g_assert_cmpstr(mb->name, ==, "Support, Team");
	g_assert_cmpstr(mb->addr, ==, "support@example.com");
	mb = m->to_list->pdata[1];
	g_assert_cmpstr(mb->name, ==, "");
	g_assert_cmpstr(mb->addr, ==, "b@example.com");
	g_assert_cmpuint(m->cc_list->len, ==, 1);
	mb = m->cc_list->pdata[0];
	g_assert_cmpstr(mb->name, ==, "André");
	g_assert_cmpstr(mb->addr, ==, "andre@example.net");
	mail_free(m);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	mime_init();
	g_test_add_func("/mime/header-list", test_header_list);
	g_test_add_func("/mime/nul-bytes", test_nul_bytes);
	g_test_add_func("/mime/garbage", test_garbage);
	g_test_add_func("/mime/missing-headers", test_missing_headers);
	g_test_add_func("/mime/empty-parts", test_empty_parts);
	g_test_add_func("/mime/charset/thai-unlabelled", test_thai_unlabelled);
	g_test_add_func("/mime/charset/thai-guess", test_thai_guess);
	g_test_add_func("/mime/charset/thai-mislabelled",
	    test_thai_mislabelled);
	g_test_add_func("/mime/charset/latin1-unlabelled",
	    test_latin1_unlabelled);
	g_test_add_func("/mime/charset/labelled", test_labelled);
	g_test_add_func("/mime/charset/labelled-lossy", test_labelled_lossy);
	g_test_add_func("/mime/charset/damaged-utf8", test_damaged_utf8);
	g_test_add_func("/mime/charset/fallback", test_fallback_charset);
	g_test_add_func("/mime/references", test_references);
	g_test_add_func("/mime/headers", test_headers);
	g_test_add_func("/mime/parts", test_parts);
	g_test_add_func("/mime/rfc2047/padding", test_ew_padding);
	g_test_add_func("/mime/rfc2047/split-character",
	    test_ew_split_character);
	g_test_add_func("/mime/rfc2047/spacing", test_ew_spacing);
	g_test_add_func("/mime/from-name-only", test_from_name_only);
	g_test_add_func("/mime/charset/detect-latin", test_detect_latin);
	g_test_add_func("/mime/charset/detect-unlabelled",
	    test_detect_unlabelled);
	g_test_add_func("/mime/charset/utf7", test_utf7);
	g_test_add_func("/mime/charset/hz", test_hz);
	g_test_add_func("/mime/broken/header-end", test_broken_header_end);
	g_test_add_func("/mime/broken/content-type", test_broken_content_type);
	g_test_add_func("/mime/broken/base64", test_broken_base64);
	g_test_add_func("/mime/broken/no-text", test_no_text);
	return g_test_run();
}
