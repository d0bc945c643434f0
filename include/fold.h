/*
 * fold: the one normalisation under which ticketd compares text that
 * people typed with text that mail brought: NFKC, then Unicode case
 * folding. NFKC makes the two encodings of Thai SARA AM (U+0E33, and
 * NIKHAHIT U+0E4D with SARA AA U+0E32) one, and full-width Latin and
 * half-width kana the ordinary ones. Rules' "contains" and "is" and the
 * full-text search both go through it, so a word matches in both or in
 * neither.
 */
#ifndef FOLD_H
#define FOLD_H

#include <glib.h>

/*
 * The folded form of text (any bytes: invalid UTF-8 is repaired). A new
 * string, freed with g_free.
 */
char	*fold_text(const char *text);

/* ASCII letters to lower case, in place; other octets stay. */
void	 fold_ascii_lower(char *s);

#endif
