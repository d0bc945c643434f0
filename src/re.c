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

#define RE_MATCH_LIMIT	100000
#define RE_DEPTH_LIMIT	10000
#define RE_ERROR_MAX	256

struct re {
	pcre2_code	*code;
	char		*pattern;
	char		*flags;
	int		 jit;		/* JIT-compiled */
	pcre2_match_context *ctx;	/* the limits; only read when matching */
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

struct re *
re_compile(const char *pattern, const char *flags, char **cause)
{
	struct re	*re;
	pcre2_code	*code;
	uint32_t	 options;
	PCRE2_SIZE	 offset;
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
	re = g_new0(struct re, 1);
	re->code = code;
	re->pattern = g_strdup(pattern);
	re->flags = g_strdup(flags);
	re->jit = pcre2_jit_compile(code, PCRE2_JIT_COMPLETE) == 0;
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
