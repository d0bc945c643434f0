/*
 * test-re: the pcre2 wrapper: flags, compile errors with their offset,
 * match offsets, Unicode classes, invalid UTF-8 in the text, the
 * limits that stop a catastrophic pattern, and the required literals
 * that rule texts out before a match.
 */
#include <string.h>

#include "re.h"
#include "textidx.h"

static struct re *
compile_ok(const char *pattern, const char *flags)
{
	char		*cause = NULL;
	struct re	*re = re_compile(pattern, flags, &cause);

	if (re == NULL)
		g_error("/%s/%s: %s", pattern, flags, cause);
	return re;
}

static int
match(const char *pattern, const char *flags, const char *text)
{
	struct re	*re = compile_ok(pattern, flags);
	char		*cause = NULL;
	int		 rc;

	rc = re_match(re, text, strlen(text), NULL, NULL, &cause);
	g_assert_cmpint(rc, !=, -1);
	re_free(re);
	return rc;
}

static void
test_flags(void)
{
	g_assert_cmpint(match("urgent", "", "URGENT now"), ==, 0);
	g_assert_cmpint(match("urgent", "i", "URGENT now"), ==, 1);
	g_assert_cmpint(match("^now", "", "x\nnow"), ==, 0);
	g_assert_cmpint(match("^now", "m", "x\nnow"), ==, 1);
	g_assert_cmpint(match("x.now", "", "x\nnow"), ==, 0);
	g_assert_cmpint(match("x.now", "s", "x\nnow"), ==, 1);
	g_assert_cmpint(match("x now", "x", "xnow"), ==, 1);
	g_assert_cmpint(match("a", "imsx", "A"), ==, 1);
}

static void
test_errors(void)
{
	char		*cause = NULL;

	g_assert_null(re_compile("abc", "g", &cause));
	g_assert_cmpstr(cause, ==, "unknown regex flag \"g\" (i, m, s and x "
	    "are known)");
	g_free(cause);
	cause = NULL;
	g_assert_null(re_compile("ab(c", "", &cause));
	g_assert_cmpstr(cause, ==, "invalid regex /ab(c/: missing closing "
	    "parenthesis at offset 4");
	g_free(cause);
	cause = NULL;
	g_assert_null(re_compile("a{2,1}", "", &cause));
	g_assert_true(g_str_has_suffix(cause, "at offset 5"));
	g_free(cause);
}

static void
test_offsets(void)
{
	struct re	*re = compile_ok("ด่วน|urgent", "i");
	const char	*text = "เรื่อง ด่วน please";
	gsize		 s = 0, e = 0;
	char		*cause = NULL;

	g_assert_cmpstr(re_pattern(re), ==, "ด่วน|urgent");
	g_assert_cmpstr(re_flags(re), ==, "i");
	g_assert_cmpint(re_match(re, text, strlen(text), &s, &e, &cause), ==, 1);
	g_assert_cmpmem(text + s, e - s, "ด่วน", strlen("ด่วน"));
	/* Only len octets count, with no NUL needed. */
	g_assert_cmpint(re_match(re, "urgentXX", 5, &s, &e, &cause), ==, 0);
	g_assert_cmpint(re_match(re, NULL, 0, &s, &e, &cause), ==, 0);
	re_free(re);
}

static void
test_unicode(void)
{
	g_assert_cmpint(match("^\\w+$", "", "café"), ==, 1);
	g_assert_cmpint(match("^\\w+$", "", "ระบบ"), ==, 1);
	/* pcre2 10.42: \w is letters, digits and _; Thai tone marks are \p{M}. */
	g_assert_cmpint(match("^[\\w\\p{M}]+$", "", "ระบบล่ม"), ==, 1);
	g_assert_cmpint(match("straße", "i", "STRASSE"), ==, 0);
	g_assert_cmpint(match("ÉTÉ", "i", "été"), ==, 1);
}

static void
test_invalid_utf8(void)
{
	struct re	*re = compile_ok("down", "i");
	const char	 text[] = "system \xff\xfe\xc3 is DOWN \xe0\xb8";
	char		*cause = NULL;
	gsize		 s, e;

	g_assert_cmpint(re_match(re, text, sizeof(text) - 1, &s, &e, &cause),
	    ==, 1);
	g_assert_null(cause);
	g_assert_cmpmem(text + s, e - s, "DOWN", 4);
	re_free(re);
	re = compile_ok("^.*$", "");
	g_assert_cmpint(re_match(re, "\xff", 1, &s, &e, &cause), ==, 0);
	g_assert_null(cause);
	re_free(re);
}

static void
test_limit(void)
{
	struct re	*re = compile_ok("(a+)+$", "");
	gsize		 len = 100 * 1024;
	char		*text = g_malloc(len + 1);
	char		*cause = NULL;
	gint64		 t0, t;
	int		 rc;

	memset(text, 'a', len);
	text[len] = '!';
	t0 = g_get_monotonic_time();
	rc = re_match(re, text, len + 1, NULL, NULL, &cause);
	t = g_get_monotonic_time() - t0;
	g_test_message("(a+)+$ on 100 KB of a and !: %" G_GINT64_FORMAT
	    " us: %s", t, cause);
	g_assert_cmpint(rc, ==, -1);
	g_assert_true(strstr(cause, "limit") != NULL);
	/* Loose: well under the 0.15 s of the default limit, on a busy box. */
	g_assert_cmpint(t, <, 100 * 1000);
	g_free(cause);
	g_free(text);
	re_free(re);
}

/* The literals of pattern under flags, joined by commas. */
static char *
literals(const char *pattern, const char *flags)
{
	struct re	*re = compile_ok(pattern, flags);
	GString		*s = g_string_new(NULL);
	int		 caseless;

	for (const char *l = re_literals(re, &caseless); *l != '\0';
	    l += strlen(l) + 1)
		g_string_append_printf(s, "%s%s", s->len ? "," : "", l);
	g_assert_cmpint(caseless, ==, strchr(flags, 'i') != NULL);
	re_free(re);
	return g_string_free(s, FALSE);
}

static void
test_literals(void)
{
	static const char *const cases[][3] = {
		{ "order\\s*#?4711[0-9]{2}\\b", "i", "order,4711" },
		{ "Order 4711", "", "Order 4711" },
		{ "Order 4711", "i", "order 4711" },
		{ "\\b(outage|ticket)-13\\b", "i", "-13" },
		{ "foo\\.bar$", "", "foo.bar" },
		{ "abcd?ef", "", "abc" },
		{ "abcd*efg", "", "abc,efg" },
		{ "abcd+efg", "", "abc,efg" },
		{ "x{2}yyy", "", "yyy" },
		{ "abc{2,}def", "", "def" },
		{ "[abc]xyz", "", "xyz" },
		{ "[]a)]xyz", "", "xyz" },
		{ "[^]]xyz", "", "xyz" },
		{ "xyz[(]", "", "xyz" },
		{ "[[:alpha:]]xyz", "", "" },
		{ "a(b|c)def", "", "def" },
		{ "(a[)]b)cde", "", "cde" },
		{ "(?:ab|cd)+efg", "", "efg" },
		{ "KELVINs", "i", "elvin" },
		{ "address@shop12\\.example$", "i", "addre,hop12.example" },
		{ "ระบบล่ม", "", "" },
		{ "abc\\x41def", "", "" },
		{ "abc|def", "", "" },
		{ "abc(?i)def", "", "" },
		{ "(?=abc)abc", "", "" },
		{ "(a(*ACCEPT))bcd", "", "" },
		{ "(x(?#()|y)abc", "", "" },
		{ "[\\c]]abc", "", "" },
		{ "(?:\\c)abc[\\c\\])?]", "", "" },
		{ "(?:(?x)#)\nabc#[\n)?]", "", "" },
		{ "(?:(?C\"))abc((\"))", "", "" },
		{ "(?:(?=a)b)cde", "", "" },
		{ "(?:a(?:b))cde", "", "cde" },
		{ "\\Qa|b\\Eabc", "", "" },
		{ "abc def", "x", "" },
		{ "abc{,", "", "" },
		{ "ab", "", "" },
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		char *got = literals(cases[i][0], cases[i][1]);

		g_test_message("/%s/%s", cases[i][0], cases[i][1]);
		g_assert_cmpstr(got, ==, cases[i][2]);
		g_free(got);
	}
}

static int
may_match(const char *pattern, const char *flags, const char *text)
{
	struct re	*re = compile_ok(pattern, flags);
	char		*lower = g_ascii_strdown(text, -1);
	struct textidx	*itext = textidx_new(text), *ilower = textidx_new(lower);
	int		 rc = re_may_match(re, itext, ilower);

	textidx_free(itext);
	textidx_free(ilower);
	g_free(lower);
	re_free(re);
	return rc;
}

/* Never rules out a text the pattern matches. */
static void
test_may_match(void)
{
	static const char *const patterns[][2] = {
		{ "order\\s*#?4711[0-9]{2}\\b", "i" }, { "Order 4711", "" },
		{ "kelvin", "i" }, { "ABC", "i" }, { "street", "i" },
		{ "foo\\.bar", "" }, { "caf\xc3\xa9s", "i" },
		{ "(a|b)cdef", "" }, { "cdef", "" },
	};
	static const char *const texts[] = {
		"", "ORDER #471199", "order 4711", "Order 4711",
		"\xe2\x84\xaa" "elvin",		/* the Kelvin sign */
		"STRE\xc5\xbf" "T",		/* a long s */
		"abc", "foo.bar", "fooxbar", "CAF\xc3\x89S", "bcdef", "xcdef",
		"\xff" "order 4711\xfe" "23",
	};

	for (gsize i = 0; i < G_N_ELEMENTS(patterns); i++)
		for (gsize j = 0; j < G_N_ELEMENTS(texts); j++)
			if (match(patterns[i][0], patterns[i][1], texts[j]))
				g_assert_true(may_match(patterns[i][0],
				    patterns[i][1], texts[j]));
	g_assert_true(match("kelvin", "i", "\xe2\x84\xaa" "elvin"));
	g_assert_false(may_match("order\\s*4711", "i", "order 4712"));
	g_assert_false(may_match("Order", "", "order"));
	g_assert_true(may_match("Order", "", "Order"));
}

/*
 * The reason K and S end a run under /i: they, and no other ASCII
 * letter, match a character outside ASCII.
 */
static void
test_caseless_ascii(void)
{
	GString		*all = g_string_new(NULL);

	for (gunichar c = 0x80; c <= 0x10ffff; c++)
		if (g_unichar_validate(c))
			g_string_append_unichar(all, c);
	for (char c = 'a'; c <= 'z'; c++) {
		char	 pattern[2] = { c, '\0' };

		g_test_message("/%s/i", pattern);
		g_assert_cmpint(match(pattern, "i", all->str), ==,
		    c == 'k' || c == 's');
	}
	g_string_free(all, TRUE);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/re/flags", test_flags);
	g_test_add_func("/re/errors", test_errors);
	g_test_add_func("/re/offsets", test_offsets);
	g_test_add_func("/re/unicode", test_unicode);
	g_test_add_func("/re/invalid-utf8", test_invalid_utf8);
	g_test_add_func("/re/limit", test_limit);
	g_test_add_func("/re/literals", test_literals);
	g_test_add_func("/re/may-match", test_may_match);
	g_test_add_func("/re/caseless-ascii", test_caseless_ascii);
	return g_test_run();
}
