/*
 * charset: the text repairs that need no library beyond GLib, kept apart
 * from the gmime wrapper so that they can be read and tested alone.
 *
 * iconv stops at the first bad sequence and glibc has no HZ, so the two
 * decoders here do what iconv cannot; charset_judge() tells a plausible
 * decoding from mojibake, which is how mime.c checks what a detector
 * guessed for short text.
 */
#ifndef CHARSET_H
#define CHARSET_H

#include <glib.h>

/* The value of a base64 digit, or -1. */
int		 charset_b64_value(guchar c);

/*
 * UTF-7 (RFC 2152) to UTF-8. A bad sequence costs only its own
 * characters (each becomes U+FFFD); a '+' that starts no sequence is
 * kept as it is. Never fails. Free with g_string_free().
 */
GString		*charset_utf7_to_utf8(const char *data, gsize len);

/*
 * HZ (RFC 1843) to GB2312 in EUC-CN form, which iconv reads. Never
 * fails. Free with g_string_free().
 */
GString		*charset_hz_to_euc_cn(const char *data, gsize len);

/*
 * How a decoding reads. Only words with non-ASCII letters are judged:
 * bad are the words and symbols that a real text would not hold (scripts
 * mixed inside a word, "ÉtÉ" case, a Thai mark with no consonant, a
 * symbol between letters, a C1 control, a Latin word of accented
 * letters only, as Cyrillic read as Latin makes).
 */
struct charset_verdict {
	guint	 good;		/* words that could be real */
	guint	 bad;
	guint	 latin;		/* non-ASCII letters in Latin script */
	guint	 other;		/* non-ASCII letters in other scripts */
};

/* utf8 must be valid UTF-8. */
void		 charset_judge(const char *utf8, gsize len,
		    struct charset_verdict *);

#endif
