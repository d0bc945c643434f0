/*
 * metrics: GET /metrics for Prometheus (see metrics.h). libmicrohttpd
 * serves it from its own thread on a socket we bind ourselves (listen.c,
 * as the LMTP listener does), so that "host:port" means the same in
 * both sections and a bind failure reads like every other config error.
 *
 * A reload that changes the address starts the new server before it
 * stops the old one, so a bad address costs nothing. For that moment
 * two servers may scrape at once: the store handle is behind a lock.
 */
#include <string.h>
#include <unistd.h>

#include <microhttpd.h>

#include "conf.h"
#include "listen.h"
#include "log.h"
#include "metrics.h"
#include "store.h"
#include "tally.h"

#ifndef TICKETD_VERSION
#define TICKETD_VERSION		"unknown"
#endif

#define METRICS_PATH		"/metrics"
#define METRICS_CONTENT_TYPE	"text/plain; version=0.0.4; charset=utf-8"
#define METRICS_CONNECTIONS	16	/* at once; more wait in the backlog */
#define METRICS_CONN_TIMEOUT	10	/* seconds a client may idle */
#define METRICS_STORE_TIMEOUT	2000	/* ms for the database's gauges */
#define METRICS_AT_RISK		3600	/* s: a breach this near is at risk */

struct metrics {
	GMutex			 lock;		/* over what follows */
	struct conf		*conf;
	char			*listen;	/* what server listens on, or NULL */
	struct MHD_Daemon	*server;
	struct store		*store;		/* opened at the first scrape */
	gint64			 start_time;
};

/* The statuses a ticket has before it is closed, as exported. */
static const char *const metrics_statuses[] = { "new", "open", "pending",
	"resolved", NULL };

/* name{queue="q"[,status="s"]} n */
static void
metrics_queue_sample(GString *out, const char *name, const char *queue,
    const char *status, gint64 n)
{
	g_string_append_printf(out, "%s{queue=\"", name);
	tally_label_escape(out, queue);
	if (status != NULL) {
		g_string_append(out, "\",status=\"");
		tally_label_escape(out, status);
	}
	g_string_append_printf(out, "\"} %" G_GINT64_FORMAT "\n", n);
}

/* The count for queue and status (NULL: any) in rows, 0 when none. */
static gint64
metrics_lookup(const GPtrArray *rows, const char *queue, const char *status)
{
	for (guint i = 0; rows != NULL && i < rows->len; i++) {
		const struct store_stats_count *c = rows->pdata[i];

		if (strcmp(c->queue, queue) == 0 && (status == NULL ||
		    strcmp(c->status, status) == 0))
			return c->count;
	}
	return 0;
}

/*
 * Every configured queue (with every status, when statuses), at 0 when
 * rows has none; then rows of queues the conf no longer has.
 */
static void
metrics_by_queue(GString *out, const char *name, const struct conf *conf,
    const GPtrArray *rows, const char *const *statuses)
{
	for (guint i = 0; i < conf->queues->len; i++) {
		const struct conf_queue *q = conf->queues->pdata[i];

		if (statuses == NULL)
			metrics_queue_sample(out, name, q->name, NULL,
			    metrics_lookup(rows, q->name, NULL));
		for (guint j = 0; statuses != NULL && statuses[j]; j++)
			metrics_queue_sample(out, name, q->name, statuses[j],
			    metrics_lookup(rows, q->name, statuses[j]));
	}
	for (guint i = 0; rows != NULL && i < rows->len; i++) {
		const struct store_stats_count *c = rows->pdata[i];

		if (conf_queue_by_name(conf, c->queue) == NULL)
			metrics_queue_sample(out, name, c->queue, c->status,
			    c->count);
	}
}

static void
metrics_format_outbox(GString *out, const struct store_stats *st)
{
	const char	*name = "ticketd_outbox_backlog";

	tally_head(out, name, "Outgoing mails not yet sent: queued (never "
	    "tried), deferred (waiting for a retry), sending.", "gauge");
	g_string_append_printf(out, "%s{state=\"queued\"} %" G_GINT64_FORMAT
	    "\n%s{state=\"deferred\"} %" G_GINT64_FORMAT "\n%s{state=\"sending\"} %"
	    G_GINT64_FORMAT "\n", name, (gint64)st->outbox.queued,
	    name, (gint64)st->outbox.deferred, name,
	    (gint64)st->outbox.sending);
}

static void
metrics_format_gauges(GString *out, const struct conf *conf,
    const struct store_stats *st)
{
	if (st->read & STORE_STATS_TICKETS) {
		tally_head(out, "ticketd_tickets", "Tickets not closed, by "
		    "queue and status.", "gauge");
		metrics_by_queue(out, "ticketd_tickets", conf, st->tickets,
		    metrics_statuses);
	}
	if (st->read & STORE_STATS_OUTBOX)
		metrics_format_outbox(out, st);
	if (st->read & STORE_STATS_SLA) {
		tally_head(out, "ticketd_sla_at_risk_tickets", "Tickets not "
		    "closed with an SLA breach due within the hour, or whose "
		    "warning fired and breach has not, by queue.", "gauge");
		metrics_by_queue(out, "ticketd_sla_at_risk_tickets", conf,
		    st->at_risk, NULL);
	}
}

void
metrics_format(GString *out, const struct conf *conf,
    const struct store_stats *st, gint64 start_time)
{
	tally_format(out);
	metrics_format_gauges(out, conf, st);
	tally_head(out, "ticketd_start_time_seconds", "When ticketd "
	    "started, in unix seconds.", "gauge");
	g_string_append_printf(out, "ticketd_start_time_seconds %"
	    G_GINT64_FORMAT "\n", start_time);
	tally_head(out, "ticketd_build_info", "The build of ticketd and of "
	    "the libraries it runs with.", "gauge");
	g_string_append(out, "ticketd_build_info{version=\"");
	tally_label_escape(out, TICKETD_VERSION);
	g_string_append_printf(out, "\",glib=\"%u.%u.%u\",libmicrohttpd=\"",
	    glib_major_version, glib_minor_version, glib_micro_version);
	tally_label_escape(out, MHD_get_version());
	g_string_append(out, "\"} 1\n");
}

/* Under the lock: the gauges, as far as the database gives them in time. */
static void
metrics_read(struct metrics *m, struct store_stats *st)
{
	gint64		 now = g_get_real_time() / G_USEC_PER_SEC;
	char		*cause = NULL;

	if (m->store == NULL)
		m->store = store_open(m->conf->database, &cause);
	if (m->store != NULL && m->store->ops->stats(m->store,
	    now + METRICS_AT_RISK, METRICS_STORE_TIMEOUT, st, &cause) == 0)
		return;
	log_warn("metrics: gauges left out of this scrape: %s", cause);
	g_free(cause);
	tally_count(TALLY_METRICS_STORE_ERRORS, 1);
}

static enum MHD_Result
metrics_reply(struct MHD_Connection *conn, unsigned int status,
    const char *text, gsize len, const char *allow)
{
	struct MHD_Response	*r = MHD_create_response_from_buffer(len,
				    (void *)text, MHD_RESPMEM_MUST_COPY);
	enum MHD_Result		 ret;

	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, status ==
	    MHD_HTTP_OK ? METRICS_CONTENT_TYPE : "text/plain; charset=utf-8");
	if (allow != NULL)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result
metrics_scrape(struct metrics *m, struct MHD_Connection *conn)
{
	struct store_stats	 st = { 0 };
	GString			*out = g_string_sized_new(8192);
	enum MHD_Result		 ret;

	g_mutex_lock(&m->lock);
	metrics_read(m, &st);
	metrics_format(out, m->conf, &st, m->start_time);
	g_mutex_unlock(&m->lock);
	store_stats_clear(&st);
	ret = metrics_reply(conn, MHD_HTTP_OK, out->str, out->len, NULL);
	g_string_free(out, TRUE);
	return ret;
}

/* libmicrohttpd's request handler: answered at the first call (no body). */
static enum MHD_Result
metrics_request(void *arg, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_size, void **state)
{
	static const char	 not_found[] = "Not found: try /metrics\n";
	static const char	 not_allowed[] = "Method not allowed\n";

	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 &&
	    strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return metrics_reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED,
		    not_allowed, sizeof not_allowed - 1, "GET, HEAD");
	if (strcmp(url, METRICS_PATH) != 0)
		return metrics_reply(conn, MHD_HTTP_NOT_FOUND, not_found,
		    sizeof not_found - 1, NULL);
	return metrics_scrape(arg, conn);
}

static void
metrics_mhd_log(void *arg, const char *fmt, va_list ap)
{
	char	*text = g_strdup_vprintf(fmt, ap);

	log_warn("metrics %s: %s", (const char *)arg, g_strchomp(text));
	g_free(text);
}

/* A server on listen, or NULL and *cause ("path:line: ..."). */
static struct MHD_Daemon *
metrics_serve(struct metrics *m, const struct conf *conf, char *listen,
    char **cause)
{
	struct MHD_Daemon	*d;
	char			*why = NULL;
	int			 fd;

	if ((fd = listen_tcp(listen, &why)) == -1) {
		*cause = g_strdup_printf("%s:%u: [metrics] listen %s: %s",
		    conf->path, conf->metrics_listen_line, listen, why);
		g_free(why);
		return NULL;
	}
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO |
	    MHD_USE_ERROR_LOG, 0, NULL, NULL, metrics_request, m,
	    MHD_OPTION_EXTERNAL_LOGGER, metrics_mhd_log, listen,
	    MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned int)METRICS_CONNECTIONS,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)METRICS_CONN_TIMEOUT,
	    MHD_OPTION_END);
	if (d == NULL) {
		close(fd);
		*cause = g_strdup_printf("%s:%u: [metrics] listen %s: cannot "
		    "start the HTTP server", conf->path,
		    conf->metrics_listen_line, listen);
		return NULL;
	}
	log_info("metrics %s: listening", listen);
	return d;
}

static void
metrics_known_accounts(const struct conf *conf)
{
	for (guint i = 0; i < conf->imaps->len; i++)
		tally_imap_known(((struct conf_imap *)conf->imaps->pdata[i])->name);
}

struct metrics *
metrics_start(struct conf *conf, char **cause)
{
	struct metrics	*m = g_new0(struct metrics, 1);

	g_mutex_init(&m->lock);
	m->conf = conf_ref(conf);
	m->start_time = g_get_real_time() / G_USEC_PER_SEC;
	metrics_known_accounts(conf);
	if (conf->metrics_listen == NULL)
		return m;
	m->listen = g_strdup(conf->metrics_listen);
	if ((m->server = metrics_serve(m, conf, m->listen, cause)) == NULL) {
		metrics_stop(m);
		return NULL;
	}
	return m;
}

/* A new server for a changed address: d and listen stay when it fails. */
static void
metrics_move(struct metrics *m, const struct conf *conf,
    struct MHD_Daemon **d, char **listen)
{
	char	*next = g_strdup(conf->metrics_listen), *cause = NULL;

	*d = NULL;
	*listen = next;
	if (next == NULL || (*d = metrics_serve(m, conf, next, &cause)) != NULL)
		return;
	if (m->listen != NULL)
		log_warn("%s; still listening on %s", cause, m->listen);
	else
		log_warn("%s; the endpoint stays off", cause);
	g_free(cause);
	g_free(next);
	*d = m->server;
	*listen = m->listen;
}

void
metrics_reload(struct metrics *m, struct conf *conf)
{
	struct MHD_Daemon	*old = m->server, *d = old;
	char			*listen = m->listen;

	metrics_known_accounts(conf);
	if (g_strcmp0(conf->metrics_listen, m->listen) != 0)
		metrics_move(m, conf, &d, &listen);
	g_mutex_lock(&m->lock);
	conf_unref(m->conf);
	m->conf = conf_ref(conf);
	g_mutex_unlock(&m->lock);
	if (old != NULL && old != d) {
		MHD_stop_daemon(old);
		log_info("metrics %s: stopped listening", m->listen);
	}
	m->server = d;
	if (listen != m->listen) {
		g_free(m->listen);
		m->listen = listen;
	}
}

void
metrics_stop(struct metrics *m)
{
	if (m == NULL)
		return;
	if (m->server != NULL)
		MHD_stop_daemon(m->server);
	store_close(m->store);
	conf_unref(m->conf);
	g_free(m->listen);
	g_mutex_clear(&m->lock);
	g_free(m);
}
