/*
 * re: the pcre2 wrapper (see re.h).
 *
 * The limits: pcre2's default match limit (ten million) let (a+)+$ run
 * for 0.15 s on one line; RE_MATCH_LIMIT stops it in about a
 * millisecond while leaving room for any sane pattern over a large
 * body. The depth limit bounds backtracking memory the same way. The JIT
 * honours the match limit but not the depth limit, which bounds only
 * the interpreter; both are set so that either path is bounded.
 */
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "re.h"
#include "textidx.h"

#define RE_MATCH_LIMIT	100000
#define RE_DEPTH_LIMIT	10000
#define RE_ERROR_MAX	256
#define RE_LITERAL_MIN	3	/* octets; shorter ones rarely rule out */

struct re {
	pcre2_code	*code;
	char		*pattern;
	char		*flags;
	int		 jit;		/* JIT-compiled */
	int		 caseless;	/* /i: literals are lower case */
	pcre2_match_context *ctx;	/* the limits; only read when matching */
	/* Every match contains each literal: "lit\0lit\0\0", in the re
	 * itself so that re_may_match() reads one block. */
	char		 literals[];
};

/* The compile options for flags, or -1 and *cause. */
static int
re_options(const char *flags, uint32_t *options, char **cause)
{
	*options = PCRE2_UTF | PCRE2_UCP | PCRE2_MATCH_INVALID_UTF;
	for (const char *f = flags; *f != '\0'; f++)
		switch (*f) {
		case 'i':
			*options |= PCRE2_CASELESS;
			break;
		case 'm':
			*options |= PCRE2_MULTILINE;
			break;
		case 's':
			*options |= PCRE2_DOTALL;
			break;
		case 'x':
			*options |= PCRE2_EXTENDED;
			break;
		default:
			*cause = g_strdup_printf("unknown regex flag \"%c\" "
			    "(i, m, s and x are known)", *f);
			return -1;
		}
	return 0;
}

static char *
re_error_text(int code)
{
	PCRE2_UCHAR	 buf[RE_ERROR_MAX];

	if (pcre2_get_error_message(code, buf, sizeof(buf)) < 0)
		return g_strdup_printf("pcre2 error %d", code);
	return g_strdup((const char *)buf);
}

/*
 * The required literals: runs of plain characters at the top level of a
 * pattern, which every match contains, so that re_may_match() can rule
 * most texts out with a memmem before the regex runs, as RE2 and
 * ripgrep do. Only what is certain counts: a character under a
 * quantifier, a group, a class or an escape with a meaning ends a run,
 * and whatever could make a run optional or change how it matches
 * (alternation, inline options, verbs such as (*ACCEPT), \Q, /x) means
 * no literals at all. Under /i with Unicode, K and S also match the
 * Kelvin sign and the long s, so they end a run too.
 */
struct re_scan {
	const char	*p;
	int		 caseless;
	GString		*run;
	GString		*literals;	/* "lit\0lit\0" */
};

static void
re_scan_end_run(struct re_scan *sc)
{
	if (sc->run->len >= RE_LITERAL_MIN)
		g_string_append_len(sc->literals, sc->run->str,
		    sc->run->len + 1);
	g_string_truncate(sc->run, 0);
}

/* Past a quantifier at sc->p, if any: 1 if there was one, -1 if unsure. */
static int
re_scan_quantifier(struct re_scan *sc)
{
	const char	*q = sc->p;

	if (*q == '?' || *q == '*' || *q == '+')
		q++;
	else if (*q == '{') {
		q++;
		while (g_ascii_isdigit(*q) || *q == ',')
			q++;
		if (*q != '}' || q == sc->p + 1)
			return -1;	/* a literal brace: not worth knowing */
		q++;
	} else
		return 0;
	if (*q == '?' || *q == '+')	/* lazy, possessive */
		q++;
	sc->p = q;
	return 1;
}

/* Past a character class at sc->p ('['); -1 if unsure where it ends. */
static int
re_scan_class(struct re_scan *sc)
{
	const char	*q = sc->p + 1;

	if (*q == '^')
		q++;
	if (*q == ']')
		q++;
	for (; *q != ']'; q++) {
		if (*q == '\0' || *q == '[')	/* [:alpha:] and its kin */
			return -1;
		if (*q == '\\') {
			if (q[1] == '\0' || q[1] == 'c')	/* \c] is Ctrl-] */
				return -1;
			q++;
		}
	}
	sc->p = q + 1;
	return 0;
}

/*
 * Past a group at sc->p ('('), nested ones and classes included; -1
 * when anything in it could hide a parenthesis from this count.
 */
static int
re_scan_group(struct re_scan *sc)
{
	int	 depth = 0;

	do {
		switch (*sc->p) {
		case '\0':
			return -1;
		case '\\':
			if (*++sc->p == '\0' || *sc->p == 'c')
				return -1;
			sc->p++;
			continue;
		case '[':
			if (re_scan_class(sc) != 0)
				return -1;
			continue;
		case '(':
			/* Options (x: # comments) and callout strings may
			 * hide parentheses; only plain groups are counted. */
			if (sc->p[1] == '?' && sc->p[2] != ':')
				return -1;
			depth++;
			break;
		case ')':
			depth--;
			break;
		}
		sc->p++;
	} while (depth > 0);
	return 0;
}

/* One atom at sc->p: 0, or -1 when the pattern is past knowing. */
static int
re_scan_atom(struct re_scan *sc)
{
	const char	*escapes = "sSdDwWbBAzZhHvVRXKGntrfea";
	guchar		 c = *sc->p;
	int		 literal = -1;	/* the character, if it is one */
	int		 rc = 0;

	switch (c) {
	case '|':
	case ')':
	case '*':
	case '+':
	case '?':
	case '{':
		return -1;
	case '(':
		if (sc->p[1] == '*' || (sc->p[1] == '?' && sc->p[2] != ':'))
			return -1;
		rc = re_scan_group(sc);
		break;
	case '[':
		rc = re_scan_class(sc);
		break;
	case '\\':
		c = sc->p[1];
		if (g_ascii_ispunct(c))
			literal = c;
		else if (c == '\0' || strchr(escapes, c) == NULL)
			return -1;	/* \x, \p, \1...: an argument */
		sc->p += 2;
		break;
	case '.':
	case '^':
	case '$':
		sc->p++;
		break;
	default:
		if (c >= 0x80) {	/* the whole UTF-8 character */
			for (sc->p++; ((guchar)*sc->p & 0xc0) == 0x80; sc->p++)
				;
			break;
		}
		sc->p++;
		if (!sc->caseless)
			literal = c;
		else if (strchr("kKsS", c) == NULL)
			literal = g_ascii_tolower(c);
		break;
	}
	if (rc != 0 || (rc = re_scan_quantifier(sc)) == -1)
		return -1;
	if (literal != -1 && rc == 0)
		g_string_append_c(sc->run, literal);
	else
		re_scan_end_run(sc);
	return 0;
}

static GString *
re_scan_literals(const char *pattern, uint32_t options)
{
	struct re_scan	 sc = { pattern, (options & PCRE2_CASELESS) != 0,
			    g_string_new(NULL), g_string_new(NULL) };

	/* Text these hide may look like groups or classes. */
	if ((options & PCRE2_EXTENDED) != 0 || strstr(pattern, "\\Q") ||
	    strstr(pattern, "(?#") || strstr(pattern, "(*"))
		sc.p = "";
	while (*sc.p != '\0')
		if (re_scan_atom(&sc) != 0) {
			g_string_truncate(sc.literals, 0);
			g_string_truncate(sc.run, 0);
			break;
		}
	re_scan_end_run(&sc);
	g_string_free(sc.run, TRUE);
	return sc.literals;
}

struct re *
re_compile(const char *pattern, const char *flags, char **cause)
{
	struct re	*re;
	pcre2_code	*code;
	uint32_t	 options;
	PCRE2_SIZE	 offset;
	GString		*lits;
	int		 error;
	char		*text;

	if (re_options(flags, &options, cause) != 0)
		return NULL;
	code = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
	    options, &error, &offset, NULL);
	if (code == NULL) {
		text = re_error_text(error);
		*cause = g_strdup_printf("invalid regex /%s/: %s at offset %zu",
		    pattern, text, (size_t)offset);
		g_free(text);
		return NULL;
	}
	lits = re_scan_literals(pattern, options);
	re = g_malloc0(sizeof(*re) + lits->len + 1);
	memcpy(re->literals, lits->str, lits->len + 1);
	g_string_free(lits, TRUE);
	re->code = code;
	re->pattern = g_strdup(pattern);
	re->flags = g_strdup(flags);
	re->jit = pcre2_jit_compile(code, PCRE2_JIT_COMPLETE) == 0;
	re->caseless = (options & PCRE2_CASELESS) != 0;
	re->ctx = pcre2_match_context_create(NULL);
	pcre2_set_match_limit(re->ctx, RE_MATCH_LIMIT);
	pcre2_set_depth_limit(re->ctx, RE_DEPTH_LIMIT);
	return re;
}

void
re_free(struct re *re)
{
	if (re == NULL)
		return;
	pcre2_code_free(re->code);
	pcre2_match_context_free(re->ctx);
	g_free(re->pattern);
	g_free(re->flags);
	g_free(re);
}

const char *
re_pattern(const struct re *re)
{
	return re->pattern;
}

const char *
re_flags(const struct re *re)
{
	return re->flags;
}

/* Which limit or error stopped a match. */
static char *
re_match_error(int rc)
{
	char	*text;
	char	*cause;

	switch (rc) {
	case PCRE2_ERROR_MATCHLIMIT:
		return g_strdup_printf("regex match limit (%d) exceeded",
		    RE_MATCH_LIMIT);
	case PCRE2_ERROR_DEPTHLIMIT:
		return g_strdup_printf("regex depth limit (%d) exceeded",
		    RE_DEPTH_LIMIT);
	case PCRE2_ERROR_JIT_STACKLIMIT:
		return g_strdup("regex JIT stack limit exceeded");
	default:
		text = re_error_text(rc);
		cause = g_strdup_printf("regex error: %s", text);
		g_free(text);
		return cause;
	}
}

int
re_match(const struct re *re, const char *text, gsize len, gsize *start,
    gsize *end, char **cause)
{
	pcre2_match_data	*md;
	PCRE2_SIZE		*ov;
	int			 rc;

	md = pcre2_match_data_create(1, NULL);
	rc = pcre2_match(re->code, (PCRE2_SPTR)(text != NULL ? text : ""),
	    text != NULL ? len : 0, 0, 0, md, re->ctx);
	if (rc >= 0) {
		ov = pcre2_get_ovector_pointer(md);
		if (start != NULL)
			*start = ov[0];
		if (end != NULL)
			*end = ov[1] < ov[0] ? ov[0] : ov[1];
		rc = 1;
	} else if (rc == PCRE2_ERROR_NOMATCH)
		rc = 0;
	else {
		*cause = re_match_error(rc);
		rc = -1;
	}
	pcre2_match_data_free(md);
	return rc;
}

int
re_literals_in(const char *literals, struct textidx *in)
{
	for (const char *l = literals; *l != '\0'; l += strlen(l) + 1)
		if (!textidx_has(in, l))
			return 0;
	return 1;
}

int
re_may_match(const struct re *re, struct textidx *text,
    struct textidx *lower)
{
	struct textidx	*in = re->caseless ? lower : text;

	return in == NULL || re_literals_in(re->literals, in);
}

const char *
re_literals(const struct re *re, int *caseless)
{
	*caseless = re->caseless;
	return re->literals;
}
