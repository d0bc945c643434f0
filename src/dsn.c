/*
 * dsn: reads delivery status notifications (RFC 3464) and the plain
 * text bounces of qmail, Exim and others out of a parsed mail.
 *
 * A mail is a DSN when it is a delivery report (multipart/report with a
 * message/delivery-status part), or when it comes from a mailer daemon
 * (null envelope sender, MAILER-DAEMON or postmaster) and its text is a
 * known bounce format or its subject says the mail was not delivered.
 * A customer who forwards a bounce is not a mailer daemon, and a report
 * inside a forwarded message/rfc822 is not the mail's own report, so
 * neither counts.
 *
 * The input is hostile: every field is cut to one cleaned line of at
 * most DSN_TEXT_MAX octets, and the scans are linear in the input.
 */
#include <string.h>

#include "dsn.h"
#include "mime.h"

#define DSN_TEXT_MAX	1000	/* octets of one field we keep */
#define DSN_RCPTS_MAX	100	/* recipients we read from one report */

/* Where a bounce in plain text starts its copy of the returned mail. */
static const char *const dsn_copy_markers[] = {
	"--- Below this line is a copy of the message.",	/* qmail */
	"------ This is a copy of the message",			/* Exim */
	"Original message follows",
	"original message",
	NULL
};

/* Subjects of bounces that follow no known format (case-insensitive). */
static const char *const dsn_bounce_subjects[] = {
	"undeliver", "delivery status notification", "delivery failure",
	"delivery failed", "delivery has failed", "failure notice",
	"returned mail", "returned to sender", "non-delivery", "nondeliver",
	"could not be delivered", "delivery delayed", "delayed mail",
	"delivery notification", NULL
};

static const char *const dsn_daemon_locals[] = {
	"mailer-daemon", "mailer_daemon", "mailerdaemon", "mail-daemon",
	"postmaster", NULL
};

/*
 * Text helpers.
 */

/* Bytes as a C string: NUL becomes a space and CR goes. */
static char *
dsn_text(const char *data, gsize len)
{
	char	*s = g_malloc(len + 1), *p = s;

	for (gsize i = 0; i < len; i++)
		if (data[i] != '\r')
			*p++ = data[i] == '\0' ? ' ' : data[i];
	*p = '\0';
	return s;
}

static char *
dsn_text_bytes(GBytes *b)
{
	gsize		 len;
	const char	*data = g_bytes_get_data(b, &len);

	return dsn_text(data != NULL ? data : "", len);
}

/* One line of valid UTF-8, blanks squeezed, at most DSN_TEXT_MAX octets. */
static char *
dsn_clean(const char *v)
{
	char	*valid = g_utf8_make_valid(v, -1);
	char	*out = g_malloc(strlen(valid) + 1), *o = out;
	int	 blank = 1;

	for (const char *p = valid; *p != '\0'; p++) {
		if ((guchar)*p < 0x20 || *p == 0x7f || *p == ' ') {
			if (!blank)
				*o++ = ' ';
			blank = 1;
		} else {
			*o++ = *p;
			blank = 0;
		}
	}
	*o = '\0';
	g_free(valid);
	g_strchomp(out);
	if (strlen(out) > DSN_TEXT_MAX)
		*g_utf8_find_prev_char(out, out + DSN_TEXT_MAX + 1) = '\0';
	return out;
}

static int
dsn_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Length of a run of 1 to 3 digits at p, else 0. */
static int
dsn_digits(const char *p)
{
	int	 n = 0;

	while (n < 4 && dsn_is_digit(p[n]))
		n++;
	return n >= 1 && n <= 3 ? n : 0;
}

/* An enhanced status code ("5.1.1") at p: its length, else 0. */
static int
dsn_status_at(const char *start, const char *p)
{
	int	 a, b;

	if (*p != '2' && *p != '4' && *p != '5')
		return 0;
	if (p > start && (dsn_is_digit(p[-1]) || p[-1] == '.'))
		return 0;
	if (p[1] != '.' || (a = dsn_digits(p + 2)) == 0 || p[2 + a] != '.' ||
	    (b = dsn_digits(p + 3 + a)) == 0)
		return 0;
	/* "192.0.2.25" is an address, "5.1.1." ends a sentence. */
	if (p[3 + a + b] == '.' && dsn_is_digit(p[4 + a + b]))
		return 0;
	return 3 + a + b;
}

/* The first enhanced status code in text, or "". */
static char *
dsn_status_find(const char *text)
{
	int	 n;

	for (const char *p = text; *p != '\0'; p++)
		if ((n = dsn_status_at(text, p)) > 0)
			return g_strndup(p, n);
	return g_strdup("");
}

/* The class of the first SMTP reply code ("550 ", "451-") in text, or 0. */
static char
dsn_reply_class(const char *text)
{
	for (const char *p = text; *p != '\0'; p++) {
		if ((*p != '4' && *p != '5') || !dsn_is_digit(p[1]) ||
		    !dsn_is_digit(p[2]) || (p[3] != ' ' && p[3] != '-'))
			continue;
		if (p == text || strchr(" (:;", p[-1]) != NULL)
			return *p;
	}
	return 0;
}

/* A status for a diagnostic: its own code, else its reply code's class. */
static char *
dsn_status_from(const char *diagnostic, const char *fallback)
{
	char	*status = dsn_status_find(diagnostic);
	char	 class;

	if (*status != '\0')
		return status;
	g_free(status);
	if ((class = dsn_reply_class(diagnostic)) != 0)
		return g_strdup_printf("%c.0.0", class);
	return g_strdup(fallback);
}

/* "rfc822; <a@b>" or "<a@b>:" -> "a@b", cleaned. */
static char *
dsn_address(const char *v)
{
	const char	*semi = strchr(v, ';');
	char		*a = dsn_clean(semi != NULL ? semi + 1 : v);
	char		*s = g_strstrip(a);
	gsize		 len = strlen(s);

	if (len > 0 && s[len - 1] == ':')
		s[--len] = '\0';
	if (len >= 2 && s[0] == '<' && s[len - 1] == '>') {
		s[len - 1] = '\0';
		s++;
	}
	s = g_strdup(g_strstrip(s));
	g_free(a);
	return s;
}

/* The id inside "<...>", else the whole trimmed value; NULL when empty. */
static char *
dsn_msgid(const char *v)
{
	char	*c = dsn_clean(v), *id = c, *end;

	if ((id = strchr(c, '<')) != NULL && (end = strchr(id, '>')) != NULL) {
		*end = '\0';
		id++;
	} else
		id = c;
	id = g_strstrip(id);
	id = *id != '\0' && strchr(id, ' ') == NULL ? g_strdup(id) : NULL;
	g_free(c);
	return id;
}

/*
 * Header blocks: the fields of a message/delivery-status part and the
 * header of a returned mail.
 */

struct dsn_field {
	char	*name;		/* lower case */
	GString	*value;		/* unfolded */
};

static void
dsn_field_free(gpointer p)
{
	struct dsn_field	*f = p;

	g_free(f->name);
	g_string_free(f->value, TRUE);
	g_free(f);
}

/*
 * Parse the header block that starts at *text; move *text past the
 * blank line that ends it. Lines without a colon are skipped.
 */
static GPtrArray *
dsn_block(const char **text)
{
	GPtrArray		*fields = g_ptr_array_new_with_free_func(dsn_field_free);
	struct dsn_field	*last = NULL;
	const char		*p = *text, *eol, *colon;

	while (*p == '\n')
		p++;
	for (; *p != '\0' && *p != '\n'; p = *eol ? eol + 1 : eol) {
		eol = strchrnul(p, '\n');
		colon = memchr(p, ':', eol - p);
		if ((*p == ' ' || *p == '\t') && last != NULL) {
			if (last->value->len <= DSN_TEXT_MAX)
				g_string_append_len(g_string_append_c(last->value,
				    ' '), p, MIN(eol - p, DSN_TEXT_MAX));
		} else if (colon != NULL && colon > p) {
			last = g_new0(struct dsn_field, 1);
			last->name = g_ascii_strdown(p, colon - p);
			g_strstrip(last->name);
			last->value = g_string_new_len(colon + 1, MIN(eol - colon - 1,
			    DSN_TEXT_MAX));
			g_ptr_array_add(fields, last);
		} else
			last = NULL;
	}
	*text = *p == '\n' ? p + 1 : p;
	return fields;
}

/* The first field called name (lower case), or NULL. */
static const char *
dsn_field(GPtrArray *fields, const char *name)
{
	for (guint i = 0; i < fields->len; i++) {
		struct dsn_field *f = fields->pdata[i];

		if (strcmp(f->name, name) == 0)
			return f->value->str;
	}
	return NULL;
}

/* The Message-ID of the header block at text, or NULL. */
static char *
dsn_block_msgid(const char *text)
{
	GPtrArray	*fields = dsn_block(&text);
	const char	*v = dsn_field(fields, "message-id");
	char		*id = v != NULL ? dsn_msgid(v) : NULL;

	g_ptr_array_free(fields, TRUE);
	return id;
}

static char *
dsn_bytes_msgid(GBytes *b)
{
	char	*text = dsn_text_bytes(b);
	char	*id = dsn_block_msgid(text);

	g_free(text);
	return id;
}

/*
 * The returned mail.
 */

/* The first "Message-ID:" line of the body after the copy marker. */
static char *
dsn_body_msgid(const char *body)
{
	const char	*from = NULL, *p;

	for (const char *const *m = dsn_copy_markers; *m && !from; m++)
		if ((p = strstr(body, *m)) != NULL)
			from = p;
	for (p = from != NULL ? from : body; (p = strchr(p, '\n')) != NULL; ) {
		p++;
		if (g_ascii_strncasecmp(p, "message-id:", 11) == 0)
			return dsn_block_msgid(p);
	}
	return NULL;
}

static int
dsn_is_returned_type(const char *type)
{
	return strcmp(type, "message/rfc822") == 0 ||
	    strcmp(type, "message/global") == 0 ||
	    strcmp(type, "text/rfc822-headers") == 0 ||
	    strcmp(type, "message/global-headers") == 0;
}

static char *
dsn_original(const struct mail *m, const char *fallback)
{
	char	*id = NULL;

	if (m->returned_headers != NULL)
		id = dsn_bytes_msgid(m->returned_headers);
	for (guint i = 0; id == NULL && i < m->attachments->len; i++) {
		struct mail_attachment *a = m->attachments->pdata[i];

		if (dsn_is_returned_type(a->type))
			id = dsn_bytes_msgid(a->content);
	}
	if (id == NULL && fallback != NULL)
		id = dsn_msgid(fallback);
	if (id == NULL)
		id = dsn_body_msgid(m->body);
	return id;
}

/*
 * The struct dsn.
 */

static void
dsn_rcpt_free(gpointer p)
{
	struct dsn_rcpt	*r = p;

	g_free(r->rcpt);
	g_free(r->status);
	g_free(r->diagnostic);
	g_free(r);
}

void
dsn_free(struct dsn *d)
{
	if (d == NULL)
		return;
	g_free(d->original_msgid);
	g_free(d->reporting_mta);
	g_ptr_array_free(d->rcpts, TRUE);
	g_free(d);
}

static struct dsn *
dsn_new(const char *format)
{
	struct dsn	*d = g_new0(struct dsn, 1);

	d->format = format;
	d->reporting_mta = g_strdup("");
	d->rcpts = g_ptr_array_new_with_free_func(dsn_rcpt_free);
	return d;
}

/* Takes rcpt, status and diagnostic. */
static void
dsn_add(struct dsn *d, char *rcpt, enum dsn_action action, char *status,
    char *diagnostic)
{
	struct dsn_rcpt	*r;

	if (d->rcpts->len >= DSN_RCPTS_MAX) {
		g_free(rcpt);
		g_free(status);
		g_free(diagnostic);
		return;
	}
	r = g_new0(struct dsn_rcpt, 1);
	r->rcpt = rcpt;
	r->action = action;
	r->status = status;
	r->diagnostic = diagnostic;
	g_ptr_array_add(d->rcpts, r);
}

static enum dsn_action
dsn_action_from_status(const char *status)
{
	switch (*status) {
	case '2':
		return DSN_DELIVERED;
	case '4':
		return DSN_DELAYED;
	default:
		return DSN_FAILED;
	}
}

/* RFC 3464 2.3.3; an unknown word goes by the status. */
static enum dsn_action
dsn_action_parse(const char *v, const char *status)
{
	char		*a = v != NULL ? g_ascii_strdown(v, -1) : g_strdup("");
	enum dsn_action	 action;

	g_strstrip(a);
	if (g_str_has_prefix(a, "failed"))
		action = DSN_FAILED;
	else if (g_str_has_prefix(a, "delayed"))
		action = DSN_DELAYED;
	else if (g_str_has_prefix(a, "delivered") ||
	    g_str_has_prefix(a, "relayed") || g_str_has_prefix(a, "expanded"))
		action = DSN_DELIVERED;
	else
		action = dsn_action_from_status(status);
	g_free(a);
	return action;
}

/*
 * RFC 3464 reports.
 */

static void
dsn_report_rcpt(struct dsn *d, GPtrArray *f)
{
	const char	*final = dsn_field(f, "final-recipient");
	const char	*orig = dsn_field(f, "original-recipient");
	const char	*status = dsn_field(f, "status");
	const char	*diag = dsn_field(f, "diagnostic-code");
	char		*diagnostic = dsn_clean(diag != NULL ? diag : "");
	char		*st = dsn_status_find(status != NULL ? status : "");

	if (*st == '\0') {
		g_free(st);
		st = dsn_status_from(diagnostic, "");
	}
	dsn_add(d, dsn_address(final != NULL ? final : orig != NULL ? orig : ""),
	    dsn_action_parse(dsn_field(f, "action"), st), st, diagnostic);
}

static int
dsn_is_rcpt_block(GPtrArray *f)
{
	return dsn_field(f, "final-recipient") != NULL ||
	    dsn_field(f, "original-recipient") != NULL ||
	    dsn_field(f, "action") != NULL;
}

/* *orig_id: the report's own note of the original's Message-ID. */
static struct dsn *
dsn_parse_report(const struct mail *m, char **orig_id)
{
	struct dsn	*d = dsn_new("rfc3464");
	char		*text = m->delivery_status != NULL ?
			    dsn_text_bytes(m->delivery_status) : g_strdup("");
	const char	*p = text, *v;
	GPtrArray	*f;

	for (int first = 1; *p != '\0'; first = 0) {
		f = dsn_block(&p);
		if (first && (v = dsn_field(f, "reporting-mta")) != NULL) {
			g_free(d->reporting_mta);
			d->reporting_mta = dsn_address(v);
		}
		if (first && *orig_id == NULL &&
		    (v = dsn_field(f, "x-original-message-id")) != NULL)
			*orig_id = g_strdup(v);
		if (dsn_is_rcpt_block(f))
			dsn_report_rcpt(d, f);
		g_ptr_array_free(f, TRUE);
	}
	g_free(text);
	return d;
}

/*
 * Bounces in plain text.
 */

/* Is the body's text before any copy of the returned mail? */
static int
dsn_is_copy_marker(const char *line)
{
	for (const char *const *m = dsn_copy_markers; *m != NULL; m++)
		if (strstr(line, *m) != NULL)
			return 1;
	return 0;
}

static const char *
dsn_permanence(const char *body)
{
	return strstr(body, "permanent error") != NULL ? "5.0.0" : "";
}

/*
 * qmail: "<rcpt>:" on a line of its own, then the reason up to a blank
 * line; "(#5.1.1)" in the reason is its status.
 */
static void
dsn_parse_qmail(struct dsn *d, const char *body)
{
	char		**lines = g_strsplit(body, "\n", -1);
	const char	*fallback = dsn_permanence(body);

	for (guint i = 0; lines[i] != NULL && !dsn_is_copy_marker(lines[i]);
	    i++) {
		char	*line = g_strstrip(lines[i]);
		gsize	 len = strlen(line);
		GString	*why;
		char	*diagnostic;

		if (len < 3 || line[0] != '<' || strcmp(line + len - 2, ">:") != 0)
			continue;
		why = g_string_new("");
		for (; lines[i + 1] != NULL && *g_strstrip(lines[i + 1]) != '\0' &&
		    lines[i + 1][0] != '<' && why->len < DSN_TEXT_MAX; i++)
			g_string_append_printf(why, " %s", lines[i + 1]);
		diagnostic = dsn_clean(why->str);
		g_string_free(why, TRUE);
		dsn_add(d, dsn_address(line), DSN_FAILED,
		    dsn_status_from(diagnostic, fallback), diagnostic);
	}
	g_strfreev(lines);
}

/* Leading blanks of a line. */
static gsize
dsn_indent(const char *line)
{
	return strspn(line, " \t");
}

/* One Exim recipient is complete: add it with its reason. */
static void
dsn_exim_flush(struct dsn *d, char **rcpt, GString **why,
    enum dsn_action action, const char *body)
{
	char	*diagnostic;

	if (*rcpt == NULL)
		return;
	diagnostic = dsn_clean((*why)->str);
	dsn_add(d, *rcpt, action, dsn_status_from(diagnostic,
	    action == DSN_DELAYED ? "4.0.0" : dsn_permanence(body)), diagnostic);
	g_string_free(*why, TRUE);
	*rcpt = NULL;
	*why = NULL;
}

/*
 * Exim: after "The following address(es) failed:" (or "have not yet
 * been delivered:" in a delay warning) each address is indented two
 * spaces and its reason further.
 */
static void
dsn_parse_exim(struct dsn *d, const char *body)
{
	char		**lines = g_strsplit(body, "\n", -1);
	enum dsn_action	 action = DSN_FAILED;
	GString		*why = NULL;
	char		*rcpt = NULL;
	guint		 i;

	/* The heading of the list ends in a colon; the prose around not. */
	for (i = 0; lines[i] != NULL; i++) {
		if (!g_str_has_suffix(g_strchomp(lines[i]), ":"))
			continue;
		if (strstr(lines[i], "address(es) failed") != NULL)
			break;
		if (strstr(lines[i], "not yet been delivered") != NULL) {
			action = DSN_DELAYED;
			break;
		}
	}
	for (i = lines[i] != NULL ? i + 1 : i; lines[i] != NULL; i++) {
		const char	*line = lines[i];
		gsize		 ind = dsn_indent(line);

		if (line[ind] != '\0' && ind >= 4 && rcpt != NULL) {
			if (why->len < DSN_TEXT_MAX)
				g_string_append_printf(why, " %s", line);
			continue;
		}
		dsn_exim_flush(d, &rcpt, &why, action, body);
		if (line[ind] == '\0')
			continue;
		if (ind == 0 || dsn_is_copy_marker(line))
			break;
		rcpt = dsn_address(line);
		why = g_string_new("");
	}
	dsn_exim_flush(d, &rcpt, &why, action, body);
	g_strfreev(lines);
}

/* An address-like word of line ("<a@b>", "a@b:"), or "". */
static char *
dsn_line_address(const char *line)
{
	char	**words = g_strsplit_set(line, " \t,;()[]\"'", -1);
	char	 *addr = NULL;

	for (char **w = words; *w != NULL && addr == NULL; w++) {
		char *a = dsn_address(*w);

		if (strchr(a, '@') != NULL && strchr(a, '<') == NULL &&
		    strchr(a, '>') == NULL && *a != '@')
			addr = a;
		else
			g_free(a);
	}
	g_strfreev(words);
	return addr != NULL ? addr : g_strdup("");
}

/*
 * Anything else a mailer daemon sends: the first line with a status or
 * reply code is the diagnostic, and an address on it the recipient.
 */
static void
dsn_parse_text(struct dsn *d, const char *body, const char *subject)
{
	char		**lines = g_strsplit(body, "\n", -1);
	char		*status = NULL, *diagnostic = NULL, *rcpt = NULL;
	char		*lower;
	enum dsn_action	 action;

	for (guint i = 0; lines[i] != NULL && status == NULL &&
	    !dsn_is_copy_marker(lines[i]); i++) {
		diagnostic = dsn_clean(lines[i]);
		status = dsn_status_from(diagnostic, "");
		if (*status == '\0') {
			g_clear_pointer(&status, g_free);
			g_clear_pointer(&diagnostic, g_free);
		} else
			rcpt = dsn_line_address(diagnostic);
	}
	g_strfreev(lines);
	if (status == NULL) {
		status = g_strdup(dsn_permanence(body));
		diagnostic = g_strdup("");
		rcpt = g_strdup("");
	}
	action = dsn_action_from_status(status);
	/* A 4.x.x that gave up (expired) is a failure, not a delay. */
	lower = g_ascii_strdown(subject, -1);
	if (action == DSN_DELAYED && strstr(lower, "delay") == NULL &&
	    strstr(lower, "warning") == NULL)
		action = DSN_FAILED;
	g_free(lower);
	dsn_add(d, rcpt, action, status, diagnostic);
}

/*
 * Classification.
 */

static int
dsn_is_daemon(const char *addr)
{
	const char	*at;
	char		*local;
	int		 daemon = 0;

	if (addr == NULL || *addr == '\0')
		return 0;
	at = strrchr(addr, '@');
	local = g_ascii_strdown(addr, at != NULL ? at - addr : -1);
	for (const char *const *d = dsn_daemon_locals; *d != NULL && !daemon; d++)
		daemon = strcmp(local, *d) == 0;
	g_free(local);
	return daemon;
}

static int
dsn_from_daemon(const struct mail *m, const char *return_path)
{
	return (return_path != NULL && *return_path == '\0') ||
	    dsn_is_daemon(return_path) || dsn_is_daemon(m->from_addr);
}

static int
dsn_is_report(const struct mail *m)
{
	const char	*ct = mail_header(m, "content-type");
	char		*lower;
	int		 report;

	if (m->delivery_status != NULL)
		return 1;
	if (ct == NULL)
		return 0;
	lower = g_ascii_strdown(ct, -1);
	report = strstr(lower, "multipart/report") != NULL &&
	    strstr(lower, "delivery-status") != NULL;
	g_free(lower);
	return report;
}

static int
dsn_subject_is_bounce(const char *subject)
{
	char	*lower = g_ascii_strdown(subject, -1);
	int	 bounce = 0;

	for (const char *const *s = dsn_bounce_subjects; *s && !bounce; s++)
		bounce = strstr(lower, *s) != NULL;
	g_free(lower);
	return bounce;
}

/* A report with no recipient still says something failed. */
static void
dsn_ensure_rcpt(struct dsn *d)
{
	if (d->rcpts->len == 0)
		dsn_add(d, g_strdup(""), DSN_FAILED, g_strdup(""), g_strdup(""));
}

struct dsn *
dsn_parse(const struct mail *m, const char *return_path)
{
	struct dsn	*d = NULL;
	char		*orig_id = NULL;

	if (!m->parsed)
		return NULL;
	if (dsn_is_report(m)) {
		d = dsn_parse_report(m, &orig_id);
		if (d->rcpts->len == 0)
			dsn_parse_text(d, m->body, m->subject);
	} else if (!dsn_from_daemon(m, return_path))
		return NULL;
	else if (strstr(m->body, "This is the qmail-send program") != NULL) {
		d = dsn_new("qmail");
		dsn_parse_qmail(d, m->body);
	} else if (strstr(m->body, "created automatically by mail delivery "
	    "software") != NULL) {
		d = dsn_new("exim");
		dsn_parse_exim(d, m->body);
	} else if (dsn_subject_is_bounce(m->subject)) {
		d = dsn_new("text");
		dsn_parse_text(d, m->body, m->subject);
	} else
		return NULL;
	d->original_msgid = dsn_original(m, orig_id);
	g_free(orig_id);
	dsn_ensure_rcpt(d);
	return d;
}

const struct dsn_rcpt *
dsn_rcpt_for(const struct dsn *d, const char *rcpt)
{
	const struct dsn_rcpt	*worst = d->rcpts->pdata[0];

	for (guint i = 0; i < d->rcpts->len; i++) {
		const struct dsn_rcpt *r = d->rcpts->pdata[i];

		if (rcpt != NULL && *rcpt != '\0' &&
		    g_ascii_strcasecmp(r->rcpt, rcpt) == 0)
			return r;
		if (r->action > worst->action)
			worst = r;
	}
	return worst;
}

int
dsn_is_hard(const struct dsn_rcpt *r)
{
	return r->action == DSN_FAILED && r->status[0] == '5';
}

const char *
dsn_action_name(enum dsn_action action)
{
	switch (action) {
	case DSN_DELIVERED:
		return "delivered";
	case DSN_DELAYED:
		return "delayed";
	case DSN_FAILED:
		return "failed";
	}
	return "failed";
}
