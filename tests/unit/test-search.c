/*
 * test-search: a query's terms (words, phrases, a lone double quote,
 * folding, each once), the FTS5 expression that no input can add an
 * operator to, the fold that makes both encodings of Thai SARA AM one,
 * and snippets cut from the raw text around the first term.
 */
#include <string.h>

#include "search.h"

#define AM	"\xe0\xb8\xb3"			/* U+0E33 */
#define AM2	"\xe0\xb9\x8d\xe0\xb8\xb2"	/* U+0E4D U+0E32 */

/* The terms of query joined by '|', or "ERROR: cause". */
static char *
terms_of(const char *query)
{
	char	**terms, *cause = NULL, *out;

	if ((terms = search_parse(query, &cause)) == NULL) {
		out = g_strconcat("ERROR: ", cause, NULL);
		g_free(cause);
		return out;
	}
	out = g_strjoinv("|", terms);
	g_strfreev(terms);
	return out;
}

static void
test_parse(void)
{
	static const char *const cases[][2] = {
		{ "printer", "printer" },
		{ "  Printer  BROKEN ", "printer|broken" },
		{ "\"printer is  broken\" now", "printer is broken|now" },
		{ "foo OR bar*", "foo|or|bar*" },
		{ "\"", "\"" },
		{ "say \"hi", "say|\"hi" },
		{ "a\"b c\"d", "a|b c|d" },
		{ "\"\" x", "x" },
		{ "dup Dup DUP", "dup" },
		{ "\xef\xbc\xa1\xef\xbc\xa2\xef\xbc\xa3", "abc" },	/* full width */
		{ "\xe6\x9d\xb1\xe4\xba\xac\xe3\x80\x80\xe4\xbc\x9a",	/* U+3000 */
		    "\xe6\x9d\xb1\xe4\xba\xac|\xe4\xbc\x9a" },
		{ "", "ERROR: nothing to search for" },
		{ " \t\n", "ERROR: nothing to search for" },
		{ "\"\"", "ERROR: nothing to search for" },
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		char	*got = terms_of(cases[i][0]);

		g_assert_cmpstr(got, ==, cases[i][1]);
		g_free(got);
	}
}

static void
test_fold(void)
{
	char	*a = search_fold("ก" AM "กับ"), *b = search_fold("ก" AM2 "กับ");
	char	*c = search_fold("Line one\r\n\r\n\tLine\xc2\xa0two");

	g_assert_cmpstr(a, ==, b);
	g_assert_cmpstr(c, ==, "line one line two");
	g_free(a);
	g_free(b);
	g_free(c);
}

static void
test_match(void)
{
	char	*terms[] = { "printer", "qa", "say \"hi\"", "\"", "東京",
		    "会議室", "a*b", NULL };
	char	*shorts[] = { "qa", "東京", NULL };
	char	*m = search_fts5_match(terms);

	g_assert_cmpstr(m, ==, "\"printer\" \"say \"\"hi\"\"\" \"会議室\" "
	    "\"a*b\"");
	g_free(m);
	g_assert_null(search_fts5_match(shorts));
	g_assert_true(search_indexed("会議室"));
	g_assert_false(search_indexed("東京"));
	g_assert_true(search_indexed("ก" AM2));	/* three code points */
}

static void
test_snippet(void)
{
	char	*thai[] = { "ส" AM "นัก", NULL }, *none[] = { "zzz", NULL };
	char	*word[] = { "broken", NULL };
	char	*s;
	char	 body[512];

	s = search_snippet("สวัสดีครับที่ส" AM2 "นักงานใหญ่", thai, 60);
	g_assert_cmpstr(s, ==, "สวัสดีครับที่ส" AM2 "นักงานใหญ่");
	g_free(s);
	s = search_snippet("  Hello\n\nthere  ", none, 60);
	g_assert_cmpstr(s, ==, "Hello there");
	g_free(s);
	memset(body, 'x', sizeof body);
	memcpy(body + 200, " The printer is BROKEN again. ", 30);
	body[sizeof body - 1] = '\0';
	s = search_snippet(body, word, 40);
	g_assert_true(g_str_has_prefix(s, "\xe2\x80\xa6"));
	g_assert_true(g_str_has_suffix(s, "\xe2\x80\xa6"));
	g_assert_nonnull(strstr(s, "BROKEN again."));
	g_free(s);
	s = search_snippet("", word, 40);
	g_assert_cmpstr(s, ==, "");
	g_free(s);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/search/parse", test_parse);
	g_test_add_func("/search/fold", test_fold);
	g_test_add_func("/search/match", test_match);
	g_test_add_func("/search/snippet", test_snippet);
	return g_test_run();
}
