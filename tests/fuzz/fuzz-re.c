/*
 * fuzz-re: the pcre2 wrapper on any pattern and text. The input is
 * "PATTERN\nFLAGS\nTEXT": a pattern that compiles is matched against the
 * text under the limits, and the required literals must never rule out
 * a text the pattern matches (re_may_match() is only a shortcut).
 */
#include <string.h>

#include <glib.h>

#include "fuzz.h"
#include "re.h"
#include "textidx.h"

/* The next line of *data, as a string; NULL if there is none. */
static char *
next_line(const uint8_t **data, size_t *size)
{
	const uint8_t	*nl = memchr(*data, '\n', *size);
	char		*line;

	if (nl == NULL)
		return NULL;
	line = g_strndup((const char *)*data, nl - *data);
	*size -= nl + 1 - *data;
	*data = nl + 1;
	return line;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char		*pattern, *flags, *text, *lower, *cause = NULL;
	struct textidx	*itext, *ilower;
	struct re	*re;
	gsize		 start, end;
	int		 rc;

	if ((pattern = next_line(&data, &size)) == NULL)
		return 0;
	if ((flags = next_line(&data, &size)) == NULL) {
		g_free(pattern);
		return 0;
	}
	/* Rule values are C strings: the text ends at a NUL. */
	text = g_strndup((const char *)data, size);
	lower = g_ascii_strdown(text, -1);
	itext = textidx_new(text);
	ilower = textidx_new(lower);
	if ((re = re_compile(pattern, flags, &cause)) == NULL)
		FUZZ_REQUIRE(cause != NULL && *cause != '\0');
	else {
		rc = re_match(re, text, strlen(text), &start, &end, &cause);
		FUZZ_REQUIRE(rc != -1 || cause != NULL);
		FUZZ_REQUIRE(rc != 1 || (start <= end && end <= strlen(text)));
		FUZZ_REQUIRE(rc != 1 || re_may_match(re, itext, ilower));
		re_free(re);
	}
	g_free(cause);
	textidx_free(itext);
	textidx_free(ilower);
	g_free(lower);
	g_free(text);
	g_free(flags);
	g_free(pattern);
	return 0;
}
