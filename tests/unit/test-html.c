/*
 * test-html: html_to_text() on the constructs HTML mail is made of.
 * Each case is one input and the exact text an agent should see.
 */
#include <string.h>

#include "html.h"

static void
assert_text(const char *html, const char *expect)
{
	char	*text = html_to_text(html, strlen(html));

	g_assert_cmpstr(text, ==, expect);
	g_free(text);
}

static void
test_dropped(void)
{
	assert_text("<html><head><title>T</title><style>p{}</style></head>"
	    "<body><script>var x = 1;</script>text<template>t</template>"
	    "<!-- comment --></body></html>", "text");
	assert_text("", "");
	assert_text("   \n\t ", "");
}

static void
test_whitespace(void)
{
	assert_text("<p>  a \n\t b  </p>", "a b");
	assert_text("<b>Hello</b><i>world</i> <u>x</u>", "Helloworld x");
	assert_text("a&nbsp;&nbsp;b &amp; &lt;c&gt; &eacute;", "a b & <c> é");
	assert_text("<pre>  a   b\n\n\n\n  c</pre>", "a   b\n\n  c");
}

static void
test_blocks(void)
{
	assert_text("<p>one</p><p>two</p>", "one\n\ntwo");
	assert_text("<div>one</div><div>two</div>", "one\ntwo");
	assert_text("a<br>b<br><br><br><br>c", "a\nb\n\nc");
	assert_text("<h1>Title</h1>text<hr>end", "Title\n\ntext\n\nend");
	assert_text("<blockquote>quoted</blockquote>after",
	    "> quoted\n\nafter");
}

/* Quoted text as a plain-text client writes it, for quote.c to cut. */
static void
test_quotes(void)
{
	assert_text("<p>answer</p><blockquote><p>one</p><p>two<br>three</p>"
	    "</blockquote>", "answer\n\n> one\n>\n> two\n> three");
	assert_text("<blockquote>outer<blockquote>inner<br><br>deep"
	    "</blockquote>back</blockquote>after",
	    "> outer\n>\n> > inner\n> >\n> > deep\n>\n> back\n\nafter");
	assert_text("<blockquote></blockquote>after", "after");
	assert_text("<ul><li><blockquote>q</blockquote></li></ul>", "- > q");
	/* Gmail's reply: the attribution stands above the blockquote. */
	assert_text("<div dir=\"ltr\">Thanks</div><br><div class=\"gmail_quote"
	    "\"><div dir=\"ltr\" class=\"gmail_attr\">On Fri, Nov 27, 2026 at "
	    "9:15 AM A &lt;a@x.example&gt; wrote:<br></div><blockquote "
	    "class=\"gmail_quote\"><div>Help</div></blockquote></div>",
	    "Thanks\n\nOn Fri, Nov 27, 2026 at 9:15 AM A <a@x.example> wrote:"
	    "\n\n> Help");
}

/* "-- " keeps its blank, the signature separator; "--" stays as it is. */
static void
test_signature(void)
{
	assert_text("<div dir=\"ltr\"><div>text</div><br><span class=\""
	    "gmail_signature_prefix\">-- </span><br><div dir=\"ltr\" class=\""
	    "gmail_signature\">Somchai</div></div>", "text\n\n-- \nSomchai");
	assert_text("<div>-- </div><div>sig</div>", "-- \nsig");
	assert_text("<pre>a\n-- \nsig</pre>", "a\n-- \nsig");
	assert_text("<div>--</div><div>x -- </div><div>---  </div>",
	    "--\nx --\n---");
	assert_text("<blockquote>q<br>-- <br>s</blockquote>",
	    "> q\n> -- \n> s");
}

static void
test_lists_tables(void)
{
	assert_text("<ul><li>one</li><li><p>two</p><ul><li>deep</li></ul>"
	    "</li></ul>after", "- one\n- two\n  - deep\n\nafter");
	assert_text("<ol><li>first<li>second</ol>", "- first\n- second");
	assert_text("<table><tr><th>A</th><th>B</th></tr>"
	    "<tr><td>1</td><td> 2 </td></tr></table>", "A\tB\n1\t2");
}

static void
test_links(void)
{
	assert_text("<a href=\"https://x.example/a\">here</a>",
	    "here <https://x.example/a>");
	assert_text("<a href=\"https://x.example/\">https://x.example/</a>",
	    "https://x.example/");
	assert_text("<a href=\"http://x.example\">x.example</a>", "x.example");
	assert_text("<a href=\"mailto:a@x.example\">write</a>", "write");
	assert_text("<a href=\"#top\">top</a>", "top");
	assert_text("<a name=\"anchor\">plain</a>", "plain");
	assert_text("<a href=\" https://x.example/i \"><img src=i.png></a>",
	    "<https://x.example/i>");
	/* The line break ends the line, dropping blanks from before the link. */
	assert_text("<pre>x   <a href=\"https://x.example/\">\n</a></pre>",
	    "x\n <https://x.example/>");
}

static void
test_scripts(void)
{
	assert_text("<p>สวัสดีครับ&nbsp;<b>ทีมงาน</b></p><p>ขอบคุณ</p>",
	    "สวัสดีครับ ทีมงาน\n\nขอบคุณ");
	assert_text("<div>ログインできません。</div><div>山田</div>",
	    "ログインできません。\n山田");
	/* The meta charset must not make libxml2 re-read our UTF-8. */
	assert_text("<meta charset=\"tis-620\"><p>ไทย</p>", "ไทย");
	assert_text("<meta http-equiv=\"Content-Type\" content=\"text/html; "
	    "charset=iso-8859-1\"><p>Grüße</p>", "Grüße");
}

static void
test_broken(void)
{
	char	*text;

	assert_text("<p>unclosed <b>bold <i>both", "unclosed bold both");
	assert_text("a < b > c && d", "a < b > c && d");
	text = html_to_text("<p>bad \xff byte</p>", 17);
	g_assert_true(g_utf8_validate(text, -1, NULL));
	g_assert_cmpstr(text, ==, "bad \xef\xbf\xbd byte");
	g_free(text);
	/* len is honoured: no NUL needed, nothing read past it. */
	text = html_to_text("<p>cut</p>NOT THIS", 10);
	g_assert_cmpstr(text, ==, "cut");
	g_free(text);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/html/dropped", test_dropped);
	g_test_add_func("/html/whitespace", test_whitespace);
	g_test_add_func("/html/blocks", test_blocks);
	g_test_add_func("/html/quotes", test_quotes);
	g_test_add_func("/html/signature", test_signature);
	g_test_add_func("/html/lists-tables", test_lists_tables);
	g_test_add_func("/html/links", test_links);
	g_test_add_func("/html/scripts", test_scripts);
	g_test_add_func("/html/broken", test_broken);
	return g_test_run();
}
