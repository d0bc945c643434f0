/*
 * lmtp: the LMTP protocol of one session (RFC 2033), without sockets.
 *
 * The session is a small state machine driven by a command table of
 * check-and-proceed pairs, after OpenSMTPD's smtp_session.c. Input is
 * buffered and handled a line at a time, and replies are queued for the
 * transport to write, which is all PIPELINING needs. After the final
 * dot the session stops reading until its transport hands the job back
 * from the ingest pipeline; only then does it answer, once per accepted
 * recipient, in RCPT order.
 *
 * Hostile input is bounded: command line length, message size,
 * recipients, errors per session and unread replies. Message lines have
 * no length limit of their own, as in Postfix and Dovecot: refusing a
 * long line would bounce a customer's mail that pipe and IMAP delivery
 * accept, and max_message_size bounds it anyway.
 */
#include <string.h>

#include "conf.h"
#include "ingest.h"
#include "lmtp.h"
#include "log.h"
#include "tally.h"

#define LMTP_LINE_MAX		1000	/* command octets with CRLF */
#define LMTP_MAX_ERRORS		20
#define LMTP_OUT_MAX		65536	/* unread replies before we stop reading */

enum lmtp_state {
	LMTP_GREETED,		/* waiting for LHLO */
	LMTP_READY,		/* LHLO done, no transaction */
	LMTP_MAIL,		/* MAIL given */
	LMTP_DATA,		/* reading message content */
	LMTP_COMMIT,		/* waiting for the ingest pipeline */
	LMTP_QUIT,		/* flushing the last reply */
};

struct lmtp_session {
	struct conf		*conf;
	guint			 id;
	lmtp_submit_cb		 submit;
	gpointer		 submit_arg;
	enum lmtp_state		 state;
	guint			 errors;

	GByteArray		*in;
	gsize			 in_off;
	int			 in_skip;	/* discarding an overlong command */
	GString			*out;

	char			*sender;
	GPtrArray		*rcpts;		/* char *, accepted, in order */
	char			*queue;		/* of the first recipient */
	GByteArray		*data;
	int			 data_line_start;
	const char		*data_error;	/* reply once the dot comes */
};

static void G_GNUC_PRINTF(2, 3)
lmtp_reply(struct lmtp_session *s, const char *fmt, ...)
{
	va_list	 ap;
	gsize	 at = s->out->len;

	va_start(ap, fmt);
	g_string_append_vprintf(s->out, fmt, ap);
	va_end(ap);
	tally_lmtp_reply(s->out->str + at);
	g_string_append(s->out, "\r\n");
}

static void
lmtp_error(struct lmtp_session *s, const char *reply)
{
	lmtp_reply(s, "%s", reply);
	if (++s->errors >= LMTP_MAX_ERRORS) {
		log_warn("lmtp %u: too many errors, disconnecting", s->id);
		lmtp_reply(s, "421 4.7.0 Too many errors");
		s->state = LMTP_QUIT;
	}
}

static void
lmtp_transaction_reset(struct lmtp_session *s)
{
	g_clear_pointer(&s->sender, g_free);
	g_clear_pointer(&s->queue, g_free);
	g_ptr_array_set_size(s->rcpts, 0);
	if (s->data != NULL)
		g_byte_array_set_size(s->data, 0);
	s->data_error = NULL;
	s->state = LMTP_READY;
}

/*
 * No space or control character: RFC 5321 allows none in a path, and a
 * CR would reach our replies and logs through the address.
 */
static int
lmtp_path_clean(const char *p, const char *end)
{
	for (; p < end; p++)
		if ((guchar)*p <= ' ' || *p == 0x7f)
			return 0;
	return 1;
}

/*
 * "FROM:<addr> PARAMS" -> addr and params. The address may be empty;
 * a source route ("@a,@b:user@dom") is dropped as RFC 5321 allows.
 */
static int
lmtp_parse_path(const char *arg, const char *keyword, char **addr,
    const char **params)
{
	const char	*p, *end;
	gsize		 klen = strlen(keyword);

	*addr = NULL;
	if (g_ascii_strncasecmp(arg, keyword, klen) != 0)
		return -1;
	p = arg + klen;
	while (*p == ' ')
		p++;
	if (*p++ != '<' || (end = strchr(p, '>')) == NULL)
		return -1;
	if (*p == '@' && (p = memchr(p, ':', end - p)) != NULL)
		p++;
	if (p == NULL || !lmtp_path_clean(p, end))
		return -1;
	*addr = g_strndup(p, end - p);
	for (*params = end + 1; **params == ' '; (*params)++)
		;
	return 0;
}

/* MAIL parameters: SIZE and BODY are ours to honour, others unknown. */
static const char *
lmtp_mail_params(struct lmtp_session *s, const char *params)
{
	char		**words = g_strsplit(params, " ", -1);
	const char	*reply = NULL;

	for (char **w = words; *w != NULL && reply == NULL; w++) {
		if (**w == '\0')
			continue;
		if (g_ascii_strncasecmp(*w, "SIZE=", 5) == 0) {
			char	*end;
			guint64	 size = g_ascii_strtoull(*w + 5, &end, 10);

			if (*end != '\0' || end == *w + 5)
				reply = "501 5.5.4 Bad SIZE parameter";
			else if (size > s->conf->lmtp_max_message_size)
				reply = "552 5.3.4 Message too big";
		} else if (g_ascii_strcasecmp(*w, "BODY=7BIT") == 0 ||
		    g_ascii_strcasecmp(*w, "BODY=8BITMIME") == 0)
			continue;
		else
			reply = "555 5.5.4 Unsupported MAIL parameter";
	}
	g_strfreev(words);
	return reply;
}

static int
lmtp_check_transaction(struct lmtp_session *s, enum lmtp_state want)
{
	if (s->state == LMTP_GREETED) {
		lmtp_error(s, "503 5.5.1 Send LHLO first");
		return -1;
	}
	if (want == LMTP_READY && s->state != LMTP_READY) {
		lmtp_error(s, "503 5.5.1 Nested MAIL command");
		return -1;
	}
	if (want == LMTP_MAIL && s->state != LMTP_MAIL) {
		lmtp_error(s, "503 5.5.1 Send MAIL first");
		return -1;
	}
	return 0;
}

static void
lmtp_cmd_lhlo(struct lmtp_session *s, const char *arg)
{
	if (*arg == '\0') {
		lmtp_error(s, "501 5.5.4 LHLO needs a domain");
		return;
	}
	lmtp_transaction_reset(s);
	lmtp_reply(s, "250-%s", s->conf->hostname);
	lmtp_reply(s, "250-PIPELINING");
	lmtp_reply(s, "250-ENHANCEDSTATUSCODES");
	lmtp_reply(s, "250-8BITMIME");
	lmtp_reply(s, "250 SIZE %zu", s->conf->lmtp_max_message_size);
}

static void
lmtp_cmd_helo(struct lmtp_session *s, const char *arg)
{
	lmtp_error(s, "500 5.5.1 This is LMTP: use LHLO");
}

static void
lmtp_cmd_mail(struct lmtp_session *s, const char *arg)
{
	const char	*params, *reply;
	char		*addr;

	if (lmtp_check_transaction(s, LMTP_READY) != 0)
		return;
	if (lmtp_parse_path(arg, "FROM:", &addr, &params) != 0) {
		lmtp_error(s, "501 5.5.4 Syntax: MAIL FROM:<address>");
		return;
	}
	if ((reply = lmtp_mail_params(s, params)) != NULL) {
		g_free(addr);
		lmtp_error(s, reply);
		return;
	}
	s->sender = addr;
	s->state = LMTP_MAIL;
	lmtp_reply(s, "250 2.1.0 Sender ok");
}

static void
lmtp_cmd_rcpt(struct lmtp_session *s, const char *arg)
{
	const struct conf_queue	*q;
	const char		*params;
	char			*addr;

	if (lmtp_check_transaction(s, LMTP_MAIL) != 0)
		return;
	if (lmtp_parse_path(arg, "TO:", &addr, &params) != 0 ||
	    *addr == '\0' || *params != '\0') {
		g_free(addr);
		lmtp_error(s, "501 5.5.4 Syntax: RCPT TO:<address>");
		return;
	}
	if (s->rcpts->len >= s->conf->lmtp_max_recipients) {
		g_free(addr);
		lmtp_reply(s, "452 4.5.3 Too many recipients");
		return;
	}
	if ((q = conf_queue_for_address(s->conf, addr)) == NULL) {
		log_info("lmtp %u: rejected recipient <%s>: no queue", s->id,
		    addr);
		g_free(addr);
		lmtp_error(s, "550 5.1.1 No such mailbox");
		return;
	}
	if (s->queue == NULL)
		s->queue = g_strdup(q->name);
	g_ptr_array_add(s->rcpts, addr);
	lmtp_reply(s, "250 2.1.5 Recipient ok");
}

static void
lmtp_cmd_data(struct lmtp_session *s, const char *arg)
{
	if (lmtp_check_transaction(s, LMTP_MAIL) != 0)
		return;
	if (s->rcpts->len == 0) {
		lmtp_error(s, "503 5.5.1 No valid recipients");
		return;
	}
	if (s->data == NULL)
		s->data = g_byte_array_new();
	s->data_line_start = 1;
	s->state = LMTP_DATA;
	lmtp_reply(s, "354 Send message, end with <CRLF>.<CRLF>");
}

static void
lmtp_cmd_rset(struct lmtp_session *s, const char *arg)
{
	if (s->state != LMTP_GREETED)
		lmtp_transaction_reset(s);
	lmtp_reply(s, "250 2.0.0 Ok");
}

static void
lmtp_cmd_noop(struct lmtp_session *s, const char *arg)
{
	lmtp_reply(s, "250 2.0.0 Ok");
}

static void
lmtp_cmd_quit(struct lmtp_session *s, const char *arg)
{
	lmtp_reply(s, "221 2.0.0 Bye");
	s->state = LMTP_QUIT;
}

static const struct lmtp_command {
	const char	*verb;
	void		 (*proceed)(struct lmtp_session *, const char *arg);
} lmtp_commands[] = {
	{ "LHLO", lmtp_cmd_lhlo },
	{ "HELO", lmtp_cmd_helo },
	{ "EHLO", lmtp_cmd_helo },
	{ "MAIL", lmtp_cmd_mail },
	{ "RCPT", lmtp_cmd_rcpt },
	{ "DATA", lmtp_cmd_data },
	{ "RSET", lmtp_cmd_rset },
	{ "NOOP", lmtp_cmd_noop },
	{ "QUIT", lmtp_cmd_quit },
};

static void
lmtp_command(struct lmtp_session *s, char *line)
{
	char	*arg = line;

	while (*arg != '\0' && *arg != ' ')
		arg++;
	if (*arg == ' ')
		*arg++ = '\0';
	log_trace(TRACE_LMTP, "lmtp %u: <<< %s %s", s->id, line, arg);
	for (gsize i = 0; i < G_N_ELEMENTS(lmtp_commands); i++)
		if (g_ascii_strcasecmp(line, lmtp_commands[i].verb) == 0) {
			lmtp_commands[i].proceed(s, arg);
			return;
		}
	lmtp_error(s, "500 5.5.2 Command unrecognized");
}

/* Every accepted recipient's queue: one mail may reach several. */
static void
lmtp_deliveries(struct lmtp_session *s, struct ingest_job *job)
{
	const struct conf_queue	*q;

	for (guint i = 0; i < s->rcpts->len; i++)
		if ((q = conf_queue_for_address(s->conf,
		    s->rcpts->pdata[i])) != NULL)
			ingest_job_deliver(job, q->name, s->rcpts->pdata[i]);
}

static void
lmtp_data_end(struct lmtp_session *s)
{
	struct ingest_job	*job;
	char			*origin;
	GBytes			*raw;

	if (s->data_error != NULL) {
		log_warn("lmtp %u: message from <%s> refused: %s", s->id,
		    s->sender, s->data_error);
		for (guint i = 0; i < s->rcpts->len; i++)
			lmtp_reply(s, "%s", s->data_error);
		lmtp_transaction_reset(s);
		return;
	}
	raw = g_byte_array_free_to_bytes(s->data);
	s->data = NULL;
	origin = g_strdup_printf("lmtp %u", s->id);
	job = ingest_job_new(raw, "lmtp", origin, s->sender, s->queue, s->conf);
	g_free(origin);
	lmtp_deliveries(s, job);
	s->state = LMTP_COMMIT;
	s->submit(s, job, s->submit_arg);
}

/* Keep content until the message is over max_message_size. */
static void
lmtp_data_append(struct lmtp_session *s, const guint8 *bytes, gsize len)
{
	if (s->data_error == NULL &&
	    s->data->len + len > s->conf->lmtp_max_message_size)
		s->data_error = "552 5.3.4 Message too big";
	if (s->data_error == NULL)
		g_byte_array_append(s->data, bytes, len);
}

/*
 * One line of message content, LF included, or the start of a long one
 * (no LF yet). Only CRLF "." CRLF ends the message: a dot after a bare
 * LF is content (no SMTP smuggling).
 */
static void
lmtp_data_line(struct lmtp_session *s, const guint8 *line, gsize len)
{
	int	 lf = line[len - 1] == '\n';
	int	 crlf = lf && len >= 2 && line[len - 2] == '\r';

	if (s->data_line_start && len == 3 && line[0] == '.' && crlf) {
		lmtp_data_end(s);
		return;
	}
	if (s->data_line_start && line[0] == '.') {
		line++;
		len--;
	}
	lmtp_data_append(s, line, len);
	s->data_line_start = crlf;
}

/* Hand the next complete line to the state machine; 0 when none is left. */
static int
lmtp_next_line(struct lmtp_session *s)
{
	gsize	 avail = s->in->len - s->in_off;
	guint8	*start, *lf;
	gsize	 len;

	if (avail == 0)
		return 0;	/* and data may be NULL */
	start = s->in->data + s->in_off;
	if ((lf = memchr(start, '\n', avail)) == NULL) {
		if (avail <= LMTP_LINE_MAX)
			return 0;
		/*
		 * Content: store the long line's start now. Its last octet
		 * stays behind, so a CR that ends it is still seen with its LF.
		 */
		if (s->state == LMTP_DATA) {
			lmtp_data_line(s, start, avail - 1);
			s->in_off += avail - 1;
			return 1;
		}
		/* A command: consume it now rather than buffer it without end. */
		if (!s->in_skip)
			lmtp_error(s, "500 5.5.2 Line too long");
		s->in_skip = 1;
		s->in_off = s->in->len;
		return 1;
	}
	len = lf - start + 1;
	s->in_off += len;
	if (s->in_skip) {
		s->in_skip = 0;
		return 1;
	}
	if (s->state == LMTP_DATA) {
		lmtp_data_line(s, start, len);
		return 1;
	}
	if (len > LMTP_LINE_MAX) {
		lmtp_error(s, "500 5.5.2 Line too long");
		return 1;
	}
	len -= (len >= 2 && lf[-1] == '\r') ? 2 : 1;
	{
		char	*cmd = g_strndup((char *)start, len);

		lmtp_command(s, cmd);
		g_free(cmd);
	}
	return 1;
}

guint
lmtp_session_run(struct lmtp_session *s)
{
	guint	 lines = 0;

	while (lmtp_session_wait(s) == LMTP_WAIT_INPUT && lmtp_next_line(s))
		lines++;
	/*
	 * Drop what was consumed, also in the middle of a long line: it is
	 * passed on in pieces, and the buffer must not grow with the line.
	 */
	if (s->in_off == s->in->len)
		g_byte_array_set_size(s->in, 0);
	else if (s->in_off > 0)
		g_byte_array_remove_range(s->in, 0, s->in_off);
	s->in_off = 0;
	return lines;
}

void
lmtp_session_input(struct lmtp_session *s, const void *data, gsize len)
{
	g_byte_array_append(s->in, data, len);
	lmtp_session_run(s);
}

enum lmtp_wait
lmtp_session_wait(const struct lmtp_session *s)
{
	switch (s->state) {
	case LMTP_COMMIT:
		return LMTP_WAIT_COMMIT;
	case LMTP_QUIT:
		return LMTP_WAIT_CLOSE;
	case LMTP_GREETED:
	case LMTP_READY:
	case LMTP_MAIL:
	case LMTP_DATA:
		break;
	}
	/* A client that never reads our replies gets no more input read. */
	return s->out->len >= LMTP_OUT_MAX ? LMTP_WAIT_OUTPUT : LMTP_WAIT_INPUT;
}

const char *
lmtp_session_output(const struct lmtp_session *s, gsize *len)
{
	*len = s->out->len;
	return s->out->str;
}

void
lmtp_session_written(struct lmtp_session *s, gsize n)
{
	g_string_erase(s->out, 0, n);
}

void
lmtp_session_committed(struct lmtp_session *s, struct ingest_job *job)
{
	for (guint i = 0; i < s->rcpts->len; i++) {
		switch (job->status) {
		case INGEST_STORED:
		case INGEST_DUPLICATE:
			lmtp_reply(s, "250 2.0.0 <%s> Ok: ticket %" G_GINT64_FORMAT,
			    (char *)g_ptr_array_index(s->rcpts, i),
			    job->ticket_id);
			break;
		case INGEST_TEMPFAIL:
			lmtp_reply(s, "451 4.3.0 <%s> Temporary failure storing "
			    "the message", (char *)g_ptr_array_index(s->rcpts, i));
			break;
		}
	}
	ingest_job_free(job);
	lmtp_transaction_reset(s);
}

void
lmtp_session_end(struct lmtp_session *s, const char *reply)
{
	lmtp_reply(s, "%s", reply);
	s->state = LMTP_QUIT;
}

struct lmtp_session *
lmtp_session_new(struct conf *conf, guint id, lmtp_submit_cb submit,
    gpointer arg)
{
	struct lmtp_session	*s = g_new0(struct lmtp_session, 1);

	s->conf = conf_ref(conf);
	s->id = id;
	s->submit = submit;
	s->submit_arg = arg;
	s->in = g_byte_array_new();
	s->out = g_string_new(NULL);
	s->rcpts = g_ptr_array_new_with_free_func(g_free);
	s->state = LMTP_GREETED;
	lmtp_reply(s, "220 %s LMTP ticketd ready", s->conf->hostname);
	return s;
}

void
lmtp_session_free(struct lmtp_session *s)
{
	lmtp_transaction_reset(s);
	g_ptr_array_free(s->rcpts, TRUE);
	if (s->data != NULL)
		g_byte_array_free(s->data, TRUE);
	g_byte_array_free(s->in, TRUE);
	g_string_free(s->out, TRUE);
	conf_unref(s->conf);
	g_free(s);
}
