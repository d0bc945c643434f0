/*
 * mime: the gmime wrapper. It turns the raw bytes of a message into a
 * struct mail of plain UTF-8 strings: the headers ticketd looks at, one
 * readable body and the attachments.
 *
 * Mail in the wild lies about its charsets or does not name them, so
 * every piece of text goes through text_to_utf8(): the labelled charset
 * first, then UTF-8, then a guess, and g_utf8_make_valid() as last
 * resort. The guess is uchardet's, run once over all the unlabelled
 * 8-bit text of the mail (a subject alone is too short to tell), and it
 * must read as real words (charset_judge) before it is taken; else the
 * configured fallback charset, windows-1252, windows-874 and two
 * Cyrillic charsets are tried the same way, and the fallback is the
 * last resort (see text_guess).
 *
 * RFC 2047 encoded words are decoded here, not by gmime: gmime 3.2.13
 * drops a word that follows a base64 word with padding (gmime #133) and
 * converts each word alone, which loses a character split across two.
 *
 * Before gmime sees a mail, header blocks that it would misread but
 * Python's email package and Thunderbird read are repaired in a copy;
 * the raw bytes stay as received.
 */
#include <errno.h>
#include <string.h>

#include <gmime/gmime.h>
#include <uchardet.h>

#include "charset.h"
#include "html.h"
#include "log.h"
#include "mime.h"

#define MIME_REPLACEMENT	"\357\277\275"	/* U+FFFD */
#define MIME_DEFAULT_FALLBACK	"windows-1252"
#define MIME_THAI_CHARSET	"windows-874"
#define MIME_ICONV_CACHE	64	/* descriptors kept per thread */
#define MIME_GUESS_TRUSTED	48	/* 8-bit octets that make a sample long */
#define MIME_SAMPLE_MAX		65536	/* plenty for uchardet */
#define MIME_EW_CHARSET_MAX	64	/* longest charset in an encoded word */
#define MIME_EW_TEXT_MAX	2048	/* longest text in an encoded word */

/* Set once by mime_init(); never changed, so threads share it freely. */
static GMimeParserOptions	*mime_options;

/*
 * What one parse knows about charsets: the configured fallback and the
 * mail's unlabelled 8-bit text, from which a charset is guessed once,
 * when first needed.
 */
struct mime_ctx {
	const char	*fallback;
	GString		*sample;	/* at most MIME_SAMPLE_MAX octets */
	gsize		 sample_8bit;	/* octets >= 0x80 in it */
	char		*guess;
	int		 guessed;
};

void
mime_init(void)
{
	static gsize	 done;
	const char	*charsets[] = { "utf-8", MIME_DEFAULT_FALLBACK, NULL };

	if (g_once_init_enter(&done)) {
		g_mime_init();
		mime_options = g_mime_parser_options_new();
		g_mime_parser_options_set_fallback_charsets(mime_options,
		    charsets);
		g_once_init_leave(&done, 1);
	}
}

static void
ctx_init(struct mime_ctx *ctx, const char *fallback)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->fallback = fallback != NULL ? fallback : MIME_DEFAULT_FALLBACK;
	ctx->sample = g_string_new(NULL);
}

static void
ctx_clear(struct mime_ctx *ctx)
{
	g_string_free(ctx->sample, TRUE);
	g_free(ctx->guess);
}

/*
 * Charset names.
 */

/* "Shift_JIS", "shift-jis" and "SHIFTJIS" are the same label. */
static char *
charset_key(const char *charset)
{
	GString	*key = g_string_new(NULL);

	for (; *charset != '\0'; charset++)
		if (g_ascii_isalnum(*charset))
			g_string_append_c(key, g_ascii_tolower(*charset));
	return g_string_free(key, FALSE);
}

static int
charset_is(const char *charset, const char *const *keys)
{
	char	*key = charset_key(charset);
	int	 found = g_strv_contains(keys, key);

	g_free(key);
	return found;
}

static int
charset_is_utf8(const char *charset)
{
	static const char *const utf8[] = { "utf8", NULL };

	return charset_is(charset, utf8);
}

/* 8-bit text labelled ASCII is a mailer's default label, not a fact. */
static int
charset_is_ascii(const char *charset)
{
	static const char *const ascii[] = { "usascii", "ascii", "ansix341968",
	    "us", NULL };

	return charset_is(charset, ascii);
}

/* Exchange labels UTF-7 "unicode-1-1-utf-7". */
static int
charset_is_utf7(const char *charset)
{
	static const char *const utf7[] = { "utf7", "unicode11utf7",
	    "xunicode20utf7", "csunicode11utf7", NULL };

	return charset_is(charset, utf7);
}

static int
charset_is_hz(const char *charset)
{
	static const char *const hz[] = { "hzgb2312", "hz", "xhz", NULL };

	return charset_is(charset, hz);
}

static void
iconv_table_free(gpointer p)
{
	GHashTable	*table = p;
	GHashTableIter	 it;
	gpointer	 cd;

	g_hash_table_iter_init(&it, table);
	while (g_hash_table_iter_next(&it, NULL, &cd))
		if ((iconv_t)cd != (iconv_t)-1)
			iconv_close((iconv_t)cd);
	g_hash_table_destroy(table);
}

/*
 * A descriptor to UTF-8, reset, kept per thread: opening one costs some
 * 100 µs and text_guess() tries several charsets per text. -1 when iconv
 * does not know the charset (also kept). Mail names the charsets, so the
 * table is emptied when it grows past MIME_ICONV_CACHE.
 */
static iconv_t
iconv_cached(const char *charset)
{
	static GPrivate	 key = G_PRIVATE_INIT(iconv_table_free);
	GHashTable	*table = g_private_get(&key);
	const char	*name = g_mime_charset_iconv_name(charset);
	gpointer	 cd;

	if (table == NULL || g_hash_table_size(table) >= MIME_ICONV_CACHE) {
		table = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
		    NULL);
		g_private_replace(&key, table);
	}
	if (!g_hash_table_lookup_extended(table, name, NULL, &cd)) {
		cd = (gpointer)iconv_open("UTF-8", name);
		g_hash_table_insert(table, g_strdup(name), cd);
	}
	if ((iconv_t)cd != (iconv_t)-1)
		iconv((iconv_t)cd, NULL, NULL, NULL, NULL);
	return (iconv_t)cd;
}

static int
charset_known(const char *charset)
{
	if (charset_is_utf7(charset) || charset_is_hz(charset))
		return 1;
	return iconv_cached(charset) != (iconv_t)-1;
}

int
mime_charset_check(const char *charset, char **cause)
{
	mime_init();
	if (!charset_known(charset)) {
		*cause = g_strdup_printf("unknown charset: %s", charset);
		return -1;
	}
	return 0;
}

struct charset_alias {
	const char	*key;		/* as charset_key() makes it */
	const char	*charset;
};

/* 1 and *charset when the table has charset's key, else 0. */
static int
charset_alias(const struct charset_alias *table, gsize n, const char *name,
    const char **charset)
{
	char	*key = charset_key(name);
	gsize	 i;

	for (i = 0; i < n && strcmp(key, table[i].key) != 0; i++)
		;
	g_free(key);
	if (i == n)
		return 0;
	*charset = table[i].charset;
	return 1;
}

/*
 * Mailers label text with the standard charset but write the vendor
 * superset: windows-1252 quotes in "ISO-8859-1", CP932's circled digits
 * in "Shift_JIS". Reading the superset first loses nothing.
 */
static const char *
charset_superset(const char *charset)
{
	static const struct charset_alias supersets[] = {
		{ "iso88591", "windows-1252" },
		{ "latin1", "windows-1252" },
		{ "iso88599", "windows-1254" },
		{ "tis620", MIME_THAI_CHARSET },
		{ "iso885911", MIME_THAI_CHARSET },
		{ "xwindows874", MIME_THAI_CHARSET },
		{ "shiftjis", "cp932" },
		{ "sjis", "cp932" },
		{ "xsjis", "cp932" },
		{ "mskanji", "cp932" },
		{ "windows31j", "cp932" },
		{ "eucjp", "euc-jp-ms" },
		{ "gb2312", "gb18030" },
		{ "gbk", "gb18030" },
		{ "euckr", "cp949" },
		{ "uhc", "cp949" },
		{ "ksc56011987", "cp949" },
		{ "big5", "big5-hkscs" },
	};
	const char	*superset;

	return charset_alias(supersets, G_N_ELEMENTS(supersets), charset,
	    &superset) ? superset : NULL;
}

/*
 * Conversion.
 */

/*
 * iconv: with bad == NULL strict (NULL when a byte does not fit, so the
 * caller can try something else); else lossy, each undefined byte (0x81
 * in windows-1252, say) becoming U+FFFD and counted in *bad. NULL when
 * iconv does not know the charset.
 */
static GString *
convert_iconv(const char *data, gsize len, const char *charset, gsize *bad)
{
	iconv_t	 cd;
	GString	*out;
	char	 buf[4096], *in = (char *)data, *o;
	gsize	 inleft = len, oleft;

	if ((cd = iconv_cached(charset)) == (iconv_t)-1)
		return NULL;
	if (bad != NULL)
		*bad = 0;
	out = g_string_sized_new(len + len / 2 + 1);
	while (inleft > 0) {
		o = buf;
		oleft = sizeof(buf);
		if (iconv(cd, &in, &inleft, &o, &oleft) == (size_t)-1 &&
		    errno != E2BIG) {
			g_string_append_len(out, buf, o - buf);
			if (bad == NULL)
				goto fail;
			g_string_append(out, MIME_REPLACEMENT);
			(*bad)++;
			in++;
			inleft--;
			continue;
		}
		g_string_append_len(out, buf, o - buf);
	}
	o = buf;
	oleft = sizeof(buf);
	iconv(cd, NULL, NULL, &o, &oleft);
	g_string_append_len(out, buf, o - buf);
	return out;
fail:
	g_string_free(out, TRUE);
	return NULL;
}

/* glibc has no HZ, and its UTF-7 stops at the first bad sequence. */
static GString *
convert(const char *data, gsize len, const char *charset, gsize *bad)
{
	GString	*euc, *s;

	if (charset_is_utf7(charset)) {
		if (bad != NULL)
			*bad = 0;
		return charset_utf7_to_utf8(data, len);
	}
	if (!charset_is_hz(charset))
		return convert_iconv(data, len, charset, bad);
	euc = charset_hz_to_euc_cn(data, len);
	s = convert_iconv(euc->str, euc->len, "gb18030", bad);
	g_string_free(euc, TRUE);
	return s;
}

/*
 * Count what UTF-8 validation finds: multi-byte characters that are
 * valid and bytes that are not. NUL bytes count as neither; they are
 * replaced later whatever the charset.
 */
static void
utf8_census(const char *data, gsize len, gsize *multibyte, gsize *invalid)
{
	const char	*p = data, *end = data + len, *stop;

	*multibyte = *invalid = 0;
	while (p < end) {
		g_utf8_validate_len(p, end - p, &stop);
		for (; p < stop; p++)
			if ((guchar)*p >= 0xc0)
				(*multibyte)++;
		if (p < end) {
			if (*p != '\0')
				(*invalid)++;
			p++;
		}
	}
}

/* 7-bit text can still be ISO-2022-JP or HZ, which need decoding. */
static int
text_has_shifts(const char *data, gsize len)
{
	return memchr(data, '\033', len) != NULL ||
	    g_strstr_len(data, len, "~{") != NULL;
}

static int
text_has_8bit(const char *data, gsize len)
{
	gsize	 i;

	for (i = 0; i < len; i++)
		if ((guchar)data[i] >= 0x80)
			return 1;
	return 0;
}

/*
 * Charset detection.
 */

/*
 * Unlabelled (or labelled ASCII or UTF-8) text that is not UTF-8 and
 * needs a guess goes into the mail's sample.
 */
static void
ctx_sample(struct mime_ctx *ctx, const char *data, gsize len,
    const char *label)
{
	gsize	 i;

	if (data == NULL || len == 0)
		return;
	if (label != NULL && !charset_is_ascii(label) &&
	    !charset_is_utf8(label))
		return;
	if (!text_has_shifts(data, len) && (!text_has_8bit(data, len) ||
	    g_utf8_validate_len(data, len, NULL)))
		return;
	len = MIN(len, MIME_SAMPLE_MAX - MIN(MIME_SAMPLE_MAX, ctx->sample->len));
	for (i = 0; i < len; i++)
		ctx->sample_8bit += (guchar)data[i] >= 0x80;
	g_string_append_len(ctx->sample, data, len);
	g_string_append_c(ctx->sample, '\n');
}

/*
 * uchardet's names, as we read them: its ISO-8859-1 is windows-1252
 * (which only adds letters where ISO-8859-1 has C1 controls), and its
 * TIS-620 is windows-874, or the curly quotes would be lost.
 */
static char *
detect_name(const char *name)
{
	static const struct charset_alias names[] = {
		{ "iso88591", "windows-1252" },
		{ "tis620", MIME_THAI_CHARSET },
		{ "iso885911", MIME_THAI_CHARSET },
		{ "ascii", NULL },
		{ "", NULL },
	};
	const char	*charset;

	if (charset_alias(names, G_N_ELEMENTS(names), name, &charset))
		return g_strdup(charset);
	return g_strdup(name);
}

static const char *
ctx_guess(struct mime_ctx *ctx)
{
	uchardet_t	 ud;

	if (ctx->guessed)
		return ctx->guess;
	ctx->guessed = 1;
	if (ctx->sample->len == 0 || (ud = uchardet_new()) == NULL)
		return NULL;
	if (uchardet_handle_data(ud, ctx->sample->str, ctx->sample->len) == 0) {
		uchardet_data_end(ud);
		ctx->guess = detect_name(uchardet_get_charset(ud));
	}
	uchardet_delete(ud);
	log_trace(TRACE_MIME, "mime: %zu octets of unlabelled text look like "
	    "%s", ctx->sample->len, ctx->guess ? ctx->guess : "nothing known");
	return ctx->guess;
}

/* Text in a charset that was named: the superset, then the name. */
static GString *
text_labelled(const char *data, gsize len, const char *charset,
    const char **used)
{
	GString	*s;

	*used = charset_superset(charset);
	if (*used != NULL && (s = convert(data, len, *used, NULL)) != NULL)
		return s;
	*used = charset;
	return convert(data, len, charset, NULL);
}

/*
 * A label that fits all but a few bytes is still right: one stray
 * octet, or a vendor character in ISO-2022-JP (7-bit, so UTF-8 and
 * guessing could only leave its escape sequences).
 */
static GString *
text_labelled_lossy(const char *data, gsize len, const char *charset)
{
	GString	*s;
	gsize	 bad;

	if ((s = convert(data, len, charset, &bad)) == NULL)
		return NULL;
	if (bad * 100 <= len)
		return s;
	g_string_free(s, TRUE);
	return NULL;
}

/* A decoding that reads as words; few odd words in a long text pass. */
static int
verdict_plausible(const struct charset_verdict *v)
{
	return v->bad == 0 || v->good >= 8 * v->bad;
}

/*
 * Whether to believe the detector before the fallback: always for a
 * non-Latin script (its mojibake, read as Latin, judges badly) and for
 * a long sample; on a few Latin letters uchardet often names a Baltic or
 * Central European charset ("Año" as "Aņo"), where the fallback is the
 * better bet.
 */
static int
ctx_trust_guess(const struct mime_ctx *ctx, const struct charset_verdict *v)
{
	return v->other > v->latin || ctx->sample_8bit >= MIME_GUESS_TRUSTED;
}

/* Decode and judge candidate i, once; 1 when it reads as words. */
static int
guess_try(const char *data, gsize len, const char **cands, GString **s,
    struct charset_verdict *v, gsize i)
{
	if (s[i] == NULL && cands[i] != NULL && (s[i] = text_labelled(data,
	    len, cands[i], &cands[i])) != NULL)
		charset_judge(s[i]->str, s[i]->len, &v[i]);
	return s[i] != NULL && verdict_plausible(&v[i]);
}

/*
 * The trusted guess, else the first other candidate that reads as
 * words, else the guess if it does; n when none does. Candidates are
 * decoded only as far as needed.
 */
static gsize
guess_pick(const struct mime_ctx *ctx, const char *data, gsize len,
    const char **cands, GString **s, struct charset_verdict *v, gsize n)
{
	gsize	 i;
	int	 guess_ok = guess_try(data, len, cands, s, v, 0);

	if (guess_ok && ctx_trust_guess(ctx, &v[0]))
		return 0;
	for (i = 1; i < n; i++)
		if (guess_try(data, len, cands, s, v, i))
			return i;
	return guess_ok ? 0 : n;
}

/*
 * Unlabelled or mislabelled text that is neither UTF-8 nor ASCII. The
 * candidates: the mail's guess, the fallback, windows-1252, windows-874
 * (the Thai that ticketd was first written for), and the two Cyrillic
 * charsets that uchardet takes for Greek on a word or two. The guess
 * wins when it reads as words and is trusted (ctx_trust_guess), else
 * the first candidate in that order that reads as words. When none
 * does: a trusted guess, else the fallback with U+FFFD for what does
 * not fit. 7-bit text is only ever read as the escape charset
 * (ISO-2022-JP, HZ) that was guessed.
 */
static GString *
text_guess(struct mime_ctx *ctx, const char *data, gsize len,
    const char **used)
{
	const char		*cands[] = { ctx_guess(ctx), ctx->fallback,
				    MIME_DEFAULT_FALLBACK, MIME_THAI_CHARSET,
				    "windows-1251", "koi8-r", ctx->fallback };
	GString			*s[G_N_ELEMENTS(cands)] = { NULL };
	struct charset_verdict	 v[G_N_ELEMENTS(cands)];
	gsize			 i, pick, lossy, n = G_N_ELEMENTS(cands) - 1;

	if (!text_has_8bit(data, len))
		n = 1;
	/*
	 * Nothing reads as words: a trusted guess, else the fallback, its
	 * undefined bytes as U+FFFD (one byte lost beats words garbled).
	 */
	if ((pick = guess_pick(ctx, data, len, cands, s, v, n)) == n) {
		if (s[0] != NULL && (n == 1 || ctx_trust_guess(ctx, &v[0])))
			pick = 0;
		else if (n > 1 && (s[n] = convert(data, len, ctx->fallback,
		    &lossy)) != NULL)
			pick = n++;
	}
	for (i = 0; i < n; i++)
		if (i != pick && s[i] != NULL)
			g_string_free(s[i], TRUE);
	if (pick < n)
		*used = cands[pick];
	return pick < n ? s[pick] : NULL;
}

/*
 * C strings end at NUL, so a NUL inside text would silently cut it; the
 * other control characters (but tab, newline, form feed) are binary
 * debris, never text.
 */
static GString *
text_replace_controls(GString *s)
{
	GString		*out;
	const char	*p, *end = s->str + s->len;
	guchar		 c;

	for (p = s->str; p < end; p++) {
		c = (guchar)*p;
		if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r' &&
		    c != '\f') || c == 0x7f)
			break;
	}
	if (p == end)
		return s;
	out = g_string_sized_new(s->len + 16);
	for (p = s->str; p < end; p++) {
		c = (guchar)*p;
		if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r' &&
		    c != '\f') || c == 0x7f)
			g_string_append(out, MIME_REPLACEMENT);
		else
			g_string_append_c(out, *p);
	}
	g_string_free(s, TRUE);
	return out;
}

static char *
text_finish(GString *s)
{
	char	*text;

	s = text_replace_controls(s);
	if (g_utf8_validate_len(s->str, s->len, NULL))
		return g_string_free(s, FALSE);
	text = g_utf8_make_valid(s->str, s->len);
	g_string_free(s, TRUE);
	return text;
}

/*
 * len octets of text in charset (NULL when unlabelled) as valid UTF-8
 * without control characters. In order: the label, UTF-8, the label
 * with a few bad bytes, UTF-8 with a few bad bytes (a guess would
 * garble all of it), a guess. *used (when used is not NULL) is the
 * charset the text was read as, NULL when none fitted; it lives as long
 * as charset and ctx.
 */
static char *
text_to_utf8(struct mime_ctx *ctx, const char *data, gsize len,
    const char *charset, const char **used)
{
	GString		*s = NULL;
	const char	*cs = NULL;
	gsize		 multibyte, invalid;

	/* An empty GBytes has no data pointer, and iconv wants one. */
	if (data == NULL || len == 0) {
		if (used != NULL)
			*used = NULL;
		return g_strdup("");
	}
	if (charset != NULL &&
	    (charset_is_utf8(charset) || charset_is_ascii(charset)))
		charset = NULL;
	if (charset != NULL)
		s = text_labelled(data, len, charset, &cs);
	if (s == NULL) {
		utf8_census(data, len, &multibyte, &invalid);
		cs = "utf-8";
		if (invalid == 0 && multibyte > 0)
			s = g_string_new_len(data, len);
		else if (charset != NULL &&
		    (s = text_labelled_lossy(data, len, charset)) != NULL)
			cs = charset;
		else if (invalid == 0 && text_has_shifts(data, len))
			s = text_guess(ctx, data, len, &cs);
		else if (invalid == 0 || multibyte > invalid)
			s = g_string_new_len(data, len);
		else
			s = text_guess(ctx, data, len, &cs);
	}
	if (s == NULL) {
		cs = NULL;
		s = g_string_new_len(data, len);
	}
	if (used != NULL)
		*used = cs;
	return text_finish(s);
}

/* Mail text uses CRLF or, rarely, bare CR; the rest of ticketd wants \n. */
static char *
text_unix_newlines(char *text)
{
	char	*r, *w;

	for (r = w = text; *r != '\0'; r++) {
		if (*r == '\r') {
			*w++ = '\n';
			if (r[1] == '\n')
				r++;
		} else
			*w++ = *r;
	}
	*w = '\0';
	return text;
}

/*
 * Encoded words (RFC 2047).
 */

struct ew {
	const char	*charset;	/* without the *language */
	gsize		 charset_len;
	char		 encoding;	/* 'B' or 'Q' */
	const char	*text;
	gsize		 text_len;
	const char	*end;		/* just after "?=" */
};

/*
 * An encoded word at p. RFC 2047 allows 75 octets; mailers write longer
 * ones, but a bound keeps a header full of "=?" from costing n^2.
 */
static int
ew_parse(const char *p, struct ew *w)
{
	const char	*q, *lang, *limit;

	if (p[0] != '=' || p[1] != '?')
		return 0;
	w->charset = p + 2;
	for (q = w->charset; *q != '\0' && *q != '?' &&
	    !g_ascii_isspace(*q) && q - w->charset < MIME_EW_CHARSET_MAX; q++)
		;
	if (*q != '?' || q == w->charset || q[1] == '\0' ||
	    strchr("BbQq", q[1]) == NULL || q[2] != '?')
		return 0;
	w->charset_len = q - w->charset;
	if ((lang = memchr(w->charset, '*', w->charset_len)) != NULL)
		w->charset_len = lang - w->charset;
	w->encoding = g_ascii_toupper(q[1]);
	w->text = q + 3;
	limit = w->text + MIME_EW_TEXT_MAX;
	for (q = w->text; *q != '\0' && !(q[0] == '?' && q[1] == '='); q++)
		if (g_ascii_isspace(*q) || q == limit)
			return 0;
	if (*q == '\0')
		return 0;
	w->text_len = q - w->text;
	w->end = q + 2;
	return 1;
}

/*
 * Adjacent words in one charset are decoded as one: their octets are
 * joined before conversion, so a UTF-8 or TIS-620 character split
 * across two words survives, and so does base64 split mid-quantum.
 */
struct ew_run {
	GByteArray	*octets;
	char		*charset;
	guint32		 bits;		/* base64 carried between words */
	guint		 nbits;
};

static void
ew_b64_end(struct ew_run *r)
{
	guint8	 b;

	for (; r->nbits >= 8; r->nbits -= 8) {
		b = (r->bits >> (r->nbits - 8)) & 0xff;
		g_byte_array_append(r->octets, &b, 1);
	}
	r->bits = r->nbits = 0;
}

static void
ew_b64(struct ew_run *r, const struct ew *w)
{
	gsize	 i;
	int	 v;

	for (i = 0; i < w->text_len; i++) {
		if (w->text[i] == '=') {
			ew_b64_end(r);
			continue;
		}
		if ((v = charset_b64_value(w->text[i])) < 0)
			continue;
		r->bits = (r->bits << 6) | (guint32)v;
		if ((r->nbits += 6) == 24)
			ew_b64_end(r);
	}
}

static void
ew_q(struct ew_run *r, const struct ew *w)
{
	gsize	 i;
	guint8	 b;

	ew_b64_end(r);
	for (i = 0; i < w->text_len; i++) {
		b = (guint8)w->text[i];
		if (b == '_')
			b = ' ';
		else if (b == '=' && i + 2 < w->text_len &&
		    g_ascii_isxdigit(w->text[i + 1]) &&
		    g_ascii_isxdigit(w->text[i + 2])) {
			b = g_ascii_xdigit_value(w->text[i + 1]) << 4 |
			    g_ascii_xdigit_value(w->text[i + 2]);
			i += 2;
		}
		g_byte_array_append(r->octets, &b, 1);
	}
}

static void
ew_flush(struct mime_ctx *ctx, struct ew_run *r, GString *out)
{
	char	*text;

	ew_b64_end(r);
	if (r->octets->len > 0) {
		text = text_to_utf8(ctx, (const char *)r->octets->data,
		    r->octets->len, r->charset, NULL);
		g_string_append(out, text);
		g_free(text);
		g_byte_array_set_size(r->octets, 0);
	}
	g_free(r->charset);
	r->charset = NULL;
}

static void
ew_add(struct mime_ctx *ctx, struct ew_run *r, const struct ew *w,
    GString *out)
{
	if (r->charset != NULL && (strlen(r->charset) != w->charset_len ||
	    g_ascii_strncasecmp(r->charset, w->charset, w->charset_len) != 0))
		ew_flush(ctx, r, out);
	if (r->charset == NULL)
		r->charset = g_strndup(w->charset, w->charset_len);
	if (w->encoding == 'B')
		ew_b64(r, w);
	else
		ew_q(r, w);
}

/* The end of the run of encoded words that starts at p (a word). */
static const char *
ew_run_end(const char *p)
{
	struct ew	 w;
	const char	*q;

	while (ew_parse(p, &w)) {
		p = w.end;
		for (q = p; *q == ' ' || *q == '\t'; q++)
			;
		if (!ew_parse(q, &w))
			break;
		p = q;
	}
	return p;
}

/*
 * Decode the encoded words in len octets of UTF-8 text, wherever they
 * are (mailers put them inside words and quotes too); whitespace between
 * two encoded words goes.
 */
static char *
ew_decode(struct mime_ctx *ctx, const char *text, gsize len)
{
	GString		*out = g_string_sized_new(len);
	struct ew_run	 r = { g_byte_array_new(), NULL, 0, 0 };
	char		*copy = g_strndup(text, len), *p = copy, *q;
	struct ew	 w;

	if (strstr(copy, "=?") == NULL) {
		g_string_free(out, TRUE);
		g_byte_array_unref(r.octets);
		return copy;
	}
	while (*p != '\0') {
		if (ew_parse(p, &w)) {
			ew_add(ctx, &r, &w, out);
			for (p = (char *)w.end, q = p; *q == ' ' || *q == '\t'; q++)
				;
			if (ew_parse(q, &w))
				p = q;
			continue;
		}
		ew_flush(ctx, &r, out);
		g_string_append_c(out, *p++);
	}
	ew_flush(ctx, &r, out);
	g_byte_array_unref(r.octets);
	g_free(copy);
	return g_string_free(out, FALSE);
}

/*
 * Headers.
 */

/*
 * Encoded words can carry CR and LF; a subject that holds them would
 * inject headers into the replies built from it.
 */
static char *
text_one_line(char *text)
{
	char	*p;

	for (p = text; *p != '\0'; p++)
		if ((guchar)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	return text;
}

/*
 * A raw header value as unfolded, trimmed, valid UTF-8. charset is a
 * hint for raw 8-bit text: the charset of the body.
 */
static char *
header_raw_utf8(struct mime_ctx *ctx, const char *raw, const char *charset)
{
	char	*text, *unfolded;

	if (raw == NULL)
		return NULL;
	if (g_utf8_validate(raw, -1, NULL) &&
	    !text_has_shifts(raw, strlen(raw)))
		text = g_strdup(raw);
	else
		text = text_to_utf8(ctx, raw, strlen(raw), charset, NULL);
	unfolded = g_mime_utils_header_unfold(text);
	g_free(text);
	return g_strstrip(unfolded);
}

static char *
header_decode(struct mime_ctx *ctx, const char *raw, const char *charset)
{
	char	*utf8, *text;

	utf8 = header_raw_utf8(ctx, raw, charset);
	text = ew_decode(ctx, utf8, strlen(utf8));
	g_free(utf8);
	return g_strstrip(text_one_line(text));
}

static void
headers_sample(struct mime_ctx *ctx, GMimeHeaderList *list)
{
	const char	*raw;
	int		 i, n;

	n = g_mime_header_list_get_count(list);
	for (i = 0; i < n; i++) {
		raw = g_mime_header_get_raw_value(
		    g_mime_header_list_get_header_at(list, i));
		if (raw != NULL)
			ctx_sample(ctx, raw, strlen(raw), NULL);
	}
}

/* Each field into m->header_list, the first of each name into m->headers. */
static void
headers_add(struct mime_ctx *ctx, struct mail *m, GMimeHeaderList *list,
    const char *charset)
{
	GMimeHeader		*h;
	struct mail_field	*f;
	char			*lower;
	int			 i, n;

	n = g_mime_header_list_get_count(list);
	for (i = 0; i < n; i++) {
		h = g_mime_header_list_get_header_at(list, i);
		f = g_new(struct mail_field, 1);
		/* gmime keeps 8-bit octets in a header's name too. */
		lower = g_ascii_strdown(g_mime_header_get_name(h), -1);
		f->name = text_one_line(g_utf8_make_valid(lower, -1));
		g_free(lower);
		f->value = header_decode(ctx, g_mime_header_get_raw_value(h),
		    charset);
		g_ptr_array_add(m->header_list, f);
		if (!g_hash_table_contains(m->headers, f->name))
			g_hash_table_insert(m->headers, g_strdup(f->name),
			    g_strdup(f->value));
	}
}

/* The raw value of the first header called name, or NULL. */
static const char *
header_raw(GMimeObject *obj, const char *name)
{
	GMimeHeaderList	*list;
	GMimeHeader	*h;

	list = g_mime_object_get_header_list(obj);
	h = g_mime_header_list_get_header(list, name);
	return h == NULL ? NULL : g_mime_header_get_raw_value(h);
}

/* Decoded text as the inside of a quoted string or a comment. */
static void
address_append_escaped(GString *out, const char *text, const char *specials)
{
	for (; *text != '\0'; text++) {
		if (strchr(specials, *text) != NULL)
			g_string_append_c(out, '\\');
		g_string_append_c(out, *text);
	}
}

/*
 * An address header with its encoded words decoded in place, as quoted
 * strings, so that gmime's address parser (which has the #133 bug) sees
 * none, and a decoded comma or quote cannot split or end a name.
 */
static char *
address_predecode(struct mime_ctx *ctx, const char *value)
{
	GString		*out = g_string_sized_new(strlen(value));
	const char	*p = value, *end;
	char		*text;
	int		 quoted = 0, comment = 0, angle = 0;
	struct ew	 w;

	while (*p != '\0') {
		if (!angle && ew_parse(p, &w)) {
			end = ew_run_end(p);
			text = text_one_line(ew_decode(ctx, p, end - p));
			if (!quoted && !comment)
				g_string_append_c(out, '"');
			address_append_escaped(out, text,
			    comment ? "()\\" : "\"\\");
			if (!quoted && !comment)
				g_string_append_c(out, '"');
			g_free(text);
			p = end;
			continue;
		}
		if (*p == '\\' && (quoted || comment) && p[1] != '\0')
			g_string_append_c(out, *p++);
		else if (*p == '"' && !comment && !angle)
			quoted = !quoted;
		else if (!quoted && !angle && (*p == '(' || *p == ')'))
			comment += *p == '(' ? 1 : comment > 0 ? -1 : 0;
		else if (!quoted && !comment && (*p == '<' || *p == '>'))
			angle = *p == '<';
		g_string_append_c(out, *p++);
	}
	return g_string_free(out, FALSE);
}

static InternetAddressList *
header_addresses(struct mime_ctx *ctx, GMimeMessage *msg, const char *name,
    const char *charset)
{
	InternetAddressList	*list;
	char			*value, *decoded;

	value = header_raw_utf8(ctx, header_raw(GMIME_OBJECT(msg), name),
	    charset);
	if (value == NULL)
		return NULL;
	decoded = address_predecode(ctx, value);
	list = internet_address_list_parse(mime_options, decoded);
	g_free(decoded);
	g_free(value);
	return list;
}

static char *
address_list_text(struct mime_ctx *ctx, GMimeMessage *msg, const char *name,
    const char *charset)
{
	InternetAddressList	*list;
	char			*text;

	if ((list = header_addresses(ctx, msg, name, charset)) == NULL)
		return g_strdup("");
	text = internet_address_list_to_string(list, NULL, FALSE);
	g_object_unref(list);
	return text == NULL ? g_strdup("") : text_one_line(text);
}

/* The first mailbox in a list, looking inside groups. */
static InternetAddressMailbox *
address_first_mailbox(InternetAddressList *list)
{
	InternetAddress		*ia;
	InternetAddressMailbox	*mb;
	int			 i, n;

	n = internet_address_list_length(list);
	for (i = 0; i < n; i++) {
		ia = internet_address_list_get_address(list, i);
		if (INTERNET_ADDRESS_IS_MAILBOX(ia))
			return INTERNET_ADDRESS_MAILBOX(ia);
		mb = address_first_mailbox(internet_address_group_get_members(
		    INTERNET_ADDRESS_GROUP(ia)));
		if (mb != NULL)
			return mb;
	}
	return NULL;
}

/* Every mailbox of list, groups included, with its name, into out. */
static void
address_mailboxes(GPtrArray *out, InternetAddressList *list)
{
	InternetAddress		*ia;
	struct mail_mailbox	*mb;
	const char		*spec, *name;
	int			 i, n;

	n = internet_address_list_length(list);
	for (i = 0; i < n; i++) {
		ia = internet_address_list_get_address(list, i);
		if (!INTERNET_ADDRESS_IS_MAILBOX(ia)) {
			address_mailboxes(out, internet_address_group_get_members(
			    INTERNET_ADDRESS_GROUP(ia)));
			continue;
		}
		spec = internet_address_mailbox_get_addr(
		    INTERNET_ADDRESS_MAILBOX(ia));
		name = internet_address_get_name(ia);
		mb = g_new(struct mail_mailbox, 1);
		mb->addr = text_one_line(g_utf8_strdown(spec ? spec : "", -1));
		mb->name = g_strstrip(text_one_line(g_strdup(name ? name : "")));
		g_ptr_array_add(out, mb);
	}
}

/* Add the address of every mailbox (struct mail_mailbox *) to addrs, once. */
static void
address_collect(GPtrArray *addrs, const GPtrArray *mailboxes)
{
	for (guint i = 0; i < mailboxes->len; i++) {
		const struct mail_mailbox *mb = mailboxes->pdata[i];

		/* "From: Support Team" names no mailbox: see from_name_only(). */
		if (strchr(mb->addr, '@') != NULL &&
		    !g_ptr_array_find_with_equal_func(addrs, mb->addr,
		    g_str_equal, NULL))
			g_ptr_array_add(addrs, g_strdup(mb->addr));
	}
}

/* The mailboxes of From, To and Cc, and the addresses of participants. */
static void
mail_read_addresses(struct mime_ctx *ctx, struct mail *m, GMimeMessage *msg,
    const char *charset)
{
	static const char *const fields[] = { "From", "To", "Cc" };
	GPtrArray		*lists[] = { m->from_list, m->to_list,
				    m->cc_list };
	InternetAddressList	*list;

	for (gsize i = 0; i < G_N_ELEMENTS(fields); i++) {
		if ((list = header_addresses(ctx, msg, fields[i],
		    charset)) != NULL) {
			address_mailboxes(lists[i], list);
			g_object_unref(list);
		}
		address_collect(m->addresses, lists[i]);
	}
	address_collect(m->to_addrs, m->to_list);
}

/*
 * A From with a name but no address ("=?koi8-r?B?...?=" alone, or
 * "Support Team"): the decoded text is the name, and the address stays
 * empty, so that ingest takes the envelope sender instead.
 */
static char *
from_name_only(struct mime_ctx *ctx, GMimeMessage *msg, const char *charset)
{
	char	*value, *text;

	value = header_raw_utf8(ctx, header_raw(GMIME_OBJECT(msg), "From"),
	    charset);
	text = ew_decode(ctx, value, strlen(value));
	g_free(value);
	g_strdelimit(text, "\"<>", ' ');
	return g_strstrip(text_one_line(text));
}

static void
mail_read_from(struct mime_ctx *ctx, struct mail *m, GMimeMessage *msg,
    const char *charset)
{
	InternetAddressList	*list;
	InternetAddressMailbox	*mb = NULL;
	const char		*name, *addr = NULL;

	if (header_raw(GMIME_OBJECT(msg), "From") == NULL)
		return;
	list = header_addresses(ctx, msg, "From", charset);
	if (list != NULL && (mb = address_first_mailbox(list)) != NULL)
		addr = internet_address_mailbox_get_addr(mb);
	g_free(m->from_name);
	g_free(m->from_addr);
	if (addr != NULL && strchr(addr, '@') != NULL) {
		name = internet_address_get_name(INTERNET_ADDRESS(mb));
		m->from_name = text_one_line(g_strdup(name ? name : ""));
		m->from_addr = text_one_line(g_strdup(addr));
	} else {
		m->from_name = from_name_only(ctx, msg, charset);
		m->from_addr = g_strdup("");
	}
	if (list != NULL)
		g_object_unref(list);
}

static char *
header_msgid(struct mime_ctx *ctx, GMimeMessage *msg, const char *name)
{
	char	*value, *id;

	value = header_raw_utf8(ctx, header_raw(GMIME_OBJECT(msg), name), NULL);
	if (value == NULL)
		return NULL;
	id = g_mime_utils_decode_message_id(value);
	g_free(value);
	if (id != NULL && *g_strstrip(text_one_line(id)) == '\0') {
		g_free(id);
		id = NULL;
	}
	return id;
}

/* All the msg-ids in a header, in order, skipping whatever is not one. */
static GMimeReferences *
header_references(struct mime_ctx *ctx, GMimeMessage *msg, const char *name)
{
	GMimeReferences	*refs;
	char		*value;

	value = header_raw_utf8(ctx, header_raw(GMIME_OBJECT(msg), name), NULL);
	if (value == NULL)
		return NULL;
	refs = g_mime_references_parse(mime_options, value);
	g_free(value);
	return refs;
}

static void
mail_read_threading(struct mime_ctx *ctx, struct mail *m, GMimeMessage *msg)
{
	GMimeReferences	*refs;
	int		 i, n;

	m->message_id = header_msgid(ctx, msg, "Message-ID");
	if ((refs = header_references(ctx, msg, "In-Reply-To")) != NULL) {
		if (g_mime_references_length(refs) > 0)
			m->in_reply_to = text_one_line(g_strdup(
			    g_mime_references_get_message_id(refs, 0)));
		g_mime_references_free(refs);
	}
	if ((refs = header_references(ctx, msg, "References")) != NULL) {
		n = g_mime_references_length(refs);
		for (i = 0; i < n; i++)
			g_ptr_array_add(m->references, text_one_line(g_strdup(
			    g_mime_references_get_message_id(refs, i))));
		g_mime_references_free(refs);
	}
}

static void
mail_read_date(struct mime_ctx *ctx, struct mail *m, GMimeMessage *msg)
{
	GDateTime	*date;
	char		*value;

	value = header_raw_utf8(ctx, header_raw(GMIME_OBJECT(msg), "Date"),
	    NULL);
	if (value == NULL)
		return;
	if ((date = g_mime_utils_header_decode_date(value)) != NULL) {
		m->date = g_date_time_to_utc(date);
		g_date_time_unref(date);
	}
	g_free(value);
}

static void
mail_read_headers(struct mime_ctx *ctx, struct mail *m, GMimeMessage *msg,
    const char *charset)
{
	const char	*v;

	headers_add(ctx, m, g_mime_object_get_header_list(GMIME_OBJECT(msg)),
	    charset);
	/* gmime files the top-level Content-* headers under the part. */
	if (g_mime_message_get_mime_part(msg) != NULL)
		headers_add(ctx, m, g_mime_object_get_header_list(
		    g_mime_message_get_mime_part(msg)), charset);

	if ((v = mail_header(m, "subject")) != NULL) {
		g_free(m->subject);
		m->subject = g_strdup(v);
	}
	if ((v = mail_header(m, "content-language")) != NULL && *v != '\0')
		m->content_language = g_strdup(v);
	mail_read_from(ctx, m, msg, charset);
	g_free(m->to);
	m->to = address_list_text(ctx, msg, "To", charset);
	g_free(m->cc);
	m->cc = address_list_text(ctx, msg, "Cc", charset);
	mail_read_addresses(ctx, m, msg, charset);
	mail_read_date(ctx, m, msg);
	mail_read_threading(ctx, m, msg);
}

/*
 * Parts.
 */

static GBytes *
part_content(GMimePart *part)
{
	GMimeDataWrapper	*wrapper;
	GMimeStream		*stream;
	GByteArray		*array;

	array = g_byte_array_new();
	if ((wrapper = g_mime_part_get_content(part)) != NULL) {
		stream = g_mime_stream_mem_new_with_byte_array(array);
		g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(stream), FALSE);
		g_mime_data_wrapper_write_to_stream(wrapper, stream);
		g_object_unref(stream);
	}
	return g_byte_array_free_to_bytes(array);
}

/* The content as it travels, before any transfer decoding. */
static GBytes *
part_encoded(GMimePart *part)
{
	GMimeDataWrapper	*wrapper;
	GMimeStream		*src, *dst;
	GByteArray		*array;

	array = g_byte_array_new();
	if ((wrapper = g_mime_part_get_content(part)) != NULL &&
	    (src = g_mime_data_wrapper_get_stream(wrapper)) != NULL) {
		dst = g_mime_stream_mem_new_with_byte_array(array);
		g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(dst), FALSE);
		g_mime_stream_reset(src);
		g_mime_stream_write_to_stream(src, dst);
		g_mime_stream_reset(src);
		g_object_unref(dst);
	}
	return g_byte_array_free_to_bytes(array);
}

static int
line_is_blank(const char *p, const char *end)
{
	for (; p < end; p++)
		if (!g_ascii_isspace(*p))
			return 0;
	return 1;
}

/* A line of base64 as mailers write it: the alphabet, padding at the end. */
static int
b64_line(const char *p, gsize len)
{
	gsize	 i, pad = 0;

	while (len > 0 && g_ascii_isspace(p[len - 1]))
		len--;
	for (i = 0; i < len; i++) {
		if (p[i] == '=')
			pad++;
		else if (pad > 0 || charset_b64_value(p[i]) < 0)
			return 0;
	}
	return len > 0 && pad <= 2;
}

/*
 * How many leading octets of a "base64" body really are base64: all of
 * it, or the lines before a footer that a list appended, or none when
 * it was plain text under a wrong label (its spaces and punctuation are
 * not in the alphabet). A prefix counts only when it is whole quanta and
 * long enough not to be a word that happens to be in the alphabet.
 */
static gsize
b64_extent(const char *data, gsize len)
{
	const char	*p = data, *end, *nl, *last = data;
	gsize		 chars = 0, line;

	/* An empty part has no data pointer to count from. */
	if (data == NULL || len == 0)
		return 0;
	for (end = data + len; p < end; p = nl != NULL ? nl + 1 : end) {
		nl = memchr(p, '\n', end - p);
		line = (nl != NULL ? nl : end) - p;
		if (b64_line(p, line)) {
			chars += line;
			last = nl != NULL ? nl + 1 : end;
		} else if (!line_is_blank(p, p + line))
			break;
	}
	if (p >= end)
		return len;
	if (chars >= 16 && chars % 4 == 0)
		return last - data;
	return 0;
}

/*
 * The decoded content of a text part. Text labelled base64 that is not
 * base64 is kept as it is: gmime would skip what is not in the alphabet
 * and turn the rest into binary debris.
 */
static GBytes *
part_text_content(GMimePart *part)
{
	GBytes		*encoded;
	const char	*data;
	gsize		 len, good, outlen;
	GByteArray	*out;
	gint		 state = 0;
	guint		 save = 0;

	if (g_mime_part_get_content_encoding(part) !=
	    GMIME_CONTENT_ENCODING_BASE64)
		return part_content(part);
	encoded = part_encoded(part);
	data = g_bytes_get_data(encoded, &len);
	if ((good = b64_extent(data, len)) == len) {
		g_bytes_unref(encoded);
		return part_content(part);
	}
	log_trace(TRACE_MIME, "mime: %zu of %zu octets labelled base64 are not",
	    len - good, len);
	out = g_byte_array_sized_new(len);
	g_byte_array_set_size(out, good / 4 * 3 + 3);
	outlen = g_base64_decode_step(data, good, out->data, &state, &save);
	g_byte_array_set_size(out, outlen);
	g_byte_array_append(out, (const guint8 *)data + good, len - good);
	g_bytes_unref(encoded);
	return g_byte_array_free_to_bytes(out);
}

static GBytes *
message_content(GMimeMessage *msg)
{
	GMimeStream	*stream;
	GByteArray	*array;

	array = g_byte_array_new();
	if (msg != NULL) {
		stream = g_mime_stream_mem_new_with_byte_array(array);
		g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(stream), FALSE);
		g_mime_object_write_to_stream(GMIME_OBJECT(msg), NULL, stream);
		g_object_unref(stream);
	}
	return g_byte_array_free_to_bytes(array);
}

static const char *
part_charset(GMimePart *part)
{
	return g_mime_object_get_content_type_parameter(GMIME_OBJECT(part),
	    "charset");
}

/* "text/plain" and "x-foo/bar; a=b", but not "text" or "<html>". */
static int
content_type_valid(const char *value)
{
	static const char	 tspecials[] = "()<>@,;:\\\"/[]?= \t";
	const char		*p = value;
	gsize			 n;

	while (g_ascii_isspace(*p))
		p++;
	for (n = 0; *p > 0x20 && *p < 0x7f && !strchr(tspecials, *p); p++)
		n++;
	if (n == 0 || *p++ != '/')
		return 0;
	for (n = 0; *p > 0x20 && *p < 0x7f && !strchr(tspecials, *p); p++)
		n++;
	return n > 0;
}

/*
 * The text subtype of a leaf, or NULL when it is no text. A
 * Content-Type that does not parse ("text", "<html>") means text/plain,
 * as in RFC 2045 and Python's email package, or HTML when it starts like
 * HTML.
 */
static const char *
part_text_subtype(GMimeObject *obj)
{
	GMimeContentType	*ct = g_mime_object_get_content_type(obj);
	const char		*raw = header_raw(obj, "Content-Type");
	const char		*sub;
	GBytes			*content;
	const char		*data;
	gsize			 len, i;

	if (raw == NULL || content_type_valid(raw)) {
		if (!g_mime_content_type_is_type(ct, "text", "*"))
			return NULL;
		sub = g_mime_content_type_get_media_subtype(ct);
		return g_ascii_strcasecmp(sub, "html") == 0 ? "html" : sub;
	}
	content = part_content(GMIME_PART(obj));
	data = g_bytes_get_data(content, &len);
	for (i = 0; i < len && g_ascii_isspace(data[i]); i++)
		;
	sub = len - i >= 5 && data[i] == '<' && (g_ascii_strncasecmp(data + i,
	    "<html", 5) == 0 || g_ascii_strncasecmp(data + i, "<!doc", 5) == 0) ?
	    "html" : "plain";
	g_bytes_unref(content);
	return sub;
}

static int
part_is_html(GMimePart *part)
{
	const char	*sub = part_text_subtype(GMIME_OBJECT(part));

	return sub != NULL && strcmp(sub, "html") == 0;
}

/*
 * The first text/subtype leaf that is not an attachment, depth first.
 * Embedded messages are entered only when asked: a forwarded mail's
 * text is not the body of the mail that forwards it.
 */
static GMimePart *
part_find_text(GMimeObject *obj, const char *subtype, int enter_messages)
{
	GMimeMultipart	*mp;
	GMimeMessage	*inner;
	GMimePart	*found;
	const char	*sub;
	int		 i, n;

	if (GMIME_IS_MULTIPART(obj)) {
		mp = GMIME_MULTIPART(obj);
		n = g_mime_multipart_get_count(mp);
		for (i = 0; i < n; i++) {
			found = part_find_text(g_mime_multipart_get_part(mp, i),
			    subtype, enter_messages);
			if (found != NULL)
				return found;
		}
		return NULL;
	}
	if (GMIME_IS_MESSAGE_PART(obj)) {
		inner = g_mime_message_part_get_message(
		    GMIME_MESSAGE_PART(obj));
		if (!enter_messages || inner == NULL)
			return NULL;
		return part_find_text(g_mime_message_get_mime_part(inner),
		    subtype, enter_messages);
	}
	if (GMIME_IS_PART(obj) && !g_mime_part_is_attachment(GMIME_PART(obj)) &&
	    (sub = part_text_subtype(obj)) != NULL &&
	    g_ascii_strcasecmp(sub, subtype) == 0)
		return GMIME_PART(obj);
	return NULL;
}

/* Plain text beats HTML; the mail's own parts beat embedded messages. */
static GMimePart *
part_find_body(GMimeMessage *msg)
{
	GMimeObject	*top = g_mime_message_get_mime_part(msg);
	GMimePart	*part;

	if (top == NULL)
		return NULL;
	if ((part = part_find_text(top, "plain", 0)) == NULL &&
	    (part = part_find_text(top, "html", 0)) == NULL &&
	    (part = part_find_text(top, "plain", 1)) == NULL)
		part = part_find_text(top, "html", 1);
	return part;
}

static char *
part_text(struct mime_ctx *ctx, GMimePart *part, GBytes *content,
    const char **charset)
{
	const char	*data;
	char		*text, *html;
	gsize		 len;

	data = g_bytes_get_data(content, &len);
	text = text_to_utf8(ctx, data, len, part_charset(part), charset);
	if (part_is_html(part)) {
		html = text;
		text = html_to_text(html, strlen(html));
		g_free(html);
	}
	return text_unix_newlines(text);
}

/*
 * The part's type, lower case. gmime keeps whatever octets the header
 * had; a type is RFC 2045 token characters, so one with anything else
 * is no type at all, and says so.
 */
static char *
object_type(GMimeObject *obj)
{
	char	*type, *lower;

	type = g_mime_content_type_get_mime_type(
	    g_mime_object_get_content_type(obj));
	for (const char *p = type; *p != '\0'; p++)
		if ((guchar)*p <= ' ' || (guchar)*p >= 0x7f) {
			g_free(type);
			return g_strdup("application/octet-stream");
		}
	lower = g_ascii_strdown(type, -1);
	g_free(type);
	return lower;
}

/*
 * The raw value of parameter name in a header value, unquoted, or NULL.
 * Only for "name=" (not RFC 2231 "name*="), which gmime reads right.
 */
static char *
param_raw(const char *value, const char *name)
{
	const char	*p = value;
	gsize		 n = strlen(name);
	GString		*out;

	while ((p = strchr(p, ';')) != NULL) {
		for (p++; g_ascii_isspace(*p); p++)
			;
		if (g_ascii_strncasecmp(p, name, n) != 0)
			continue;
		for (p += n; g_ascii_isspace(*p); p++)
			;
		if (*p != '=')
			continue;
		for (p++; g_ascii_isspace(*p); p++)
			;
		out = g_string_new(NULL);
		if (*p == '"') {
			for (p++; *p != '\0' && *p != '"'; p++) {
				if (*p == '\\' && p[1] != '\0')
					p++;
				g_string_append_c(out, *p);
			}
		} else
			for (; *p != '\0' && *p != ';' &&
			    !g_ascii_isspace(*p); p++)
				g_string_append_c(out, *p);
		return g_string_free(out, FALSE);
	}
	return NULL;
}

/* A file name in encoded words, which gmime decodes with the #133 bug. */
static char *
object_param_ew(struct mime_ctx *ctx, GMimeObject *obj, const char *header,
    const char *name)
{
	char	*value, *param, *text = NULL;

	value = header_raw_utf8(ctx, header_raw(obj, header), NULL);
	if (value == NULL)
		return NULL;
	param = param_raw(value, name);
	if (param != NULL && strstr(param, "=?") != NULL)
		text = ew_decode(ctx, param, strlen(param));
	g_free(param);
	g_free(value);
	return text;
}

static char *
object_filename(struct mime_ctx *ctx, GMimeObject *obj)
{
	const char	*name;
	char		*text;

	name = g_mime_object_get_content_disposition_parameter(obj, "filename");
	if (name != NULL)
		text = object_param_ew(ctx, obj, "Content-Disposition",
		    "filename");
	else {
		name = g_mime_object_get_content_type_parameter(obj, "name");
		text = object_param_ew(ctx, obj, "Content-Type", "name");
	}
	if (text != NULL)
		return g_strstrip(text_one_line(text));
	if (name == NULL)
		return NULL;
	return text_one_line(text_to_utf8(ctx, name, strlen(name), NULL, NULL));
}

static void
mail_add_attachment(struct mail *m, char *name, char *type, GBytes *content)
{
	struct mail_attachment	*a;

	a = g_new0(struct mail_attachment, 1);
	a->name = name == NULL ? g_strdup("") : name;
	a->type = type;
	a->content = content;
	a->size = g_bytes_get_size(content);
	g_ptr_array_add(m->attachments, a);
}

/*
 * gmime's attachment test only reads the disposition, so a PDF sent
 * inline with a file name would be lost; any named part that is not
 * the body counts. An unnamed inline image (a Content-ID target) does
 * not.
 */
static int
part_is_attachment(GMimePart *part, GMimePart *body)
{
	if (g_mime_part_is_attachment(part))
		return 1;
	return part != body && g_mime_part_get_filename(part) != NULL;
}

static void
mail_read_attachments(struct mime_ctx *ctx, struct mail *m, GMimeObject *obj,
    GMimePart *body)
{
	GMimeMultipart	*mp;
	char		*name;
	int		 i, n;

	if (GMIME_IS_MULTIPART(obj)) {
		mp = GMIME_MULTIPART(obj);
		n = g_mime_multipart_get_count(mp);
		for (i = 0; i < n; i++)
			mail_read_attachments(ctx, m,
			    g_mime_multipart_get_part(mp, i), body);
	} else if (GMIME_IS_MESSAGE_PART(obj)) {
		if ((name = object_filename(ctx, obj)) == NULL)
			name = g_strdup("message.eml");
		mail_add_attachment(m, name, object_type(obj),
		    message_content(g_mime_message_part_get_message(
		    GMIME_MESSAGE_PART(obj))));
	} else if (GMIME_IS_PART(obj) &&
	    part_is_attachment(GMIME_PART(obj), body)) {
		mail_add_attachment(m, object_filename(ctx, obj),
		    object_type(obj), part_content(GMIME_PART(obj)));
	}
}

static int
object_is(GMimeObject *obj, const char *type, const char *subtype)
{
	return g_mime_content_type_is_type(g_mime_object_get_content_type(obj),
	    type, subtype);
}

/* The report parts a DSN parser needs; neither is body nor attachment. */
static void
mail_read_report(struct mail *m, GMimeObject *obj)
{
	GMimeMultipart	*mp;
	GBytes		**slot = NULL;
	int		 i, n;

	if (GMIME_IS_MULTIPART(obj)) {
		mp = GMIME_MULTIPART(obj);
		n = g_mime_multipart_get_count(mp);
		for (i = 0; i < n; i++)
			mail_read_report(m, g_mime_multipart_get_part(mp, i));
		return;
	}
	if (!GMIME_IS_PART(obj))
		return;
	if (object_is(obj, "message", "delivery-status") ||
	    object_is(obj, "message", "global-delivery-status"))
		slot = &m->delivery_status;
	else if (object_is(obj, "text", "rfc822-headers") ||
	    object_is(obj, "message", "global-headers"))
		slot = &m->returned_headers;
	if (slot != NULL && *slot == NULL)
		*slot = part_content(GMIME_PART(obj));
}

/*
 * The struct mail.
 */

static void
attachment_free(gpointer p)
{
	struct mail_attachment	*a = p;

	g_free(a->name);
	g_free(a->type);
	g_bytes_unref(a->content);
	g_free(a);
}

static void
mailbox_free(gpointer p)
{
	struct mail_mailbox	*mb = p;

	g_free(mb->name);
	g_free(mb->addr);
	g_free(mb);
}

static void
field_free(gpointer p)
{
	struct mail_field	*f = p;

	g_free(f->name);
	g_free(f->value);
	g_free(f);
}

static struct mail *
mail_new(GBytes *raw)
{
	struct mail	*m;

	m = g_new0(struct mail, 1);
	m->raw = raw == NULL ? g_bytes_new(NULL, 0) : g_bytes_ref(raw);
	m->subject = g_strdup("");
	m->from_name = g_strdup("");
	m->from_addr = g_strdup("");
	m->to = g_strdup("");
	m->cc = g_strdup("");
	m->references = g_ptr_array_new_with_free_func(g_free);
	m->addresses = g_ptr_array_new_with_free_func(g_free);
	m->to_addrs = g_ptr_array_new_with_free_func(g_free);
	m->from_list = g_ptr_array_new_with_free_func(mailbox_free);
	m->to_list = g_ptr_array_new_with_free_func(mailbox_free);
	m->cc_list = g_ptr_array_new_with_free_func(mailbox_free);
	m->header_list = g_ptr_array_new_with_free_func(field_free);
	m->attachments = g_ptr_array_new_with_free_func(attachment_free);
	m->headers = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
	    g_free);
	return m;
}

/* Nothing parsed, but an agent can still read what came in. */
static void
mail_read_unparsed(struct mime_ctx *ctx, struct mail *m)
{
	const char	*data;
	gsize		 len;

	data = g_bytes_get_data(m->raw, &len);
	m->parsed = 0;
	m->parse_error = g_strdup(len == 0 ? "empty message" :
	    "no header block at the start of the message");
	ctx_sample(ctx, data, len, NULL);
	m->body = text_unix_newlines(text_to_utf8(ctx, data, len, NULL, NULL));
	log_trace(TRACE_MIME, "mime: %zu octets unparsed: %s", len,
	    m->parse_error);
}

/*
 * Binary data under a text label (a zip called text/plain, base64 gone
 * wrong) is no text: once converted, much of it is U+FFFD.
 */
static int
text_is_debris(const char *text)
{
	const char	*p;
	gsize		 chars = 0, replaced = 0;

	for (p = text; *p != '\0'; p = g_utf8_next_char(p)) {
		chars++;
		if (strncmp(p, MIME_REPLACEMENT, 3) == 0)
			replaced++;
	}
	return replaced >= 8 && replaced * 8 > chars;
}

/* Is there anything but white space after the header block? */
static int
mail_has_content(GBytes *raw)
{
	const char	*data, *p, *end;
	gsize		 len;

	if ((data = g_bytes_get_data(raw, &len)) == NULL)
		return 0;
	end = data + len;
	if ((p = g_strstr_len(data, len, "\n\n")) == NULL &&
	    (p = g_strstr_len(data, len, "\n\r\n")) == NULL)
		return 0;
	for (; p < end; p++)
		if (!g_ascii_isspace(*p))
			return 1;
	return 0;
}

/*
 * A mail that has content but no text we could find, nor an attachment
 * or a delivery report to show instead, must not pass for an empty
 * mail: it is flagged as not parsed, which makes its ticket ask for
 * attention.
 */
static void
mail_check_text(struct mail *m, GBytes *parsed_raw)
{
	const char	*p;

	for (p = m->body; *p != '\0'; p++)
		if (!g_ascii_isspace(*p))
			return;
	if (m->attachments->len > 0 || m->delivery_status != NULL ||
	    !mail_has_content(parsed_raw))
		return;
	m->parsed = 0;
	m->parse_error = g_strdup("no readable text in the message");
	log_trace(TRACE_MIME, "mime: %s", m->parse_error);
}

static void
mail_read_message(struct mime_ctx *ctx, struct mail *m, GMimeMessage *msg)
{
	GMimePart	*body;
	GMimeObject	*top = g_mime_message_get_mime_part(msg);
	GBytes		*content = NULL;
	const char	*charset = NULL, *data;
	gsize		 len;

	m->parsed = 1;
	/* The whole mail's unlabelled text first, for one better guess. */
	if ((body = part_find_body(msg)) != NULL) {
		content = part_text_content(body);
		data = g_bytes_get_data(content, &len);
		ctx_sample(ctx, data, len, part_charset(body));
	}
	headers_sample(ctx, g_mime_object_get_header_list(GMIME_OBJECT(msg)));
	if (content != NULL) {
		m->body = part_text(ctx, body, content, &charset);
		g_bytes_unref(content);
		if (text_is_debris(m->body)) {
			log_trace(TRACE_MIME, "mime: the text part is binary");
			g_free(m->body);
			m->body = g_strdup("");
		}
	} else
		m->body = g_strdup("");
	/* Raw 8-bit headers are most likely in the body's charset. */
	mail_read_headers(ctx, m, msg, charset);
	if (top != NULL) {
		mail_read_attachments(ctx, m, top, body);
		mail_read_report(m, top);
	}
}

/* "Name:" with the obsolete white space before the colon allowed. */
static int
line_is_field(const char *p, const char *end)
{
	const char	*start = p;

	while (p < end && *p > 0x20 && *p < 0x7f && *p != ':')
		p++;
	if (p == start)
		return 0;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p < end && *p == ':';
}

/*
 * The header block as Python's email package reads it, when gmime
 * would not: a UTF-8 byte order mark that a Windows tool put before it
 * and leading lines that continue no header are dropped, a line
 * of only white space ends the block, and so does the first line that
 * is no header field, as if a blank line came before it. NULL when the
 * mail needs no repair, or has no header field to start with.
 */
static GBytes *
mime_repair(GBytes *raw)
{
	const char	*data, *p, *end, *nl = NULL, *eol = NULL, *start;
	const char	*cut = NULL;
	gsize		 len;
	guint		 fields = 0;
	GByteArray	*out;

	if ((data = g_bytes_get_data(raw, &len)) == NULL)
		return NULL;
	end = data + len;
	p = len >= 3 && memcmp(data, "\357\273\277", 3) == 0 ? data + 3 : data;
	for (; p < end && (*p == ' ' || *p == '\t'); p = nl + 1)
		if ((nl = memchr(p, '\n', end - p)) == NULL)
			return NULL;
	for (start = p; p < end; p = nl + 1) {
		nl = memchr(p, '\n', end - p);
		eol = nl != NULL ? nl : end;
		if (eol > p && eol[-1] == '\r')
			eol--;
		if (p == eol)
			break;
		if (*p == ' ' || *p == '\t') {
			if (line_is_blank(p, eol)) {
				cut = p;
				break;
			}
		} else if (!line_is_field(p, eol) && !(fields == 0 &&
		    eol - p > 5 && memcmp(p, "From ", 5) == 0)) {
			if (fields > 0)
				cut = p;
			break;
		}
		fields++;
		if (nl == NULL)
			break;
	}
	if (fields == 0 || (cut == NULL && start == data))
		return NULL;
	out = g_byte_array_sized_new(len + 2);
	g_byte_array_append(out, (const guint8 *)start,
	    (cut != NULL ? cut : end) - start);
	if (cut != NULL && *cut != ' ' && *cut != '\t') {
		g_byte_array_append(out, (const guint8 *)"\n", 1);
		eol = cut;
	}
	if (cut != NULL)
		g_byte_array_append(out, (const guint8 *)eol, end - eol);
	log_trace(TRACE_MIME, "mime: header block repaired");
	return g_byte_array_free_to_bytes(out);
}

static GMimeMessage *
mime_construct(GBytes *raw)
{
	GMimeStream	*stream;
	GMimeParser	*parser;
	GMimeMessage	*msg;
	const char	*data;
	gsize		 len;

	data = g_bytes_get_data(raw, &len);
	if (len == 0)
		return NULL;
	stream = g_mime_stream_mem_new_with_buffer(data, len);
	parser = g_mime_parser_new_with_stream(stream);
	msg = g_mime_parser_construct_message(parser, mime_options);
	g_object_unref(parser);
	g_object_unref(stream);
	return msg;
}

struct mail *
mime_parse(GBytes *raw, const char *fallback_charset)
{
	struct mail	*m;
	struct mime_ctx	 ctx;
	GMimeMessage	*msg;
	GBytes		*repaired;

	mime_init();
	m = mail_new(raw);
	ctx_init(&ctx, fallback_charset);
	if ((repaired = mime_repair(m->raw)) == NULL)
		repaired = g_bytes_ref(m->raw);
	if ((msg = mime_construct(repaired)) == NULL)
		mail_read_unparsed(&ctx, m);
	else {
		mail_read_message(&ctx, m, msg);
		mail_check_text(m, repaired);
		g_object_unref(msg);
	}
	g_bytes_unref(repaired);
	ctx_clear(&ctx);
	return m;
}

void
mail_free(struct mail *m)
{
	if (m == NULL)
		return;
	g_bytes_unref(m->raw);
	g_free(m->parse_error);
	g_free(m->message_id);
	g_free(m->in_reply_to);
	g_ptr_array_unref(m->references);
	g_free(m->subject);
	g_free(m->from_name);
	g_free(m->from_addr);
	g_free(m->to);
	g_free(m->cc);
	g_ptr_array_unref(m->addresses);
	g_ptr_array_unref(m->to_addrs);
	g_ptr_array_unref(m->from_list);
	g_ptr_array_unref(m->to_list);
	g_ptr_array_unref(m->cc_list);
	g_ptr_array_unref(m->header_list);
	if (m->date != NULL)
		g_date_time_unref(m->date);
	g_free(m->content_language);
	g_free(m->body);
	g_ptr_array_unref(m->attachments);
	g_hash_table_unref(m->headers);
	if (m->delivery_status != NULL)
		g_bytes_unref(m->delivery_status);
	if (m->returned_headers != NULL)
		g_bytes_unref(m->returned_headers);
	g_free(m);
}

const char *
mail_header(const struct mail *m, const char *name)
{
	char		*key;
	const char	*value;

	key = g_ascii_strdown(name, -1);
	value = g_hash_table_lookup(m->headers, key);
	g_free(key);
	return value;
}

GPtrArray *
mail_header_all(const struct mail *m, const char *name)
{
	GPtrArray	*out = g_ptr_array_new();

	for (guint i = 0; i < m->header_list->len; i++) {
		const struct mail_field *f = m->header_list->pdata[i];

		if (g_ascii_strcasecmp(f->name, name) == 0)
			g_ptr_array_add(out, f->value);
	}
	return out;
}

/*
 * Outgoing mail.
 */

/* Our own text is UTF-8; a bad byte from a template must not pass. */
static char *
draft_utf8(const char *value)
{
	struct mime_ctx	 ctx;
	char		*text;

	ctx_init(&ctx, NULL);
	text = text_to_utf8(&ctx, value, strlen(value), "utf-8", NULL);
	ctx_clear(&ctx);
	return text;
}

static char *
draft_clean(const char *value)
{
	return text_one_line(draft_utf8(value ? value : ""));
}

static void
draft_add_mailbox(GMimeMessage *msg, GMimeAddressType type, const char *name,
    const char *addr)
{
	char	*n = draft_clean(name), *a = draft_clean(addr);

	g_mime_message_add_mailbox(msg, type, n, g_strstrip(a));
	g_free(n);
	g_free(a);
}

static void
draft_set_header(GMimeMessage *msg, const char *name, const char *value)
{
	char	*v = draft_clean(value);

	g_mime_object_set_header((GMimeObject *)msg, name, v, "utf-8");
	g_free(v);
}

/* A msg-id list "<a> <b>" from ids without <>, or NULL when empty. */
static char *
draft_msgids(const char *first, GPtrArray *more)
{
	GString	*s = g_string_new(NULL);

	for (guint i = 0; more != NULL && i < more->len; i++)
		g_string_append_printf(s, "%s<%s>", s->len ? " " : "",
		    (char *)g_ptr_array_index(more, i));
	if (first != NULL)
		g_string_append_printf(s, "%s<%s>", s->len ? " " : "", first);
	return g_string_free(s, s->len == 0);
}

/* Text parts travel in canonical form: CRLF line ends. */
static GMimeObject *
draft_body(const char *body)
{
	GMimeTextPart	*tp = g_mime_text_part_new_with_subtype("plain");
	GString		*crlf = g_string_sized_new(strlen(body) + 64);
	GMimeStream	*mem;
	GMimeDataWrapper *dw;

	for (const char *p = body; *p != '\0'; p++) {
		if (*p == '\n')
			g_string_append_c(crlf, '\r');
		if (*p != '\r')
			g_string_append_c(crlf, *p);
	}
	mem = g_mime_stream_mem_new_with_buffer(crlf->str, crlf->len);
	dw = g_mime_data_wrapper_new_with_stream(mem, GMIME_CONTENT_ENCODING_DEFAULT);
	g_mime_part_set_content((GMimePart *)tp, dw);
	g_mime_text_part_set_charset(tp, "utf-8");
	g_mime_part_set_content_encoding((GMimePart *)tp,
	    g_mime_part_get_best_content_encoding((GMimePart *)tp,
	    GMIME_ENCODING_CONSTRAINT_7BIT));
	g_object_unref(dw);
	g_object_unref(mem);
	g_string_free(crlf, TRUE);
	return (GMimeObject *)tp;
}

/* The agent's files go out as they came, base64 encoded. */
static GMimeObject *
draft_attachment(const struct mail_attachment *a)
{
	GMimeContentType *ct = g_mime_content_type_parse(NULL, *a->type ?
			    a->type : "application/octet-stream");
	GMimePart	*part = g_mime_part_new_with_type(
			    g_mime_content_type_get_media_type(ct),
			    g_mime_content_type_get_media_subtype(ct));
	gsize		 len;
	const void	*data = g_bytes_get_data(a->content, &len);
	GMimeStream	*mem = g_mime_stream_mem_new_with_buffer(
			    data != NULL ? data : "", len);
	GMimeDataWrapper *dw = g_mime_data_wrapper_new_with_stream(mem,
			    GMIME_CONTENT_ENCODING_DEFAULT);
	char		*name = draft_clean(a->name);

	g_mime_part_set_content(part, dw);
	g_mime_part_set_content_encoding(part, GMIME_CONTENT_ENCODING_BASE64);
	if (*name != '\0')
		g_mime_part_set_filename(part, name);
	g_free(name);
	g_object_unref(dw);
	g_object_unref(mem);
	g_object_unref(ct);
	return (GMimeObject *)part;
}

static GMimeObject *
draft_content(const struct mime_draft *d)
{
	GMimeObject	*text = draft_body(d->body), *part;
	GMimeMultipart	*mixed;

	if (d->attachments == NULL || d->attachments->len == 0)
		return text;
	mixed = g_mime_multipart_new_with_subtype("mixed");
	g_mime_multipart_add(mixed, text);
	g_object_unref(text);
	for (guint i = 0; i < d->attachments->len; i++) {
		part = draft_attachment(d->attachments->pdata[i]);
		g_mime_multipart_add(mixed, part);
		g_object_unref(part);
	}
	return (GMimeObject *)mixed;
}

static GBytes *
draft_write(GMimeMessage *msg)
{
	GMimeFormatOptions	*fo = g_mime_format_options_clone(NULL);
	GMimeStream		*out = g_mime_stream_mem_new();
	GByteArray		*ba;
	GBytes			*bytes;

	g_mime_format_options_set_newline_format(fo, GMIME_NEWLINE_FORMAT_DOS);
	g_mime_object_write_to_stream((GMimeObject *)msg, fo, out);
	ba = g_mime_stream_mem_get_byte_array((GMimeStreamMem *)out);
	bytes = g_bytes_new(ba->data, ba->len);
	g_object_unref(out);
	g_mime_format_options_free(fo);
	return bytes;
}

/* "Name <addr>", or addr alone, as the parser would show it. */
static char *
draft_address(const char *name, const char *addr)
{
	char	*n = draft_clean(name), *a = g_strstrip(draft_clean(addr));
	char	*text = *n != '\0' ? g_strdup_printf("%s <%s>", n, a) :
		    g_strdup(a);

	g_free(n);
	g_free(a);
	return text;
}

static struct mail_attachment *
draft_attachment_copy(const struct mail_attachment *a)
{
	struct mail_attachment	*c = g_new0(struct mail_attachment, 1);

	c->name = g_strdup(a->name);
	c->type = g_strdup(a->type);
	c->size = a->size;
	c->content = g_bytes_ref(a->content);
	return c;
}

/* What we built, as a struct mail, without parsing our own output. */
static struct mail *
draft_mail(const struct mime_draft *d, GBytes *raw, const char *subject)
{
	struct mail	*m = mail_new(raw);

	m->parsed = 1;
	g_free(m->subject);
	m->subject = g_strdup(subject);
	g_free(m->from_name);
	m->from_name = draft_clean(d->from_name);
	g_free(m->from_addr);
	m->from_addr = g_strstrip(draft_clean(d->from_addr));
	g_free(m->to);
	m->to = draft_address(d->to_name, d->to_addr);
	if (d->cc != NULL && d->cc->len > 0) {
		g_ptr_array_add(d->cc, NULL);
		g_free(m->cc);
		m->cc = g_strjoinv(", ", (char **)d->cc->pdata);
		g_ptr_array_remove_index(d->cc, d->cc->len - 1);
	}
	for (guint i = 0; d->attachments != NULL && i < d->attachments->len; i++)
		g_ptr_array_add(m->attachments, draft_attachment_copy(
		    d->attachments->pdata[i]));
	m->message_id = g_strdup(d->message_id);
	m->in_reply_to = g_strdup(d->in_reply_to);
	for (guint i = 0; d->references != NULL && i < d->references->len; i++)
		g_ptr_array_add(m->references,
		    g_strdup(d->references->pdata[i]));
	m->date = g_date_time_new_from_unix_utc(d->date);
	m->body = draft_utf8(d->body);
	return m;
}

struct mail *
mime_build(const struct mime_draft *d)
{
	GMimeMessage	*msg = g_mime_message_new(TRUE);
	GDateTime	*date = g_date_time_new_from_unix_utc(d->date);
	GMimeObject	*body = draft_content(d);
	char		*subject = draft_clean(d->subject);
	char		*ids;
	GBytes		*bytes;
	struct mail	*sent;

	draft_add_mailbox(msg, GMIME_ADDRESS_TYPE_FROM, d->from_name, d->from_addr);
	draft_add_mailbox(msg, GMIME_ADDRESS_TYPE_TO, d->to_name, d->to_addr);
	for (guint i = 0; d->cc != NULL && i < d->cc->len; i++)
		draft_add_mailbox(msg, GMIME_ADDRESS_TYPE_CC, "",
		    d->cc->pdata[i]);
	if (d->reply_to != NULL)
		draft_add_mailbox(msg, GMIME_ADDRESS_TYPE_REPLY_TO, "",
		    d->reply_to);
	g_mime_message_set_subject(msg, subject, "utf-8");
	g_mime_message_set_date(msg, date);
	g_mime_message_set_message_id(msg, d->message_id);
	if (d->in_reply_to != NULL) {
		ids = draft_msgids(d->in_reply_to, NULL);
		draft_set_header(msg, "In-Reply-To", ids);
		g_free(ids);
	}
	if ((ids = draft_msgids(NULL, d->references)) != NULL) {
		draft_set_header(msg, "References", ids);
		g_free(ids);
	}
	for (guint i = 0; d->headers != NULL && i + 1 < d->headers->len; i += 2)
		draft_set_header(msg, g_ptr_array_index(d->headers, i),
		    g_ptr_array_index(d->headers, i + 1));
	g_mime_message_set_mime_part(msg, body);
	bytes = draft_write(msg);
	sent = draft_mail(d, bytes, subject);
	g_bytes_unref(bytes);
	g_object_unref(body);
	g_object_unref(msg);
	g_date_time_unref(date);
	g_free(subject);
	return sent;
}
