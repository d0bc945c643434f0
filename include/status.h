/*
 * status: what a running ticketd tells "ticketctl status", kept in
 * BASE.status beside BASE.lock (conf_state_base(): beside a SQLite
 * database, else in the state directory). The daemon records its start,
 * its listeners, each IMAP account's state and the last reload; every
 * change rewrites the file (a key file, readable by admins too) by
 * rename, from the main loop, at most once per change burst. Threads
 * may record at any time. Without status_open() recording does nothing,
 * so ticketctl's import and "ticketd deliver" share the IMAP code
 * freely.
 */
#ifndef STATUS_H
#define STATUS_H

#include <glib.h>

enum status_imap {
	STATUS_IMAP_CONNECTING,
	STATUS_IMAP_CONNECTED,	/* a pass or IDLE ended well */
	STATUS_IMAP_FAILED,	/* the connection or a pass failed */
};

/* The daemon's side. */
void	 status_open(const char *base, const char *conf_path);
void	 status_listeners(GPtrArray *lines);	/* of char *, borrowed */
void	 status_imap(const char *account, enum status_imap,
	    const char *error);
void	 status_reload(int ok, const char *error);
/* Remove the file: the daemon is stopping. */
void	 status_close(void);

struct status_account {
	char	*name;
	int	 connected;
	gint64	 last_ok;	/* 0: never */
	gint64	 last_error_at;	/* 0: never */
	char	*last_error;	/* or NULL */
};

struct status_view {
	gint64		 pid;
	gint64		 started;
	char		*conf_path;
	char		**listeners;
	GPtrArray	*accounts;	/* struct status_account * */
	gint64		 reload_at;	/* 0: never reloaded */
	int		 reload_ok;
	char		*reload_error;
};

/* ticketctl's side: 1 and *view, 0 when there is no file, -1 *cause. */
int	 status_read(const char *base, struct status_view **view,
	    char **cause);
void	 status_view_free(struct status_view *);

#endif
