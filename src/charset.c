/*
 * charset: UTF-7 and HZ decoders and the plausibility judge that mime.c
 * uses on detected charsets. Pure GLib; see charset.h.
 */
#include <string.h>

#include "charset.h"

#define CHARSET_REPLACEMENT	0xfffd

/*
 * UTF-7.
 */

int
charset_b64_value(guchar c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

struct utf7 {
	GString		*out;
	gunichar	 high;		/* pending high surrogate, or 0 */
};

static void
utf7_unit(struct utf7 *u, gunichar unit)
{
	if (unit >= 0xd800 && unit <= 0xdbff) {
		if (u->high != 0)
			g_string_append_unichar(u->out, CHARSET_REPLACEMENT);
		u->high = unit;
		return;
	}
	if (unit >= 0xdc00 && unit <= 0xdfff) {
		g_string_append_unichar(u->out, u->high == 0 ?
		    CHARSET_REPLACEMENT :
		    0x10000 + ((u->high - 0xd800) << 10) + (unit - 0xdc00));
		u->high = 0;
		return;
	}
	if (u->high != 0)
		g_string_append_unichar(u->out, CHARSET_REPLACEMENT);
	u->high = 0;
	g_string_append_unichar(u->out, unit);
}

/*
 * One shifted sequence, from just after its '+'; returns how many
 * octets it used. A run too short for one UTF-16 unit was no sequence
 * ("1+1=2"), so it is kept as written.
 */
static gsize
utf7_shifted(struct utf7 *u, const guchar *p, gsize len)
{
	guint32	 bits = 0;
	guint	 nbits = 0, units = 0;
	gsize	 i;
	int	 v;

	for (i = 0; i < len && (v = charset_b64_value(p[i])) >= 0; i++) {
		bits = (bits << 6) | (guint32)v;
		nbits += 6;
		if (nbits >= 16) {
			nbits -= 16;
			utf7_unit(u, (bits >> nbits) & 0xffff);
			units++;
		}
	}
	if (units == 0) {
		g_string_append_c(u->out, '+');
		return 0;
	}
	/* Left-over bits must be few and zero, else the tail is damaged. */
	if (nbits >= 6 || (bits & ((1u << nbits) - 1)) != 0 || u->high != 0)
		g_string_append_unichar(u->out, CHARSET_REPLACEMENT);
	u->high = 0;
	if (i < len && p[i] == '-')
		i++;
	return i;
}

GString *
charset_utf7_to_utf8(const char *data, gsize len)
{
	struct utf7	 u = { g_string_sized_new(len + 16), 0 };
	const guchar	*p = (const guchar *)data;
	gsize		 i = 0;

	while (i < len) {
		if (p[i] == '+' && i + 1 < len && p[i + 1] == '-') {
			g_string_append_c(u.out, '+');
			i += 2;
		} else if (p[i] == '+') {
			i++;
			i += utf7_shifted(&u, p + i, len - i);
		} else if (p[i] >= 0x80) {
			g_string_append_unichar(u.out, CHARSET_REPLACEMENT);
			i++;
		} else
			g_string_append_c(u.out, p[i++]);
	}
	return u.out;
}

/*
 * HZ: "~{" enters GB mode, where each pair of 7-bit octets is a GB2312
 * character with the high bits cleared; "~}" or the end of the line
 * leaves it; "~~" is a tilde and "~" before a newline joins lines.
 */
GString *
charset_hz_to_euc_cn(const char *data, gsize len)
{
	GString		*out = g_string_sized_new(len);
	const guchar	*p = (const guchar *)data;
	gsize		 i = 0;
	int		 gb = 0;

	while (i < len) {
		if (p[i] == '~' && i + 1 < len && strchr("{}~\n", p[i + 1])) {
			if (p[i + 1] == '~')
				g_string_append_c(out, '~');
			gb = p[i + 1] == '{' ? 1 : p[i + 1] == '}' ? 0 : gb;
			i += 2;
		} else if (gb && i + 1 < len && p[i] > 0x20 && p[i] < 0x7f &&
		    p[i + 1] > 0x20 && p[i + 1] < 0x7f) {
			g_string_append_c(out, (char)(p[i] | 0x80));
			g_string_append_c(out, (char)(p[i + 1] | 0x80));
			i += 2;
		} else {
			if (p[i] == '\n')
				gb = 0;
			g_string_append_c(out, (char)p[i++]);
		}
	}
	return out;
}

/*
 * The judge.
 */

/* Japanese and Korean mix their scripts inside one word. */
static GUnicodeScript
judge_script(gunichar c)
{
	GUnicodeScript	 s = g_unichar_get_script(c);

	if (c >= 0xff00 && c <= 0xffef)
		return G_UNICODE_SCRIPT_HAN;
	switch (s) {
	case G_UNICODE_SCRIPT_HIRAGANA:
	case G_UNICODE_SCRIPT_KATAKANA:
	case G_UNICODE_SCRIPT_HANGUL:
	case G_UNICODE_SCRIPT_BOPOMOFO:
		return G_UNICODE_SCRIPT_HAN;
	default:
		return s;
	}
}

static int
judge_is_wordchar(gunichar c)
{
	return g_unichar_isalpha(c) || g_unichar_ismark(c);
}

/* Lower, UPPER or Capitalised: "ÉtÉ" is a charset gone wrong. */
static int
judge_case_ok(const gunichar *w, gsize n)
{
	gsize	 i, upper = 0, lower = 0, upper_after_first = 0;

	for (i = 0; i < n; i++) {
		if (g_unichar_isupper(w[i])) {
			upper++;
			if (i > 0)
				upper_after_first++;
		} else if (g_unichar_islower(w[i]))
			lower++;
	}
	return upper == 0 || lower == 0 || upper_after_first == 0;
}

/* A Thai leading vowel (เ แ โ ใ ไ) comes before a consonant. */
static int
judge_thai_ok(const gunichar *w, gsize n)
{
	gsize	 i;

	for (i = 0; i < n; i++)
		if (w[i] >= 0x0e40 && w[i] <= 0x0e44 &&
		    (i + 1 == n || w[i + 1] < 0x0e01 || w[i + 1] > 0x0e2e))
			return 0;
	return 1;
}

/*
 * Western words keep most of their letters in ASCII ("Grüße", "ação");
 * Cyrillic or Greek read as Latin gives words of accented letters only.
 */
static int
judge_latin_ok(const gunichar *w, gsize n, guint nonascii)
{
	return n < 3 || nonascii * 3 <= n * 2;
}

static void
judge_word(const gunichar *w, gsize n, struct charset_verdict *v)
{
	GUnicodeScript	 word = G_UNICODE_SCRIPT_COMMON, s;
	gsize		 i;
	guint		 nonascii = 0;
	int		 ok = !g_unichar_ismark(w[0]);

	for (i = 0; i < n; i++) {
		nonascii += w[i] >= 0x80;
		s = judge_script(w[i]);
		if (s == G_UNICODE_SCRIPT_COMMON ||
		    s == G_UNICODE_SCRIPT_INHERITED)
			continue;
		if (word == G_UNICODE_SCRIPT_COMMON)
			word = s;
		else if (s != word)
			ok = 0;
	}
	if (word == G_UNICODE_SCRIPT_THAI)
		ok = ok && judge_thai_ok(w, n);
	else
		ok = ok && judge_case_ok(w, n);
	if (word == G_UNICODE_SCRIPT_LATIN) {
		ok = ok && judge_latin_ok(w, n, nonascii);
		v->latin += nonascii;
	} else
		v->other += nonascii;
	if (ok)
		v->good++;
	else
		v->bad++;
}

/* Apostrophes and the like may sit inside a word: "don’t", "l·l". */
static int
judge_inner_ok(gunichar c)
{
	return c == 0x2019 || c == 0x2018 || c == 0xb7 || c == 0xad ||
	    c == 0x2010 || c == 0x2011;
}

/* A non-ASCII character outside any word, at u[i]: is it out of place? */
static int
judge_other_bad(const gunichar *u, gsize n, gsize i)
{
	gunichar	 c = u[i];
	int		 before, after;
	GUnicodeType	 t;

	if ((c >= 0x80 && c <= 0x9f) || c == CHARSET_REPLACEMENT ||
	    g_unichar_iscntrl(c))
		return 1;
	if (g_unichar_isdigit(c))
		return 0;
	before = i > 0 && judge_is_wordchar(u[i - 1]);
	after = i + 1 < n && judge_is_wordchar(u[i + 1]);
	if (before && after)
		return !judge_inner_ok(c);
	t = g_unichar_type(c);
	/* Superscripts, fractions and spacing accents hug no letter. */
	return (before || after) && (t == G_UNICODE_OTHER_NUMBER ||
	    t == G_UNICODE_MODIFIER_SYMBOL || c == 0xa4 || c == 0xa6);
}

void
charset_judge(const char *utf8, gsize len, struct charset_verdict *v)
{
	gunichar	*u;
	glong		 n;
	gsize		 i = 0, j;
	int		 nonascii;

	memset(v, 0, sizeof(*v));
	u = g_utf8_to_ucs4_fast(utf8, (glong)len, &n);
	while (i < (gsize)n) {
		if (!judge_is_wordchar(u[i])) {
			if (u[i] >= 0x80 && judge_other_bad(u, n, i))
				v->bad++;
			i++;
			continue;
		}
		nonascii = 0;
		for (j = i; j < (gsize)n && judge_is_wordchar(u[j]); j++)
			nonascii |= u[j] >= 0x80;
		if (nonascii)
			judge_word(u + i, j - i, v);
		i = j;
	}
	g_free(u);
}
