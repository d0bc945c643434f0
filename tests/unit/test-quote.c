/*
 * test-quote: quote_strip() on real replies and on each rule alone.
 *
 * Every tests/quote/NAME.eml is a reply to a ticketd notification as a
 * mail client sends it; parsed as the daemon parses it and stripped, its
 * body must be NAME.ref to the byte (Postfix-style golden files; a .ref
 * has no newline at its end, as quote_strip() returns none). The
 * direct cases below pin one rule or one edge each.
 */
#include <string.h>

#include "html.h"
#include "mime.h"
#include "quote.h"

#include "mail-fixture.h"

#define MARKER	"##- Please type your reply above this line -##"

/* The fixtures the clients below are known by; more may stand beside. */
static const char *const required_fixtures[] = {
	"mutt", "mutt-star", "inline", "s-nail", "thai-signature",
	"thunderbird", "outlook", "outlook-original", "outlook-html-only",
	"gmail", "gmail-thai", "gmail-html-only", "apple-mail", "signature",
	"attachment",
};

static char *
fixture_path(const char *name, const char *ext)
{
	char	*file = g_strconcat(name, ext, NULL);
	char	*path = g_test_build_filename(G_TEST_DIST, "..", "..", "tests",
		    "quote", file, NULL);

	g_free(file);
	return path;
}

static struct mail *
fixture_mail(const char *name)
{
	char		*file = g_strconcat(name, ".eml", NULL);
	struct mail	*m = mail_file("quote", file);

	g_free(file);
	return m;
}

static void
test_fixture(gconstpointer data)
{
	const char	*name = data;
	char		*path = fixture_path(name, ".ref");
	struct mail	*m = fixture_mail(name);
	char		*expect, *got;

	if (!g_file_get_contents(path, &expect, NULL, NULL))
		g_error("cannot read %s", path);
	g_assert_true(m->parsed);
	got = quote_strip(m->body, MARKER);
	g_assert_true(g_utf8_validate(got, -1, NULL));
	g_assert_cmpstr(got, ==, expect);
	g_free(got);
	g_free(expect);
	g_free(path);
	mail_free(m);
}

static void
test_fixtures_present(void)
{
	gsize	 i;
	char	*path;

	for (i = 0; i < G_N_ELEMENTS(required_fixtures); i++) {
		path = fixture_path(required_fixtures[i], ".eml");
		g_assert_true(g_file_test(path, G_FILE_TEST_IS_REGULAR));
		g_free(path);
		path = fixture_path(required_fixtures[i], ".ref");
		g_assert_true(g_file_test(path, G_FILE_TEST_IS_REGULAR));
		g_free(path);
	}
}

/* Stripping works on the text; the file the agent attached stays. */
static void
test_attachment_kept(void)
{
	struct mail		*m = fixture_mail("attachment");
	struct mail_attachment	*a;

	g_assert_cmpuint(m->attachments->len, ==, 1);
	a = g_ptr_array_index(m->attachments, 0);
	g_assert_cmpstr(a->name, ==, "HR-7.pdf");
	g_assert_cmpstr(a->type, ==, "application/pdf");
	g_assert_cmpuint(a->size, >, 0);
	mail_free(m);
}

static void
assert_strip(const char *marker, const char *body, const char *expect)
{
	char	*got = quote_strip(body, marker);

	g_assert_cmpstr(got, ==, expect);
	g_free(got);
}

#define STRIP(body, expect)	assert_strip(MARKER, body, expect)

static void
test_unchanged(void)
{
	STRIP("", "");
	STRIP("\n\n \n\t\n", "");
	STRIP("no newline", "no newline");
	STRIP("one\n", "one");
	STRIP("  indented, trailing blanks kept  \n\n\n", "  indented, "
	    "trailing blanks kept  ");
	STRIP("\n\nafter blank lines\n\n  x\ty  \n \n", "\n\nafter blank "
	    "lines\n\n  x\ty  ");
	STRIP("สวัสดีค่ะ\r\nline two\n", "สวัสดีค่ะ\r\nline two");
	/* A line that starts with "On" but is no attribution stays. */
	STRIP("On Monday we replace the printer.\nOn it.\n",
	    "On Monday we replace the printer.\nOn it.");
	STRIP("On 3 occasions the customer wrote:\nit is broken\n",
	    "On 3 occasions the customer wrote:\nit is broken");
	STRIP("As the customer wrote:\n> it is broken\n\nFixed.",
	    "As the customer wrote:\n> it is broken\n\nFixed.");
	STRIP("Remember:\n* check cables [step 1]:\nthen reboot",
	    "Remember:\n* check cables [step 1]:\nthen reboot");
	/* "--" is punctuation; only dash dash space separates a signature. */
	STRIP("a\n--\nb\n---\nc\n --\n--  \nd", "a\n--\nb\n---\nc\n --\n--  \nd");
	/* A rule of underscores with no Outlook headers under it. */
	STRIP("a\n________________________________\nb", "a\n"
	    "________________________________\nb");
	STRIP("From: the printer log\nline 2\nTo: whom it may concern",
	    "From: the printer log\nline 2\nTo: whom it may concern");
	/* NULL or "" as marker: no marker. */
	assert_strip(NULL, "a\n" MARKER "\nb", "a\n" MARKER "\nb");
	assert_strip("", "a\nb", "a\nb");
}

static void
test_signature(void)
{
	STRIP("Thanks\n-- \nSomchai\n", "Thanks");
	STRIP("-- \nonly a signature", "");
	STRIP("Thanks\n\n-- \nสมชาย\n> quoted after\n\nmore", "Thanks");
	/* Inside a quote it is quoted text, not our separator. */
	STRIP("> q\n> -- \n> sig\n\nanswer\n", "> q\n> -- \n> sig\n\nanswer");
}

static void
test_marker(void)
{
	STRIP("Done.\n\n" MARKER "\n\nTicket #42", "Done.");
	STRIP("Done. " MARKER " trailing", "");
	STRIP(MARKER, "");
	/* Only the first occurrence counts, and all below it goes. */
	STRIP("a\n##- x " MARKER "\nb\n" MARKER, "a");
	/* Any text is taken as text, never as a pattern. */
	assert_strip("(.*[\\", "a\nb (.*[\\ c\nd", "a");
	assert_strip("เขียนที่นี่", "ตอบ\n--- เขียนที่นี่ ---\nเดิม", "ตอบ");
}

static void
test_quoted_only(void)
{
	STRIP("> a\n> b\n", "");
	STRIP(">\n>>\n> > x", "");
	STRIP("On Fri, Nov 27, 2026 at 9:15 AM A <a@x.example> wrote:\n> q",
	    "");
	STRIP("\n\n> a\n\n", "");
}

static void
test_gmail(void)
{
	STRIP("Yes.\n\nOn Fri, Nov 27, 2026 at 9:15 AM Example Support "
	    "<support@example.com> wrote:\n\n> q\n>\n> q2\n", "Yes.");
	/* Wrapped after "<", and before "wrote:". */
	STRIP("Yes.\n\nOn Fri, Nov 27, 2026 at 9:15 AM Example Support "
	    "Helpdesk Team <\nsupport@example.com> wrote:\n\n> q\n", "Yes.");
	STRIP("Yes.\n\nOn Fri, Nov 27, 2026 at 9:15 AM Example Support "
	    "<support@example.com>\nwrote:\n\n> q\n", "Yes.");
	/* Two lines join only when they name an address. */
	STRIP("On Friday the customer\nwrote:\n\nit broke",
	    "On Friday the customer\nwrote:\n\nit broke");
	/* Thai, on one line and wrapped. */
	STRIP("ได้ค่ะ\n\nเมื่อ วันศุกร์ที่ 27 พ.ย. 2026 เวลา 16:15 Example "
	    "Support <support@example.com> เขียนว่า:\n\n> เดิม\n", "ได้ค่ะ");
	STRIP("ได้ค่ะ\n\nเมื่อ วันศุกร์ที่ 27 พ.ย. 2026 เวลา 16:15 Example "
	    "Support <\nsupport@example.com> เขียนว่า:\n\n> เดิม\n", "ได้ค่ะ");
	/* Dated and addressed: it ends the reply even with nothing quoted. */
	STRIP("Yes.\n\nOn Fri, Nov 27, 2026 at 9:15 AM A <a@x.example> "
	    "wrote:\nold text, not quoted\n", "Yes.");
	/* Neither dated nor addressed: only when a quote follows. */
	STRIP("Yes.\n\nOn Friday, Ann wrote:\n> q\n", "Yes.");
}

static void
test_outlook(void)
{
	STRIP("Yes.\n\n________________________________\nFrom: Example "
	    "Support <support@example.com>\nSent: Friday, November 27, 2026 "
	    "4:15 PM\nTo: Somchai <s@x.example>\nSubject: [Ticket #42]\n\nold",
	    "Yes.");
	STRIP("Yes.\n\nFrom: A <a@x.example>\nSent: Friday\nTo: B\n"
	    "Subject: s\n\nold", "Yes.");
	STRIP("Yes.\n*From:* A <a@x.example>\n*Date:* Fri, 27 Nov 2026\n"
	    "*Subject:* s\n*To:* B\n\nold", "Yes.");
	STRIP("Ja.\n\nVon: A <a@x.example>\nGesendet: Freitag, 27. November "
	    "2026 16:15\nAn: B\nBetreff: s\n\nalt", "Ja.");
	STRIP("ค่ะ\n\nจาก: A <a@x.example>\nส่ง: 27 พฤศจิกายน 2026 16:15\n"
	    "ถึง: B\nเรื่อง: s\n\nเดิม", "ค่ะ");
	STRIP("Yes.\n\n-----Original Message-----\nFrom: A\nold", "Yes.");
	STRIP("Yes.\n----- Original Message -----\nold", "Yes.");
	STRIP("Yes.\n-------- Original message --------\nold", "Yes.");
	STRIP("Ja.\n-----Ursprüngliche Nachricht-----\nalt", "Ja.");
	/* The header block must be one block with its lines. */
	STRIP("From: A\n\nSent: today\nTo: B", "From: A\n\nSent: today\nTo: B");
}

static void
test_attributions(void)
{
	/* Apple Mail. */
	STRIP("Yes.\n\nOn Nov 27, 2026, at 16:15, Example Support "
	    "<support@example.com> wrote:\n\n> q\n", "Yes.");
	/* Thunderbird, in both its shapes. */
	STRIP("Yes.\n\nOn 27/11/2026 16:15, Example Support wrote:\n> q\n",
	    "Yes.");
	STRIP("Yes.\n\n27.11.2026 16:15, Example Support wrote:\n> q\n",
	    "Yes.");
	STRIP("Yes.\n\n11/27/26 4:15 PM, Example Support wrote:\nold\n",
	    "Yes.");
	/* mutt's default, and the starred form many set. */
	STRIP("Yes.\n\nOn Fri, Nov 27, 2026 at 09:15:00AM +0000, Example "
	    "Support wrote:\n> q\n", "Yes.");
	STRIP("Yes.\n\n* Example Support <support@example.com> "
	    "[2026-11-27 09:15]:\n> q\n", "Yes.");
	/* s-nail, whose default quote is a tab, not "> ". */
	STRIP("Yes.\n\nExample Support <support@example.com> wrote:\n\n"
	    "\tq\n\tq2\n", "Yes.");
	/* German clients. */
	STRIP("Ja.\n\nAm 27.11.2026 um 16:15 schrieb A <a@x.example>:\n> q",
	    "Ja.");
}

/* Words between quoted blocks answer them: the quote stays. */
static void
test_inline(void)
{
	STRIP("> question one\n\nanswer one\n\n> question two\n\nanswer two"
	    "\n\n> closing words\n> more\n",
	    "> question one\n\nanswer one\n\n> question two\n\nanswer two");
	/* The attribution and our quoted marker go, the rest stays. */
	STRIP("Hi,\n\nOn Fri, Nov 27, 2026 at 9:15 AM A <a@x.example> wrote:"
	    "\n\n> " MARKER "\n>\n> > \n> Ticket #42\n\nanswer\n\n> tail\n",
	    "Hi,\n\n> Ticket #42\n\nanswer");
	/* A reply written below the quote reads as an inline one. */
	STRIP("On Fri, Nov 27, 2026 at 9:15 AM A <a@x.example> wrote:\n"
	    "> q\n\nanswer below\n", "> q\n\nanswer below");
	/* The signature still ends it. */
	STRIP("> q\n\nanswer\n\n-- \nsig\n\n> more\n\nnot mine", "> q\n\nanswer");
}

/* HTML replies, as html.c renders them, strip like plain ones. */
static void
assert_strip_html(const char *html, const char *expect)
{
	char	*text = html_to_text(html, strlen(html));

	STRIP(text, expect);
	g_free(text);
}

static void
test_html(void)
{
	/* Apple Mail puts the attribution inside the blockquote. */
	assert_strip_html("Hi Ann,<div><br></div><div>Yes.</div><div><br>"
	    "<blockquote type=\"cite\"><div>On Nov 27, 2026, at 16:15, A "
	    "&lt;a@x.example&gt; wrote:</div><br class=\"Apple-interchange-"
	    "newline\"><div><div>" MARKER "</div><div>old</div></div>"
	    "</blockquote></div>", "Hi Ann,\n\nYes.");
	/* Thunderbird's moz-cite-prefix above the blockquote. */
	assert_strip_html("<p>Yes.</p><div class=\"moz-cite-prefix\">On "
	    "27/11/2026 16:15, A wrote:<br></div><blockquote type=\"cite\">"
	    "<pre class=\"moz-quote-pre\">" MARKER "\n\nold</pre></blockquote>",
	    "Yes.");
	/* An inline answer between two blockquotes. */
	assert_strip_html("<blockquote>q1</blockquote><p>a1</p><blockquote>q2"
	    "<blockquote>older</blockquote></blockquote>",
	    "> q1\n\na1");
}

/* No input breaks it, and what comes out is still UTF-8. */
static void
test_hostile(void)
{
	GString	*big = g_string_new(NULL);
	char	*got;
	int	 i;

	/* Many lines, each rule's look ahead among them. */
	for (i = 0; i < 300000; i++)
		g_string_append(big, i % 3 ? "> q\n\n" : "On x <a@b> wrote:\n");
	got = quote_strip(big->str, MARKER);
	g_assert_cmpstr(got, ==, "");
	g_free(got);
	g_string_truncate(big, 0);
	for (i = 0; i < 300000; i++)
		g_string_append(big, "From: x\nSent: y\nOn x\n");
	got = quote_strip(big->str, MARKER);
	g_assert_cmpuint(strlen(got), ==, big->len - 1);
	g_free(got);

	/* One line of 4 MB, with no newline. */
	g_string_truncate(big, 0);
	for (i = 0; i < 1 << 22; i++)
		g_string_append_c(big, "a: <@>-\t "[i % 9]);
	got = quote_strip(big->str, MARKER);
	g_assert_true(strcmp(got, big->str) == 0);
	g_free(got);
	g_string_free(big, TRUE);

	/* Invalid UTF-8 in, the same octets out: nothing is cut in a line. */
	STRIP("a\xff\xfe\n> \xc3\n", "a\xff\xfe");
	got = quote_strip("ก\n-- \n\xe0\xb8", MARKER);
	g_assert_true(g_utf8_validate(got, -1, NULL));
	g_free(got);
	STRIP("\n", "");
	STRIP(">", "");
	STRIP("-- ", "");
	STRIP("On", "On");
	STRIP("On x wrote:", "On x wrote:");
	STRIP("From:\nSent:\nTo:", "");
	STRIP("________________________________", "________________________________");
	STRIP("________________________________\nFrom:\nDate:\nSubject:", "");
}

static int
name_cmp(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
main(int argc, char **argv)
{
	GDir		*dir;
	GPtrArray	*names = g_ptr_array_new_with_free_func(g_free);
	const char	*file;
	char		*path, *testpath;
	guint		 i;

	g_test_init(&argc, &argv, NULL);
	mime_init();

	path = g_test_build_filename(G_TEST_DIST, "..", "..", "tests", "quote",
	    NULL);
	if ((dir = g_dir_open(path, 0, NULL)) == NULL)
		g_error("cannot open %s", path);
	while ((file = g_dir_read_name(dir)) != NULL)
		if (g_str_has_suffix(file, ".eml"))
			g_ptr_array_add(names, g_strndup(file,
			    strlen(file) - strlen(".eml")));
	g_dir_close(dir);
	g_free(path);
	g_ptr_array_sort(names, name_cmp);

	g_test_add_func("/quote/fixtures-present", test_fixtures_present);
	for (i = 0; i < names->len; i++) {
		testpath = g_strconcat("/quote/fixture/",
		    (char *)g_ptr_array_index(names, i), NULL);
		g_test_add_data_func(testpath, g_ptr_array_index(names, i),
		    test_fixture);
		g_free(testpath);
	}
	g_test_add_func("/quote/attachment-kept", test_attachment_kept);
	g_test_add_func("/quote/unchanged", test_unchanged);
	g_test_add_func("/quote/signature", test_signature);
	g_test_add_func("/quote/marker", test_marker);
	g_test_add_func("/quote/quoted-only", test_quoted_only);
	g_test_add_func("/quote/gmail", test_gmail);
	g_test_add_func("/quote/outlook", test_outlook);
	g_test_add_func("/quote/attributions", test_attributions);
	g_test_add_func("/quote/inline", test_inline);
	g_test_add_func("/quote/html", test_html);
	g_test_add_func("/quote/hostile", test_hostile);
	i = g_test_run();
	g_ptr_array_unref(names);
	return i;
}
