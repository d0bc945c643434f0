/*
 * fold: NFKC, then case folding (see fold.h). GLib's normalisation
 * costs about 25 ns a character, a quarter of a millisecond for a 10 KB
 * body, so only the stretches of non-ASCII text go through it. ASCII is
 * its own NFKC form and folds to lower case, and no character composes
 * with an ASCII one that follows it; but a combining mark composes with
 * the character before it, so the ASCII character before a stretch goes
 * with the stretch. The result is the one folding the whole text would
 * give, and an invalid byte spoils only its own stretch.
 */
#include <string.h>

#include "fold.h"

/* NFKC, then case folding, of len bytes of any text, onto out. */
static void
fold_unicode(GString *out, const char *text, gssize len)
{
	char	*nfkc, *folded;

	if ((nfkc = g_utf8_normalize(text, len, G_NORMALIZE_NFKC)) == NULL)
		nfkc = g_utf8_make_valid(text, len);
	folded = g_utf8_casefold(nfkc, -1);
	g_string_append(out, folded);
	g_free(folded);
	g_free(nfkc);
}

/* In place; g_ascii_strdown() costs a call a character. */
void
fold_ascii_lower(char *s)
{
	for (; *s != '\0'; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s += 'a' - 'A';
}

static void
fold_ascii(GString *out, const char *text, gsize len)
{
	gsize	 at = out->len;

	g_string_append_len(out, text, len);
	fold_ascii_lower(out->str + at);
}

char *
fold_text(const char *text)
{
	GString		*out = g_string_sized_new(strlen(text));
	const char	*p = text, *q, *from;

	while (*p != '\0') {
		for (q = p; *q != '\0' && (guchar)*q < 0x80; q++)
			;
		from = q > p && *q != '\0' ? q - 1 : q;
		fold_ascii(out, p, from - p);
		for (p = q; (guchar)*p >= 0x80; p++)
			;
		if (p > from)
			fold_unicode(out, from, p - from);
	}
	return g_string_free(out, FALSE);
}
