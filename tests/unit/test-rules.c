/*
 * test-rules: rule files and their evaluation: every load error with
 * its file:line, every subject and operator, negation, require, when,
 * stop, how actions add up, Thai text in its charsets and in both
 * spellings of SARA AM, hostile patterns, the shipped example set, and
 * golden traces (tests/rules/NAME.eml with NAME.rules, against
 * NAME.ref).
 */
#include <string.h>

#include <glib/gstdio.h>

#include "conf.h"
#include "rules.h"

#include "mail-fixture.h"

static struct conf	*conf;

/* A conf with two queues, one agent and the shipped templates. */
static struct conf *
conf_fixture(void)
{
	char		*tpl = g_test_build_filename(G_TEST_DIST, "..", "..",
			    "templates", NULL);
	char		*text = g_strdup_printf(
	    "[ticketd]\ndatabase = /nonexistent/t.db\ntemplates = %s\n"
	    "[queue support]\naddress = support@example.com\n"
	    "[queue billing]\naddress = billing@example.com\n"
	    "[agent somchai]\naddress = somchai@example.com\n", tpl);
	char		*cause = NULL;
	struct conf	*c = conf_load_buffer("test.conf", text, strlen(text),
			    &cause);

	if (c == NULL)
		g_error("%s", cause);
	g_free(text);
	g_free(tpl);
	return c;
}

static struct rules *
load_ok(const char *text)
{
	char		*cause = NULL;
	struct rules	*rs = rules_load_buffer("t.rules", text, strlen(text),
			    conf, &cause);

	if (rs == NULL)
		g_error("%s", cause);
	return rs;
}

static char *
load_error(const char *text)
{
	char		*cause = NULL;
	struct rules	*rs = rules_load_buffer("t.rules", text, strlen(text),
			    conf, &cause);

	g_assert_null(rs);
	g_assert_nonnull(cause);
	return cause;
}

static void
input_init(struct rules_input *in, const struct mail *m)
{
	memset(in, 0, sizeof(*in));
	in->mail = m;
	in->sender = "alice@customer.example";
	in->recipient = "support+web@example.com";
	in->queue = "support";
	in->open_tickets = 1;
	in->first_contact = 1;
	in->inside_hours = 1;
	in->language = "en";
	in->size = g_bytes_get_size(m->raw);
}

/* How many rules fire. */
static guint
fires_in(const char *rules_text, const struct rules_input *in)
{
	struct rules		*rs = load_ok(rules_text);
	struct rules_result	 res;
	guint			 n;

	rules_eval(rs, in, &res, NULL);
	g_assert_cmpuint(res.errors->len, ==, 0);
	n = res.fired->len;
	rules_result_clear(&res);
	rules_unref(rs);
	return n;
}

static guint
fires_in_mail(const struct mail *m, const char *rules_text)
{
	struct rules_input	 in;

	input_init(&in, m);
	return fires_in(rules_text, &in);
}

/* Does "[rule t] match = cond" fire on m with the default input? */
static int
holds(const struct mail *m, const char *cond)
{
	struct rules_input	 in;
	char			*text = g_strdup_printf("[rule t]\nmatch = %s\n"
				    "tag = t\n", cond);
	guint			 n;

	input_init(&in, m);
	n = fires_in(text, &in);
	g_free(text);
	return n;
}

static const char mail_text[] =
    "From: =?UTF-8?B?4Liq4Lih4LiK4Liy4Lii?= <Somchai.K@BigCustomer.Example>\n"
    "To: \"Support Team\" <support@example.com>, ops@example.com\n"
    "Cc: =?ISO-8859-1?Q?Andr=E9?= <andre@example.net>\n"
    "Subject: URGENT: login broken\n"
    "X-Label: first\n"
    "X-Label: =?UTF-8?Q?caf=C3=A9?=\n"
    "Message-ID: <m1@customer.example>\n"
    "MIME-Version: 1.0\n"
    "Content-Type: multipart/mixed; boundary=b\n"
    "\n"
    "--b\n"
    "Content-Type: text/plain; charset=utf-8\n"
    "\n"
    "The system is down since 9:00.\n"
    "--b\n"
    "Content-Type: application/pdf; name=\"invoice-42.pdf\"\n"
    "Content-Disposition: attachment; filename=\"invoice-42.pdf\"\n"
    "Content-Transfer-Encoding: base64\n"
    "\n"
    "JVBERi0xLjQK\n"
    "--b--\n";

static const char error_text[] =
    "key = outside\n"				/* 1 */
    "[rule]\n"					/* 2 */
    "[rules x]\n"				/* 3 */
    "[rule a b]\n"				/* 4 */
    "[rule ok]\n"				/* 5 */
    "match = subjekt ~ /x/\n"			/* 6 */
    "match = subject =~ /x/\n"			/* 7 */
    "match = subject ~\n"			/* 8 */
    "match = subject ~ /a(/\n"			/* 9 */
    "match = body contains text\n"		/* 10 */
    "match = body contains \"abc\n"		/* 11 */
    "match = size > 10q\n"			/* 12 */
    "match = subject > 3\n"			/* 13 */
    "when = sometimes\n"			/* 14 */
    "require = most\n"				/* 15 */
    "stop = maybe\n"				/* 16 */
    "colour = red\n"				/* 17 */
    "assign = nobody\n"				/* 18 */
    "canned = nope\n"				/* 19 */
    "queue = sales\n"				/* 20 */
    "priority = hgih\n"				/* 21 */
    "status = closed\n"				/* 22 */
    "tag = a b\n"				/* 23 */
    "notify = bob\n"				/* 24 */
    "priority = low\n"				/* 25 */
    "[rule ok]\n"				/* 26 */
    "match = subject ~ /x/g\n"			/* 27 */
    "match = hours is sometimes\n"		/* 28 */
    "match = header\n"				/* 29 */
    "match =\n"					/* 30 */
    "just text\n"				/* 31 */
    "[rule two]\n"				/* 32 */
    "acknowledge = maybe\n"			/* 33 */
    "match = !\n"				/* 34 */
    "match = size ~ /1/\n"			/* 35 */
    "match = hours > 3\n"			/* 36 */
    "match = body contains \"x\" y\n"		/* 37 */
    "notify = a b@example.com\n"		/* 38 */
    "match = body contains \"\"\n"		/* 39 */
    "untag = ,\n"				/* 40 */
    "[rule x\n";				/* 41 */

static const char error_ref[] =
    "t.rules:1: key: key outside of any [rule NAME]\n"
    "t.rules:2: [rule] needs a name: [rule NAME]\n"
    "t.rules:3: unknown section [rules]: rule files hold [rule NAME] "
	"sections\n"
    "t.rules:4: [rule a b]: a rule name is one word of at most 64 "
	"characters\n"
    "t.rules:6: match: unknown subject \"subjekt\"\n"
    "t.rules:7: match: unknown operator \"=~\" (~, contains, is, >, < or "
	">=)\n"
    "t.rules:8: match: missing value after ~\n"
    "t.rules:9: match: invalid regex /a(/: missing closing parenthesis "
	"at offset 2\n"
    "t.rules:10: match: text: expected a \"quoted string\"\n"
    "t.rules:11: match: \"abc: the quoted string has no closing quote\n"
    "t.rules:12: match: expected a number (suffix k, M or G allowed), not "
	"\"10q\"\n"
    "t.rules:13: match: > compares numbers; subject is text (use ~, "
	"contains or is)\n"
    "t.rules:14: when: expected new, reply or any, not \"sometimes\"\n"
    "t.rules:15: require: expected all or any, not \"most\"\n"
    "t.rules:16: stop: expected yes or no, not \"maybe\"\n"
    "t.rules:17: unknown key \"colour\" in [rule ok]\n"
    "t.rules:18: assign: unknown agent \"nobody\" (no [agent nobody])\n"
    "t.rules:19: canned: unknown template \"nope\" (no nope.LANG.txt in "
	"TPL)\n"
    "t.rules:20: queue: unknown queue \"sales\" (no [queue sales])\n"
    "t.rules:21: priority: unknown priority \"hgih\" (urgent, high, normal, "
	"low)\n"
    "t.rules:22: status: unknown status \"closed\" (open, pending, "
	"resolved)\n"
    "t.rules:23: tag: bad tag \"a b\" (one word, at most 64 characters, no "
	", ; \" or #)\n"
    "t.rules:24: notify: \"bob\" is neither an address nor an [agent NAME]\n"
    "t.rules:25: priority: set twice in [rule ok] (first at line 21)\n"
    "t.rules:26: duplicate rule \"ok\" (first at t.rules:5)\n"
    "t.rules:31: expected \"key = value\"\n"
    "t.rules:33: acknowledge: expected yes or no, not \"maybe\"\n"
    "t.rules:34: match: missing value: expected [!]SUBJECT OPERATOR VALUE\n"
    "t.rules:35: match: size is a number: use >, < or >=, not ~\n"
    "t.rules:36: match: hours takes is inside|outside, not >\n"
    "t.rules:37: match: \"x\" y: text after the closing quote\n"
    "t.rules:38: notify: \"a b@example.com\" is not an address\n"
    "t.rules:39: match: contains \"\" would hold for any text\n"
    "t.rules:40: untag: missing value\n"
    "t.rules:41: malformed section header";

static void
test_errors(void)
{
	char	*cause = load_error(error_text);
	char	*tpl = g_strdup_printf("in %s)", conf->templates_dir);
	char	*ref;
	GString	*s = g_string_new(error_ref);

	g_string_replace(s, "in TPL)", tpl, 1);
	ref = g_string_free(s, FALSE);
	g_assert_cmpstr(cause, ==, ref);
	g_free(ref);
	g_free(tpl);
	g_free(cause);
}

/* The errors of the keys of a second, valid section are still seen. */
static void
test_errors_more(void)
{
	const char	 bad[] = "[rule a]\ntag = caf\xe9\n\n[rule b]\0x\n";
	char		*cause;

	cause = load_error("[rule a]\nmatch = subject ~ /x/g\n"
	    "match = hours is sometimes\nmatch = header\nmatch =\n");
	g_assert_cmpstr(cause, ==,
	    "t.rules:2: match: unknown regex flag \"g\" (i, m, s and x are "
		"known)\n"
	    "t.rules:3: match: hours is inside or outside, not sometimes\n"
	    "t.rules:4: match: header needs a NAME\n"
	    "t.rules:5: match: missing value");
	g_free(cause);
	g_assert_null(rules_load_buffer("t.rules", bad, sizeof(bad) - 1, conf,
	    &cause));
	g_assert_cmpstr(cause, ==, "t.rules:2: not valid UTF-8: rule files "
	    "are UTF-8\nt.rules:4: a NUL byte: the rest of the file is not "
	    "read");
	g_free(cause);
	cause = load_error("[rule a]\ncanned = nope\n");
	g_assert_true(g_str_has_prefix(cause, "t.rules:2: canned: unknown "
	    "template \"nope\""));
	g_free(cause);
}

static void
write_file(const char *dir, const char *name, const char *text)
{
	char	*path = g_build_filename(dir, name, NULL);

	g_assert_true(g_file_set_contents(path, text, -1, NULL));
	g_free(path);
}

static const char *const dir_files[] = {
	"10-a.rules", "20-b.rules", "README", "30-c.rules~",
};

/* Files of a directory in name order; a name twice across files. */
static void
test_directory(void)
{
	char		*dir = g_dir_make_tmp("test-rules-XXXXXX", NULL);
	char		*cause = NULL, *ref;
	struct rules	*rs;

	write_file(dir, "20-b.rules", "; b\n[rule vip]\ntag = b\n");
	write_file(dir, "10-a.rules", "[rule vip]\ntag = a\n");
	write_file(dir, "README", "[not a rule file\n");
	write_file(dir, "30-c.rules~", "[broken\n");
	g_assert_null(rules_load(dir, conf, &cause));
	ref = g_strdup_printf("%s/20-b.rules:2: duplicate rule \"vip\" "
	    "(first at %s/10-a.rules:1)", dir, dir);
	g_assert_cmpstr(cause, ==, ref);
	g_free(ref);
	g_free(cause);
	cause = NULL;
	write_file(dir, "20-b.rules", "; b\n[rule other]\ntag = b\n");
	rs = rules_load(dir, conf, &cause);
	g_assert_nonnull(rs);
	g_assert_cmpuint(rules_count(rs), ==, 2);
	rules_unref(rs);
	g_assert_null(rules_load("/nonexistent/x.rules", conf, &cause));
	g_assert_true(g_str_has_prefix(cause, "/nonexistent/x.rules: "));
	g_free(cause);
	for (gsize i = 0; i < G_N_ELEMENTS(dir_files); i++) {
		char *p = g_build_filename(dir, dir_files[i], NULL);

		g_unlink(p);
		g_free(p);
	}
	g_rmdir(dir);
	g_free(dir);
}

static void
test_subjects(void)
{
	struct mail	*m = parse(mail_text);

	g_assert_true(holds(m, "subject ~ /^urgent:/i"));
	g_assert_false(holds(m, "subject ~ /^urgent:/"));
	g_assert_true(holds(m, "subject contains \"LOGIN\""));
	g_assert_true(holds(m, "subject is \"urgent: LOGIN broken\""));
	g_assert_false(holds(m, "subject is \"urgent\""));
	g_assert_true(holds(m, "body contains \"system is down\""));
	g_assert_true(holds(m, "from ~ /@bigcustomer\\.example$/"));
	g_assert_true(holds(m, "from contains \"สมชาย\""));
	g_assert_true(holds(m, "from is \"somchai.k@bigcustomer.example\""));
	g_assert_true(holds(m, "to is \"ops@example.com\""));
	g_assert_true(holds(m, "to is \"support team\""));
	g_assert_false(holds(m, "to contains \"andre\""));
	g_assert_true(holds(m, "cc contains \"andré\""));
	g_assert_true(holds(m, "cc ~ /\\.net$/"));
	g_assert_true(holds(m, "sender is \"ALICE@customer.example\""));
	g_assert_true(holds(m, "recipient ~ /^support\\+web@/"));
	g_assert_true(holds(m, "queue is \"support\""));
	g_assert_true(holds(m, "header X-Label is \"first\""));
	g_assert_true(holds(m, "header x-label is \"CAFÉ\""));
	g_assert_false(holds(m, "header X-Other ~ /./"));
	g_assert_true(holds(m, "header message-id contains \"m1@\""));
	g_assert_true(holds(m, "attachment ~ /\\.pdf$/"));
	g_assert_true(holds(m, "attachment-type is \"application/pdf\""));
	g_assert_false(holds(m, "attachment-type ~ /^image\\//"));
	g_assert_true(holds(m, "language is \"EN\""));
	g_assert_true(holds(m, "size > 100"));
	g_assert_true(holds(m, "size < 1k"));
	g_assert_false(holds(m, "size >= 1M"));
	g_assert_true(holds(m, "hours is inside"));
	g_assert_false(holds(m, "hours is \"outside\""));
	g_assert_true(holds(m, "open-tickets >= 1"));
	g_assert_false(holds(m, "open-tickets > 1"));
	g_assert_true(holds(m, "open-tickets < 2"));
	g_assert_true(holds(m, "first-contact is yes"));
	g_assert_false(holds(m, "first-contact is no"));
	mail_free(m);
}

static void
test_sizes(void)
{
	struct mail		*m = parse("Subject: x\n\nbody\n");
	struct rules_input	 in;

	input_init(&in, m);
	in.size = 10 * 1024;
	g_assert_cmpuint(fires_in("[rule a]\nmatch = size >= 10k\n", &in), ==, 1);
	g_assert_cmpuint(fires_in("[rule a]\nmatch = size > 10K\n", &in), ==, 0);
	in.size = 2 * 1024 * 1024 + 1;
	g_assert_cmpuint(fires_in("[rule a]\nmatch = size > 2M\n", &in), ==, 1);
	g_assert_cmpuint(fires_in("[rule a]\nmatch = size < 1G\n", &in), ==, 1);
	in.language = NULL;
	in.sender = NULL;
	g_assert_cmpuint(fires_in("[rule a]\nmatch = language is \"\"\n"
	    "match = sender is \"\"\n", &in), ==, 1);
	mail_free(m);
}

static void
test_negation_require(void)
{
	struct mail	*m = parse(mail_text);

	g_assert_true(holds(m, "!subject ~ /invoice/"));
	g_assert_false(holds(m, "! subject ~ /urgent/i"));
	g_assert_true(holds(m, "!header X-Other ~ /./"));
	g_assert_true(holds(m, "!hours is outside"));
	g_assert_true(holds(m, "!size > 1M"));
	g_assert_cmpuint(fires_in_mail(m, "[rule a]\nmatch = subject ~ /x/\n"
	    "match = body contains \"down\"\nrequire = any\n"), ==, 1);
	g_assert_cmpuint(fires_in_mail(m, "[rule a]\nmatch = subject ~ /x/\n"
	    "match = body contains \"down\"\n"), ==, 0);
	g_assert_cmpuint(fires_in_mail(m, "[rule a]\nmatch = subject ~ /u/i\n"
	    "match = body contains \"down\"\nrequire = all\n"), ==, 1);
	g_assert_cmpuint(fires_in_mail(m, "[rule a]\nmatch = subject ~ /x/\n"
	    "match = body contains \"up\"\nrequire = any\n"), ==, 0);
	/* No condition: every mail. */
	g_assert_cmpuint(fires_in_mail(m, "[rule a]\ntag = all\n"), ==, 1);
	mail_free(m);
}

static void
test_when_stop(void)
{
	struct mail		*m = parse(mail_text);
	struct rules_input	 in;
	const char		*text = "[rule n]\ntag = n\n"
				    "[rule r]\nwhen = reply\ntag = r\n"
				    "[rule a]\nwhen = any\ntag = a\n";

	input_init(&in, m);
	g_assert_cmpuint(fires_in(text, &in), ==, 2);
	in.reply = 1;
	g_assert_cmpuint(fires_in(text, &in), ==, 2);
	g_assert_cmpuint(fires_in("[rule r]\nwhen = reply\nstop = yes\n"
	    "[rule a]\nwhen = any\n", &in), ==, 1);
	g_assert_cmpuint(fires_in("[rule r]\nwhen = reply\nstop = no\n"
	    "[rule a]\nwhen = any\n", &in), ==, 2);
	/* A stop that does not fire stops nothing. */
	g_assert_cmpuint(fires_in("[rule r]\nmatch = size > 1G\nstop = yes\n"
	    "[rule a]\nwhen = any\n", &in), ==, 1);
	mail_free(m);
}

static void
test_actions(void)
{
	struct mail		*m = parse(mail_text);
	struct rules_input	 in;
	struct rules_result	 res;
	struct rules		*rs;
	const struct rules_fired *f;
	const struct rules_action *a;

	rs = load_ok("[rule one]\npriority = high\ntag = a, b\nqueue = billing\n"
	    "assign = somchai\nstatus = pending\ncanned = need-more-info\n"
	    "notify = somchai\nnotify = boss@example.com\n"
	    "[rule two]\npriority = urgent\nuntag = a\ntag = c\nacknowledge = no\n"
	    "notify = somchai\ncanned = need-more-info\nstatus = open\n"
	    "[rule three]\nmatch = size > 1G\npriority = low\n"
	    "[rule four]\nuntag = c\ntag = a\nacknowledge = yes\nstop = yes\n"
	    "[rule five]\npriority = low\n");
	input_init(&in, m);
	rules_eval(rs, &in, &res, NULL);
	g_assert_cmpstr(res.priority, ==, "urgent");
	g_assert_cmpstr(res.queue, ==, "billing");
	g_assert_cmpstr(res.assign, ==, "somchai");
	g_assert_cmpstr(res.status, ==, "open");
	g_assert_cmpuint(res.tags_add->len, ==, 2);
	g_assert_cmpstr(res.tags_add->pdata[0], ==, "b");
	g_assert_cmpstr(res.tags_add->pdata[1], ==, "a");
	g_assert_cmpuint(res.tags_remove->len, ==, 1);
	g_assert_cmpstr(res.tags_remove->pdata[0], ==, "c");
	g_assert_cmpint(res.acknowledge, ==, 0);
	g_assert_cmpuint(res.canned->len, ==, 1);
	g_assert_cmpuint(res.notify->len, ==, 2);
	g_assert_cmpstr(res.notify->pdata[1], ==, "boss@example.com");
	g_assert_cmpuint(res.fired->len, ==, 3);
	f = res.fired->pdata[1];
	g_assert_cmpstr(f->name, ==, "two");
	g_assert_cmpstr(f->where, ==, "t.rules:10");
	g_assert_cmpstr(f->file, ==, "t.rules");
	g_assert_cmpuint(f->line, ==, 10);
	g_assert_cmpuint(f->actions->len, ==, 7);
	a = f->actions->pdata[0];
	g_assert_cmpint(a->act, ==, RULES_PRIORITY);
	g_assert_cmpstr(a->value, ==, "urgent");
	a = f->actions->pdata[3];
	g_assert_cmpint(a->act, ==, RULES_NO_ACK);
	g_assert_cmpstr(rules_act_name(a->act), ==, "acknowledge");
	g_assert_null(a->value);
	f = res.fired->pdata[2];
	g_assert_cmpstr(f->name, ==, "four");
	g_assert_true(f->stop);
	g_assert_cmpuint(res.errors->len, ==, 0);
	rules_result_clear(&res);
	rules_unref(rs);
	mail_free(m);
}

/* ทำงาน with its ำ as U+0E33, and as U+0E4D U+0E32. */
#define THAI_AM		"\340\270\227\340\270\263\340\270\207\340\270\262\340\270\231"
#define THAI_NIKHAHIT	"\340\270\227\340\271\215\340\270\262\340\270\207\340\270\262\340\270\231"

static void
test_thai_sara_am(void)
{
	struct mail	*m1 = parse("Subject: x\nContent-Type: text/plain; "
			    "charset=utf-8\n\nระบบไม่" THAI_AM "ค่ะ\n");
	struct mail	*m2 = parse("Subject: x\nContent-Type: text/plain; "
			    "charset=utf-8\n\nระบบไม่" THAI_NIKHAHIT "ค่ะ\n");

	g_assert_cmpstr(THAI_AM, !=, THAI_NIKHAHIT);
	g_assert_true(holds(m1, "body contains \"ไม่" THAI_AM "\""));
	g_assert_true(holds(m1, "body contains \"ไม่" THAI_NIKHAHIT "\""));
	g_assert_true(holds(m2, "body contains \"ไม่" THAI_AM "\""));
	g_assert_true(holds(m2, "body contains \"ไม่" THAI_NIKHAHIT "\""));
	g_assert_true(holds(m2, "body is \"ระบบไม่" THAI_AM "ค่ะ\""));
	g_assert_false(holds(m1, "body contains \"ทำได้\""));
	mail_free(m1);
	mail_free(m2);
}

/*
 * contains folds as NFKC and case folding of the whole text would,
 * though only the non-ASCII stretches go through GLib: a combining mark
 * after an ASCII letter, full-width letters, a ligature, ß.
 */
static void
test_fold(void)
{
	struct mail	*m = parse("Subject: x\nContent-Type: text/plain; "
			    "charset=utf-8\n\nmy cafe\xcc\x81 \xef\xbc\xaf"
			    "\xef\xbc\xb2\xef\xbc\xa4\xef\xbc\xa5\xef\xbc\xb2 "
			    "\xef\xac\x81le, Stra\xc3\x9f" "e 12\n");

	g_assert_true(holds(m, "body contains \"caf\xc3\xa9 order\""));
	g_assert_true(holds(m, "body contains \"MY CAF\xc3\x89\""));
	g_assert_false(holds(m, "body contains \"cafe \""));
	g_assert_true(holds(m, "body contains \"order file\""));
	g_assert_true(holds(m, "body contains \"strasse 12\""));
	g_assert_true(holds(m, "body ~ /cafe\xcc\x81/"));
	g_assert_false(holds(m, "body ~ /order/i"));
	mail_free(m);
}

/* A mail whose subject and body are text in charset. */
static struct mail *
thai_mail(const char *charset, const char *subject, const char *body)
{
	char		*s = g_convert(subject, -1, charset, "UTF-8", NULL,
			    NULL, NULL);
	char		*b = g_convert(body, -1, charset, "UTF-8", NULL, NULL,
			    NULL);
	char		*s64, *text;
	struct mail	*m;

	g_assert_nonnull(s);
	g_assert_nonnull(b);
	s64 = g_base64_encode((const guchar *)s, strlen(s));
	text = g_strdup_printf("From: a@example.com\nSubject: =?%s?B?%s?=\n"
	    "MIME-Version: 1.0\nContent-Type: text/plain; charset=%s\n"
	    "Content-Transfer-Encoding: 8bit\n\n%s\n", charset, s64, charset, b);
	g_assert_null(strstr(b, "\340\270"));	/* not UTF-8 any more */
	m = parse(text);
	g_free(text);
	g_free(s64);
	g_free(s);
	g_free(b);
	return m;
}

static void
test_thai_charsets(void)
{
	const char	*charsets[] = { "TIS-620", "windows-874", "UTF-8" };
	const char	*rules_text =
	    "[rule down]\nmatch = body contains \"ระบบล่ม\"\ntag = outage\n"
	    "[rule password]\nmatch = subject contains \"ลืมรหัสผ่าน\"\n"
	    "match = subject ~ /รหัส/\ntag = password\n"
	    "[rule am]\nmatch = body contains \"" THAI_NIKHAHIT "\"\n";

	for (gsize i = 0; i < G_N_ELEMENTS(charsets); i++) {
		const char *body = i == 1 ? "“ระบบล่ม” ตั้งแต่เช้า " THAI_AM :
		    "ระบบล่มตั้งแต่เช้า " THAI_AM;
		struct mail *m;
		struct rules_input in;

		if (strcmp(charsets[i], "UTF-8") == 0) {
			char *text = g_strdup_printf("Subject: =?UTF-8?B?%s?=\n"
			    "Content-Type: text/plain; charset=UTF-8\n\n%s\n",
			    "4Lil4Li34Lih4Lij4Lir4Lix4Liq4Lic4LmI4Liy4LiZ", body);

			m = parse(text);
			g_free(text);
		} else
			m = thai_mail(charsets[i], "ลืมรหัสผ่าน", body);
		g_test_message("%s: subject \"%s\"", charsets[i], m->subject);
		input_init(&in, m);
		g_assert_cmpuint(fires_in(rules_text, &in), ==, 3);
		mail_free(m);
	}
}

static void
test_invalid_utf8(void)
{
	const char	 raw[] = "Subject: bad \xff\xfe bytes\n"
			    "Content-Type: text/plain; charset=utf-8\n\n"
			    "system \xc3\x28 down \xe0\xb8 \xff now\n";
	struct mail	*m = parse_len(raw, sizeof(raw) - 1);

	g_assert_true(holds(m, "body ~ /down/"));
	g_assert_true(holds(m, "body contains \"DOWN\""));
	g_assert_true(holds(m, "subject ~ /bytes$/"));
	g_assert_false(holds(m, "body ~ /^up$/m"));
	mail_free(m);
}

/* (a+)+$ on a long line: an error naming the rule, and no stall. */
/* A mail whose body is one line of len "a"s and a "!": (a+)+$'s worst. */
static struct mail *
long_line_mail(gsize len)
{
	GString		*text = g_string_new("Subject: x\n\n");
	struct mail	*m;

	for (gsize i = 0; i < len; i++)
		g_string_append_c(text, 'a');
	g_string_append(text, "!\n");
	m = parse(text->str);
	g_string_free(text, TRUE);
	return m;
}

static void
test_catastrophic(void)
{
	struct mail		*m = long_line_mail(100 * 1024);
	struct rules		*rs;
	struct rules_input	 in;
	struct rules_result	 res;
	GPtrArray		*trace = rules_trace_new();
	const struct rules_trace_rule *tr;
	char			*text;
	gint64			 t0, t;

	rs = load_ok("[rule evil]\nmatch = body ~ /(a+)+$/\ntag = evil\n"
	    "[rule after]\nmatch = body contains \"aaa\"\ntag = after\n");
	input_init(&in, m);
	t0 = g_get_monotonic_time();
	rules_eval(rs, &in, &res, trace);
	t = g_get_monotonic_time() - t0;
	g_test_message("eval with (a+)+$ on 100 KB: %" G_GINT64_FORMAT " us", t);
	g_assert_cmpint(t, <, 200 * 1000);
	g_assert_cmpuint(res.errors->len, ==, 1);
	g_assert_cmpstr(res.errors->pdata[0], ==, "t.rules:1: rule evil: "
	    "line 2: regex match limit (100000) exceeded");
	g_assert_cmpuint(res.fired->len, ==, 1);
	g_assert_cmpstr(((struct rules_fired *)res.fired->pdata[0])->name, ==,
	    "after");
	tr = trace->pdata[0];
	g_assert_cmpstr(tr->name, ==, "evil");
	g_assert_cmpint(tr->verdict, ==, RULES_VERDICT_ERROR);
	g_assert_cmpuint(tr->decided_by, ==, 2);
	g_assert_cmpint(((struct rules_trace_cond *)tr->conds->pdata[0])->
	    result, ==, -1);
	tr = trace->pdata[1];
	g_assert_cmpint(tr->verdict, ==, RULES_VERDICT_MATCHED);
	g_assert_cmpstr(((struct rules_trace_cond *)tr->conds->pdata[0])->text,
	    ==, "aaa");
	g_assert_cmpuint(tr->actions->len, ==, 1);
	text = rules_trace_text(trace);
	g_assert_true(g_str_has_prefix(text, "rule evil (t.rules:1): error, "
	    "at line 2\n  line 2: body ~ /(a+)+$/: error, regex match limit"));
	g_free(text);
	rules_result_clear(&res);
	rules_unref(rs);
	g_ptr_array_unref(trace);
	mail_free(m);
}

/* Match once, decide for a new ticket and for a reply: as rules_eval. */
static void
test_split(void)
{
	struct mail		*m = parse("Subject: urgent\n\nhello\n");
	struct rules		*rs;
	struct rules_input	 in;
	struct rules_matches	*ms;
	struct rules_result	 res, ref;
	GPtrArray		*trace, *tref;
	char			*text, *tref_text;

	rs = load_ok("[rule new]\nmatch = subject contains \"urgent\"\n"
	    "priority = high\ntag = a\n"
	    "[rule reply]\nwhen = reply\nmatch = body contains \"hello\"\n"
	    "tag = b\nstop = yes\n"
	    "[rule any]\nwhen = any\nmatch = subject ~ /x|u/\nuntag = a\n"
	    "[rule no]\nwhen = any\nmatch = body contains \"nope\"\n"
	    "tag = c\n");
	input_init(&in, m);
	ms = rules_match(rs, &in, 1);
	for (int reply = 0; reply <= 1; reply++) {
		trace = rules_trace_new();
		tref = rules_trace_new();
		rules_decide(ms, reply, &res, trace);
		in.reply = reply;
		rules_eval(rs, &in, &ref, tref);
		g_assert_cmpuint(res.fired->len, ==, ref.fired->len);
		g_assert_cmpuint(trace->len, ==, tref->len);
		text = rules_trace_text(trace);
		tref_text = rules_trace_text(tref);
		g_assert_cmpstr(text, ==, tref_text);
		g_free(text);
		g_free(tref_text);
		if (reply) {
			g_assert_cmpuint(res.fired->len, ==, 1);
			g_assert_cmpstr(res.tags_add->pdata[0], ==, "b");
			g_assert_null(res.priority);
		} else {
			g_assert_cmpuint(res.fired->len, ==, 2);
			g_assert_cmpstr(res.priority, ==, "high");
			g_assert_cmpuint(res.tags_add->len, ==, 0);
			g_assert_cmpstr(res.tags_remove->pdata[0], ==, "a");
		}
		rules_result_clear(&res);
		rules_result_clear(&ref);
		g_ptr_array_unref(trace);
		g_ptr_array_unref(tref);
	}
	rules_matches_free(ms);
	/* The matches keep the rules alive. */
	ms = rules_match(rs, &in, 0);
	rules_unref(rs);
	rules_decide(ms, 0, &res, NULL);
	g_assert_cmpuint(res.fired->len, ==, 2);
	rules_result_clear(&res);
	rules_matches_free(ms);
	mail_free(m);
}

/* A match error is known before the writer decides. */
static void
test_split_errors(void)
{
	struct mail		*m = long_line_mail(50000);
	struct rules		*rs;
	struct rules_input	 in;
	struct rules_matches	*ms;
	GPtrArray		*errors = g_ptr_array_new_with_free_func(g_free);

	rs = load_ok("[rule evil]\nwhen = reply\nmatch = body ~ /(a+)+$/\n"
	    "tag = evil\n");
	input_init(&in, m);
	ms = rules_match(rs, &in, 0);
	g_assert_cmpint(rules_matches_errors(ms, errors), ==, 1);
	g_assert_cmpstr(errors->pdata[0], ==, "t.rules:1: rule evil: "
	    "line 3: regex match limit (100000) exceeded");
	rules_matches_free(ms);
	rules_unref(rs);
	g_ptr_array_unref(errors);
	mail_free(m);
}

/* Which facts a rule set needs looked up. */
static void
test_uses(void)
{
	struct rules	*rs = load_ok("[rule a]\nmatch = first-contact is yes\n"
			    "tag = x\n[rule b]\nmatch = hours is inside\n"
			    "tag = y\n");

	g_assert_true(rules_uses(rs, RULES_FACT_REQUESTER));
	g_assert_true(rules_uses(rs, RULES_FACT_HOURS));
	g_assert_false(rules_uses(rs, RULES_FACT_LANGUAGE));
	rules_unref(rs);
	g_assert_false(rules_uses(NULL, RULES_FACT_HOURS));
}

static char *
repo_file(const char *dir, const char *name)
{
	return g_test_build_filename(G_TEST_DIST, "..", "..", dir, name,
	    NULL);
}

/* conf/rules loads against conf/ticketd.conf, from the top directory. */
static void
test_examples(void)
{
	char		*top = repo_file(".", NULL);
	char		*old = g_get_current_dir();
	char		*cause = NULL;
	struct conf	*c;
	struct rules	*rs;

	g_assert_cmpint(g_chdir(top), ==, 0);
	if ((c = conf_load("conf/ticketd.conf", &cause)) == NULL)
		g_error("%s", cause);
	if ((rs = rules_load("conf/rules", c, &cause)) == NULL)
		g_error("%s", cause);
	g_assert_cmpuint(rules_count(rs), ==, 11);
	rules_unref(rs);
	conf_unref(c);
	g_assert_cmpint(g_chdir(old), ==, 0);
	g_free(old);
	g_free(top);
}

static char *
read_file(const char *path)
{
	char	*text;

	if (!g_file_get_contents(path, &text, NULL, NULL))
		g_error("cannot read %s", path);
	return text;
}

/*
 * tests/rules/NAME.eml against NAME.rules gives the trace in NAME.ref.
 * The first line of NAME.rules may be "; input: key=value ..." to set
 * the facts: reply, queue, language, sender, open, first, hours.
 */
static void
input_from_comment(struct rules_input *in, const char *text)
{
	char	**words;

	if (!g_str_has_prefix(text, "; input:"))
		return;
	words = g_strsplit_set(text + 8, " \n", -1);
	for (char **w = words; *w != NULL && strcmp(*w, ";") != 0; w++) {
		char *eq = strchr(*w, '=');

		if (eq == NULL)
			continue;
		*eq++ = '\0';
		if (strcmp(*w, "reply") == 0)
			in->reply = atoi(eq);
		else if (strcmp(*w, "open") == 0)
			in->open_tickets = atoi(eq);
		else if (strcmp(*w, "first") == 0)
			in->first_contact = atoi(eq);
		else if (strcmp(*w, "hours") == 0)
			in->inside_hours = strcmp(eq, "inside") == 0;
		else if (strcmp(*w, "language") == 0)
			in->language = g_intern_string(eq);
		else if (strcmp(*w, "queue") == 0)
			in->queue = g_intern_string(eq);
		else if (strcmp(*w, "sender") == 0)
			in->sender = g_intern_string(eq);
	}
	g_strfreev(words);
}

static void
test_golden(gconstpointer data)
{
	const char		*name = data;
	char			*base = g_strdup_printf("%s.eml", name);
	char			*path = repo_file("tests/rules", base);
	char			*rules_path, *ref_path, *text, *ref, *cause = NULL;
	struct mail		*m = mail_file("rules", base);
	struct rules		*rs;
	struct rules_input	 in;
	struct rules_result	 res;
	GPtrArray		*trace = rules_trace_new();
	GString			*out = g_string_new(NULL);
	char			*lines;

	g_free(base);
	base = g_strdup_printf("%s.rules", name);
	rules_path = repo_file("tests/rules", base);
	text = read_file(rules_path);
	rs = rules_load_buffer(base, text, strlen(text), conf, &cause);
	if (rs == NULL)
		g_error("%s", cause);
	input_init(&in, m);
	input_from_comment(&in, text);
	rules_eval(rs, &in, &res, trace);
	g_string_append(out, lines = rules_trace_text(trace));
	g_free(lines);
	for (guint i = 0; i < res.errors->len; i++)
		g_string_append_printf(out, "error: %s\n",
		    (char *)res.errors->pdata[i]);
	ref_path = g_strdup_printf("%.*s.ref", (int)strlen(rules_path) - 6,
	    rules_path);
	if (g_getenv("RULES_REGEN") != NULL)
		g_file_set_contents(ref_path, out->str, out->len, NULL);
	ref = read_file(ref_path);
	g_assert_cmpstr(out->str, ==, ref);
	g_free(ref);
	g_free(ref_path);
	g_string_free(out, TRUE);
	g_ptr_array_unref(trace);
	rules_result_clear(&res);
	rules_unref(rs);
	mail_free(m);
	g_free(text);
	g_free(rules_path);
	g_free(base);
	g_free(path);
}

static int
cmp_int64(const void *a, const void *b)
{
	gint64	 x = *(const gint64 *)a, y = *(const gint64 *)b;

	return x < y ? -1 : x > y;
}

/* 1,000 rules against a 10 KB mail: printed, not asserted. */
static void
test_timing(void)
{
	GString			*rules_text = g_string_new(NULL);
	GString			*mail = g_string_new("From: a@example.com\n"
				    "Subject: invoice 42 overdue\n\n");
	struct rules		*rs;
	struct mail		*m;
	struct rules_input	 in;
	struct rules_result	 res;
	gint64			*t, t0;
	int			 runs = 101;

	while (mail->len < 10 * 1024)
		g_string_append(mail, "Dear support, the dashboard shows an "
		    "error after login and the report export fails again.\n");
	for (int i = 0; i < 1000; i++)
		switch (i % 4) {
		case 0:
			g_string_append_printf(rules_text, "[rule r%d]\nmatch = "
			    "body ~ /word%d|token%d/i\ntag = t%d\n", i, i, i, i);
			break;
		case 1:
			g_string_append_printf(rules_text, "[rule r%d]\nmatch = "
			    "body contains \"phrase %d\"\ntag = t%d\n", i, i, i);
			break;
		case 2:
			g_string_append_printf(rules_text, "[rule r%d]\nmatch = "
			    "subject ~ /^re%d/\nmatch = from ~ /@x%d\\./\n"
			    "require = any\ntag = t%d\n", i, i, i, i);
			break;
		default:
			g_string_append_printf(rules_text, "[rule r%d]\nmatch = "
			    "header x-h%d is \"v\"\nmatch = size > 1M\n"
			    "tag = t%d\n", i, i, i);
			break;
		}
	rs = load_ok(rules_text->str);
	m = parse(mail->str);
	input_init(&in, m);
	t = g_new(gint64, runs);
	for (int i = 0; i < runs; i++) {
		t0 = g_get_monotonic_time();
		rules_eval(rs, &in, &res, NULL);
		t[i] = g_get_monotonic_time() - t0;
		rules_result_clear(&res);
	}
	qsort(t, runs, sizeof(*t), cmp_int64);
	g_test_message("1000 rules on a %zu-octet mail: median %" G_GINT64_FORMAT
	    " us, p99 %" G_GINT64_FORMAT " us (%d runs)", mail->len,
	    t[runs / 2], t[runs * 99 / 100], runs);
	g_free(t);
	rules_unref(rs);
	mail_free(m);
	g_string_free(mail, TRUE);
	g_string_free(rules_text, TRUE);
}

int
main(int argc, char **argv)
{
	static const char *const golden[] = { "outage", "thai", "vip" };
	int	 rc;

	g_test_init(&argc, &argv, NULL);
	conf = conf_fixture();
	g_test_add_func("/rules/errors", test_errors);
	g_test_add_func("/rules/errors-more", test_errors_more);
	g_test_add_func("/rules/directory", test_directory);
	g_test_add_func("/rules/subjects", test_subjects);
	g_test_add_func("/rules/sizes", test_sizes);
	g_test_add_func("/rules/negation-require", test_negation_require);
	g_test_add_func("/rules/when-stop", test_when_stop);
	g_test_add_func("/rules/actions", test_actions);
	g_test_add_func("/rules/thai/sara-am", test_thai_sara_am);
	g_test_add_func("/rules/fold", test_fold);
	g_test_add_func("/rules/thai/charsets", test_thai_charsets);
	g_test_add_func("/rules/invalid-utf8", test_invalid_utf8);
	g_test_add_func("/rules/catastrophic", test_catastrophic);
	g_test_add_func("/rules/split", test_split);
	g_test_add_func("/rules/split/errors", test_split_errors);
	g_test_add_func("/rules/uses", test_uses);
	g_test_add_func("/rules/examples", test_examples);
	for (gsize i = 0; i < G_N_ELEMENTS(golden); i++) {
		char *path = g_strdup_printf("/rules/golden/%s", golden[i]);

		g_test_add_data_func(path, golden[i], test_golden);
		g_free(path);
	}
	g_test_add_func("/rules/timing", test_timing);
	rc = g_test_run();
	conf_unref(conf);
	return rc;
}
