/*
 * source-lmtp: the LMTP listener (RFC 2033), on TCP and UNIX sockets.
 *
 * Each session is a small state machine driven by a command table of
 * check-and-proceed pairs, after OpenSMTPD's smtp_session.c. Input is
 * read into a buffer and handled a line at a time, and replies are
 * queued and flushed once the buffer is drained, which is all PIPELINING
 * needs. After the final dot the session stops reading until the ingest
 * pipeline has committed the mail; only then does it answer, once per
 * accepted recipient, in RCPT order.
 *
 * Hostile input is bounded: command line length, message size,
 * recipients, errors per session, idle time and the number of sessions.
 * Message lines have no length limit of their own, as in Postfix and
 * Dovecot: refusing a long line would bounce a customer's mail that
 * pipe and IMAP delivery accept, and max_message_size bounds it anyway.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <string.h>
#include <unistd.h>

#include <glib-unix.h>

#include "conf.h"
#include "ingest.h"
#include "log.h"
#include "source.h"

#define LMTP_LINE_MAX		1000	/* command octets with CRLF */
#define LMTP_READ_SIZE		65536
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

struct lmtp_listener {
	struct lmtp_server	*server;
	char			*name;
	char			*unix_path;
	int			 fd;
	guint			 watch;
	guint			 resume;	/* timer after running out of fds */
};

struct lmtp_server {
	struct source		 source;	/* must be first */
	struct conf		*conf;
	struct ingest		*ingest;
	GPtrArray		*listeners;
	GHashTable		*sessions;	/* struct lmtp_session * set */
	guint			 next_id;
	guint			 sweep;
	int			 stopping;	/* no new transactions */
};

struct lmtp_session {
	struct lmtp_server	*server;
	struct conf		*conf;
	guint			 id;
	int			 fd;
	guint			 watch;
	GIOCondition		 watching;
	enum lmtp_state		 state;
	gint64			 last_active;	/* monotonic seconds */
	guint			 errors;
	int			 gone;		/* client went away mid-commit */

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

static void	lmtp_session_io_update(struct lmtp_session *);
static void	lmtp_session_close(struct lmtp_session *);
static void	lmtp_session_process(struct lmtp_session *);
static gboolean	lmtp_accept_resume(gpointer);

static void G_GNUC_PRINTF(2, 3)
lmtp_reply(struct lmtp_session *s, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	g_string_append_vprintf(s->out, fmt, ap);
	va_end(ap);
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
	if (p == NULL || memchr(p, ' ', end - p) != NULL)
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

static void
lmtp_data_done(struct ingest_job *job, gpointer arg)
{
	struct lmtp_session	*s = arg;

	if (s->gone) {
		lmtp_session_close(s);
		ingest_job_free(job);
		return;
	}
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
	s->last_active = g_get_monotonic_time() / G_USEC_PER_SEC;
	lmtp_session_process(s);
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
	job->done = lmtp_data_done;
	job->arg = s;
	s->state = LMTP_COMMIT;
	ingest_submit(s->server->ingest, job);
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
	guint8	*start = s->in->data + s->in_off;
	gsize	 avail = s->in->len - s->in_off;
	guint8	*lf = memchr(start, '\n', avail);
	gsize	 len;

	if (lf == NULL) {
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

static void
lmtp_session_process(struct lmtp_session *s)
{
	while (s->state != LMTP_COMMIT && s->state != LMTP_QUIT &&
	    s->out->len < LMTP_OUT_MAX && !s->server->stopping &&
	    lmtp_next_line(s))
		;
	if (s->in_off == s->in->len) {
		g_byte_array_set_size(s->in, 0);
		s->in_off = 0;
	}
	lmtp_session_io_update(s);
}

static int
lmtp_session_flush(struct lmtp_session *s)
{
	while (s->out->len > 0) {
		ssize_t	 n = write(s->fd, s->out->str, s->out->len);

		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return 0;
		if (n <= 0)
			return -1;
		g_string_erase(s->out, 0, n);
	}
	return 0;
}

static int
lmtp_session_read(struct lmtp_session *s)
{
	guint	 old = s->in->len;
	ssize_t	 n;

	g_byte_array_set_size(s->in, old + LMTP_READ_SIZE);
	n = read(s->fd, s->in->data + old, LMTP_READ_SIZE);
	g_byte_array_set_size(s->in, old + MAX(n, 0));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n <= 0)
		return -1;
	s->last_active = g_get_monotonic_time() / G_USEC_PER_SEC;
	return 0;
}

static gboolean
lmtp_session_io(gint fd, GIOCondition cond, gpointer arg)
{
	struct lmtp_session	*s = arg;

	if ((cond & G_IO_OUT) && lmtp_session_flush(s) != 0) {
		lmtp_session_close(s);
		return G_SOURCE_REMOVE;
	}
	if (cond & (G_IO_IN | G_IO_HUP | G_IO_ERR)) {
		if (lmtp_session_read(s) != 0) {
			log_trace(TRACE_LMTP, "lmtp %u: client closed", s->id);
			lmtp_session_close(s);
			return G_SOURCE_REMOVE;
		}
		lmtp_session_process(s);
	} else
		lmtp_session_io_update(s);
	return G_SOURCE_CONTINUE;
}

/*
 * Write what we can, then watch for what the state needs: output space
 * while replies are pending, input unless we wait for a commit.
 */
static void
lmtp_session_io_update(struct lmtp_session *s)
{
	GIOCondition	 want = 0;

	if (lmtp_session_flush(s) != 0) {
		lmtp_session_close(s);
		return;
	}
	if (s->state == LMTP_QUIT && s->out->len == 0) {
		lmtp_session_close(s);
		return;
	}
	if (s->out->len > 0)
		want |= G_IO_OUT;
	/* A client that never reads our replies gets no more of its input read. */
	if (s->state != LMTP_COMMIT && s->state != LMTP_QUIT &&
	    s->out->len < LMTP_OUT_MAX && !s->server->stopping)
		want |= G_IO_IN;
	if (want == s->watching)
		return;
	if (s->watch != 0)
		g_source_remove(s->watch);
	s->watch = want ? g_unix_fd_add(s->fd, want, lmtp_session_io, s) : 0;
	s->watching = want;
}

static void
lmtp_session_close(struct lmtp_session *s)
{
	if (s->watch != 0) {
		g_source_remove(s->watch);
		s->watch = 0;
	}
	if (s->fd != -1) {
		close(s->fd);
		s->fd = -1;
	}
	/* The pipeline still holds us: free once it hands the job back. */
	if (s->state == LMTP_COMMIT && !s->gone) {
		s->gone = 1;
		return;
	}
	g_hash_table_remove(s->server->sessions, s);
	log_trace(TRACE_LMTP, "lmtp %u: closed", s->id);
	lmtp_transaction_reset(s);
	g_ptr_array_free(s->rcpts, TRUE);
	if (s->data != NULL)
		g_byte_array_free(s->data, TRUE);
	g_byte_array_free(s->in, TRUE);
	g_string_free(s->out, TRUE);
	conf_unref(s->conf);
	g_free(s);
}

static void
lmtp_session_new(struct lmtp_server *srv, int fd)
{
	struct lmtp_session	*s = g_new0(struct lmtp_session, 1);

	s->server = srv;
	s->conf = conf_ref(srv->conf);
	s->id = ++srv->next_id;
	s->fd = fd;
	s->in = g_byte_array_new();
	s->out = g_string_new(NULL);
	s->rcpts = g_ptr_array_new_with_free_func(g_free);
	s->state = LMTP_GREETED;
	s->last_active = g_get_monotonic_time() / G_USEC_PER_SEC;
	g_hash_table_add(srv->sessions, s);
	log_trace(TRACE_LMTP, "lmtp %u: connected", s->id);
	lmtp_reply(s, "220 %s LMTP ticketd ready", s->conf->hostname);
	lmtp_session_io_update(s);
}

static gboolean
lmtp_accept(gint fd, GIOCondition cond, gpointer arg)
{
	struct lmtp_listener	*l = arg;
	struct lmtp_server	*srv = l->server;
	static const char	 busy[] = "421 4.3.2 Too many sessions, "
				    "try again later\r\n";
	int			 cfd;

	while ((cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK |
	    SOCK_CLOEXEC)) != -1) {
		if (g_hash_table_size(srv->sessions) >=
		    srv->conf->lmtp_max_sessions) {
			log_warn("lmtp %s: session limit (%u) reached, "
			    "refusing a client", l->name,
			    srv->conf->lmtp_max_sessions);
			/* The client is told if it can be; no retry. */
			if (write(cfd, busy, sizeof busy - 1) < 0)
				log_trace(TRACE_LMTP, "lmtp %s: write: %s",
				    l->name, g_strerror(errno));
			close(cfd);
			continue;
		}
		lmtp_session_new(srv, cfd);
	}
	if (errno == EMFILE || errno == ENFILE) {
		/* Out of descriptors: the backlog waits a second, not the CPU. */
		log_warn("lmtp %s: accept: %s; pausing for a second", l->name,
		    g_strerror(errno));
		l->watch = 0;
		l->resume = g_timeout_add_seconds(1, lmtp_accept_resume, l);
		return G_SOURCE_REMOVE;
	}
	if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
		log_warn("lmtp %s: accept: %s", l->name, g_strerror(errno));
	return G_SOURCE_CONTINUE;
}

static gboolean
lmtp_accept_resume(gpointer arg)
{
	struct lmtp_listener	*l = arg;

	l->resume = 0;
	l->watch = g_unix_fd_add(l->fd, G_IO_IN, lmtp_accept, l);
	return G_SOURCE_REMOVE;
}

static gboolean
lmtp_sweep(gpointer arg)
{
	struct lmtp_server	*srv = arg;
	gint64			 now = g_get_monotonic_time() / G_USEC_PER_SEC;
	GHashTableIter		 it;
	gpointer		 key;
	GPtrArray		*idle = g_ptr_array_new();

	g_hash_table_iter_init(&it, srv->sessions);
	while (g_hash_table_iter_next(&it, &key, NULL)) {
		struct lmtp_session *s = key;

		if (s->state != LMTP_COMMIT && s->state != LMTP_QUIT &&
		    now - s->last_active >= s->conf->lmtp_timeout)
			g_ptr_array_add(idle, s);
	}
	for (guint i = 0; i < idle->len; i++) {
		struct lmtp_session *s = g_ptr_array_index(idle, i);

		log_info("lmtp %u: idle for %u seconds, disconnecting", s->id,
		    s->conf->lmtp_timeout);
		lmtp_reply(s, "421 4.4.2 Idle timeout, closing connection");
		s->state = LMTP_QUIT;
		lmtp_session_io_update(s);
	}
	g_ptr_array_free(idle, TRUE);
	return G_SOURCE_CONTINUE;
}

static int
lmtp_listen_unix(const char *path, char **cause)
{
	struct sockaddr_un	 sun = { .sun_family = AF_UNIX };
	int			 fd;

	if (strlen(path) >= sizeof sun.sun_path) {
		*cause = g_strdup("socket path too long");
		return -1;
	}
	strcpy(sun.sun_path, path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1)
		goto fail;
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sun, sizeof sun) == -1 ||
	    chmod(path, 0666) == -1 || listen(fd, 128) == -1)
		goto fail;
	return fd;
fail:
	*cause = g_strdup(g_strerror(errno));
	if (fd != -1)
		close(fd);
	return -1;
}

static int
lmtp_listen_tcp(const char *spec, char **cause)
{
	const char		*colon = strrchr(spec, ':');
	char			*host = g_strndup(spec, colon - spec);
	struct addrinfo		 hints = { .ai_socktype = SOCK_STREAM,
				    .ai_flags = AI_PASSIVE | AI_NUMERICSERV };
	struct addrinfo		*res;
	int			 fd = -1, on = 1, rc;

	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
		memmove(host, host + 1, strlen(host));
		host[strlen(host) - 1] = '\0';
	}
	if ((rc = getaddrinfo(*host ? host : NULL, colon + 1, &hints,
	    &res)) != 0) {
		*cause = g_strdup(gai_strerror(rc));
		g_free(host);
		return -1;
	}
	g_free(host);
	fd = socket(res->ai_family, res->ai_socktype | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (fd == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) == -1 ||
	    bind(fd, res->ai_addr, res->ai_addrlen) == -1 ||
	    listen(fd, 128) == -1) {
		*cause = g_strdup(g_strerror(errno));
		if (fd != -1)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

static int
lmtp_listener_open(struct lmtp_server *srv, const char *spec, char **cause)
{
	struct lmtp_listener	*l = g_new0(struct lmtp_listener, 1);
	char			*why = NULL;

	l->server = srv;
	l->name = g_strdup(spec);
	if (g_str_has_prefix(spec, "unix:")) {
		l->unix_path = g_strdup(spec + 5);
		l->fd = lmtp_listen_unix(l->unix_path, &why);
	} else
		l->fd = lmtp_listen_tcp(spec, &why);
	if (l->fd == -1) {
		*cause = g_strdup_printf("lmtp %s: %s", spec, why);
		g_free(why);
		g_free(l->unix_path);
		g_free(l->name);
		g_free(l);
		return -1;
	}
	l->watch = g_unix_fd_add(l->fd, G_IO_IN, lmtp_accept, l);
	g_ptr_array_add(srv->listeners, l);
	log_info("lmtp %s: listening", spec);
	return 0;
}

static void
lmtp_listener_close(struct lmtp_listener *l)
{
	if (l->watch != 0)
		g_source_remove(l->watch);
	if (l->resume != 0)
		g_source_remove(l->resume);
	close(l->fd);
	if (l->unix_path != NULL)
		unlink(l->unix_path);
	g_free(l->unix_path);
	g_free(l->name);
	g_free(l);
}

static int
lmtp_wanted(const struct conf *conf)
{
	return conf->lmtp_listen != NULL && conf->lmtp_listen[0] != NULL;
}

static struct source *
lmtp_start(struct conf *conf, struct ingest *ingest, char **cause)
{
	struct lmtp_server	*srv = g_new0(struct lmtp_server, 1);

	srv->source.ops = &source_lmtp_ops;
	srv->conf = conf_ref(conf);
	srv->ingest = ingest;
	srv->listeners = g_ptr_array_new_with_free_func(
	    (GDestroyNotify)lmtp_listener_close);
	srv->sessions = g_hash_table_new(NULL, NULL);
	for (char **l = conf->lmtp_listen; *l != NULL; l++)
		if (lmtp_listener_open(srv, *l, cause) != 0) {
			g_ptr_array_free(srv->listeners, TRUE);
			g_hash_table_destroy(srv->sessions);
			conf_unref(srv->conf);
			g_free(srv);
			return NULL;
		}
	srv->sweep = g_timeout_add_seconds(1, lmtp_sweep, srv);
	return &srv->source;
}

static void
lmtp_reload(struct source *src, struct conf *conf)
{
	struct lmtp_server	*srv = (struct lmtp_server *)src;

	conf_unref(srv->conf);
	srv->conf = conf_ref(conf);
}

static void
lmtp_stop(struct source *src)
{
	struct lmtp_server	*srv = (struct lmtp_server *)src;

	srv->stopping = 1;
	g_ptr_array_set_size(srv->listeners, 0);
	if (srv->sweep != 0)
		g_source_remove(srv->sweep);
	srv->sweep = 0;
}

static void
lmtp_free(struct source *src)
{
	struct lmtp_server	*srv = (struct lmtp_server *)src;
	GList			*open = g_hash_table_get_keys(srv->sessions);

	for (GList *s = open; s != NULL; s = s->next) {
		struct lmtp_session *session = s->data;

		lmtp_reply(session, "421 4.3.2 Shutting down");
		lmtp_session_flush(session);
		session->state = LMTP_QUIT;
		lmtp_session_close(session);
	}
	g_list_free(open);
	g_ptr_array_free(srv->listeners, TRUE);
	g_hash_table_destroy(srv->sessions);
	conf_unref(srv->conf);
	g_free(srv);
}

const struct source_ops source_lmtp_ops = {
	.name = "lmtp",
	.wanted = lmtp_wanted,
	.start = lmtp_start,
	.reload = lmtp_reload,
	.stop = lmtp_stop,
	.free = lmtp_free,
};
