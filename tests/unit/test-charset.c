/*
 * test-charset: the UTF-7 and HZ decoders at their edges, and the judge
 * that tells words from mojibake.
 */
#include <string.h>

#include "charset.h"

static void
utf7_is(const char *in, const char *want)
{
	GString	*s = charset_utf7_to_utf8(in, strlen(in));

	g_assert_cmpstr(s->str, ==, want);
	g_assert_true(g_utf8_validate(s->str, s->len, NULL));
	g_string_free(s, TRUE);
}

static void
test_utf7(void)
{
	utf7_is("", "");
	utf7_is("+-", "+");
	utf7_is("a+", "a+");
	utf7_is("1+1=2", "1+1=2");
	utf7_is("+ZeVnLIqe-", "日本語");
	utf7_is("+ZeVnLIqe", "日本語");
	utf7_is("+2D3eAA-", "😀");
	/* A lone high surrogate, then a good sequence. */
	utf7_is("+2D0- +AGE-", "\xef\xbf\xbd a");
	/* Bits left over that are not zero. */
	utf7_is("+AGF-x", "a\xef\xbf\xbdx");
	/* UTF-7 is 7-bit: an 8-bit octet is one bad character. */
	utf7_is("a\xe9z", "a\xef\xbf\xbdz");
}

static void
hz_is(const char *in, const char *want)
{
	GString	*s = charset_hz_to_euc_cn(in, strlen(in));

	g_assert_cmpmem(s->str, s->len, want, strlen(want));
	g_string_free(s, TRUE);
}

static void
test_hz(void)
{
	hz_is("~{Dc:C~}", "\xc4\xe3\xba\xc3");
	hz_is("a~~b", "a~b");
	hz_is("a~\nb", "ab");
	/* A newline leaves GB mode even without "~}". */
	hz_is("~{Dc\nDc", "\xc4\xe3\nDc");
	hz_is("~x", "~x");
	hz_is("~", "~");
}

static void
judge_is(const char *text, guint good, guint bad)
{
	struct charset_verdict	 v;

	charset_judge(text, strlen(text), &v);
	g_assert_cmpuint(v.good, ==, good);
	g_assert_cmpuint(v.bad, ==, bad);
}

static void
test_judge(void)
{
	judge_is("plain ASCII is not judged", 0, 0);
	judge_is("Grüße aus München, don’t", 2, 0);
	judge_is("£7,000 © 2024 «x»", 0, 0);
	judge_is("ใบแจ้งหนี้ น้ำ", 2, 0);
	judge_is("Не могу войти", 3, 0);
	/* Mojibake: windows-1252 read as Thai, Thai read as windows-1252. */
	judge_is("Zaฟ๓ณๆ g๊ถlฑ", 1, 2);
	judge_is("ÊÇÑÊ´Õ", 1, 2);
	/* Case that no language writes, and Cyrillic read as Latin. */
	judge_is("ΉιΣ", 0, 1);
	judge_is("ìîãó âîéòè", 0, 2);
	/* Scripts mixed inside a word, a mark with nothing to sit on. */
	judge_is("Grьяe", 0, 1);
	judge_is("\xe0\xb9\x89x", 0, 1);
	/* A C1 control is never text. */
	judge_is("a\xc2\x81", 0, 1);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/charset/utf7", test_utf7);
	g_test_add_func("/charset/hz", test_hz);
	g_test_add_func("/charset/judge", test_judge);
	return g_test_run();
}
