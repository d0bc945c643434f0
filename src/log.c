/*
 * log: the daemon's only output channel. Lines go to stderr with a UTC
 * timestamp in the foreground, or to syslog(3) with -s.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "log.h"

static int	 log_syslog;
static gint	 log_syslog_facility = LOG_MAIL;
static guint	 log_trace_mask;
static const char *log_ident = "ticketd";
static GMutex	 log_lock;

static const struct {
	const char	*name;
	enum log_trace	 bit;
} log_trace_names[] = {
	{ "lmtp", TRACE_LMTP },
	{ "sql", TRACE_SQL },
	{ "ingest", TRACE_INGEST },
	{ "mime", TRACE_MIME },
	{ "smtp", TRACE_SMTP },
	{ "imap", TRACE_IMAP },
};

static const struct {
	const char	*name;
	int		 facility;
} log_facilities[] = {
	{ "mail", LOG_MAIL }, { "daemon", LOG_DAEMON }, { "user", LOG_USER },
	{ "local0", LOG_LOCAL0 }, { "local1", LOG_LOCAL1 },
	{ "local2", LOG_LOCAL2 }, { "local3", LOG_LOCAL3 },
	{ "local4", LOG_LOCAL4 }, { "local5", LOG_LOCAL5 },
	{ "local6", LOG_LOCAL6 }, { "local7", LOG_LOCAL7 },
};

int
log_facility(const char *name)
{
	for (gsize i = 0; i < G_N_ELEMENTS(log_facilities); i++)
		if (strcmp(name, log_facilities[i].name) == 0)
			return log_facilities[i].facility;
	return -1;
}

void
log_set_facility(const char *name)
{
	int	 facility = log_facility(name);

	/* Given with each line: no closelog() for a thread to race with. */
	if (facility != -1)
		g_atomic_int_set(&log_syslog_facility, facility);
}

void
log_open(const char *ident, int use_syslog)
{
	log_ident = ident;
	log_syslog = use_syslog;
	if (use_syslog)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_MAIL);
}

int
log_set_trace(const char *list, char **cause)
{
	char	**names = g_strsplit(list, ",", -1);
	guint	  mask = 0;

	for (char **n = names; *n != NULL; n++) {
		gsize	 i;

		for (i = 0; i < G_N_ELEMENTS(log_trace_names); i++)
			if (strcmp(g_strstrip(*n), log_trace_names[i].name) == 0)
				break;
		if (i == G_N_ELEMENTS(log_trace_names)) {
			*cause = g_strdup_printf("unknown trace category: %s", *n);
			g_strfreev(names);
			return -1;
		}
		mask |= log_trace_names[i].bit;
	}
	g_strfreev(names);
	log_trace_mask = mask;
	return 0;
}

int
log_tracing(enum log_trace what)
{
	return (log_trace_mask & what) != 0;
}

static void
log_vwrite(int prio, const char *fmt, va_list ap)
{
	char	*msg = g_strdup_vprintf(fmt, ap);

	if (log_syslog)
		syslog(g_atomic_int_get(&log_syslog_facility) | prio, "%s", msg);
	else {
		GDateTime	*now = g_date_time_new_now_utc();
		char		*ts = g_date_time_format(now, "%Y-%m-%dT%H:%M:%S");

		g_mutex_lock(&log_lock);
		fprintf(stderr, "%s.%03dZ %s: %s\n", ts,
		    g_date_time_get_microsecond(now) / 1000, log_ident, msg);
		g_mutex_unlock(&log_lock);
		g_free(ts);
		g_date_time_unref(now);
	}
	g_free(msg);
}

void
log_info(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vwrite(LOG_INFO, fmt, ap);
	va_end(ap);
}

void
log_warn(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vwrite(LOG_WARNING, fmt, ap);
	va_end(ap);
}

void
log_trace(enum log_trace what, const char *fmt, ...)
{
	va_list	 ap;

	if (!log_tracing(what))
		return;
	va_start(ap, fmt);
	log_vwrite(LOG_DEBUG, fmt, ap);
	va_end(ap);
}

void
fatal(int status, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vwrite(LOG_ERR, fmt, ap);
	va_end(ap);
	exit(status);
}
