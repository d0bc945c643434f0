/*
 * ticketd: the daemon. Parses options, loads the configuration, then
 * either checks it (-n), delivers one mail from standard input
 * ("deliver"), or runs the sources and the ingest pipeline on a GLib
 * main loop until SIGTERM. SIGHUP reloads the configuration by swap:
 * a new one that fails to load leaves the running one in place. So
 * does a change to the rules ([ticketd] rules: a file, or a directory's
 * *.rules), which a GFileMonitor sees: the reload runs once the files
 * have been quiet for TICKETD_RULES_QUIET ms, so that an editor's
 * save (write, rename, chmod) reloads once.
 *
 * Started as root, it takes the database's lock and binds its sockets,
 * then becomes [ticketd] user before it opens anything else, as Postfix
 * and OpenSMTPD do. Under systemd (Type=notify) it says READY=1 once it
 * takes mail, keeps STATUS= current and feeds the watchdog; libsystemd
 * is included here and nowhere else.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <grp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib-unix.h>
#include <systemd/sd-daemon.h>

#include "conf.h"
#include "dblock.h"
#include "indexer.h"
#include "ingest.h"
#include "log.h"
#include "metrics.h"
#include "mime.h"
#include "outbox.h"
#include "reply.h"
#include "smtp.h"
#include "source.h"
#include "status.h"
#include "store.h"
#include "timer.h"

#ifndef TICKETD_CONF
#define TICKETD_CONF	"/etc/ticketd/ticketd.conf"	/* make sets it */
#endif
#define TICKETD_RULES_QUIET	200	/* ms after a rule file's last change */

struct ticketd {
	char		*conf_path;
	struct conf	*conf;
	struct dblock	*lock;		/* held from start to exit */
	GMainLoop	*loop;
	struct ingest	*ingest;
	struct outbox	*outbox;
	struct timer	*timer;		/* the deadline queue */
	struct metrics	*metrics;	/* GET /metrics, idle when off */
	struct indexer	*indexer;	/* the full-text index follows mail */
	GPtrArray	*sources;	/* struct source * */
	GFileMonitor	*rules_monitor;	/* on the conf's rules, or NULL */
	char		*rules_watched;	/* the path it watches */
	int		 rules_dir;	/* ... a directory of *.rules */
	guint		 rules_quiet;	/* the pending reload, a GSource id */
};

static char	*opt_conf = NULL;
static gboolean	 opt_check = FALSE;
static gboolean	 opt_syslog = FALSE;
static char	*opt_trace = NULL;
static char	*opt_recipient = NULL;
static char	*opt_sender = NULL;

static const GOptionEntry ticketd_options[] = {
	{ "config", 'c', 0, G_OPTION_ARG_FILENAME, &opt_conf,
	    "Configuration file (default " TICKETD_CONF ")", "FILE" },
	{ "check", 'n', 0, G_OPTION_ARG_NONE, &opt_check,
	    "Check the configuration and exit", NULL },
	{ "syslog", 's', 0, G_OPTION_ARG_NONE, &opt_syslog,
	    "Log to syslog instead of standard error", NULL },
	{ "trace", 'T', 0, G_OPTION_ARG_STRING, &opt_trace,
	    "Trace categories: lmtp,sql,ingest,mime,smtp,imap", "LIST" },
	{ "recipient", 'r', 0, G_OPTION_ARG_STRING, &opt_recipient,
	    "deliver: the envelope recipient (default: the first queue)",
	    "ADDRESS" },
	{ "sender", 'f', 0, G_OPTION_ARG_STRING, &opt_sender,
	    "deliver: the envelope sender", "ADDRESS" },
	{ NULL }
};

/* Load path, logging each error; the first into *first when asked. */
static struct conf *
ticketd_load(const char *path, char **first)
{
	struct conf	*conf;
	char		*cause = NULL;

	if ((conf = conf_load(path, &cause)) == NULL) {
		char	**lines = g_strsplit(cause, "\n", -1);

		for (char **l = lines; *l != NULL; l++)
			log_warn("%s", *l);
		if (first != NULL)
			*first = g_strdup(lines[0]);
		g_strfreev(lines);
		g_free(cause);
	}
	return conf;
}

/* -n: plain "file:line: message" lines, as admins' editors can jump to. */
static int
ticketd_check(const char *path)
{
	struct conf	*conf;
	char		*cause = NULL;

	if ((conf = conf_load(path, &cause)) == NULL ||
	    conf_check_database(conf, &cause) != 0) {
		fprintf(stderr, "%s\n", cause);
		g_free(cause);
		if (conf != NULL)
			conf_unref(conf);
		return 1;
	}
	printf("%s: configuration ok\n", path);
	conf_unref(conf);
	return 0;
}

static gboolean
ticketd_quit(gpointer arg)
{
	struct ticketd	*td = arg;

	log_info("shutting down");
	g_main_loop_quit(td->loop);
	return G_SOURCE_CONTINUE;
}

/*
 * The new conf's Message-ID keys, from the running database (a changed
 * database takes effect on restart): a new secret_file signs from now
 * on, and the keys before it keep verifying.
 */
static int
ticketd_load_keys(struct ticketd *td, struct conf *conf)
{
	struct store	*st;
	char		*cause = NULL;
	int		 rc = -1;

	if ((st = store_open(td->conf->database, &cause)) != NULL)
		rc = reply_keys_load(conf, st, &cause);
	if (rc != 0) {
		log_warn("%s: %s", td->conf_path, cause);
		g_free(cause);
	}
	store_close(st);
	return rc;
}

static void	 ticketd_rules_watch(struct ticketd *);

/* systemd's STATUS= line, with a state change ("READY=1") or none. */
static void
ticketd_notify(const char *state, const char *fmt, ...)
{
	va_list	 ap;
	char	*text;

	va_start(ap, fmt);
	text = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	sd_notifyf(0, "%s%sSTATUS=%s", state != NULL ? state : "",
	    state != NULL ? "\n" : "", text);
	g_free(text);
}

/* "lmtp 127.0.0.1:2424, imap support (...)": what takes mail now. */
static void
ticketd_announce(struct ticketd *td, const char *state)
{
	GPtrArray	*lines = g_ptr_array_new_with_free_func(g_free);
	char		*list;

	for (guint i = 0; i < td->sources->len; i++) {
		struct source *src = g_ptr_array_index(td->sources, i);

		src->ops->describe(src, lines);
	}
	status_listeners(lines);
	g_ptr_array_add(lines, NULL);
	list = g_strjoinv(", ", (char **)lines->pdata);
	ticketd_notify(state, "Taking mail: %s", *list ? list : "no sources");
	g_free(list);
	g_ptr_array_free(lines, TRUE);
}

static gboolean
ticketd_reload(gpointer arg)
{
	struct ticketd	*td = arg;
	struct conf	*conf;
	char		*error = NULL;

	log_info("%s: reloading", td->conf_path);
	ticketd_notify("RELOADING=1", "Reloading %s", td->conf_path);
	if ((conf = ticketd_load(td->conf_path, &error)) == NULL ||
	    ticketd_load_keys(td, conf) != 0) {
		log_warn("%s: reload failed, keeping the running configuration",
		    td->conf_path);
		status_reload(0, error != NULL ? error : "the new Message-ID "
		    "keys do not load (see the log)");
		ticketd_notify("READY=1", "Reload failed, running the old "
		    "configuration: see ticketd -n");
		g_free(error);
		if (conf != NULL)
			conf_unref(conf);
		return G_SOURCE_CONTINUE;
	}
	if (strcmp(conf->database, td->conf->database) != 0)
		log_warn("%s: database changed: takes effect on restart",
		    td->conf_path);
	if (!g_strv_equal((const char *const *)conf->lmtp_listen,
	    (const char *const *)td->conf->lmtp_listen) ||
	    conf->lmtp_socket_mode != td->conf->lmtp_socket_mode ||
	    conf->lmtp_socket_gid != td->conf->lmtp_socket_gid)
		log_warn("%s: lmtp listen or socket changed: takes effect on "
		    "restart", td->conf_path);
	if (g_strcmp0(conf->user, td->conf->user) != 0)
		log_warn("%s: user changed: takes effect on restart",
		    td->conf_path);
	for (guint i = 0; i < td->sources->len; i++) {
		struct source *src = g_ptr_array_index(td->sources, i);

		src->ops->reload(src, conf);
	}
	outbox_reload(td->outbox, conf);
	timer_reload(td->timer, conf);
	log_set_facility(conf->syslog_facility);
	metrics_reload(td->metrics, conf);
	conf_unref(td->conf);
	td->conf = conf;
	ticketd_rules_watch(td);
	log_info("%s: reloaded", td->conf_path);
	status_reload(1, NULL);
	ticketd_announce(td, "READY=1");
	return G_SOURCE_CONTINUE;
}

/* The rule files have been quiet for a while: reload as SIGHUP does. */
static gboolean
ticketd_rules_quiet(gpointer arg)
{
	struct ticketd	*td = arg;

	td->rules_quiet = 0;
	log_info("%s: rules changed", td->rules_watched);
	ticketd_reload(td);
	return G_SOURCE_REMOVE;
}

static void
ticketd_rules_changed(GFileMonitor *mon, GFile *file, GFile *other,
    GFileMonitorEvent event, gpointer arg)
{
	struct ticketd	*td = arg;
	char		*name, *other_name = NULL;
	int		 ours;

	if (event == G_FILE_MONITOR_EVENT_PRE_UNMOUNT ||
	    event == G_FILE_MONITOR_EVENT_UNMOUNTED)
		return;
	/* In a directory, only *.rules count (not an editor's swap file). */
	name = g_file_get_basename(file);
	if (other != NULL)
		other_name = g_file_get_basename(other);
	ours = !td->rules_dir || g_str_has_suffix(name, ".rules") ||
	    (other_name != NULL && g_str_has_suffix(other_name, ".rules"));
	g_free(name);
	g_free(other_name);
	if (!ours)
		return;
	if (td->rules_quiet != 0)
		g_source_remove(td->rules_quiet);
	td->rules_quiet = g_timeout_add(TICKETD_RULES_QUIET,
	    ticketd_rules_quiet, td);
}

static void
ticketd_rules_unwatch(struct ticketd *td)
{
	if (td->rules_quiet != 0)
		g_source_remove(td->rules_quiet);
	td->rules_quiet = 0;
	if (td->rules_monitor != NULL) {
		g_file_monitor_cancel(td->rules_monitor);
		g_object_unref(td->rules_monitor);
	}
	td->rules_monitor = NULL;
	g_free(td->rules_watched);
	td->rules_watched = NULL;
}

/*
 * Watch the running conf's rules; again after each reload, as the path
 * may have changed, or a file become a directory. A path that cannot be
 * watched is logged, and SIGHUP still reloads.
 */
static void
ticketd_rules_watch(struct ticketd *td)
{
	const char	*path = td->conf->rules_path;
	GFile		*file;
	GError		*error = NULL;
	int		 dir;

	if (path == NULL) {
		ticketd_rules_unwatch(td);
		return;
	}
	dir = g_file_test(path, G_FILE_TEST_IS_DIR);
	if (td->rules_monitor != NULL && td->rules_dir == dir &&
	    strcmp(td->rules_watched, path) == 0)
		return;
	ticketd_rules_unwatch(td);
	file = g_file_new_for_path(path);
	td->rules_monitor = dir ? g_file_monitor_directory(file,
	    G_FILE_MONITOR_WATCH_MOVES, NULL, &error) : g_file_monitor_file(file,
	    G_FILE_MONITOR_WATCH_MOVES, NULL, &error);
	g_object_unref(file);
	if (td->rules_monitor == NULL) {
		log_warn("%s: cannot watch for changes: %s", path,
		    error->message);
		g_error_free(error);
		return;
	}
	td->rules_watched = g_strdup(path);
	td->rules_dir = dir;
	g_signal_connect(td->rules_monitor, "changed",
	    G_CALLBACK(ticketd_rules_changed), td);
	log_info("%s: watching the rules for changes", path);
}

/*
 * A directory we create for the database (or, for one on a server, for
 * our lock and status files) belongs to the user we become.
 */
static int
ticketd_prepare_database(const struct conf *conf)
{
	char	*base = conf_state_base(conf);
	char	*dir = g_path_get_dirname(base);
	char	*cause = NULL;
	int	 existed = g_file_test(dir, G_FILE_TEST_IS_DIR), rc;
	uid_t	 uid;
	gid_t	 gid;

	if ((rc = g_mkdir_with_parents(dir, 0750)) != 0)
		log_warn("%s: cannot create: %s", dir, g_strerror(errno));
	else if (!existed && (rc = conf_user_ids(conf, &uid, &gid,
	    &cause)) == 1 && (rc = chown(dir, uid, gid)) != 0)
		log_warn("%s: chown: %s", dir, g_strerror(errno));
	if (rc == -1 && cause != NULL) {
		log_warn("%s", cause);
		g_free(cause);
	}
	g_free(dir);
	g_free(base);
	return rc == -1 ? -1 : 0;
}

/*
 * Become [ticketd] user for good: its groups too, which socket_group
 * and the database's permissions are written for.
 */
static int
ticketd_drop(struct ticketd *td)
{
	char	*cause = NULL;
	uid_t	 uid;
	gid_t	 gid;

	switch (conf_user_ids(td->conf, &uid, &gid, &cause)) {
	case 0:
		if (geteuid() == 0)
			log_warn("running as root: set [ticketd] user");
		return 0;
	case -1:
		log_warn("%s", cause);
		g_free(cause);
		return -1;
	case 1:
		break;
	}
	if (dblock_chown(td->lock, uid, gid) != 0 ||
	    initgroups(td->conf->user, gid) != 0 || setgid(gid) != 0 ||
	    setuid(uid) != 0) {
		log_warn("cannot become %s: %s", td->conf->user,
		    g_strerror(errno));
		return -1;
	}
	if (setuid(0) != -1)
		fatal(EX_SOFTWARE, "became %s, yet could become root again",
		    td->conf->user);
	log_info("running as %s", td->conf->user);
	return 0;
}

/* Bind what needs root: the sources' sockets. */
static int
ticketd_open_sources(struct ticketd *td)
{
	char	*cause = NULL;

	td->sources = g_ptr_array_new();
	for (const struct source_ops **ops = source_backends; *ops; ops++) {
		struct source	*src;

		if (!(*ops)->wanted(td->conf))
			continue;
		if ((src = (*ops)->open(td->conf, &cause)) == NULL) {
			log_warn("%s", cause);
			g_free(cause);
			return -1;
		}
		g_ptr_array_add(td->sources, src);
	}
	return 0;
}

static int
ticketd_start(struct ticketd *td)
{
	struct store	*st, *reader = NULL;
	char		*cause = NULL, *base;

	/* Before the IMAP threads, whose first word it must not miss. */
	base = conf_state_base(td->conf);
	status_open(base, td->conf_path);
	g_free(base);
	/* The parse pool's handle reads the rules' facts (ingest.h). */
	if ((st = store_open(td->conf->database, &cause)) == NULL ||
	    reply_keys_load(td->conf, st, &cause) != 0 ||
	    (reader = store_open(td->conf->database, &cause)) == NULL ||
	    (td->outbox = outbox_start(td->conf, &cause)) == NULL ||
	    (td->ingest = ingest_start(st, reader, NULL, outbox_wake,
	    td->outbox, &cause)) == NULL) {
		log_warn("%s", cause);
		g_free(cause);
		store_close(reader);
		store_close(st);
		return -1;
	}
	/* The stores are the pipeline's now: ticketd_stop() closes them. */
	if ((td->timer = timer_start(td->conf, td->ingest, &cause)) == NULL ||
	    (td->indexer = indexer_start(td->conf, td->ingest, &cause)) == NULL ||
	    (td->metrics = metrics_start(td->conf, &cause)) == NULL) {
		log_warn("%s", cause);
		g_free(cause);
		return -1;
	}
	for (guint i = 0; i < td->sources->len; i++) {
		struct source *src = g_ptr_array_index(td->sources, i);

		if (src->ops->start(src, td->ingest, &cause) != 0) {
			log_warn("%s", cause);
			g_free(cause);
			return -1;
		}
	}
	return 0;
}

/*
 * Stop taking mail, let the pipeline commit and answer everything it
 * holds, then let the sources send those answers and let go.
 */
static void
ticketd_stop(struct ticketd *td)
{
	metrics_stop(td->metrics);
	for (guint i = 0; td->sources && i < td->sources->len; i++) {
		struct source *src = g_ptr_array_index(td->sources, i);

		src->ops->stop(src);
	}
	/*
	 * Own the main context while the pipeline drains, so that the
	 * writer queues its answers for this thread instead of running
	 * them itself.
	 */
	g_main_context_acquire(NULL);
	/* Its tasks may still be queued: freed once the writer is done. */
	timer_stop(td->timer);
	indexer_stop(td->indexer);
	if (td->ingest != NULL)
		ingest_stop(td->ingest);
	timer_free(td->timer);
	indexer_free(td->indexer);
	if (td->outbox != NULL)
		outbox_stop(td->outbox);
	while (g_main_context_iteration(NULL, FALSE))
		;
	g_main_context_release(NULL);
	for (guint i = 0; td->sources && i < td->sources->len; i++) {
		struct source *src = g_ptr_array_index(td->sources, i);

		src->ops->free(src);
	}
	if (td->sources != NULL)
		g_ptr_array_free(td->sources, TRUE);
}

/*
 * One daemon per database, decided before any socket or outbox row is
 * touched. Another daemon's lock is EX_TEMPFAIL: it goes when that
 * daemon stops, so a supervisor may well try again.
 */
static int
ticketd_lock(struct ticketd *td)
{
	char	*cause = NULL;
	char	*base = conf_state_base(td->conf);
	int	 taken = dblock_take(base, &td->lock, &cause);

	g_free(base);
	switch (taken) {
	case 1:
		return EX_OK;
	case 0:
		log_warn("%s", cause);
		g_free(cause);
		return EX_TEMPFAIL;
	case -1:
		log_warn("%s", cause);
		g_free(cause);
		return EX_CANTCREAT;
	}
	g_assert_not_reached();
}

/* systemd's watchdog, fed from the main loop at half its interval. */
static gboolean
ticketd_watchdog(gpointer arg)
{
	sd_notify(0, "WATCHDOG=1");
	return G_SOURCE_CONTINUE;
}

static void
ticketd_watchdog_start(void)
{
	guint64	 usec;

	if (sd_watchdog_enabled(0, &usec) > 0)
		g_timeout_add(MAX(usec / 2000, 1), ticketd_watchdog, NULL);
}

/* "started", naming the database; a URI's password is not logged. */
static void
ticketd_log_started(struct ticketd *td)
{
	char	*base = conf_state_base(td->conf);
	char	*name = store_database_name(td->conf->database);

	if (store_local_path(td->conf->database) != NULL)
		log_info("started, database %s", name);
	else
		log_info("started, database %s, state %s", name, base);
	g_free(name);
	g_free(base);
}

static int
ticketd_run(struct ticketd *td)
{
	int	 status;

	if (ticketd_prepare_database(td->conf) != 0)
		return EX_CANTCREAT;
	if ((status = ticketd_lock(td)) != EX_OK)
		return status;
	signal(SIGPIPE, SIG_IGN);
	td->loop = g_main_loop_new(NULL, FALSE);
	if (ticketd_open_sources(td) != 0 || ticketd_drop(td) != 0 ||
	    ticketd_start(td) != 0) {
		ticketd_stop(td);
		status_close();
		g_main_loop_unref(td->loop);
		dblock_release(td->lock);
		return EX_UNAVAILABLE;
	}
	g_unix_signal_add(SIGTERM, ticketd_quit, td);
	g_unix_signal_add(SIGINT, ticketd_quit, td);
	g_unix_signal_add(SIGHUP, ticketd_reload, td);
	ticketd_rules_watch(td);
	ticketd_log_started(td);
	ticketd_announce(td, "READY=1");
	ticketd_watchdog_start();
	g_main_loop_run(td->loop);
	ticketd_notify("STOPPING=1", "Stopping: committing and answering "
	    "the mail under way");
	ticketd_rules_unwatch(td);
	ticketd_stop(td);
	status_close();
	g_main_loop_unref(td->loop);
	dblock_release(td->lock);
	log_info("stopped");
	return EX_OK;
}

static int
ticketd_deliver(struct conf *conf)
{
	if (ticketd_prepare_database(conf) != 0)
		return EX_TEMPFAIL;
	return source_pipe_deliver(conf, STDIN_FILENO, opt_recipient,
	    opt_sender);
}

int
main(int argc, char **argv)
{
	GOptionContext	*ctx;
	GError		*error = NULL;
	struct ticketd	 td = { 0 };
	char		*cause = NULL;
	int		 deliver, status;

	/* Mail is private: nothing we make is for other users to read. */
	umask(umask(0) | 027);
	ctx = g_option_context_new("[deliver] - email-to-ticket daemon");
	g_option_context_add_main_entries(ctx, ticketd_options, NULL);
	if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
		fprintf(stderr, "ticketd: %s\n", error->message);
		return EX_USAGE;
	}
	g_option_context_free(ctx);
	deliver = argc == 2 && strcmp(argv[1], "deliver") == 0;
	if (argc > 1 && !deliver) {
		fprintf(stderr, "ticketd: unknown command: %s\n", argv[1]);
		return EX_USAGE;
	}
	log_open(deliver ? "ticketd deliver" : "ticketd", opt_syslog);
	if (opt_trace != NULL && log_set_trace(opt_trace, &cause) != 0)
		fatal(EX_USAGE, "%s", cause);

	td.conf_path = opt_conf ? opt_conf : TICKETD_CONF;
	if (opt_check)
		return ticketd_check(td.conf_path);
	if ((td.conf = ticketd_load(td.conf_path, NULL)) == NULL)
		/* A delivery the MTA may retry must not bounce for our typo. */
		return deliver ? EX_TEMPFAIL : EX_CONFIG;
	log_set_facility(td.conf->syslog_facility);
	mime_init();
	smtp_init();
	status = deliver ? ticketd_deliver(td.conf) : ticketd_run(&td);
	conf_unref(td.conf);
	return status;
}
