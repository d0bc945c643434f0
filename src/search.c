/*
 * search: parsing a query into folded terms, the FTS5 expression of
 * them, and the snippet shown beside a hit (see search.h). Pure
 * functions: the stores run the query, and ticketctl prints it.
 */
#include <stdlib.h>
#include <string.h>

#include "fold.h"
#include "search.h"

#define SEARCH_ELLIPSIS	"\xe2\x80\xa6"	/* U+2026 */

static gboolean
search_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
	    c == '\v';
}

/* Each run of white space in s as one space, in place. */
static void
search_squeeze(char *s)
{
	char	*out = s, *start = s;

	for (; *s != '\0'; s++) {
		if (!search_space(*s))
			*out++ = *s;
		else if (out == start || out[-1] != ' ')
			*out++ = ' ';
	}
	*out = '\0';
}

char *
search_fold(const char *text)
{
	char	*folded = fold_text(text);

	/* NFKC has made U+00A0 and U+3000 plain spaces already. */
	search_squeeze(folded);
	return folded;
}

static void
search_term_add(GPtrArray *terms, const char *from, gsize len)
{
	char	*term = g_strstrip(g_strndup(from, len));

	for (guint i = 0; *term != '\0' && i < terms->len; i++)
		if (strcmp(terms->pdata[i], term) == 0)
			*term = '\0';
	if (*term == '\0')
		g_free(term);
	else
		g_ptr_array_add(terms, term);
}

/* Does the double quote at p open a phrase, one that another closes? */
static gboolean
search_opens(const char *p)
{
	return *p == '"' && strchr(p + 1, '"') != NULL;
}

char **
search_parse(const char *query, char **cause)
{
	GPtrArray	*terms = g_ptr_array_new();
	char		*folded = search_fold(query);
	const char	*p = folded, *start, *close;

	while (*p != '\0') {
		if (*p == ' ') {
			p++;
		} else if (search_opens(p)) {
			close = strchr(p + 1, '"');
			search_term_add(terms, p + 1, close - p - 1);
			p = close + 1;
		} else {
			for (start = p; *p != '\0' && *p != ' ' &&
			    !search_opens(p); p++)
				;
			search_term_add(terms, start, p - start);
		}
	}
	g_free(folded);
	if (terms->len == 0) {
		g_ptr_array_free(terms, TRUE);
		*cause = g_strdup("nothing to search for");
		return NULL;
	}
	g_ptr_array_add(terms, NULL);
	return (char **)g_ptr_array_free(terms, FALSE);
}

gboolean
search_indexed(const char *term)
{
	return g_utf8_strlen(term, -1) >= SEARCH_TRIGRAM;
}

gboolean
search_expandable(const char *term)
{
	return g_utf8_strlen(term, -1) == SEARCH_TRIGRAM - 1;
}

/* One FTS5 string: double quotes doubled, so no operator gets in. */
static void
search_quote(GString *out, const char *text)
{
	g_string_append_c(out, '"');
	for (const char *p = text; *p != '\0'; p++) {
		if (*p == '"')
			g_string_append_c(out, '"');
		g_string_append_c(out, *p);
	}
	g_string_append_c(out, '"');
}

static void
search_phrase_add(GString *phrases, guint term)
{
	if (phrases != NULL)
		g_string_append_printf(phrases, "%s%u", phrases->len > 0 ?
		    " " : "", term);
}

char *
search_fts5_match(char *const *terms, char **const *expand,
    GString *phrases)
{
	GString	*out = g_string_new(NULL);
	char	**alt;

	for (guint i = 0; terms[i] != NULL; i++) {
		alt = expand != NULL && !search_indexed(terms[i]) ? expand[i] :
		    NULL;
		if (!search_indexed(terms[i]) && alt == NULL)
			continue;
		if (out->len > 0)
			g_string_append(out, " AND ");
		if (alt == NULL) {
			search_quote(out, terms[i]);
			search_phrase_add(phrases, i);
			continue;
		}
		g_string_append_c(out, '(');
		for (guint j = 0; alt[j] != NULL; j++) {
			if (j > 0)
				g_string_append(out, " OR ");
			search_quote(out, alt[j]);
			search_phrase_add(phrases, i);
		}
		g_string_append_c(out, ')');
	}
	if (out->len == 0) {
		g_string_free(out, TRUE);
		return NULL;
	}
	return g_string_free(out, FALSE);
}

guint
search_phrase_terms(const char *phrases, guint *term, guint n, guint *nterms)
{
	const char	*p = phrases;
	char		*end;
	guint		 i;

	*nterms = 0;
	for (i = 0; i < n && *p != '\0'; i++, p = end) {
		term[i] = (guint)strtoul(p, &end, 10);
		if (end == p)
			break;
		*nterms = MAX(*nterms, term[i] + 1);
	}
	return i;
}

#define SEARCH_K1	1.2	/* bm25's: how soon more of a term stops counting */

double
search_rank(const guint *tf, guint nterms)
{
	static const double weight[SEARCH_COLUMNS] = {
		[SEARCH_SUBJECT] = 3.0,
		[SEARCH_BODY] = 1.0,
		[SEARCH_ADDRESSES] = 2.0,
	};
	double	 rank = 0;

	for (guint t = 0; t < nterms; t++)
		for (guint c = 0; c < SEARCH_COLUMNS; c++) {
			guint n = tf[t * SEARCH_COLUMNS + c];

			rank -= weight[c] * n / (n + SEARCH_K1);
		}
	return rank;
}

/* How often term is in text, overlapping, as the index counts. */
static guint
search_count(const char *text, const char *term)
{
	const char	*p = text;
	guint		 n = 0;

	while ((p = strstr(p, term)) != NULL) {
		n++;
		p = g_utf8_next_char(p);
	}
	return n;
}

gboolean
search_scan(char *const *terms, const char *const *col, double *rank)
{
	guint		 nterms = g_strv_length((char **)terms), *tf;
	gboolean	 all = TRUE;

	tf = g_new0(guint, nterms * SEARCH_COLUMNS);
	for (guint t = 0; t < nterms && all; t++) {
		guint in = 0;

		for (guint c = 0; c < SEARCH_COLUMNS; c++)
			in += tf[t * SEARCH_COLUMNS + c] = col[c] == NULL ? 0 :
			    search_count(col[c], terms[t]);
		all = in > 0;
	}
	if (all)
		*rank = search_rank(tf, nterms);
	g_free(tf);
	return all;
}

/*
 * The folded text up to about limit octets, made piece by piece: a
 * character with the combining marks after it, which is how NFKC
 * composes, so each piece folds as it would in the whole text (but for
 * rare compositions of two starters, where a snippet may then start at
 * the text's start). at[i] is where in text the piece of folded octet i
 * starts.
 */
static GString *
search_fold_mapped(const char *text, gsize limit, GArray *at)
{
	GString		*out = g_string_new(NULL);
	const char	*p = text, *q;
	char		*piece, *f;
	gsize		 from;

	while (*p != '\0' && out->len < limit) {
		for (q = g_utf8_next_char(p); *q != '\0' &&
		    g_unichar_combining_class(g_utf8_get_char(q)) != 0;
		    q = g_utf8_next_char(q))
			;
		piece = g_strndup(p, q - p);
		f = (guchar)*p < 0x80 && q == p + 1 ? g_ascii_strdown(piece, 1) :
		    fold_text(piece);
		if (search_space(*f))
			f[0] = ' ', f[1] = '\0';
		from = p - text;
		if (!(f[0] == ' ' && out->len > 0 && out->str[out->len - 1] ==
		    ' ')) {
			for (gsize i = 0; f[i] != '\0'; i++)
				g_array_append_val(at, from);
			g_string_append(out, f);
		}
		g_free(piece);
		g_free(f);
		p = q;
	}
	return out;
}

/* Where in text the earliest term starts, or -1. */
static gssize
search_first(const char *text, char *const *terms)
{
	char		*folded = search_fold(text), *hit;
	gsize		 first = G_MAXSIZE, need = 0;
	GArray		*at;
	GString		*mapped;
	gssize		 found = -1;

	for (char *const *t = terms; *t != NULL; t++)
		if ((hit = strstr(folded, *t)) != NULL && (gsize)(hit - folded) <
		    first)
			first = hit - folded, need = strlen(*t);
	g_free(folded);
	if (first == G_MAXSIZE)
		return -1;
	/* Only as far as the match: a piece at a time is the slow way. */
	at = g_array_new(FALSE, FALSE, sizeof(gsize));
	mapped = search_fold_mapped(text, first + need + 64, at);
	first = G_MAXSIZE;
	for (char *const *t = terms; *t != NULL; t++)
		if ((hit = strstr(mapped->str, *t)) != NULL &&
		    (gsize)(hit - mapped->str) < first)
			first = hit - mapped->str;
	if (first != G_MAXSIZE)
		found = g_array_index(at, gsize, first);
	g_array_free(at, TRUE);
	g_string_free(mapped, TRUE);
	return found;
}

/* Is there more than white space from text up to at? */
static gboolean
search_text_before(const char *text, const char *at)
{
	for (; text < at; text++)
		if (!search_space(*text))
			return TRUE;
	return FALSE;
}

char *
search_snippet(const char *text, char *const *terms, guint width)
{
	char		*valid = g_utf8_make_valid(text, -1), *piece;
	const char	*start, *end;
	gssize		 hit = search_first(valid, terms);
	GString		*out = g_string_new(NULL);
	guint		 n;

	start = valid + (hit < 0 ? 0 : hit);
	/* A quarter of the line before the match, for its context. */
	for (n = 0; hit > 0 && start > valid && n < width / 4; n++)
		start = g_utf8_prev_char(start);
	while (search_space(*start))
		start++;
	for (end = start, n = 0; *end != '\0' && n < width; n++)
		end = g_utf8_next_char(end);
	piece = g_strndup(start, end - start);
	search_squeeze(piece);
	g_strstrip(piece);
	if (search_text_before(valid, start))
		g_string_append(out, SEARCH_ELLIPSIS);
	g_string_append(out, piece);
	if (*end != '\0')
		g_string_append(out, SEARCH_ELLIPSIS);
	g_free(piece);
	g_free(valid);
	return g_string_free(out, FALSE);
}
