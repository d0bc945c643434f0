/*
 * test-thread: subject tags, reply-prefix stripping and signed
 * Message-IDs. These decide which ticket a mail lands in, so the edge
 * cases (overflow, forged MACs, odd prefixes) are tested one by one.
 */
#include <string.h>

#include "thread.h"

/* Filled in by main(); other_key differs in the last octet only. */
static guint8 key[THREAD_KEY_LEN];
static guint8 other_key[THREAD_KEY_LEN];

static void
test_tag_check(void)
{
	char	*cause = NULL;

	g_assert_cmpint(thread_tag_check("[#{id}]", &cause), ==, 0);
	g_assert_cmpint(thread_tag_check("Ticket {id}:", &cause), ==, 0);
	g_assert_cmpint(thread_tag_check("[ตั๋ว {id}]", &cause), ==, 0);

	g_assert_cmpint(thread_tag_check("[#id]", &cause), ==, -1);
	g_assert_nonnull(cause);
	g_clear_pointer(&cause, g_free);
	g_assert_cmpint(thread_tag_check("[{id}-{id}]", &cause), ==, -1);
	g_assert_nonnull(cause);
	g_clear_pointer(&cause, g_free);
	g_assert_cmpint(thread_tag_check("{id}", &cause), ==, -1);
	g_clear_pointer(&cause, g_free);
	g_assert_cmpint(thread_tag_check("", &cause), ==, -1);
	g_clear_pointer(&cause, g_free);
}

static void
test_tag_format(void)
{
	char	*s;

	s = thread_tag_format("[#{id}]", 42);
	g_assert_cmpstr(s, ==, "[#42]");
	g_free(s);
	s = thread_tag_format("{id}/x", G_MAXINT64);
	g_assert_cmpstr(s, ==, "9223372036854775807/x");
	g_free(s);
	s = thread_tag_format("[ตั๋ว {id}]", 7);
	g_assert_cmpstr(s, ==, "[ตั๋ว 7]");
	g_free(s);
}

static void
test_tag_find(void)
{
	gint64	 id = -1;

	g_assert_cmpint(thread_tag_find("[#{id}]", "Re: [#42] printer", &id),
	    ==, 1);
	g_assert_cmpint(id, ==, 42);
	g_assert_cmpint(thread_tag_find("[#{id}]", "printer broken [#7]", &id),
	    ==, 1);
	g_assert_cmpint(id, ==, 7);
	/* The first well-formed tag wins. */
	g_assert_cmpint(thread_tag_find("[#{id}]", "[#x] [#0] [#15] [#16]",
	    &id), ==, 1);
	g_assert_cmpint(id, ==, 15);
	g_assert_cmpint(thread_tag_find("[#{id}]", "x[#[#99]]", &id), ==, 1);
	g_assert_cmpint(id, ==, 99);
	g_assert_cmpint(thread_tag_find("[#{id}]", "[#9223372036854775807]",
	    &id), ==, 1);
	g_assert_cmpint(id, ==, G_MAXINT64);
	g_assert_cmpint(thread_tag_find("Ticket {id}", "about Ticket 12", &id),
	    ==, 1);
	g_assert_cmpint(id, ==, 12);
	g_assert_cmpint(thread_tag_find("[ตั๋ว {id}]", "ตอบกลับ: [ตั๋ว 8] ok",
	    &id), ==, 1);
	g_assert_cmpint(id, ==, 8);

	id = -1;
	g_assert_cmpint(thread_tag_find("[#{id}]", "[#9223372036854775808]",
	    &id), ==, 0);
	g_assert_cmpint(thread_tag_find("[#{id}]", "[#99999999999999999999]",
	    &id), ==, 0);
	g_assert_cmpint(thread_tag_find("[#{id}]", "[#]", &id), ==, 0);
	g_assert_cmpint(thread_tag_find("[#{id}]", "[#0]", &id), ==, 0);
	g_assert_cmpint(thread_tag_find("[#{id}]", "[#-3]", &id), ==, 0);
	g_assert_cmpint(thread_tag_find("[#{id}]", "[#12", &id), ==, 0);
	g_assert_cmpint(thread_tag_find("[#{id}]", "[#1 2]", &id), ==, 0);
	g_assert_cmpint(thread_tag_find("[#{id}]", "[#12a]", &id), ==, 0);
	g_assert_cmpint(thread_tag_find("[#{id}]", "", &id), ==, 0);
	g_assert_cmpint(thread_tag_find("[#{id}]", NULL, &id), ==, 0);
	/* Case matters. */
	g_assert_cmpint(thread_tag_find("Ticket {id}", "ticket 12", &id),
	    ==, 0);
	g_assert_cmpint(id, ==, -1);
}

static void
assert_strip(const char *subject, const char *expect)
{
	char	*s = thread_subject_strip(subject);

	g_assert_cmpstr(s, ==, expect);
	g_free(s);
}

static void
test_subject_strip(void)
{
	assert_strip("Printer broken", "Printer broken");
	assert_strip("  Re: Printer broken  ", "Printer broken");
	assert_strip("RE[2]: AW: Re: Printer", "Printer");
	assert_strip("Re(3): re^2: FWD: Fw: x", "x");
	assert_strip("Re : Tr : Réf. x", "Réf. x");
	assert_strip("TR : RE : Réf : facture", "facture");
	assert_strip("AW: WG: Antwort", "Antwort");
	assert_strip("SV: VS: Antw: Doorst: RV: RIF: R: Odp: PD: x", "x");
	assert_strip("YNT: İLT: x", "x");
	assert_strip("ΑΠ: ΣΧΕΤ: x", "x");
	assert_strip("απ: x", "x");
	assert_strip("Отв: Пер: x", "x");
	assert_strip("回复: 转发：回覆: 答复: 轉寄: 你好", "你好");
	assert_strip("返信: 転送： お問い合わせ", "お問い合わせ");
	assert_strip("답장: 전달: 안녕", "안녕");
	assert_strip("ตอบกลับ: ส่งต่อ: ระบบอีเมลมีปัญหา", "ระบบอีเมลมีปัญหา");
	assert_strip("Re: [#42] Re: printer", "[#42] Re: printer");
	assert_strip("[#42] Re: printer", "[#42] Re: printer");
	/* Words that merely start like a prefix stay. */
	assert_strip("Reply needed", "Reply needed");
	assert_strip("Reference: 123", "Reference: 123");
	assert_strip("Re[x]: y", "Re[x]: y");
	assert_strip("Re: ", "");
	assert_strip("", "");
	assert_strip(NULL, "");
	/* A combining accent is composed before matching. */
	assert_strip("Re\xcc\x81" "f: x", "x");
	assert_strip("R\x65\xcc\x81" "f: x", "x");
	/* Invalid UTF-8 must not crash or leak through. */
	{
		char	*s = thread_subject_strip("Re: \xff\xfe bad");

		g_assert_true(g_utf8_validate(s, -1, NULL));
		g_assert_true(g_str_has_suffix(s, " bad"));
		g_free(s);
	}
}

static void
test_msgid_round_trip(void)
{
	char	*a, *b;
	gint64	 id = 0;

	a = thread_msgid_make(key, 42, "support.example.com");
	b = thread_msgid_make(key, 42, "support.example.com");
	g_assert_true(g_str_has_prefix(a, "tkt42."));
	g_assert_true(g_str_has_suffix(a, "@support.example.com"));
	/* tkt42. + 16 + . + 32 + @host */
	g_assert_cmpuint(strlen(a), ==, 6 + 16 + 1 + 32 + 20);
	g_assert_cmpstr(a, !=, b);
	g_assert_cmpint(thread_msgid_verify(key, a, &id), ==, 1);
	g_assert_cmpint(id, ==, 42);
	g_free(a);
	g_free(b);

	a = thread_msgid_make(key, G_MAXINT64, NULL);
	g_assert_true(g_str_has_suffix(a, "@localhost"));
	g_assert_cmpint(thread_msgid_verify(key, a, &id), ==, 1);
	g_assert_cmpint(id, ==, G_MAXINT64);
	g_free(a);
}

/* Change one character of s at i to c and expect rejection. */
static void
assert_tampered(const char *msgid, gsize i, char c)
{
	char	*s = g_strdup(msgid);
	gint64	 id = -1;

	s[i] = c;
	g_assert_cmpint(thread_msgid_verify(key, s, &id), ==, 0);
	g_assert_cmpint(id, ==, -1);
	g_free(s);
}

static void
test_msgid_tampered(void)
{
	char	*a, *forged;
	gint64	 id = -1;
	gsize	 mac_at;

	a = thread_msgid_make(key, 42, "h.example");
	mac_at = strlen("tkt42.") + 16 + 1;
	assert_tampered(a, 3, '3');			/* other ticket */
	assert_tampered(a, 6, a[6] == 'a' ? 'b' : 'a');	/* nonce */
	assert_tampered(a, mac_at, a[mac_at] == '0' ? '1' : '0');
	assert_tampered(a, mac_at + 31, a[mac_at + 31] == '0' ? '1' : '0');
	assert_tampered(a, mac_at + 32, '.');		/* no @ */

	g_assert_cmpint(thread_msgid_verify(other_key, a, &id), ==, 0);

	/* The host part is not signed, so it may change. */
	forged = g_strdup_printf("%.*s@elsewhere", (int)(mac_at + 32), a);
	g_assert_cmpint(thread_msgid_verify(key, forged, &id), ==, 1);
	g_assert_cmpint(id, ==, 42);
	g_free(forged);

	/* Neither a truncated MAC nor one with <> around it. */
	forged = g_strndup(a, mac_at + 30);
	g_assert_cmpint(thread_msgid_verify(key, forged, &id), ==, 0);
	g_free(forged);
	forged = g_strdup_printf("<%s>", a);
	g_assert_cmpint(thread_msgid_verify(key, forged, &id), ==, 0);
	g_free(forged);
	g_free(a);
}

static void
test_msgid_garbage(void)
{
	static const char *const garbage[] = {
		"", "tkt", "tkt.", "tkt42", "tkt42.", "tkt42..@x",
		"tkt0.0011223344556677.00112233445566778899aabbccddeeff@x",
		"tkt042.0011223344556677.00112233445566778899aabbccddeeff@x",
		"tkt-1.0011223344556677.00112233445566778899aabbccddeeff@x",
		"tkt99999999999999999999.0011223344556677."
		    "00112233445566778899aabbccddeeff@x",
		"tkt42.00112233445566.00112233445566778899aabbccddeeff@x",
		"tkt42.001122334455667g.00112233445566778899aabbccddeeff@x",
		"tkt42.0011223344556677.00112233445566778899aabbccddeeff",
		"tkt42.0011223344556677.00112233445566778899aabbccddeeff@x",
		"TKT42.0011223344556677.00112233445566778899aabbccddeeff@x",
		"CAB1234567890abcdef@mail.gmail.com",
		"tkt42.\xff\xfe",
	};
	gsize	 i;
	gint64	 id = -1;

	for (i = 0; i < G_N_ELEMENTS(garbage); i++)
		g_assert_cmpint(thread_msgid_verify(key, garbage[i], &id),
		    ==, 0);
	g_assert_cmpint(thread_msgid_verify(key, NULL, &id), ==, 0);
	g_assert_cmpint(id, ==, -1);
}

static void
test_msgid_agent(void)
{
	char	*a, *agent = NULL, *forged;
	gint64	 id = 0;
	gsize	 at;

	a = thread_msgid_make_agent(key, 42, "somchai", "h.example");
	g_assert_true(g_str_has_prefix(a, "tkt42.somchai."));
	g_assert_cmpint(thread_msgid_verify_agent(key, a, &id, &agent), ==, 1);
	g_assert_cmpint(id, ==, 42);
	g_assert_cmpstr(agent, ==, "somchai");
	g_free(agent);
	/* It proves the ticket to anyone. */
	id = 0;
	g_assert_cmpint(thread_msgid_verify(key, a, &id), ==, 1);
	g_assert_cmpint(id, ==, 42);
	/* The agent is under the MAC. */
	forged = g_strdup(a);
	forged[strlen("tkt42.")] = 't';
	g_assert_cmpint(thread_msgid_verify_agent(key, forged, &id, &agent),
	    ==, 0);
	g_free(forged);
	/* Dropping the agent segment does not give a plain valid id. */
	at = strlen("tkt42.somchai.");
	forged = g_strdup_printf("tkt42.%s", a + at);
	g_assert_cmpint(thread_msgid_verify(key, forged, &id), ==, 0);
	g_free(forged);
	g_free(a);

	/* A plain one has no agent; a 16-hex agent name is not confused. */
	a = thread_msgid_make(key, 7, NULL);
	agent = (char *)"not set";
	g_assert_cmpint(thread_msgid_verify_agent(key, a, &id, &agent), ==, 1);
	g_assert_null(agent);
	g_free(a);
	a = thread_msgid_make_agent(key, 7, "0011223344556677", NULL);
	g_assert_cmpint(thread_msgid_verify_agent(key, a, &id, &agent), ==, 1);
	g_assert_cmpstr(agent, ==, "0011223344556677");
	g_free(agent);
	g_free(a);
}

static void
test_token(void)
{
	const guint8	*keys = key;
	guint8		 two[2 * THREAD_KEY_LEN];
	char		*t, *agent = NULL, *bad, *up;
	gint64		 id = 0;

	t = thread_token_make(key, 42, "somchai");
	g_assert_true(g_str_has_prefix(t, "a42.somchai."));
	g_assert_cmpuint(strlen(t), ==, strlen("a42.somchai.") + 20);
	g_assert_cmpint(thread_token_verify_any(keys, 1, t, &id, &agent), ==, 1);
	g_assert_cmpint(id, ==, 42);
	g_assert_cmpstr(agent, ==, "somchai");
	g_free(agent);
	/* Any case; under an older key too. */
	up = g_ascii_strup(t, -1);
	g_assert_cmpint(thread_token_verify_any(keys, 1, up, &id, &agent), ==, 1);
	g_free(agent);
	g_free(up);
	memcpy(two, other_key, THREAD_KEY_LEN);
	memcpy(two + THREAD_KEY_LEN, key, THREAD_KEY_LEN);
	g_assert_cmpint(thread_token_verify_any(two, 2, t, &id, &agent), ==, 1);
	g_free(agent);
	/* Another ticket, another agent, another key: shaped, but forged. */
	bad = g_strdup(t);
	bad[1] = '3';
	g_assert_cmpint(thread_token_verify_any(keys, 1, bad, &id, &agent), ==, -1);
	g_free(bad);
	bad = g_strdup(t);
	bad[4] = 't';
	g_assert_cmpint(thread_token_verify_any(keys, 1, bad, &id, &agent), ==, -1);
	g_free(bad);
	g_assert_cmpint(thread_token_verify_any(other_key, 1, t, &id, &agent),
	    ==, -1);
	g_free(t);
	/* Not tokens at all. */
	g_assert_cmpint(thread_token_verify_any(keys, 1, "sales", &id, &agent),
	    ==, 0);
	g_assert_cmpint(thread_token_verify_any(keys, 1, "a42.x.00", &id,
	    &agent), ==, 0);
	g_assert_cmpint(thread_token_verify_any(keys, 1, "", &id, &agent), ==, 0);
	/* A Message-ID MAC is no token MAC. */
	t = thread_msgid_make_agent(key, 42, "somchai", NULL);
	bad = g_strdup_printf("a42.somchai.%.20s", strrchr(t, '.') + 1);
	g_assert_cmpint(thread_token_verify_any(keys, 1, bad, &id, &agent), ==, -1);
	g_free(bad);
	g_free(t);
}

static void
assert_reply(const char *subject, const char *expect)
{
	char	*s = thread_subject_reply("[#{id}]", 2, subject);

	g_assert_cmpstr(s, ==, expect);
	g_free(s);
}

/* The canned reply to "Re: [#2] Request received: Printer on fire". */
static void
test_subject_reply(void)
{
	char	*s;

	assert_reply("Re: [#2] Re: [#2] Request received: Printer on fire",
	    "Re: [#2] Request received: Printer on fire");
	assert_reply("Re: [#2] RE: AW: Printer", "Re: [#2] Printer");
	assert_reply("[#2] Request received: Printer", "[#2] Request received: "
	    "Printer");
	assert_reply("Re: Printer", "Re: [#2] Printer");
	assert_reply("Printer", "[#2] Printer");
	assert_reply("Printer [#2] on fire [#2]", "Printer [#2] on fire");
	assert_reply("Re: [#2] Printer [#2]", "Re: [#2] Printer");
	/* Another ticket's tag is text, not ours. */
	assert_reply("Re: [#2] Re: [#7] Printer", "Re: [#2] [#7] Printer");
	assert_reply("", "[#2]");
	s = thread_subject_clean("[#{id}]", 2,
	    "Re: [#2] Re: [#2] Request received: Printer on fire");
	g_assert_cmpstr(s, ==, "Request received: Printer on fire");
	g_free(s);
	s = thread_subject_clean("[#{id}]", 2, "Re: ตอบกลับ: [#2] เครื่องพิมพ์");
	g_assert_cmpstr(s, ==, "เครื่องพิมพ์");
	g_free(s);
	s = thread_subject_clean("[#{id}]", 2, NULL);
	g_assert_cmpstr(s, ==, "");
	g_free(s);
}

static void
test_csat_token(void)
{
	guint8	 other[THREAD_KEY_LEN];
	char	*t, *upper, *forged;
	gint64	 id = 0;
	int	 rating = 0;

	memset(other, 8, sizeof other);
	t = thread_csat_token_make(key, 42, 4, 1000);
	g_assert_true(g_str_has_prefix(t, "s42.4."));
	g_assert_true(thread_csat_token_parse(t, &id, &rating));
	g_assert_cmpint(id, ==, 42);
	g_assert_cmpint(rating, ==, 4);
	g_assert_true(thread_csat_token_verify_any(key, 1, t, 1000));
	/* Some MTAs change the case of local parts. */
	upper = g_ascii_strup(t, -1);
	g_assert_true(thread_csat_token_verify_any(key, 1, upper, 1000));
	/* Another survey, key, rating or ticket: no. */
	g_assert_false(thread_csat_token_verify_any(key, 1, t, 1001));
	g_assert_false(thread_csat_token_verify_any(other, 1, t, 1000));
	forged = g_strdup(t);
	forged[4] = '5';
	g_assert_false(thread_csat_token_verify_any(key, 1, forged, 1000));
	forged[4] = '4';
	forged[1] = '3';
	g_assert_false(thread_csat_token_verify_any(key, 1, forged, 1000));
	/* Not shaped like one: an agent's token, a rating of 6, a short MAC. */
	g_assert_false(thread_csat_token_parse("a42.somchai.0123456789abcdef0123",
	    &id, &rating));
	g_assert_false(thread_csat_token_parse("s42.6.0123456789abcdef0123", &id,
	    &rating));
	g_assert_false(thread_csat_token_parse("s42.4.0123", &id, &rating));
	g_free(forged);
	g_free(upper);
	g_free(t);
}

int
main(int argc, char **argv)
{
	gsize	 i;

	for (i = 0; i < THREAD_KEY_LEN; i++)
		key[i] = other_key[i] = (guint8)(i * 37 + 11);
	other_key[THREAD_KEY_LEN - 1] ^= 1;

	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/thread/tag/check", test_tag_check);
	g_test_add_func("/thread/tag/format", test_tag_format);
	g_test_add_func("/thread/tag/find", test_tag_find);
	g_test_add_func("/thread/subject/strip", test_subject_strip);
	g_test_add_func("/thread/subject/reply", test_subject_reply);
	g_test_add_func("/thread/msgid/round-trip", test_msgid_round_trip);
	g_test_add_func("/thread/msgid/tampered", test_msgid_tampered);
	g_test_add_func("/thread/msgid/garbage", test_msgid_garbage);
	g_test_add_func("/thread/msgid/agent", test_msgid_agent);
	g_test_add_func("/thread/token", test_token);
	g_test_add_func("/thread/csat-token", test_csat_token);
	return g_test_run();
}
