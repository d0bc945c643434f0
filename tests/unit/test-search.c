/*
 * test-search: a query's terms (words, phrases, a lone double quote,
 * folding, each once), the FTS5 expression that no input can add an
 * operator to (two-character terms as the trigrams they start), the
 * rank and the scan that ranks as the index does, the fold that makes both encodings of Thai SARA AM one,
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
	char	*m = search_fts5_match(terms, NULL, NULL);

	g_assert_cmpstr(m, ==, "\"printer\" AND \"say \"\"hi\"\"\" AND "
	    "\"会議室\" AND \"a*b\"");
	g_free(m);
	g_assert_null(search_fts5_match(shorts, NULL, NULL));
	g_assert_true(search_indexed("会議室"));
	g_assert_false(search_indexed("東京"));
	g_assert_true(search_indexed("ก" AM2));	/* three code points */
	g_assert_true(search_expandable("東京"));
	g_assert_false(search_expandable("\""));
	g_assert_false(search_expandable("会議室"));
}

/* A two-character term is the trigrams it starts; phrases map to terms. */
static void
test_expand(void)
{
	char	*terms[] = { "qa", "printer", "東京", "x", NULL };
	char	*qa[] = { "qa ", "qa\"", NULL }, *tokyo[] = { "東京本", NULL };
	char	**expand[] = { qa, NULL, tokyo, NULL };
	GString	*phrases = g_string_new(NULL);
	char	*m = search_fts5_match(terms, expand, phrases);
	guint	 term[8], nterms, n;

	g_assert_cmpstr(m, ==, "(\"qa \" OR \"qa\"\"\") AND \"printer\" AND "
	    "(\"東京本\")");
	g_assert_cmpstr(phrases->str, ==, "0 0 1 2");
	n = search_phrase_terms(phrases->str, term, G_N_ELEMENTS(term), &nterms);
	g_assert_cmpuint(n, ==, 4);
	g_assert_cmpuint(nterms, ==, 3);
	g_assert_cmpuint(term[1], ==, 0);
	g_assert_cmpuint(term[3], ==, 2);
	/* Never more than the phrases FTS5 counted. */
	g_assert_cmpuint(search_phrase_terms("0 1 2", term, 2, &nterms), ==, 2);
	g_assert_cmpuint(nterms, ==, 2);
	g_free(m);
	g_string_free(phrases, TRUE);
}

/*
 * The rank: a term in the subject beats it in the body; more of it
 * counts, less and less; a scan counts as the index does, overlapping.
 */
static void
test_rank(void)
{
	guint		 subject[] = { 1, 0, 0 }, body[] = { 0, 1, 0 },
			 body3[] = { 0, 3, 0 }, two[] = { 0, 1, 0, 0, 0, 1 };
	char		*terms[] = { "aa", "printer", NULL };
	const char	*col[] = { "printer", "aaa aa", NULL };
	const char	*miss[] = { "printer", "a", "aa@x" };
	double		 r;

	g_assert_cmpfloat(search_rank(subject, 1), <, search_rank(body, 1));
	g_assert_cmpfloat(search_rank(body3, 1), <, search_rank(body, 1));
	g_assert_cmpfloat(search_rank(body3, 1), >, 3 * search_rank(body, 1));
	g_assert_cmpfloat(search_rank(two, 2), ==, -1 / 2.2 - 2 / 2.2);
	g_assert_true(search_scan(terms, col, &r));
	/* "aa" three times in the body (twice in "aaa"), printer once. */
	g_assert_cmpfloat(r, ==, -3 / 4.2 - 3 / 2.2);
	g_assert_true(search_scan(terms, miss, &r));
	g_assert_cmpfloat(r, ==, -2 / 2.2 - 3 / 2.2);
	miss[2] = "a@x";
	g_assert_false(search_scan(terms, miss, &r));
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
	g_test_add_func("/search/expand", test_expand);
	g_test_add_func("/search/rank", test_rank);
	g_test_add_func("/search/snippet", test_snippet);
	return g_test_run();
}
