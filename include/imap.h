/*
 * imap: an IMAP client session over libetpan; the only file that includes
 * libetpan. libetpan does no certificate checks, so this file verifies
 * the server's chain and host name itself with GnuTLS before it sends a
 * password, and refuses the session when they do not verify.
 *
 * A struct imap is used by one thread at a time, except
 * imap_idle_interrupt(), which any thread may call.
 * Errors return -1 with *cause naming the server and what failed.
 */
#ifndef IMAP_H
#define IMAP_H

#include <glib.h>

enum imap_tls {
	IMAP_TLS_IMAPS,		/* TLS from the first byte (port 993) */
	IMAP_TLS_STARTTLS,	/* STARTTLS before authenticating */
	IMAP_TLS_NONE,		/* only when the admin says so */
};

enum imap_auth {
	IMAP_AUTH_LOGIN,	/* LOGIN command */
	IMAP_AUTH_PLAIN,	/* AUTHENTICATE PLAIN */
	IMAP_AUTH_XOAUTH2,	/* AUTHENTICATE XOAUTH2, secret is the token */
};

struct imap_config {
	const char	*host;
	guint		 port;
	enum imap_tls	 tls;
	enum imap_auth	 auth;
	const char	*user;
	const char	*secret;	/* password or OAuth2 bearer token */
	const char	*ca_file;	/* extra trust anchor, or NULL */
	guint		 timeout;	/* seconds for every network wait */
};

struct imap_mailbox {
	guint32		 uidvalidity;
	guint32		 uidnext;
	guint32		 exists;
};

struct imap;

/* Connect, verify TLS, authenticate. NULL and *cause on failure. */
struct imap	*imap_connect(const struct imap_config *, char **cause);
/* LOGOUT if possible, then free. */
void		 imap_close(struct imap *);

/* Server capabilities, valid after imap_connect(). */
int		 imap_has_idle(struct imap *);
int		 imap_has_move(struct imap *);
int		 imap_has_uidplus(struct imap *);

int		 imap_select(struct imap *, const char *mailbox,
		    struct imap_mailbox *, char **cause);
/* CREATE mailbox; an existing one is not an error. */
int		 imap_create(struct imap *, const char *mailbox, char **cause);

/* UIDs >= from in the selected mailbox, ascending (guint32 array). */
int		 imap_search_from(struct imap *, guint32 from, GArray **uids,
		    char **cause);

/*
 * Fetch BODY.PEEK[] of the n uids in one command, or with headers_only
 * BODY.PEEK[HEADER]. cb gets every FETCH response that names a uid, as
 * it arrives: raw is the bytes, or NULL when the response came without
 * them (a body of NIL for a message expunged behind our back, or none
 * for one the server cannot read). A uid may come more than once (an
 * unsolicited flag change) or not at all. After -1 (e.g. the server
 * said BYE after a message it could not read) cb has seen the responses
 * that came before. A tagged NO after some responses is not an error.
 */
typedef void	(*imap_fetch_cb)(guint32 uid, GBytes *raw, gpointer arg);
int		 imap_fetch(struct imap *, const guint32 *uids, guint n,
		    int headers_only, imap_fetch_cb, gpointer arg,
		    char **cause);

/* RFC822.SIZE of the n uids: a new table, uid -> size (GUINT_TO_POINTER). */
int		 imap_sizes(struct imap *, const guint32 *uids, guint n,
		    GHashTable **sizes, char **cause);

/*
 * After-actions on a set of uids in one command each: MOVE when the
 * server offers it, else COPY, \Deleted and UID EXPUNGE (or EXPUNGE
 * without UIDPLUS); \Seen; \Deleted plus expunge.
 */
int		 imap_move(struct imap *, const guint32 *uids, guint n,
		    const char *mailbox, char **cause);
int		 imap_mark_seen(struct imap *, const guint32 *uids, guint n,
		    char **cause);
int		 imap_delete(struct imap *, const guint32 *uids, guint n,
		    char **cause);

/*
 * IDLE (RFC 2177) for at most secs seconds. Returns 1 when the server
 * reported a change (new mail), 0 on timeout or interrupt, -1 on error.
 * Keepalives ("* OK Still here") do not end it. The session is usable
 * afterwards unless it returned -1. An error also when the server does
 * not offer IDLE.
 */
int		 imap_idle(struct imap *, guint secs, char **cause);
/*
 * Wake a thread blocked in imap_idle(); safe from any thread. When no
 * IDLE is running the wakeup is kept: the next imap_idle() returns 0 at
 * once. Not to be called once imap_close() may have begun.
 */
void		 imap_idle_interrupt(struct imap *);

#endif
