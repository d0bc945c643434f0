/*
 * conf: the daemon's configuration file.
 *
 * The file is INI-style: "[section]" or "[section name]" headers,
 * "key = value" lines, and comments that start with ';' or '#' at the
 * start of a line or after whitespace. We parse it ourselves rather than
 * with GKeyFile, because admins need "file:line: message" for every
 * error and GKeyFile keeps no line numbers and has no ';' comments.
 *
 * A struct conf is immutable once loaded and reference counted, so a
 * reload builds a new one and swaps it in only when it is valid.
 */
#ifndef CONF_H
#define CONF_H

#include <sys/types.h>

#include <glib.h>

#include "sla.h"

struct rules;
struct template_set;

/* At most count automatic replies per seconds. */
struct conf_limit {
	guint		 count;
	guint		 seconds;
};

struct conf_queue {
	char		*name;
	char		*display_name;	/* "" when unset */
	char		**addresses;	/* lower-case, NULL-terminated */
	char		*language;	/* default template language */
	GTimeZone	*timezone;
	struct sla_hours hours;
	char		*holidays_path;	/* NULL: no holidays */
	struct sla_holidays *holidays;	/* read from it; NULL: none */
	int		 acknowledge;	/* send acknowledgements */
};

/*
 * [sla NAME]: the targets for the tickets of a queue and a priority,
 * in seconds (0: no such target).
 */
struct conf_sla {
	char		*name;
	char		*queue;		/* NULL: every queue */
	char		*priority;	/* NULL: every priority */
	guint		 first_response;
	guint		 next_response;	/* each later customer mail */
	guint		 resolution;
	int		 business_hours; /* count the queue's hours only */
	guint		 warn;		/* percent of a target; 0: never */
	char		*escalate;	/* an address or agent; NULL: none */
};

enum conf_notify { CONF_NOTIFY_ALL, CONF_NOTIFY_ASSIGNED, CONF_NOTIFY_NONE };

/*
 * An agent: a person who answers tickets from their own mail client.
 * The name is what tokens, commands (#assign NAME) and events use.
 */
struct conf_agent {
	char		*name;		/* [agent NAME]: [a-z0-9_-], 1 to 32 */
	char		*display_name;	/* shown to customers; default: name */
	char		**addresses;	/* lower-case, NULL-terminated, >= 1 */
	char		**queues;	/* NULL-terminated; NULL: every queue */
	int		 notify;	/* enum conf_notify */
};

enum conf_imap_tls { CONF_IMAPS, CONF_STARTTLS, CONF_TLS_NONE };
enum conf_imap_auth { CONF_AUTH_LOGIN, CONF_AUTH_PLAIN, CONF_AUTH_XOAUTH2 };
enum conf_imap_after { CONF_AFTER_MOVE, CONF_AFTER_SEEN, CONF_AFTER_DELETE };

/* An IMAP mailbox ticketd imports from. */
struct conf_imap {
	char		*name;
	char		*host;
	guint		 port;		/* 0: the default for tls */
	int		 tls;		/* enum conf_imap_tls */
	int		 auth;		/* enum conf_imap_auth */
	char		*user;
	char		*password;	/* from password or password_file */
	char		*token_file;	/* XOAUTH2: read at each connect */
	char		*token_command;	/* XOAUTH2: run at each connect */
	char		*mailbox;
	char		*queue;
	char		*after;		/* "move:FOLDER", "seen" or "delete" */
	int		 after_kind;	/* enum conf_imap_after */
	char		*after_folder;	/* for move */
	char		*quarantine;	/* folder for mail that keeps failing */
	guint		 max_failures;
	char		*ca_file;
	guint		 timeout;
	guint		 poll_interval;
	int		 idle;
	guint		 batch;
	int		 archive;	/* no acknowledgements, original dates */
};

struct conf {
	int		 refs;
	char		*path;

	char		*database;
	guint		 database_line;	/* where it was set */
	char		*state_dir;	/* a server database's lock and
					   status files; NULL: CONF_STATE_DIR */
	guint		 state_dir_line;
	char		*hostname;
	char		*subject_tag;	/* e.g. "[#{id}]" */
	char		*fallback_charset;
	char		*templates_dir;
	struct template_set *templates;
	char		*rules_path;	/* a rule file or directory, or NULL */
	struct rules	*rules;		/* loaded from it; NULL without */
	GBytes		*secret;	/* from secret_file, or NULL */
	char		*user;		/* drop to it when started as root */
	char		*syslog_facility;	/* "mail" (log_facility()) */
	/*
	 * Our Message-ID keys, THREAD_KEY_LEN octets each, newest first:
	 * the first signs, every one verifies. Not from the file: set by
	 * reply_keys_load() before the conf is shared; NULL until then.
	 */
	GBytes		*msgid_keys;

	char		**lmtp_listen;	/* "host:port" or "unix:/path" */
	guint		 lmtp_max_sessions;
	guint		 lmtp_timeout;	/* seconds */
	gsize		 lmtp_max_message_size;
	guint		 lmtp_max_recipients;
	char		 recipient_delimiter;	/* '+' */
	guint		 lmtp_socket_mode;	/* of unix: listeners, 0660 */
	gint64		 lmtp_socket_gid;	/* their group; -1: ours */

	char		*metrics_listen; /* "host:port"; NULL: no endpoint */
	guint		 metrics_listen_line;	/* where it was set */

	char		*smtp_url;	/* NULL: no outgoing mail */
	int		 smtp_starttls;
	char		*smtp_user;
	char		*smtp_password;	/* from password or password_file */
	char		*smtp_ca_file;
	guint		 smtp_timeout;
	guint		 smtp_retry_min;	/* seconds before the first retry */
	guint		 smtp_retry_max;	/* cap of the exponential backoff */
	guint		 smtp_queue_lifetime;	/* give up after, seconds */

	GArray		*limit_address;	/* struct conf_limit, per recipient */
	GArray		*limit_ticket;	/* struct conf_limit, per ticket */
	guint		 bounce_suppress; /* no automatic mail after a hard bounce, s */
	char		*ack_envelope_sender; /* "" for the null sender <> */

	guint		 close_after;	/* resolved -> closed, seconds (7d) */
	guint		 pending_resolve; /* pending -> resolved, seconds (7d) */
	guint		 pending_remind; /* pending: remind the customer (3d) */
	int		 csat_send;	/* [csat] send: survey resolved tickets */
	guint		 csat_delay;	/* ... this long after (1h) */

	GPtrArray	*queues;	/* struct conf_queue *, file order */
	GPtrArray	*imaps;		/* struct conf_imap *, file order */
	GPtrArray	*agents;	/* struct conf_agent *, file order */
	GPtrArray	*slas;		/* struct conf_sla *, file order */
	/* [agents]: also demand Authentication-Results of authserv_id. */
	int		 agents_require_auth;
	char		*agents_authserv_id;	/* NULL when unset */
};

/*
 * Load and check path. Returns NULL and sets *cause to one or more
 * "path:line: message" lines (newline-separated) when it is not valid.
 */
struct conf	*conf_load(const char *path, char **cause);
/* The same for len octets of text, reported as coming from path. */
struct conf	*conf_load_buffer(const char *path, const char *text,
		    gsize len, char **cause);
struct conf	*conf_ref(struct conf *);
void		 conf_unref(struct conf *);
/* "90", "30s", "5m", "2h", "1d": seconds, or -1. */
gint64		 conf_parse_duration(const char *);
/*
 * The user a daemon started as root becomes: 1 and its ids with
 * [ticketd] user; 0 when not root or no user is set; -1 and *cause when
 * the user is gone or is root itself.
 */
int		 conf_user_ids(const struct conf *, uid_t *, gid_t *,
		    char **cause);

/*
 * The queue that owns address (case-insensitive; "local+ext@domain"
 * belongs to "local@domain"), or NULL. Owned by the conf.
 */
/* The keys that sign our Message-IDs and tokens, newest first: n of them. */
const guint8	*conf_msgid_keys(const struct conf *, gsize *n);
/* "support+TOKEN@example.com", an address of one of our queues: TOKEN, or NULL. */
char		*conf_address_token(const struct conf *, const char *addr);
/* Queue q's first address with token in its local part, or NULL. */
char		*conf_token_address(const struct conf *, const struct conf_queue *q,
		    const char *token);
const struct conf_queue *conf_queue_for_address(const struct conf *,
		    const char *address);
/*
 * Can this process create and write the database (its directory is made
 * when missing)? For a database on a server: the state directory. -1
 * and "path:line: message" when not. Not part of conf_load(): ticketctl
 * may read a database it cannot write.
 */
int		 conf_check_database(const struct conf *, char **cause);

/* Where a server database's lock and status files go by default. */
#define CONF_STATE_DIR	"/run/ticketd"

/*
 * The path the daemon's lock (BASE.lock, dblock.h) and status file
 * (BASE.status, status.h) are named after: the database file itself,
 * so that one daemon runs per SQLite database; for a database on a
 * server, which several nodes share, STATE_DIR/ticketd: one daemon per
 * state directory on this host. Free with g_free.
 */
char		*conf_state_base(const struct conf *);

const struct conf_queue *conf_queue_by_name(const struct conf *,
		    const char *name);
const struct conf_imap *conf_imap_by_name(const struct conf *,
		    const char *name);
/* The agent of that name, or NULL. Owned by the conf. */
const struct conf_agent *conf_agent_by_name(const struct conf *,
		    const char *name);
/* The agent who writes from address (any case), or NULL. */
const struct conf_agent *conf_agent_by_address(const struct conf *,
		    const char *address);
/* 1 when the agent works in queue (an agent without queues: every one). */
int		 conf_agent_serves(const struct conf_agent *, const char *queue);
/*
 * The [sla] section for a ticket of queue and priority: the most
 * specific that matches (queue and priority, then queue, then priority,
 * then neither), the first in the file among equals; NULL: none.
 */
const struct conf_sla *conf_sla_for(const struct conf *, const char *queue,
		    const char *priority);
/*
 * The calendar business time runs by in queue q under policy p (may be
 * NULL): the queue's hours and holidays, unless p counts around the
 * clock (business_hours = no). Points into q.
 */
void		 conf_sla_calendar(const struct conf_queue *q,
		    const struct conf_sla *p, struct sla_calendar *cal);

#endif
