/*
 * re: regular expressions for rule files, the only wrapper of pcre2.
 *
 * Patterns are compiled for UTF-8 with Unicode properties (\w matches
 * "café" and Thai letters), JIT-compiled when the JIT is there, and
 * matched under a match limit and a depth limit, so that a pattern an
 * admin got wrong, such as (a+)+$, fails fast with an error instead of
 * stalling the mail it is run on. Invalid UTF-8 in the text is never an
 * error: it simply cannot be part of a match.
 *
 * A struct re is immutable once compiled and may be shared by threads;
 * each match uses match data of its own.
 */
#ifndef RE_H
#define RE_H

#include <glib.h>

struct re;
struct textidx;

/*
 * Compile pattern with flags, a string of the letters i (caseless),
 * m (multiline), s (dot matches newline) and x (extended); any other
 * letter is an error. NULL and *cause (g_free) on error, with pcre2's
 * message and the offset in the pattern: "... at offset 3".
 */
struct re	*re_compile(const char *pattern, const char *flags,
		    char **cause);
void		 re_free(struct re *);

/* The pattern and flags as given to re_compile(). Owned by the re. */
const char	*re_pattern(const struct re *);
const char	*re_flags(const struct re *);

/*
 * Match len octets of text (need not be NUL-terminated). 1 on a match,
 * with the octet offsets of the matched part in *start and *end (either
 * may be NULL); 0 when there is none; -1 and *cause (g_free) when the
 * match limit, the depth limit or another error stopped it, the cause
 * naming which.
 */
int		 re_match(const struct re *, const char *text, gsize len,
		    gsize *start, gsize *end, char **cause);

/*
 * Could the pattern match text at all? 0 when the text lacks a literal
 * that every match of the pattern contains, 1 when it may match. A
 * handful of textidx lookups, far cheaper than re_match() on a long
 * body. lower indexes the text with its ASCII letters in lower case,
 * where a caseless pattern's literals are looked for; the caller makes
 * both once for all patterns. With lower NULL, a caseless pattern may
 * always match.
 */
int		 re_may_match(const struct re *, struct textidx *text,
		    struct textidx *lower);

/*
 * The literals re_may_match() looks for, one after the other, each with
 * its NUL, and an empty one last: "order\04711\0\0"; *caseless says
 * whether they are in lower case, to be looked for in lower-cased text.
 * Owned by the re. A caller that keeps them elsewhere checks them with
 * re_literals_in(): 1 when in has every one.
 */
const char	*re_literals(const struct re *, int *caseless);
int		 re_literals_in(const char *literals, struct textidx *in);

#endif
