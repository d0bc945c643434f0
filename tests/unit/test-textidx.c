/*
 * test-textidx: the trigram index answers exactly as strstr() does, for
 * short texts and long ones, needles of every length, found and not,
 * octets of any value; and it is a bitmap of the text, built once.
 */
#include <string.h>

#include "textidx.h"

static void
agree(struct textidx *ix, const char *text, const char *needle)
{
	g_assert_cmpint(textidx_has(ix, needle), ==,
	    strstr(text, needle) != NULL);
}

static void
test_short(void)
{
	const char	*text = "order 4711 is late";
	struct textidx	*ix = textidx_new(text);
	const char	*needles[] = { "", "o", "or", "ord", "4711", "late",
			    "order 4711 is late", "order 4711 is late!", "x",
			    "47 ", "lat e" };

	g_assert_true(textidx_text(ix) == text);
	for (gsize i = 0; i < G_N_ELEMENTS(needles); i++)
		agree(ix, text, needles[i]);
	textidx_free(ix);
}

/* A long text of random words; needles cut from it and made up. */
static void
test_long(void)
{
	GRand		*r = g_rand_new_with_seed(42);
	GString		*text = g_string_new(NULL);
	struct textidx	*ix;

	while (text->len < 20000) {
		/* Octets 1..255: NUL ends a C string, everything else goes. */
		for (int n = g_rand_int_range(r, 1, 9); n > 0; n--)
			g_string_append_c(text, g_rand_boolean(r) ?
			    (char)g_rand_int_range(r, 'a', 'h') :
			    (char)g_rand_int_range(r, 1, 256));
		g_string_append_c(text, ' ');
	}
	ix = textidx_new(text->str);
	for (int i = 0; i < 20000; i++) {
		char	 needle[16];
		int	 n = g_rand_int_range(r, 0, sizeof(needle));

		if (g_rand_boolean(r)) {
			gsize at = g_rand_int_range(r, 0, text->len - n);

			memcpy(needle, text->str + at, n);
		} else
			for (int j = 0; j < n; j++)
				needle[j] = (char)g_rand_int_range(r, 'a', 'h');
		needle[n] = '\0';
		agree(ix, text->str, needle);
	}
	agree(ix, text->str, text->str);
	textidx_free(ix);
	g_string_free(text, TRUE);
	g_rand_free(r);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/textidx/short", test_short);
	g_test_add_func("/textidx/long", test_long);
	return g_test_run();
}
