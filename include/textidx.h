/*
 * textidx: a text and the trigrams in it, to rule substrings out without
 * reading the text. Rules look for hundreds of needles (contains texts,
 * the literals of regular expressions) in the same body; a scan of a
 * 10 KB body for each is most of their cost, and most needles are not
 * there. A bitmap of the text's trigrams, made in one pass, says for
 * nearly all of them that they cannot be, at the cost of a few bit
 * tests; strstr() confirms the rest.
 */
#ifndef TEXTIDX_H
#define TEXTIDX_H

#include <glib.h>

struct textidx;

/* An index of the C string text, which must outlive it. */
struct textidx	*textidx_new(const char *text);
void		 textidx_free(struct textidx *);

/* The text. */
const char	*textidx_text(const struct textidx *);

/*
 * Does the text contain needle? Exactly strstr(text, needle) != NULL,
 * only faster. The bitmap is made on the first call, and only for a
 * long text; so one index must not be used by two threads at once.
 */
int		 textidx_has(struct textidx *, const char *needle);

#endif
