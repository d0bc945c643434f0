/*
 * lmtp-load: an LMTP load generator for benchmarks.
 *
 *	lmtp-load [-p] [-H] [-w secs] [-t secs] -s sessions -m total
 *	    -r rcpt [-r rcpt ...] [-f sender] host:port|unix:/path file...
 *
 * Opens SESSIONS concurrent sessions (one thread each).  Each sends LHLO,
 * then MAIL/RCPT/DATA transactions until TOTAL mails were sent between all
 * sessions.  Mail N is FILE[N % nfiles], with its Message-ID replaced by one
 * unique to this run and this mail, so the receiver never sees a duplicate.
 * Files are read once, converted to CRLF and dot-stuffed.
 *
 *	-p	pipeline MAIL, RCPT and DATA (RFC 2920)
 *	-H	hold: every session connects before the first mail is sent and
 *		stays connected until the last reply came in, so that SESSIONS
 *		really are concurrent (for measuring memory per session)
 *	-w secs	with every session connected, idle for SECS before sending
 *	-t secs	socket timeout (default 60)
 *
 * After DATA an LMTP server answers once per accepted recipient; a mail
 * counts as ok when all of those answers are 2xx.  Prints one line
 *	sent=N ok=N fail=N secs=S rate=R
 * where fail counts every mail not delivered (unsent ones too) and rate is
 * ok mails per second, timed from the first mail (or the end of
 * the -H/-w wait) to the last reply.  Exits 1 unless all TOTAL mails were ok.
 * Uses only libc and GLib.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>

#define MAX_ERRORS 10		/* failure replies shown on stderr */

struct mail {
	char		*head;		/* CRLF text before the Message-ID */
	gsize		 headlen;
	char		*tail;		/* the rest, ending in CRLF.CRLF */
	gsize		 taillen;
};

struct session {
	int		 id;
	int		 fd;
	char		 buf[4096];	/* unread reply bytes */
	gsize		 off, len;
	gboolean	 eightbit;	/* server offered 8BITMIME */
	GString		*out;
};

static int		 nsessions = 1, total = 1, timeout = 60, idle_secs;
static gboolean		 pipelining, hold;
static const char	*sender = "lmtp-load@example.net", *address;
static GPtrArray	*rcpts;
static struct mail	*mails;
static int		 nmails;
static char		 run_id[64];

static gint		 next_mail, nsent, nok, nerrors;
static GMutex		 lock;		/* protects the fields below */
static GCond		 cond;
static int		 nready, ndone;
static gint64		 t_start, t_end;

static void G_GNUC_NORETURN
usage(void)
{
	fprintf(stderr, "usage: lmtp-load [-pH] [-w secs] [-t secs] -s sessions "
	    "-m total -r rcpt [-f sender] host:port|unix:/path file...\n");
	exit(2);
}

/* Load one mail: CRLF line ends, dot-stuffed, Message-ID cut out. */
static void
load_mail(const char *path, struct mail *m)
{
	GError		*error = NULL;
	GString		*out;
	char		*text, *p, *end, *nl;
	gsize		 len, cut = 0;
	gboolean	 inhead = TRUE, skipping = FALSE, found = FALSE;

	if (!g_file_get_contents(path, &text, &len, &error)) {
		fprintf(stderr, "lmtp-load: %s\n", error->message);
		exit(2);
	}
	out = g_string_sized_new(len + len / 20 + 16);
	for (p = text, end = text + len; p < end; p = nl + 1) {
		gsize	 n;

		if ((nl = memchr(p, '\n', end - p)) == NULL)
			nl = end;
		n = nl - p;
		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (inhead) {
			if (n == 0)
				inhead = FALSE;
			else if (skipping && (*p == ' ' || *p == '\t'))
				continue;	/* folded Message-ID */
			skipping = FALSE;
			if (n >= 11 && g_ascii_strncasecmp(p, "Message-ID:", 11) == 0) {
				if (!found)
					cut = out->len;
				found = skipping = TRUE;
				continue;
			}
		}
		if (n > 0 && *p == '.')
			g_string_append_c(out, '.');
		g_string_append_len(out, p, n);
		g_string_append(out, "\r\n");
	}
	g_string_append(out, ".\r\n");
	g_free(text);

	/* No Message-ID: the new one goes first. */
	m->headlen = found ? cut : 0;
	m->head = g_memdup2(out->str, m->headlen);
	m->taillen = out->len - m->headlen;
	m->tail = g_memdup2(out->str + m->headlen, m->taillen);
	g_string_free(out, TRUE);
}

static int
connect_to(const char *addr)
{
	struct addrinfo		 hints, *res, *ai;
	struct timeval		 tv = { .tv_sec = timeout };
	char			*host, *port;
	int			 fd = -1, on = 1, rv;

	if (strncmp(addr, "unix:", 5) == 0) {
		struct sockaddr_un	 sun = { .sun_family = AF_UNIX };

		g_strlcpy(sun.sun_path, addr + 5, sizeof sun.sun_path);
		if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1)
			return -1;
		if (connect(fd, (struct sockaddr *)&sun, sizeof sun) == -1) {
			close(fd);
			return -1;
		}
	} else {
		host = g_strdup(addr);
		if ((port = strrchr(host, ':')) == NULL) {
			g_free(host);
			errno = EINVAL;
			return -1;
		}
		*port++ = '\0';
		memset(&hints, 0, sizeof hints);
		hints.ai_socktype = SOCK_STREAM;
		rv = getaddrinfo(host, port, &hints, &res);
		g_free(host);
		if (rv != 0) {
			errno = EHOSTUNREACH;
			return -1;
		}
		for (ai = res; ai != NULL; ai = ai->ai_next) {
			fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
			if (fd == -1)
				continue;
			if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
				break;
			close(fd);
			fd = -1;
		}
		freeaddrinfo(res);
		if (fd == -1)
			return -1;
		/* Commands are small writes followed by a wait for the reply. */
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	return fd;
}

static int
flush(struct session *s)
{
	gsize	 off = 0;
	ssize_t	 n;

	while (off < s->out->len) {
		n = send(s->fd, s->out->str + off, s->out->len - off, MSG_NOSIGNAL);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		off += n;
	}
	g_string_truncate(s->out, 0);
	return 0;
}

/*
 * Read one reply, multi-line or not.  Returns its code, or -1 on an I/O or
 * syntax error.  The last line goes to line; with all, every line's text is
 * appended there too.
 */
static int
reply(struct session *s, GString *all, char *line, gsize size)
{
	char	*nl;
	gsize	 n;
	ssize_t	 r;

	for (;;) {
		nl = memchr(s->buf + s->off, '\n', s->len - s->off);
		if (nl == NULL) {
			if (s->off > 0) {
				memmove(s->buf, s->buf + s->off, s->len - s->off);
				s->len -= s->off;
				s->off = 0;
			}
			if (s->len == sizeof s->buf)
				return -1;	/* line too long */
			r = recv(s->fd, s->buf + s->len, sizeof s->buf - s->len, 0);
			if (r == -1 && errno == EINTR)
				continue;
			if (r == 0)
				errno = 0;	/* closed, no error */
			if (r <= 0)
				return -1;
			s->len += r;
			continue;
		}
		n = nl - (s->buf + s->off);
		g_strlcpy(line, s->buf + s->off, MIN(n + 1, size));
		g_strchomp(line);
		s->off += n + 1;
		if (strlen(line) < 3 || !g_ascii_isdigit(line[0]))
			return -1;
		if (all != NULL)
			g_string_append_printf(all, "%s\n", line);
		if (line[3] != '-')
			return atoi(line);
	}
}

static void
error_reply(struct session *s, const char *stage, int code, const char *line)
{
	if (g_atomic_int_add(&nerrors, 1) >= MAX_ERRORS)
		return;
	if (code == -1)
		fprintf(stderr, "lmtp-load: session %d: %s: %s\n", s->id, stage,
		    errno ? g_strerror(errno) : "connection closed");
	else
		fprintf(stderr, "lmtp-load: session %d: %s: %s\n", s->id, stage, line);
}

/* Send what is queued, unless already sent, and read one 2xx reply. */
static int
check(struct session *s, const char *stage)
{
	char	 line[512];
	int	 code;

	if (s->out->len > 0 && flush(s) == -1)
		return -1;
	if ((code = reply(s, NULL, line, sizeof line)) / 100 == 2)
		return 1;
	error_reply(s, stage, code, line);
	return code == -1 ? -1 : 0;
}

/* One transaction.  Returns 1 when ok, 0 when refused, -1 on I/O error. */
static int
transaction(struct session *s, int n)
{
	const struct mail	*m = &mails[n % nmails];
	char			 line[512];
	int			 i, r, code, accepted = 0, ok = 1;

	/* Without pipelining each command's reply is checked at once. */
	g_string_append_printf(s->out, "MAIL FROM:<%s>%s\r\n", sender,
	    s->eightbit ? " BODY=8BITMIME" : "");
	if (!pipelining && (r = check(s, "MAIL")) != 1)
		goto refused;
	for (i = 0; i < (int)rcpts->len; i++) {
		g_string_append_printf(s->out, "RCPT TO:<%s>\r\n",
		    (char *)rcpts->pdata[i]);
		if (!pipelining && (r = check(s, "RCPT")) == -1)
			return -1;
		if (!pipelining)
			accepted += r;
	}
	if (!pipelining && accepted == 0) {
		r = 0;
		goto refused;
	}
	g_string_append(s->out, "DATA\r\n");
	if (pipelining) {
		/* The replies to MAIL, each RCPT, then DATA's own. */
		if (flush(s) == -1 || (r = check(s, "MAIL")) == -1)
			return -1;
		ok = r;
		for (i = 0; i < (int)rcpts->len; i++) {
			if ((r = check(s, "RCPT")) == -1)
				return -1;
			accepted += r;
		}
	} else if (flush(s) == -1)
		return -1;
	ok = ok && accepted == (int)rcpts->len;

	if ((code = reply(s, NULL, line, sizeof line)) != 354) {
		error_reply(s, "DATA", code, line);
		if (code == -1)
			return -1;
		r = 0;
		goto refused;
	}
	g_string_append_len(s->out, m->head, m->headlen);
	g_string_append_printf(s->out, "Message-ID: <%s.%d@lmtp-load.invalid>\r\n",
	    run_id, n);
	g_string_append_len(s->out, m->tail, m->taillen);
	if (flush(s) == -1)
		return -1;
	/* One reply per accepted recipient (RFC 2033 4.2). */
	for (i = 0; i < MAX(accepted, 1); i++) {
		if ((r = check(s, "end of DATA")) == -1)
			return -1;
		ok = ok && r;
	}
	return ok;

refused:
	/* Nothing was sent: reset for the next mail. */
	if (r == -1)
		return -1;
	g_string_append(s->out, "RSET\r\n");
	if (flush(s) == -1 || reply(s, NULL, line, sizeof line) == -1)
		return -1;
	return 0;
}

/* Wait until every session reached *counter (so nobody waits for the dead). */
static void
rendezvous(int *counter, gboolean start_clock)
{
	g_mutex_lock(&lock);
	if (++*counter == nsessions) {
		if (start_clock)
			t_start = g_get_monotonic_time() + (gint64)idle_secs * G_USEC_PER_SEC;
		g_cond_broadcast(&cond);
	}
	while (*counter < nsessions)
		g_cond_wait(&cond, &lock);
	g_mutex_unlock(&lock);
}

static gpointer
session_run(gpointer arg)
{
	struct session	*s = arg;
	char		 line[512];
	GString		*lhlo = g_string_new(NULL);
	gboolean	 up = FALSE;
	int		 n, code, r;

	s->out = g_string_new(NULL);
	if ((s->fd = connect_to(address)) == -1)
		error_reply(s, "connect", -1, NULL);
	else if ((code = reply(s, NULL, line, sizeof line)) != 220)
		error_reply(s, "greeting", code, line);
	else {
		g_string_append(s->out, "LHLO lmtp-load.invalid\r\n");
		if (flush(s) == 0 && (code = reply(s, lhlo, line, sizeof line)) == 250) {
			up = TRUE;
			s->eightbit = strstr(lhlo->str, "8BITMIME") != NULL;
		} else
			error_reply(s, "LHLO", code, line);
	}
	g_string_free(lhlo, TRUE);

	if (hold || idle_secs > 0) {
		rendezvous(&nready, TRUE);
		if (idle_secs > 0)
			g_usleep((gulong)idle_secs * G_USEC_PER_SEC);
	}
	while (up && (n = g_atomic_int_add(&next_mail, 1)) < total) {
		r = transaction(s, n);
		g_atomic_int_inc(&nsent);
		if (r == 1)
			g_atomic_int_inc(&nok);
		if (r == -1)
			up = FALSE;
	}
	g_mutex_lock(&lock);
	t_end = MAX(t_end, g_get_monotonic_time());
	g_mutex_unlock(&lock);
	if (hold)
		rendezvous(&ndone, FALSE);
	if (up) {
		g_string_append(s->out, "QUIT\r\n");
		if (flush(s) == 0)
			(void)reply(s, NULL, line, sizeof line);
	}
	if (s->fd != -1)
		close(s->fd);
	g_string_free(s->out, TRUE);
	return NULL;
}

int
main(int argc, char **argv)
{
	struct session	*sessions;
	GThread		**threads;
	double		 secs;
	int		 ch, i;

	rcpts = g_ptr_array_new();
	while ((ch = getopt(argc, argv, "Hf:m:pr:s:t:w:")) != -1) {
		switch (ch) {
		case 'H': hold = TRUE; break;
		case 'f': sender = optarg; break;
		case 'm': total = atoi(optarg); break;
		case 'p': pipelining = TRUE; break;
		case 'r': g_ptr_array_add(rcpts, optarg); break;
		case 's': nsessions = atoi(optarg); break;
		case 't': timeout = atoi(optarg); break;
		case 'w': idle_secs = atoi(optarg); break;
		default: usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 2 || rcpts->len == 0 || nsessions < 1 || total < 0 ||
	    timeout < 1 || idle_secs < 0)
		usage();
	address = argv[0];
	nmails = argc - 1;
	mails = g_new0(struct mail, nmails);
	for (i = 0; i < nmails; i++)
		load_mail(argv[i + 1], &mails[i]);
	/* Unique across runs too, so a kept database never sees a duplicate. */
	g_snprintf(run_id, sizeof run_id, "%" G_GINT64_MODIFIER "x.%x",
	    g_get_real_time(), (unsigned)getpid());
	signal(SIGPIPE, SIG_IGN);

	sessions = g_new0(struct session, nsessions);
	threads = g_new0(GThread *, nsessions);
	t_start = g_get_monotonic_time();
	for (i = 0; i < nsessions; i++) {
		sessions[i].id = i;
		sessions[i].fd = -1;
		threads[i] = g_thread_new("session", session_run, &sessions[i]);
	}
	for (i = 0; i < nsessions; i++)
		g_thread_join(threads[i]);

	secs = t_end > t_start ? (t_end - t_start) / (double)G_USEC_PER_SEC : 0;
	/* Mails never sent (all sessions died) count as failed. */
	printf("sent=%d ok=%d fail=%d secs=%.3f rate=%.1f\n", nsent, nok,
	    total - nok, secs, secs > 0 ? nok / secs : 0.0);

	/* Freed so that a sanitizer build reports no leaks. */
	for (i = 0; i < nmails; i++) {
		g_free(mails[i].head);
		g_free(mails[i].tail);
	}
	g_free(mails);
	g_free(sessions);
	g_free(threads);
	g_ptr_array_free(rcpts, TRUE);
	return nok == total ? 0 : 1;
}
