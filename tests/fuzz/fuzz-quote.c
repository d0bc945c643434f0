/*
 * fuzz-quote: quote stripping (quote.c) on any body, with ticketd's
 * marker and without one. quote.h promises to cut only between lines:
 * each line that comes out is one of the body's, in the body's order,
 * so valid UTF-8 stays valid. mime.c hands over bodies without NUL; the
 * input ends at its first.
 */
#include <string.h>

#include <glib.h>

#include "fuzz.h"
#include "quote.h"

#define MARKER	"##- Please type your reply above this line -##"

/* Is every line of out a line of body, in the same order? */
static int
lines_kept(const char *body, const char *out)
{
	char	**in = g_strsplit(body, "\n", -1);
	char	**kept = g_strsplit(out, "\n", -1);
	gsize	 i = 0, k;
	int	 ok = 1;

	for (k = 0; *out != '\0' && kept[k] != NULL && ok; k++) {
		while (in[i] != NULL && strcmp(in[i], kept[k]) != 0)
			i++;
		if (in[i] == NULL)
			ok = 0;
		else
			i++;
	}
	g_strfreev(kept);
	g_strfreev(in);
	return ok;
}

static void
strip(const char *body, const char *marker)
{
	char	*out = quote_strip(body, marker);

	FUZZ_REQUIRE(lines_kept(body, out));
	FUZZ_REQUIRE(!g_utf8_validate(body, -1, NULL) ||
	    g_utf8_validate(out, -1, NULL));
	g_free(out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*body = g_strndup((const char *)data, size);
	char	*valid = g_utf8_make_valid(body, -1);

	strip(body, MARKER);
	strip(body, NULL);
	strip(valid, MARKER);
	g_free(valid);
	g_free(body);
	return 0;
}
