/*
 * textidx: a trigram bitmap over a text (see textidx.h).
 *
 * Each trigram of the text sets one bit of a bitmap of about eight bits
 * per octet of text (64 Kbit at most); a needle whose trigrams are not
 * all set is not in the text. Some eight to fifteen per cent of the bits
 * end up set, so a five-octet needle that is not there gets past the
 * bitmap about once in three hundred times.
 */
#include <string.h>

#include "textidx.h"

#define TEXTIDX_ORDER_MIN 12
#define TEXTIDX_ORDER_MAX 16
#define TEXTIDX_MIN	512	/* octets; shorter texts are simply read */

struct textidx {
	const char	*text;
	gsize		 len;
	guint		 order;		/* the bitmap has 1 << order bits */
	guint64		*bits;		/* NULL until needed, or short */
};

static guint
textidx_hash(const struct textidx *ix, const char *p)
{
	guint	 h = ((guchar)p[0] << 16) | ((guchar)p[1] << 8) | (guchar)p[2];

	/* Fibonacci hashing: the top bits mix all three octets. */
	return (h * 2654435761u) >> (32 - ix->order);
}

struct textidx *
textidx_new(const char *text)
{
	struct textidx	*ix = g_new0(struct textidx, 1);

	ix->text = text;
	ix->len = strlen(text);
	return ix;
}

void
textidx_free(struct textidx *ix)
{
	if (ix == NULL)
		return;
	g_free(ix->bits);
	g_free(ix);
}

const char *
textidx_text(const struct textidx *ix)
{
	return ix->text;
}

static void
textidx_build(struct textidx *ix)
{
	for (ix->order = TEXTIDX_ORDER_MIN; ix->order < TEXTIDX_ORDER_MAX &&
	    ((gsize)1 << ix->order) < ix->len * 8; ix->order++)
		;
	ix->bits = g_new0(guint64, ((gsize)1 << ix->order) / 64);
	for (gsize i = 0; i + 3 <= ix->len; i++) {
		guint h = textidx_hash(ix, ix->text + i);

		ix->bits[h / 64] |= G_GUINT64_CONSTANT(1) << (h % 64);
	}
}

int
textidx_has(struct textidx *ix, const char *needle)
{
	gsize	 n = strlen(needle);

	if (n > ix->len)
		return 0;
	if (ix->len >= TEXTIDX_MIN && n >= 3) {
		if (ix->bits == NULL)
			textidx_build(ix);
		for (gsize i = 0; i + 3 <= n; i++) {
			guint h = textidx_hash(ix, needle + i);

			if ((ix->bits[h / 64] & (G_GUINT64_CONSTANT(1) <<
			    (h % 64))) == 0)
				return 0;
		}
	}
	return strstr(ix->text, needle) != NULL;
}
