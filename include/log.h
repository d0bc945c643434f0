/*
 * log: one line per event, to stderr (with a timestamp) or to syslog.
 * Every line names the object it concerns ("lmtp 7: ...", "ticket 42: ...").
 * Trace categories (-T lmtp,sql,...) enable log_trace() lines.
 */
#ifndef LOG_H
#define LOG_H

#include <glib.h>

enum log_trace {
	TRACE_LMTP	= 1 << 0,
	TRACE_SQL	= 1 << 1,
	TRACE_INGEST	= 1 << 2,
	TRACE_MIME	= 1 << 3,
	TRACE_SMTP	= 1 << 4,
	TRACE_IMAP	= 1 << 5,
};

void	 log_open(const char *ident, int use_syslog);
/* Parse "lmtp,sql" into the trace mask. -1 and *cause on an unknown name. */
int	 log_set_trace(const char *list, char **cause);
/* The syslog facility called name (LOG_MAIL for "mail"), or -1. */
int	 log_facility(const char *name);
/* With syslog, log to the facility called name from now on. */
void	 log_set_facility(const char *name);
int	 log_tracing(enum log_trace);

void	 log_info(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
void	 log_warn(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
void	 log_trace(enum log_trace, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
/* For startup failures only: logs and exits with status. */
void	 fatal(int status, const char *fmt, ...) G_GNUC_PRINTF(2, 3) G_GNUC_NORETURN;

#endif
