/*
 * quote: cuts an agent's reply down to the agent's own words.
 *
 * The body is read as lines, each given a kind. Some lines end the
 * agent's part outright, since what follows them cannot be told apart
 * from old text: our marker line, a "-- " signature separator, an
 * Outlook header block or "-----Original Message-----", and an
 * attribution ("On ... wrote:") that no "> " quote follows. An
 * attribution that a quote follows only opens the quote: when the agent
 * writes again below the quote, the reply is an inline one and keeps
 * its quoted lines up to the agent's last words, for they are what the
 * words answer. The attribution itself goes, and so does a quoted copy
 * of our marker line, with the quoted blank lines below it: they mean
 * nothing to the customer. Lines are never changed, only kept or left
 * out; so the result is valid UTF-8 whenever the body is.
 *
 * When in doubt a line stays: text the agent wrote must never be lost,
 * while a quoted line too many only costs the customer a glance.
 */
#include <string.h>

#include <glib.h>

#include "quote.h"

/* Lines of this many "_" or more open an Outlook header block. */
#define UNDERSCORES_MIN		10
/* How far below "From:" Outlook's other header lines may stand. */
#define HEADER_BLOCK_LINES	6

enum qline_kind {
	QLINE_TEXT,		/* the agent's words */
	QLINE_BLANK,
	QLINE_QUOTED,		/* "> ", the text being answered */
	QLINE_DROP,		/* attribution, our quoted marker: never kept */
};

struct qline {
	const char	*s;		/* into the body, not NUL-terminated */
	gsize		 len;		/* without the newline */
	enum qline_kind	 kind;
};

enum attribution {
	ATTR_NONE,
	ATTR_WEAK,		/* an attribution only if a quote follows */
	ATTR_STRONG,		/* dated or addressed: one even without */
};

/*
 * Outlook's header block as its languages write it: the "From" word,
 * then among the next lines a "Sent" (or "Date") one and a "To" (or
 * "Subject") one.
 */
static const struct {
	const char	*from;
	const char	*sent[2];
	const char	*to[2];
} header_blocks[] = {
	{ "From:", { "Sent:", "Date:" }, { "To:", "Subject:" } },
	{ "Von:", { "Gesendet:", "Datum:" }, { "An:", "Betreff:" } },
	{ "จาก:", { "ส่ง:", "วันที่:" }, { "ถึง:", "เรื่อง:" } },
};

/* "-----Original Message-----" between its dashes, any case. */
static const char *const original_message[] = {
	"Original Message",
	"Ursprüngliche Nachricht",
};

static GArray *
quote_split(const char *body)
{
	GArray		*lines = g_array_new(FALSE, FALSE, sizeof(struct qline));
	struct qline	 l = { 0 };
	const char	*nl;

	for (l.s = body; *l.s != '\0'; l.s = nl + 1) {
		if ((nl = strchr(l.s, '\n')) == NULL) {
			l.len = strlen(l.s);
			g_array_append_val(lines, l);
			break;
		}
		l.len = nl - l.s;
		g_array_append_val(lines, l);
	}
	return lines;
}

/*
 * Line tests.
 */

static int
line_blank(const char *s, gsize len)
{
	gsize	 i;

	for (i = 0; i < len; i++)
		if (!g_ascii_isspace(s[i]))
			return 0;
	return 1;
}

static int
line_quoted(const struct qline *l)
{
	return l->len > 0 && l->s[0] == '>';
}

/* ">", "> >" and the like: a quoted line with nothing in it. */
static int
line_quoted_blank(const struct qline *l)
{
	gsize	 i;

	if (!line_quoted(l))
		return 0;
	for (i = 0; i < l->len; i++)
		if (l->s[i] != '>' && !g_ascii_isspace(l->s[i]))
			return 0;
	return 1;
}

static int
line_has(const struct qline *l, const char *needle)
{
	return memmem(l->s, l->len, needle, strlen(needle)) != NULL;
}

/* The line without the blanks around it. */
static void
line_trim(const struct qline *l, const char **s, gsize *len)
{
	*s = l->s;
	*len = l->len;
	while (*len > 0 && g_ascii_isspace(**s)) {
		(*s)++;
		(*len)--;
	}
	while (*len > 0 && g_ascii_isspace((*s)[*len - 1]))
		(*len)--;
}

static int
text_starts(const char *s, gsize len, const char *prefix)
{
	gsize	 plen = strlen(prefix);

	return len >= plen && memcmp(s, prefix, plen) == 0;
}

static int
text_ends(const char *s, gsize len, const char *suffix)
{
	gsize	 slen = strlen(suffix);

	return len >= slen && memcmp(s + len - slen, suffix, slen) == 0;
}

/* Exactly dash dash space (RFC 3676, 4.3); "--" is only punctuation. */
static int
line_signature(const struct qline *l)
{
	return l->len == 3 && memcmp(l->s, "-- ", 3) == 0;
}

static int
line_underscores(const struct qline *l)
{
	const char	*s;
	gsize		 len, i;

	line_trim(l, &s, &len);
	if (len < UNDERSCORES_MIN)
		return 0;
	for (i = 0; i < len; i++)
		if (s[i] != '_')
			return 0;
	return 1;
}

/* "-----Original Message-----", "----- Original Message -----". */
static int
line_original_message(const struct qline *l)
{
	const char	*s;
	gsize		 len, i;

	line_trim(l, &s, &len);
	if (!text_starts(s, len, "---"))
		return 0;
	while (len > 0 && (*s == '-' || *s == ' ')) {
		s++;
		len--;
	}
	while (len > 0 && (s[len - 1] == '-' || s[len - 1] == ' '))
		len--;
	for (i = 0; i < G_N_ELEMENTS(original_message); i++)
		if (len == strlen(original_message[i]) &&
		    g_ascii_strncasecmp(s, original_message[i], len) == 0)
			return 1;
	return 0;
}

/* "From: x" and, as Outlook makes plain text of bold, "*From:* x". */
static int
line_label(const struct qline *l, const char *label)
{
	const char	*s = l->s;
	gsize		 len = l->len;

	if (len > 0 && *s == '*') {
		s++;
		len--;
	}
	return text_starts(s, len, label);
}

static int
header_block_at(const struct qline *lines, gsize n, gsize i, gsize b)
{
	int	 sent = 0, to = 0;
	gsize	 j;

	if (!line_label(&lines[i], header_blocks[b].from))
		return 0;
	for (j = i + 1; j < n && j <= i + HEADER_BLOCK_LINES; j++) {
		if (line_blank(lines[j].s, lines[j].len))
			break;
		if (line_label(&lines[j], header_blocks[b].sent[0]) ||
		    line_label(&lines[j], header_blocks[b].sent[1]))
			sent = 1;
		if (line_label(&lines[j], header_blocks[b].to[0]) ||
		    line_label(&lines[j], header_blocks[b].to[1]))
			to = 1;
	}
	return sent && to;
}

/* Outlook's "From: / Sent: / To: / Subject:", maybe under a rule. */
static int
header_block(const struct qline *lines, gsize n, gsize i)
{
	gsize	 b;

	if (line_underscores(&lines[i]) && i + 1 < n)
		i++;
	for (b = 0; b < G_N_ELEMENTS(header_blocks); b++)
		if (header_block_at(lines, n, i, b))
			return 1;
	return 0;
}

/*
 * Attributions.
 */

/* A time of day, "9:15": real attributions carry one or an address. */
static int
text_has_time(const char *s, gsize len)
{
	gsize	 i;

	for (i = 1; i + 2 < len; i++)
		if (s[i] == ':' && g_ascii_isdigit(s[i - 1]) &&
		    g_ascii_isdigit(s[i + 1]) && g_ascii_isdigit(s[i + 2]))
			return 1;
	return 0;
}

/* Thunderbird's "27/11/2026 09:15, Name wrote:" starts with a date. */
static int
text_starts_with_date(const char *s, gsize len)
{
	gsize	 i;
	int	 digits = 0, seps = 0;

	for (i = 0; i < len && s[i] != ' '; i++) {
		if (g_ascii_isdigit(s[i]))
			digits++;
		else if (s[i] == '/' || s[i] == '.' || s[i] == '-')
			seps++;
		else
			return 0;
	}
	return digits > 0 && seps > 0 &&
	    memmem(s, len, ", ", 2) != NULL;
}

static enum attribution
attribution_text(const char *s, gsize len)
{
	int	 shape;

	shape =
	    /* Gmail, Apple Mail, Thunderbird, mutt: "On <date>, X wrote:" */
	    (text_starts(s, len, "On ") && text_ends(s, len, " wrote:")) ||
	    /* Gmail in Thai: "เมื่อ <date> X เขียนว่า:" */
	    (text_starts(s, len, "เมื่อ") && text_ends(s, len, "เขียนว่า:")) ||
	    /* German clients: "Am <date> schrieb X:" */
	    (text_starts(s, len, "Am ") && text_ends(s, len, ":") &&
	    memmem(s, len, " schrieb ", 9) != NULL) ||
	    /* Thunderbird: "<date>, X wrote:" */
	    (text_starts_with_date(s, len) && text_ends(s, len, " wrote:")) ||
	    /* s-nail's "X <addr> wrote:" */
	    (text_ends(s, len, "> wrote:") && memchr(s, '@', len) != NULL) ||
	    /* mutt, as often configured: "* X <addr> [date]:" */
	    (text_starts(s, len, "* ") && text_ends(s, len, "]:"));
	if (!shape)
		return ATTR_NONE;
	if (memchr(s, '@', len) != NULL || text_has_time(s, len))
		return ATTR_STRONG;
	return ATTR_WEAK;
}

static enum attribution
attribution_line(const struct qline *l)
{
	const char	*s;
	gsize		 len;

	if (line_quoted(l))
		return ATTR_NONE;
	line_trim(l, &s, &len);
	return attribution_text(s, len);
}

/*
 * Gmail wraps a long attribution where the address makes it too long:
 * "On ... Name <\nname@example.com> wrote:". Two lines count only when
 * they name an address.
 */
static enum attribution
attribution_wrapped(const struct qline *lines, gsize n, gsize i)
{
	const char	*a, *b;
	gsize		 alen, blen;
	char		*joined;
	enum attribution attr;

	if (i + 1 >= n || line_quoted(&lines[i + 1]))
		return ATTR_NONE;
	line_trim(&lines[i], &a, &alen);
	line_trim(&lines[i + 1], &b, &blen);
	if (alen == 0 || blen == 0 || !text_ends(b, blen, ":"))
		return ATTR_NONE;
	joined = g_strdup_printf("%.*s %.*s", (int)MIN(alen, G_MAXINT),
	    a, (int)MIN(blen, G_MAXINT), b);
	attr = attribution_text(joined, strlen(joined));
	if (strchr(joined, '@') == NULL)
		attr = ATTR_NONE;
	g_free(joined);
	return attr;
}

/* Does a "> " quote follow line i, past blank lines? */
static int
quote_follows(const struct qline *lines, gsize n, gsize i)
{
	for (i++; i < n; i++) {
		if (line_quoted(&lines[i]))
			return 1;
		if (!line_blank(lines[i].s, lines[i].len))
			return 0;
	}
	return 0;
}

/*
 * An attribution at line i, one or two lines long: how many lines it
 * takes, 0 when there is none. *end is set when it ends the agent's
 * part (no quote follows).
 */
static gsize
attribution_at(const struct qline *lines, gsize n, gsize i, int *end)
{
	enum attribution attr;
	gsize		 count = 1;

	if ((attr = attribution_line(&lines[i])) == ATTR_NONE &&
	    (attr = attribution_wrapped(lines, n, i)) != ATTR_NONE)
		count = 2;
	if (attr == ATTR_NONE)
		return 0;
	if (quote_follows(lines, n, i + count - 1))
		return count;
	*end = attr == ATTR_STRONG;
	return *end ? count : 0;
}

/*
 * Classification.
 */

/* Drop line i and the blank lines that follow it; the next to read. */
static gsize
drop_with_blanks(struct qline *lines, gsize n, gsize i, int quoted)
{
	lines[i++].kind = QLINE_DROP;
	for (; i < n; i++) {
		if (quoted ? !line_quoted_blank(&lines[i]) :
		    !line_blank(lines[i].s, lines[i].len))
			break;
		lines[i].kind = QLINE_DROP;
	}
	return i;
}

/* Does line i end the agent's part, with all that follows it? */
static int
line_ends_reply(const struct qline *lines, gsize n, gsize i,
    const char *marker)
{
	return line_signature(&lines[i]) ||
	    (marker != NULL && line_has(&lines[i], marker)) ||
	    line_original_message(&lines[i]) ||
	    header_block(lines, n, i);
}

/* Give each line its kind; returns how many lines may be kept at most. */
static gsize
quote_classify(struct qline *lines, gsize n, const char *marker)
{
	gsize	 i = 0, count;
	int	 end = 0;

	while (i < n) {
		if (line_quoted(&lines[i])) {
			/* Our quoted marker says nothing to the customer. */
			if (marker != NULL && line_has(&lines[i], marker))
				i = drop_with_blanks(lines, n, i, 1);
			else
				lines[i++].kind = QLINE_QUOTED;
		} else if (line_blank(lines[i].s, lines[i].len))
			lines[i++].kind = QLINE_BLANK;
		else if (line_ends_reply(lines, n, i, marker))
			return i;
		else if ((count = attribution_at(lines, n, i, &end)) > 0) {
			if (end)
				return i;
			if (count == 2)
				lines[i++].kind = QLINE_DROP;
			i = drop_with_blanks(lines, n, i, 0);
		} else
			lines[i++].kind = QLINE_TEXT;
	}
	return n;
}

char *
quote_strip(const char *body, const char *marker)
{
	GArray		*array = quote_split(body);
	struct qline	*lines = (struct qline *)array->data;
	GString		*out = g_string_new(NULL);
	gsize		 end, last, i;
	int		 first = 1;

	/* An empty marker would be found on every line. */
	if (marker != NULL && *marker == '\0')
		marker = NULL;
	end = quote_classify(lines, array->len, marker);

	/* Up to the agent's last words; the rest is quote and blanks. */
	for (last = end; last > 0; last--)
		if (lines[last - 1].kind == QLINE_TEXT)
			break;
	for (i = 0; i < last; i++) {
		if (lines[i].kind == QLINE_DROP)
			continue;
		if (!first)
			g_string_append_c(out, '\n');
		g_string_append_len(out, lines[i].s, lines[i].len);
		first = 0;
	}
	g_array_free(array, TRUE);
	return g_string_free(out, FALSE);
}
