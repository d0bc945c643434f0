/*
 * fuzz-html: the HTML renderer (html.c) on any text. mime.c hands it
 * UTF-8 without NUL, so the harness makes the input so first; the text
 * that comes out must be valid UTF-8 as html.h promises.
 */
#include <string.h>

#include "fuzz.h"
#include "html.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*html = g_utf8_make_valid((const char *)data, size);
	char	*text = html_to_text(html, strlen(html));

	FUZZ_REQUIRE(g_utf8_validate(text, -1, NULL));
	g_free(text);
	g_free(html);
	return 0;
}
