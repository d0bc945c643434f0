/*
 * test-csat: which first lines of a reply to a survey are a rating, and
 * what the comment is then. A customer who writes on ("4 days later it
 * broke again") is a customer, not a rating.
 */
#include <glib.h>

#include "csat.h"

static void
test_reply_rating(void)
{
	static const struct {
		const char	*text;
		int		 rating;	/* 0: not a rating */
		const char	*comment;
	} cases[] = {
		{ "4", 4, "" },
		{ "  5!  \n", 5, "" },
		{ "2 - it jams again\nThe fix did not last.", 2,
		    "it jams again\nThe fix did not last." },
		{ "3: slow\n", 3, "slow" },
		{ "1 \xe2\x80\x93 rude", 1, "rude" },
		{ "4/5", 4, "" },
		{ "4 / 5.", 4, "" },
		{ "3 out of 5\nOK I guess", 3, "OK I guess" },
		{ "5 of 5", 5, "" },
		{ "3 - 50 minutes wait", 3, "50 minutes wait" },
		{ "4 days later it broke again", 0, NULL },
		{ "2 more problems since you closed this", 0, NULL },
		{ "3rd time I write", 0, NULL },
		{ "45", 0, NULL },
		{ "6", 0, NULL },
		{ "0", 0, NULL },
		{ "4/10", 0, NULL },
		{ "", 0, NULL },
		{ "Thanks!\n5", 0, NULL },
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		char	*comment = NULL;
		int	 rating = 0;
		int	 is = csat_reply_rating(cases[i].text, &rating, &comment);

		if (cases[i].rating == 0) {
			g_assert_cmpint(is, ==, 0);
			continue;
		}
		g_assert_cmpint(is, ==, 1);
		g_assert_cmpint(rating, ==, cases[i].rating);
		g_assert_cmpstr(comment, ==, cases[i].comment);
		g_free(comment);
	}
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/csat/reply-rating", test_reply_rating);
	return g_test_run();
}
