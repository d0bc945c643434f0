/*
 * search: what a full-text search query means, apart from any store.
 *
 * A query is words and "quoted phrases"; each is one term, and a
 * message matches when every term is a substring of its subject, its
 * body or its addresses, compared under search_fold(). A double quote
 * without a partner is an ordinary character. Nothing in a query is an
 * operator: "OR", "NOT", "*", "^" and the rest are text to look for.
 *
 * Terms of SEARCH_TRIGRAM characters or more can use a trigram index;
 * shorter ones (a two-kanji Japanese word, "QA") cannot, and a store
 * filters with them what the longer terms found, or reads a bounded
 * number of the newest messages when there are only short terms.
 */
#ifndef SEARCH_H
#define SEARCH_H

#include <glib.h>

#define SEARCH_TRIGRAM	3	/* characters a term needs for the index */

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

/*
 * The FTS5 MATCH expression for the indexed terms: each one a quoted
 * string (its double quotes doubled), so no operator can get in; side
 * by side, which FTS5 reads as AND. NULL when no term is indexed.
 */
char	*search_fts5_match(char *const *terms);

/*
 * A line of text around the first place one of the terms is found in
 * text (raw, not folded), about width characters long, its white space
 * made single spaces, "…" where it is cut; the start of text when no
 * term is in it. A new string (g_free).
 */
char	*search_snippet(const char *text, char *const *terms, guint width);

#endif
