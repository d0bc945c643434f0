/*
 * search: what a full-text search query means, apart from any store.
 *
 * A query is words and "quoted phrases"; each is one term, and a
 * message matches when every term is a substring of its subject, its
 * body or its addresses, compared under search_fold(). A double quote
 * without a partner is an ordinary character. Nothing in a query is an
 * operator: "OR", "NOT", "*", "^" and the rest are text to look for.
 *
 * Terms of SEARCH_TRIGRAM characters or more can use a trigram index.
 * A term of two characters (a two-kanji Japanese word, "QA") is every
 * trigram that starts with it, when the index holds few enough of them
 * (a store pads each text with a space at its end, so every two
 * characters start one); a shorter term, or one that starts too many,
 * filters what the others found, or a bounded number of the newest
 * messages is read when there is no other.
 *
 * The rank of a message (lower is better) is the weight of the terms in
 * it, with no look at the rest of the mail, so it costs the same for a
 * word in half the mail as for a rare one: for each term and column,
 * the column's weight (subject 3, body 1, addresses 2) times tf / (tf +
 * 1.2), tf being how often the term is in it: bm25 without its inverse
 * document frequency and its length normalisation.
 */
#ifndef SEARCH_H
#define SEARCH_H

#include <glib.h>

#define SEARCH_TRIGRAM	3	/* characters a term needs for the index */
#define SEARCH_EXPAND_MAX 64	/* trigrams a two-character term may be */

/* The columns of a message that are searched, in this order. */
enum search_column {
	SEARCH_SUBJECT,
	SEARCH_BODY,
	SEARCH_ADDRESSES,
	SEARCH_COLUMNS
};

/*
 * The text as the search compares it: fold_text() (NFKC, case folded),
 * every run of white space made one space. A new string (g_free).
 */
char	*search_fold(const char *text);

/*
 * The terms of a query, folded, each once, in order: a NULL-terminated
 * list (g_strfreev). NULL and *cause when there is none.
 */
char	**search_parse(const char *query, char **cause);

/* Is the (folded) term long enough for a trigram index? */
gboolean search_indexed(const char *term);
/* Is it two characters, so the trigrams that start with it stand in? */
gboolean search_expandable(const char *term);

/*
 * The FTS5 MATCH expression for the indexed terms: each one a quoted
 * string (its double quotes doubled), so no operator can get in; joined
 * by AND (FTS5 takes no implicit AND after a parenthesis). A short term
 * i with expand[i] set
 * (expand may be NULL) is (t1 OR t2 ...) of the trigrams in that
 * NULL-terminated list, which must not be empty. NULL when no term
 * goes in. With phrases, the term of each phrase of the expression, in
 * order, is appended to it as space-separated numbers ("0 1 1"), what
 * search_phrase_terms() reads back for the rank.
 */
char	*search_fts5_match(char *const *terms, char **const *expand,
	    GString *phrases);

/*
 * The term of each phrase, from search_fts5_match()'s phrases, at most
 * n of them; returns how many; *nterms: one more than the largest.
 */
guint	 search_phrase_terms(const char *phrases, guint *term, guint n,
	    guint *nterms);

/*
 * The rank (search.h above; lower is better) of tf[t * SEARCH_COLUMNS
 * + c], how often term t is in column c, for nterms terms.
 */
double	 search_rank(const guint *tf, guint nterms);

/*
 * Does the message whose folded columns (search_fold()) are col hold
 * every term? Then TRUE and its *rank, as the index would rank it.
 */
gboolean search_scan(char *const *terms, const char *const *col,
	    double *rank);

/*
 * A line of text around the first place one of the terms is found in
 * text (raw, not folded), about width characters long, its white space
 * made single spaces, "…" where it is cut; the start of text when no
 * term is in it. A new string (g_free).
 */
char	*search_snippet(const char *text, char *const *terms, guint width);

#endif
