/*
 * mail-fixture.h: a struct mail from inline text or from a file in
 * tests/corpus (or another tests/DIR), parsed as the daemon would
 * without a fallback charset. For the unit tests that start from a
 * parsed mail; each includes it once, so its functions are static (and
 * may go unused).
 */
#ifndef MAIL_FIXTURE_H
#define MAIL_FIXTURE_H

#include <string.h>

#include "mime.h"

G_GNUC_UNUSED static struct mail *
parse_len(const char *data, gsize len)
{
	GBytes		*raw = g_bytes_new(data, len);
	struct mail	*m = mime_parse(raw, NULL);

	g_bytes_unref(raw);
	return m;
}

G_GNUC_UNUSED static struct mail *
parse(const char *text)
{
	return parse_len(text, strlen(text));
}

/* A mail file in tests/DIR, found from the test binary in build/tests. */
G_GNUC_UNUSED static struct mail *
mail_file(const char *dir, const char *name)
{
	char		*path = g_test_build_filename(G_TEST_DIST, "..", "..",
			    "tests", dir, name, NULL);
	char		*data;
	gsize		 len;
	struct mail	*m;

	g_assert_true(g_file_get_contents(path, &data, &len, NULL));
	m = parse_len(data, len);
	g_free(data);
	g_free(path);
	return m;
}

/* A tests/corpus mail. */
G_GNUC_UNUSED static struct mail *
corpus(const char *name)
{
	return mail_file("corpus", name);
}

#endif
