/*
 * thread: pure functions for matching a mail to a ticket: subject tags,
 * reply-prefix stripping and our HMAC-signed Message-IDs.
 *
 * A Message-ID we make is "tkt<id>.<nonce>.<mac>@host": nonce is 16 hex
 * digits from the system's random source, mac is the first 16 octets of
 * HMAC-SHA256(key, "tkt<id>.<nonce>") in lower-case hex. A reply that
 * quotes it proves which ticket it answers without a database lookup,
 * and nobody without the key can forge one for another ticket.
 */
#include <string.h>
#include <unistd.h>

#include "thread.h"

#define TAG_ID		"{id}"
#define MSGID_PREFIX	"tkt"
#define NONCE_OCTETS	8
#define MAC_OCTETS	16
#define TOKEN_PREFIX	"a"
#define TOKEN_DOMAIN	"reply-token:"
#define TOKEN_MAC_OCTETS 10
#define CSAT_PREFIX	"s"
#define CSAT_DOMAIN	"csat-token:"

/*
 * Reply and forward prefixes as mail clients write them in various
 * languages. Compared case-insensitively; each may be followed by a
 * counter ("[2]", "(2)", "^2") and then ":" or a full-width "：".
 */
static const char *const subject_prefixes[] = {
	"Re", "Fw", "Fwd", "AW", "WG", "SV", "VS", "Antw", "Doorst",
	"TR", "RV", "RIF", "R", "Réf", "Ref", "Odp", "PD", "YNT", "İLT",
	"ΑΠ", "ΣΧΕΤ", "Отв", "Пер",
	"回复", "回覆", "答复", "转发", "轉寄", "返信", "転送",
	"답장", "전달",
	"ตอบกลับ", "ส่งต่อ",
};

/*
 * Subject tags.
 */

int
thread_tag_check(const char *format, char **cause)
{
	const char	*p;

	if ((p = strstr(format, TAG_ID)) == NULL) {
		*cause = g_strdup_printf("subject tag \"%s\" has no %s",
		    format, TAG_ID);
		return -1;
	}
	if (strstr(p + strlen(TAG_ID), TAG_ID) != NULL) {
		*cause = g_strdup_printf("subject tag \"%s\" has %s twice",
		    format, TAG_ID);
		return -1;
	}
	/* A bare number would match any digits in any subject. */
	if (strcmp(format, TAG_ID) == 0) {
		*cause = g_strdup_printf("subject tag \"%s\" needs text "
		    "around %s", format, TAG_ID);
		return -1;
	}
	if (!g_utf8_validate(format, -1, NULL)) {
		*cause = g_strdup("subject tag is not valid UTF-8");
		return -1;
	}
	return 0;
}

char *
thread_tag_format(const char *format, gint64 id)
{
	const char	*p;

	if ((p = strstr(format, TAG_ID)) == NULL)
		return g_strdup(format);
	return g_strdup_printf("%.*s%" G_GINT64_FORMAT "%s", (int)(p - format),
	    format, id, p + strlen(TAG_ID));
}

/* The positive gint64 spelled by the n digits at s, or 0. */
static gint64
tag_number(const char *s, gsize n)
{
	char	*digits;
	guint64	 v = 0;

	digits = g_strndup(s, n);
	if (!g_ascii_string_to_unsigned(digits, 10, 1, G_MAXINT64, &v, NULL))
		v = 0;
	g_free(digits);
	return (gint64)v;
}

/* Does a tag start at s? Returns the id or 0. */
static gint64
tag_at(const char *s, const char *prefix, gsize plen, const char *suffix)
{
	gsize	 n;

	if (strncmp(s, prefix, plen) != 0)
		return 0;
	s += plen;
	for (n = 0; g_ascii_isdigit(s[n]); n++)
		;
	if (n == 0 || strncmp(s + n, suffix, strlen(suffix)) != 0)
		return 0;
	return tag_number(s, n);
}

int
thread_tag_find(const char *format, const char *subject, gint64 *id)
{
	const char	*p, *suffix;
	gsize		 plen;
	gint64		 v;

	if (subject == NULL || (suffix = strstr(format, TAG_ID)) == NULL)
		return 0;
	plen = suffix - format;
	suffix += strlen(TAG_ID);
	for (p = subject; *p != '\0'; p++) {
		/* Without a prefix, "x12" must not match as "2". */
		if (plen == 0 && p > subject && g_ascii_isdigit(p[-1]))
			continue;
		if ((v = tag_at(p, format, plen, suffix)) > 0) {
			*id = v;
			return 1;
		}
	}
	return 0;
}

/*
 * Reply prefixes.
 */

/* Compare case-insensitively; the end of the matched text or NULL. */
static const char *
prefix_word(const char *s, const char *word)
{
	while (*word != '\0') {
		if (*s == '\0' || g_unichar_tolower(g_utf8_get_char(s)) !=
		    g_unichar_tolower(g_utf8_get_char(word)))
			return NULL;
		s = g_utf8_next_char(s);
		word = g_utf8_next_char(word);
	}
	return s;
}

/* "[2]", "(2)" or "^2": the reply counter some clients add. */
static const char *
prefix_counter(const char *s)
{
	const char	*p;
	char		 closing;

	switch (*s) {
	case '[':
		closing = ']';
		break;
	case '(':
		closing = ')';
		break;
	case '^':
		closing = '\0';
		break;
	default:
		return s;
	}
	for (p = s + 1; g_ascii_isdigit(*p); p++)
		;
	if (p == s + 1)
		return s;
	if (closing == '\0')
		return p;
	return *p == closing ? p + 1 : s;
}

static const char *
skip_space(const char *s)
{
	while (*s != '\0' && g_unichar_isspace(g_utf8_get_char(s)))
		s = g_utf8_next_char(s);
	return s;
}

/* After the word and counter: a colon, maybe after a space ("RE :"). */
static const char *
prefix_colon(const char *s)
{
	s = skip_space(s);
	if (*s == ':')
		return s + 1;
	if (g_str_has_prefix(s, "："))
		return s + strlen("：");
	return NULL;
}

/* The text after one leading reply prefix, or NULL when there is none. */
static const char *
prefix_strip_one(const char *s)
{
	const char	*p;
	gsize		 i;

	for (i = 0; i < G_N_ELEMENTS(subject_prefixes); i++) {
		if ((p = prefix_word(s, subject_prefixes[i])) == NULL)
			continue;
		if ((p = prefix_colon(prefix_counter(p))) != NULL)
			return p;
	}
	return NULL;
}

char *
thread_subject_strip(const char *subject)
{
	char		*valid, *nfc, *out;
	const char	*s, *next;

	if (subject == NULL)
		return g_strdup("");
	valid = g_utf8_make_valid(subject, -1);
	/* "Réf" may come with a combining accent. */
	nfc = g_utf8_normalize(valid, -1, G_NORMALIZE_DEFAULT_COMPOSE);
	g_free(valid);
	s = skip_space(nfc);
	while ((next = prefix_strip_one(s)) != NULL)
		s = skip_space(next);
	out = g_strdup(s);
	g_free(nfc);
	return g_strchomp(out);
}

/*
 * Subjects of the mail we send.
 */

/* At s: one reply prefix (its end), our tag (its end), or NULL. */
static const char *
subject_skip_one(const char *s, const char *tag, int *was_tag)
{
	const char	*p;

	*was_tag = g_str_has_prefix(s, tag);
	if (*was_tag)
		return s + strlen(tag);
	return (p = prefix_strip_one(s)) != NULL ? p : NULL;
}

/* Copy s to out without any occurrence of tag, and no doubled spaces. */
static void
subject_drop_tag(GString *out, const char *s, const char *tag)
{
	const char	*p;

	while ((p = strstr(s, tag)) != NULL) {
		g_string_append_len(out, s, p - s);
		s = skip_space(p + strlen(tag));
		if (out->len > 0 && out->str[out->len - 1] == ' ' && *s == '\0')
			g_string_truncate(out, out->len - 1);
	}
	g_string_append(out, s);
}

/*
 * The leading run of reply prefixes and tags, then the rest. For a reply
 * subject the run keeps its first prefix, as written, and its first tag,
 * our tag anywhere later is dropped, and a subject without it gets it
 * after the prefix. For {{subject}} the run goes, and our tag with it.
 */
static char *
subject_rewrite(const char *format, gint64 id, const char *subject,
    int reply)
{
	char		*tag = thread_tag_format(format, id);
	char		*valid = g_utf8_make_valid(subject ? subject : "", -1);
	const char	*s = skip_space(valid), *next;
	GString		*out = g_string_new(NULL);
	int		 was_tag, have_prefix = 0, have_tag = 0;

	while ((next = subject_skip_one(s, tag, &was_tag)) != NULL) {
		if (reply && (was_tag ? !have_tag : !have_prefix)) {
			g_string_append_len(out, s, next - s);
			g_string_append_c(out, ' ');
		}
		have_tag |= was_tag;
		have_prefix |= !was_tag;
		s = skip_space(next);
	}
	next = strstr(s, tag);
	if (reply && !have_tag && next == NULL) {
		g_string_append(out, tag);
		g_string_append_c(out, ' ');
	}
	if (reply && !have_tag && next != NULL) {
		/* The template put the tag inside: keep that one. */
		next += strlen(tag);
		g_string_append_len(out, s, next - s);
		s = next;
	}
	subject_drop_tag(out, s, tag);
	g_free(tag);
	g_free(valid);
	return g_strchomp(g_string_free(out, FALSE));
}

char *
thread_subject_clean(const char *format, gint64 id, const char *subject)
{
	return subject_rewrite(format, id, subject, 0);
}

char *
thread_subject_reply(const char *format, gint64 id, const char *subject)
{
	return subject_rewrite(format, id, subject, 1);
}

/*
 * Message-IDs.
 */

static void
msgid_nonce(char nonce[NONCE_OCTETS * 2 + 1])
{
	guint8	 octets[NONCE_OCTETS];
	gsize	 i;

	/* The nonce only has to be unique; g_random is the fallback. */
	if (getentropy(octets, sizeof(octets)) != 0)
		for (i = 0; i < sizeof(octets); i++)
			octets[i] = g_random_int_range(0, 256);
	for (i = 0; i < sizeof(octets); i++)
		g_snprintf(nonce + 2 * i, 3, "%02x", octets[i]);
}

static void
msgid_mac(const guint8 key[THREAD_KEY_LEN], const char *text, gsize len,
    guint8 mac[MAC_OCTETS])
{
	GHmac	*hmac;
	guint8	 digest[32];
	gsize	 dlen = sizeof(digest);

	hmac = g_hmac_new(G_CHECKSUM_SHA256, key, THREAD_KEY_LEN);
	g_hmac_update(hmac, (const guchar *)text, len);
	g_hmac_get_digest(hmac, digest, &dlen);
	g_hmac_unref(hmac);
	memcpy(mac, digest, MAC_OCTETS);
}

/* An agent name as tokens carry it: [a-z0-9_-], 1 to 32; its length. */
static gsize
token_agent_len(const char *s)
{
	gsize	 n;

	for (n = 0; n <= THREAD_AGENT_MAX && (g_ascii_isdigit(s[n]) ||
	    (s[n] >= 'a' && s[n] <= 'z') || s[n] == '_' || s[n] == '-'); n++)
		;
	return n > THREAD_AGENT_MAX ? 0 : n;
}

/* "tkt<id>." or "a<id>.": the number, and where it ends; 0 if none. */
static gint64
token_ticket(const char *s, const char **end)
{
	gsize	 n;
	gint64	 v;

	for (n = 0; g_ascii_isdigit(s[n]); n++)
		;
	if (n == 0 || s[0] == '0' || (v = tag_number(s, n)) <= 0 ||
	    s[n] != '.')
		return 0;
	*end = s + n + 1;
	return v;
}

static void
msgid_hex(GString *s, const guint8 *mac, gsize octets)
{
	for (gsize i = 0; i < octets; i++)
		g_string_append_printf(s, "%02x", mac[i]);
}

char *
thread_msgid_make_agent(const guint8 key[THREAD_KEY_LEN], gint64 id,
    const char *agent, const char *hostname)
{
	GString	*s;
	guint8	 mac[MAC_OCTETS];
	char	 nonce[NONCE_OCTETS * 2 + 1];

	msgid_nonce(nonce);
	s = g_string_new(NULL);
	g_string_printf(s, MSGID_PREFIX "%" G_GINT64_FORMAT ".", id);
	if (agent != NULL)
		g_string_append_printf(s, "%s.", agent);
	g_string_append(s, nonce);
	msgid_mac(key, s->str, s->len, mac);
	g_string_append_c(s, '.');
	msgid_hex(s, mac, MAC_OCTETS);
	g_string_append_printf(s, "@%s", hostname != NULL &&
	    *hostname != '\0' ? hostname : "localhost");
	return g_string_free(s, FALSE);
}

char *
thread_msgid_make(const guint8 key[THREAD_KEY_LEN], gint64 id,
    const char *hostname)
{
	return thread_msgid_make_agent(key, id, NULL, hostname);
}

static int
msgid_hex_run(const char *s, gsize n)
{
	gsize	 i;

	for (i = 0; i < n; i++)
		if (!g_ascii_isxdigit(s[i]))
			return 0;
	return 1;
}

/* Every octet is compared, so timing does not reveal a partial match. */
static int
msgid_mac_equal(const guint8 *mac, const char *hex, gsize octets)
{
	guint8	 diff = 0;
	gsize	 i;

	for (i = 0; i < octets; i++)
		diff |= mac[i] ^ (g_ascii_xdigit_value(hex[2 * i]) << 4 |
		    g_ascii_xdigit_value(hex[2 * i + 1]));
	return diff == 0;
}

/*
 * "tkt<id>.[<agent>.]<nonce>.<mac>@": where the agent name starts and
 * its length (0: none), and where the MAC starts; NULL when the shape
 * is wrong. The nonce is fixed-length hex, so an agent segment is told
 * apart by what follows it.
 */
static const char *
msgid_shape(const char *p, const char **agent, gsize *alen)
{
	gsize	 n = NONCE_OCTETS * 2;

	*agent = NULL;
	*alen = 0;
	if (!(msgid_hex_run(p, n) && p[n] == '.' &&
	    msgid_hex_run(p + n + 1, MAC_OCTETS * 2) &&
	    p[n + 1 + MAC_OCTETS * 2] == '@')) {
		if ((*alen = token_agent_len(p)) == 0 || p[*alen] != '.')
			return NULL;
		*agent = p;
		p += *alen + 1;
	}
	if (!msgid_hex_run(p, n) || p[n] != '.' ||
	    !msgid_hex_run(p + n + 1, MAC_OCTETS * 2) ||
	    p[n + 1 + MAC_OCTETS * 2] != '@')
		return NULL;
	return p + n + 1;
}

int
thread_msgid_verify_agent(const guint8 key[THREAD_KEY_LEN],
    const char *msgid, gint64 *id, char **agent)
{
	const char	*p, *mac_hex, *name;
	guint8		 mac[MAC_OCTETS];
	gint64		 v;
	gsize		 alen;

	if (msgid == NULL || !g_str_has_prefix(msgid, MSGID_PREFIX) ||
	    (v = token_ticket(msgid + strlen(MSGID_PREFIX), &p)) == 0 ||
	    (mac_hex = msgid_shape(p, &name, &alen)) == NULL)
		return 0;
	msgid_mac(key, msgid, mac_hex - 1 - msgid, mac);
	if (!msgid_mac_equal(mac, mac_hex, MAC_OCTETS))
		return 0;
	*id = v;
	if (agent != NULL)
		*agent = name != NULL ? g_strndup(name, alen) : NULL;
	return 1;
}

int
thread_msgid_verify(const guint8 key[THREAD_KEY_LEN], const char *msgid,
    gint64 *id)
{
	return thread_msgid_verify_agent(key, msgid, id, NULL);
}

int
thread_msgid_verify_any_agent(const guint8 *keys, gsize n, const char *msgid,
    gint64 *id, char **agent)
{
	for (gsize i = 0; i < n; i++)
		if (thread_msgid_verify_agent(keys + i * THREAD_KEY_LEN, msgid,
		    id, agent))
			return 1;
	return 0;
}

int
thread_msgid_verify_any(const guint8 *keys, gsize n, const char *msgid,
    gint64 *id)
{
	return thread_msgid_verify_any_agent(keys, n, msgid, id, NULL);
}

/*
 * Reply-address tokens.
 */

/* A domain apart from Message-IDs, so neither MAC can stand for the other. */
static void
token_mac(const guint8 key[THREAD_KEY_LEN], gint64 id, const char *agent,
    gsize alen, guint8 mac[MAC_OCTETS])
{
	char	*text = g_strdup_printf(TOKEN_DOMAIN "%" G_GINT64_FORMAT ".%.*s",
		    id, (int)alen, agent);

	msgid_mac(key, text, strlen(text), mac);
	g_free(text);
}

char *
thread_token_make(const guint8 key[THREAD_KEY_LEN], gint64 id,
    const char *agent)
{
	GString	*s = g_string_new(NULL);
	guint8	 mac[MAC_OCTETS];

	token_mac(key, id, agent, strlen(agent), mac);
	g_string_printf(s, TOKEN_PREFIX "%" G_GINT64_FORMAT ".%s.", id, agent);
	msgid_hex(s, mac, TOKEN_MAC_OCTETS);
	return g_string_free(s, FALSE);
}

/* 1 valid, 0 not token-shaped, -1 token-shaped with a wrong MAC. */
static int
token_verify_lower(const guint8 *keys, gsize nkeys, const char *t,
    gint64 *id, char **agent)
{
	const char	*p, *name;
	guint8		 mac[MAC_OCTETS];
	gint64		 v;
	gsize		 alen;

	if (!g_str_has_prefix(t, TOKEN_PREFIX) ||
	    (v = token_ticket(t + strlen(TOKEN_PREFIX), &p)) == 0 ||
	    (alen = token_agent_len(p)) == 0 || p[alen] != '.' ||
	    !msgid_hex_run(p + alen + 1, TOKEN_MAC_OCTETS * 2) ||
	    p[alen + 1 + TOKEN_MAC_OCTETS * 2] != '\0')
		return 0;
	name = p;
	for (gsize i = 0; i < nkeys; i++) {
		token_mac(keys + i * THREAD_KEY_LEN, v, name, alen, mac);
		if (msgid_mac_equal(mac, name + alen + 1, TOKEN_MAC_OCTETS)) {
			*id = v;
			*agent = g_strndup(name, alen);
			return 1;
		}
	}
	return -1;
}

int
thread_token_verify_any(const guint8 *keys, gsize nkeys, const char *token,
    gint64 *id, char **agent)
{
	/* Some MTAs change the case of local parts; ours are lower case. */
	char	*t = g_ascii_strdown(token, -1);
	int	 rc = token_verify_lower(keys, nkeys, t, id, agent);

	g_free(t);
	return rc;
}

/*
 * Satisfaction tokens: "s42.5.MAC", one per rating of a ticket's
 * survey. The MAC covers the survey's time too, so a token of an
 * earlier survey, or of another ticket or rating, does not verify.
 */

static void
csat_mac(const guint8 key[THREAD_KEY_LEN], gint64 id, int rating,
    gint64 survey_at, guint8 mac[MAC_OCTETS])
{
	char	*text = g_strdup_printf(CSAT_DOMAIN "%" G_GINT64_FORMAT ".%d.%"
		    G_GINT64_FORMAT, id, rating, survey_at);

	msgid_mac(key, text, strlen(text), mac);
	g_free(text);
}

char *
thread_csat_token_make(const guint8 key[THREAD_KEY_LEN], gint64 id,
    int rating, gint64 survey_at)
{
	GString	*s = g_string_new(NULL);
	guint8	 mac[MAC_OCTETS];

	csat_mac(key, id, rating, survey_at, mac);
	g_string_printf(s, CSAT_PREFIX "%" G_GINT64_FORMAT ".%d.", id, rating);
	msgid_hex(s, mac, TOKEN_MAC_OCTETS);
	return g_string_free(s, FALSE);
}

/* The MAC's hex when token is shaped "sID.R.MAC" (lower case), or NULL. */
static const char *
csat_token_shape(const char *t, gint64 *id, int *rating)
{
	const char	*p;

	if (!g_str_has_prefix(t, CSAT_PREFIX) ||
	    (*id = token_ticket(t + strlen(CSAT_PREFIX), &p)) == 0 ||
	    p[0] < '1' || p[0] > '5' || p[1] != '.' ||
	    !msgid_hex_run(p + 2, TOKEN_MAC_OCTETS * 2) ||
	    p[2 + TOKEN_MAC_OCTETS * 2] != '\0')
		return NULL;
	*rating = p[0] - '0';
	return p + 2;
}

int
thread_csat_token_parse(const char *token, gint64 *id, int *rating)
{
	char	*t = g_ascii_strdown(token, -1);
	int	 shaped = csat_token_shape(t, id, rating) != NULL;

	g_free(t);
	return shaped;
}

int
thread_csat_token_verify_any(const guint8 *keys, gsize nkeys,
    const char *token, gint64 survey_at)
{
	char		*t = g_ascii_strdown(token, -1);
	const char	*hex;
	guint8		 mac[MAC_OCTETS];
	gint64		 id;
	int		 rating, ok = 0;

	if ((hex = csat_token_shape(t, &id, &rating)) != NULL)
		for (gsize i = 0; i < nkeys && !ok; i++) {
			csat_mac(keys + i * THREAD_KEY_LEN, id, rating,
			    survey_at, mac);
			ok = msgid_mac_equal(mac, hex, TOKEN_MAC_OCTETS);
		}
	g_free(t);
	return ok;
}
