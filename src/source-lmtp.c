/*
 * source-lmtp: the LMTP listener, on TCP and UNIX sockets.
 *
 * This is the transport: it accepts clients, reads what they send into
 * their session (lmtp.c, the protocol without sockets), writes the
 * replies back, submits each complete message to the ingest pipeline
 * and hands the committed job back to the session. It watches only for
 * what the session waits for, so a session waiting for a commit or for
 * its client to read replies has no more input read.
 *
 * Sessions are bounded here in number and idle time; the protocol
 * bounds the rest.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <glib-unix.h>

#include "conf.h"
#include "ingest.h"
#include "listen.h"
#include "lmtp.h"
#include "log.h"
#include "source.h"
#include "tally.h"

#define LMTP_READ_SIZE		65536

struct lmtp_listener {
	struct lmtp_server	*server;
	char			*name;
	char			*unix_path;
	dev_t			 dev;		/* of the socket we bound */
	ino_t			 ino;
	int			 fd;
	guint			 watch;
	guint			 resume;	/* timer after running out of fds */
};

struct lmtp_server {
	struct source		 source;	/* must be first */
	struct conf		*conf;
	struct ingest		*ingest;
	GPtrArray		*listeners;
	GHashTable		*conns;		/* struct lmtp_conn * set */
	guint			 next_id;
	guint			 sweep;
	int			 stopping;	/* no new transactions */
};

/* One client: its socket and its session. */
struct lmtp_conn {
	struct lmtp_server	*server;
	struct lmtp_session	*session;
	guint			 id;
	guint			 timeout;	/* seconds, from the session's conf */
	int			 fd;
	guint			 watch;
	GIOCondition		 watching;
	gint64			 last_active;	/* monotonic seconds */
	int			 gone;		/* client went away mid-commit */
};

static void	lmtp_conn_update(struct lmtp_conn *);
static void	lmtp_conn_close(struct lmtp_conn *);
static gboolean	lmtp_accept_resume(gpointer);

static gint64
lmtp_now(void)
{
	return g_get_monotonic_time() / G_USEC_PER_SEC;
}

/* In the main context, after the commit: answer, then read on. */
static void
lmtp_conn_done(struct ingest_job *job, gpointer arg)
{
	struct lmtp_conn	*c = arg;

	if (c->gone) {
		ingest_job_free(job);
		lmtp_conn_close(c);
		return;
	}
	lmtp_session_committed(c->session, job);
	c->last_active = lmtp_now();
	if (!c->server->stopping)
		lmtp_session_run(c->session);
	lmtp_conn_update(c);
}

static void
lmtp_conn_submit(struct lmtp_session *session, struct ingest_job *job,
    gpointer arg)
{
	struct lmtp_conn	*c = arg;

	job->done = lmtp_conn_done;
	job->arg = c;
	ingest_submit(c->server->ingest, job);
}

static int
lmtp_conn_flush(struct lmtp_conn *c)
{
	const char	*out;
	gsize		 len;
	ssize_t		 n;

	while ((out = lmtp_session_output(c->session, &len)), len > 0) {
		n = write(c->fd, out, len);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return 0;
		if (n <= 0)
			return -1;
		lmtp_session_written(c->session, n);
	}
	return 0;
}

/* Read what the client sent into its session; -1 when it is gone. */
static int
lmtp_conn_read(struct lmtp_conn *c)
{
	guint8	 buf[LMTP_READ_SIZE];
	ssize_t	 n = read(c->fd, buf, sizeof buf);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n <= 0)
		return -1;
	c->last_active = lmtp_now();
	lmtp_session_input(c->session, buf, n);
	return 0;
}

static gboolean
lmtp_conn_io(gint fd, GIOCondition cond, gpointer arg)
{
	struct lmtp_conn	*c = arg;

	if ((cond & G_IO_OUT) && lmtp_conn_flush(c) != 0) {
		lmtp_conn_close(c);
		return G_SOURCE_REMOVE;
	}
	if (c->server->stopping)
		;	/* no new transactions: lmtp_free() says goodbye */
	else if (cond & (G_IO_IN | G_IO_HUP | G_IO_ERR)) {
		if (lmtp_conn_read(c) != 0) {
			log_trace(TRACE_LMTP, "lmtp %u: client closed", c->id);
			lmtp_conn_close(c);
			return G_SOURCE_REMOVE;
		}
	}
	lmtp_conn_update(c);
	return G_SOURCE_CONTINUE;
}

/*
 * Write what we can, then watch for what the session waits for: output
 * space while replies are pending, input unless it waits for a commit.
 */
static void
lmtp_conn_update(struct lmtp_conn *c)
{
	GIOCondition	 want = 0;
	enum lmtp_wait	 wait;
	gsize		 pending;

	/*
	 * Once the replies are written, input held back for them goes on:
	 * a pipelining client may have sent all it has and be waiting.
	 */
	do {
		if (lmtp_conn_flush(c) != 0) {
			lmtp_conn_close(c);
			return;
		}
		lmtp_session_output(c->session, &pending);
	} while (pending == 0 && !c->server->stopping &&
	    lmtp_session_run(c->session) > 0);
	wait = lmtp_session_wait(c->session);
	if (wait == LMTP_WAIT_CLOSE && pending == 0) {
		lmtp_conn_close(c);
		return;
	}
	if (pending > 0)
		want |= G_IO_OUT;
	if (wait == LMTP_WAIT_INPUT && !c->server->stopping)
		want |= G_IO_IN;
	if (want == c->watching)
		return;
	if (c->watch != 0)
		g_source_remove(c->watch);
	c->watch = want ? g_unix_fd_add(c->fd, want, lmtp_conn_io, c) : 0;
	c->watching = want;
}

static void
lmtp_conn_close(struct lmtp_conn *c)
{
	if (c->watch != 0) {
		g_source_remove(c->watch);
		c->watch = 0;
	}
	if (c->fd != -1) {
		close(c->fd);
		c->fd = -1;
	}
	/* The pipeline still holds the job: free once it hands it back. */
	if (lmtp_session_wait(c->session) == LMTP_WAIT_COMMIT && !c->gone) {
		c->gone = 1;
		return;
	}
	g_hash_table_remove(c->server->conns, c);
	log_trace(TRACE_LMTP, "lmtp %u: closed", c->id);
	lmtp_session_free(c->session);
	g_free(c);
}

static void
lmtp_conn_new(struct lmtp_server *srv, int fd)
{
	struct lmtp_conn	*c = g_new0(struct lmtp_conn, 1);

	c->server = srv;
	c->id = ++srv->next_id;
	c->timeout = srv->conf->lmtp_timeout;
	c->fd = fd;
	c->last_active = lmtp_now();
	c->session = lmtp_session_new(srv->conf, c->id, lmtp_conn_submit, c);
	g_hash_table_add(srv->conns, c);
	tally_count(TALLY_LMTP_SESSIONS, 1);
	log_trace(TRACE_LMTP, "lmtp %u: connected", c->id);
	lmtp_conn_update(c);
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
		if (g_hash_table_size(srv->conns) >=
		    srv->conf->lmtp_max_sessions) {
			log_warn("lmtp %s: session limit (%u) reached, "
			    "refusing a client", l->name,
			    srv->conf->lmtp_max_sessions);
			/* The client is told if it can be; no retry. */
			tally_lmtp_reply(busy);
			if (write(cfd, busy, sizeof busy - 1) < 0)
				log_trace(TRACE_LMTP, "lmtp %s: write: %s",
				    l->name, g_strerror(errno));
			close(cfd);
			continue;
		}
		lmtp_conn_new(srv, cfd);
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
	gint64			 now = lmtp_now();
	GHashTableIter		 it;
	gpointer		 key;
	GPtrArray		*idle = g_ptr_array_new();

	g_hash_table_iter_init(&it, srv->conns);
	while (g_hash_table_iter_next(&it, &key, NULL)) {
		struct lmtp_conn	*c = key;
		enum lmtp_wait		 wait = lmtp_session_wait(c->session);

		if ((wait == LMTP_WAIT_INPUT || wait == LMTP_WAIT_OUTPUT) &&
		    now - c->last_active >= c->timeout)
			g_ptr_array_add(idle, c);
	}
	for (guint i = 0; i < idle->len; i++) {
		struct lmtp_conn *c = g_ptr_array_index(idle, i);

		log_info("lmtp %u: idle for %u seconds, disconnecting", c->id,
		    c->timeout);
		lmtp_session_end(c->session,
		    "421 4.4.2 Idle timeout, closing connection");
		lmtp_conn_update(c);
	}
	g_ptr_array_free(idle, TRUE);
	return G_SOURCE_CONTINUE;
}

/* Unlink our socket, not one that replaced it. */
static void
lmtp_listener_unlink(struct lmtp_listener *l)
{
	struct stat	 sb;

	if (lstat(l->unix_path, &sb) == 0 && sb.st_dev == l->dev &&
	    sb.st_ino == l->ino)
		unlink(l->unix_path);
}

/*
 * Clear the way for a socket at sun's path. A socket nobody answers on
 * was left by a listener that died and may go; one that answers belongs
 * to a live listener, and it, or anything that is not a socket, stays.
 */
static int
lmtp_unix_clear(const struct sockaddr_un *sun, char **cause)
{
	struct stat	 sb;
	int		 fd, rc, err;

	if (lstat(sun->sun_path, &sb) == -1) {
		if (errno == ENOENT)
			return 0;
		*cause = g_strdup(g_strerror(errno));
		return -1;
	}
	if (!S_ISSOCK(sb.st_mode)) {
		*cause = g_strdup("exists and is not a socket");
		return -1;
	}
	/* Non-blocking: a full backlog answers EAGAIN, and is alive. */
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1) {
		*cause = g_strdup(g_strerror(errno));
		return -1;
	}
	rc = connect(fd, (const struct sockaddr *)sun, sizeof *sun);
	err = errno;
	close(fd);
	if (rc == 0 || err == EAGAIN) {
		*cause = g_strdup("a live listener owns this socket "
		    "(another ticketd?); left alone");
		return -1;
	}
	if (err != ECONNREFUSED) {
		*cause = g_strdup_printf("cannot tell whether the socket is in "
		    "use: %s", g_strerror(err));
		return -1;
	}
	if (unlink(sun->sun_path) == -1 && errno != ENOENT) {
		*cause = g_strdup_printf("stale socket: %s", g_strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Bound as root for a daemon about to become [ticketd] user: the socket
 * is that user's, as the daemon's other files are, and its group may
 * then be one of that user's (socket_group) without root.
 */
static int
lmtp_socket_owner(const char *path, const struct conf *conf, char **cause)
{
	uid_t	 uid;
	gid_t	 gid;

	switch (conf_user_ids(conf, &uid, &gid, cause)) {
	case 0:
		return 0;
	case 1:
		if (chown(path, uid, gid) == 0)
			return 0;
		*cause = g_strdup_printf("chown: %s", g_strerror(errno));
		return -1;
	case -1:
		return -1;
	}
	g_assert_not_reached();
}

/*
 * Mode and group are set between bind and listen: until listen, every
 * connect is refused, so the socket is never open wider than asked.
 * Bound here, before ticketd drops its privileges; lmtp_start() listens
 * once the pipeline can take mail, so a client that gets through finds
 * a daemon ready.
 */
static int
lmtp_listen_unix(struct lmtp_listener *l, const struct conf *conf,
    char **cause)
{
	struct sockaddr_un	 sun = { .sun_family = AF_UNIX };
	struct stat		 sb;
	int			 fd;

	if (strlen(l->unix_path) >= sizeof sun.sun_path) {
		*cause = g_strdup("socket path too long");
		return -1;
	}
	strcpy(sun.sun_path, l->unix_path);
	if (lmtp_unix_clear(&sun, cause) != 0)
		return -1;
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1)
		goto fail;
	if (bind(fd, (struct sockaddr *)&sun, sizeof sun) == -1)
		goto fail;
	if (lstat(l->unix_path, &sb) == -1)
		goto unlink;
	l->dev = sb.st_dev;
	l->ino = sb.st_ino;
	if (lmtp_socket_owner(l->unix_path, conf, cause) != 0)
		goto unlink;
	if (conf->lmtp_socket_gid >= 0 && chown(l->unix_path, -1,
	    conf->lmtp_socket_gid) == -1) {
		*cause = g_strdup_printf("socket_group %" G_GINT64_FORMAT ": %s",
		    conf->lmtp_socket_gid, g_strerror(errno));
		goto unlink;
	}
	if (chmod(l->unix_path, conf->lmtp_socket_mode) == -1)
		goto unlink;
	return fd;
unlink:
	if (*cause == NULL)
		*cause = g_strdup(g_strerror(errno));
	lmtp_listener_unlink(l);
	close(fd);
	return -1;
fail:
	*cause = g_strdup(g_strerror(errno));
	if (fd != -1)
		close(fd);
	return -1;
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
		l->fd = lmtp_listen_unix(l, srv->conf, &why);
	} else
		l->fd = listen_bind_tcp(spec, &why);
	if (l->fd == -1) {
		*cause = g_strdup_printf("lmtp %s: %s", spec, why);
		g_free(why);
		g_free(l->unix_path);
		g_free(l->name);
		g_free(l);
		return -1;
	}
	g_ptr_array_add(srv->listeners, l);
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
		lmtp_listener_unlink(l);
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
lmtp_open(struct conf *conf, char **cause)
{
	struct lmtp_server	*srv = g_new0(struct lmtp_server, 1);

	srv->source.ops = &source_lmtp_ops;
	srv->conf = conf_ref(conf);
	srv->listeners = g_ptr_array_new_with_free_func(
	    (GDestroyNotify)lmtp_listener_close);
	srv->conns = g_hash_table_new(NULL, NULL);
	for (char **l = conf->lmtp_listen; *l != NULL; l++)
		if (lmtp_listener_open(srv, *l, cause) != 0) {
			g_ptr_array_free(srv->listeners, TRUE);
			g_hash_table_destroy(srv->conns);
			conf_unref(srv->conf);
			g_free(srv);
			return NULL;
		}
	return &srv->source;
}

static int
lmtp_start(struct source *src, struct ingest *ingest, char **cause)
{
	struct lmtp_server	*srv = (struct lmtp_server *)src;

	srv->ingest = ingest;
	for (guint i = 0; i < srv->listeners->len; i++) {
		struct lmtp_listener *l = srv->listeners->pdata[i];

		if (listen(l->fd, 128) == -1) {
			*cause = g_strdup_printf("lmtp %s: listen: %s", l->name,
			    g_strerror(errno));
			return -1;
		}
		l->watch = g_unix_fd_add(l->fd, G_IO_IN, lmtp_accept, l);
		log_info("lmtp %s: listening", l->name);
	}
	srv->sweep = g_timeout_add_seconds(1, lmtp_sweep, srv);
	return 0;
}

static void
lmtp_describe(struct source *src, GPtrArray *lines)
{
	struct lmtp_server	*srv = (struct lmtp_server *)src;

	for (guint i = 0; i < srv->listeners->len; i++) {
		struct lmtp_listener *l = srv->listeners->pdata[i];

		g_ptr_array_add(lines, g_strdup_printf("lmtp %s", l->name));
	}
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
	GList			*open = g_hash_table_get_keys(srv->conns);

	/* ingest_stop() has handed every job back: no session waits. */
	for (GList *l = open; l != NULL; l = l->next) {
		struct lmtp_conn *c = l->data;

		lmtp_session_end(c->session, "421 4.3.2 Shutting down");
		lmtp_conn_flush(c);
		lmtp_conn_close(c);
	}
	g_list_free(open);
	g_ptr_array_free(srv->listeners, TRUE);
	g_hash_table_destroy(srv->conns);
	conf_unref(srv->conf);
	g_free(srv);
}

const struct source_ops source_lmtp_ops = {
	.name = "lmtp",
	.wanted = lmtp_wanted,
	.open = lmtp_open,
	.start = lmtp_start,
	.describe = lmtp_describe,
	.reload = lmtp_reload,
	.stop = lmtp_stop,
	.free = lmtp_free,
};
