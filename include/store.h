/*
 * store: everything ticketd keeps, behind a backend ops table.
 *
 * The backend is chosen by the database string ([ticketd] database): a
 * URI names a database server (postgresql://...), anything else is a
 * SQLite file. Every write happens inside a write transaction (begin,
 * commit); savepoints let one failing mail be undone without losing the
 * rest of a group commit. A store handle is used by one thread at a
 * time.
 *
 * Ownership: every struct and string a store function hands back is
 * newly allocated and freed by the caller with the matching *_free().
 * Lookups return 1 when found, 0 when not and -1 with *cause on error.
 */
#ifndef STORE_H
#define STORE_H

#include <glib.h>

struct mail;

struct store_ticket {
	gint64		 id;
	char		*subject;
	char		*requester_name;
	char		*requester_addr;
	char		*status;	/* new, open, pending, resolved, closed */
	char		*queue;
	char		*priority;	/* low, normal, high, urgent */
	gint64		 created_at;	/* unix seconds, UTC */
	gint64		 updated_at;
	int		 attention;	/* flagged for a human: e.g. unparseable */
	guint		 messages;	/* count, filled by list and get */
	char		**tags;		/* NULL-terminated, sorted */
	char		*assignee;	/* agent name, NULL when none ("" is
					   stored as none) */
	gint64		 status_at;	/* when status last changed */
};

/*
 * Which tickets ticket_find() returns; NULL or 0 fields match any, and
 * a NULL filter matches every ticket.
 */
/* What ticket_find orders by; then by id. */
enum store_sort {
	STORE_SORT_ID,
	STORE_SORT_UPDATED,
	STORE_SORT_PRIORITY,	/* urgent first, when ascending */
};

struct store_filter {
	const char	*const *statuses; /* NULL-terminated: one of these
					     (an empty list matches none) */
	const char	*queue;
	const char	*assignee;	/* "" matches unassigned tickets */
	const char	*tag;
	const char	*requester;	/* address, any case */
	gint64		 exclude;	/* leave this ticket out */
	gint64		 since;		/* updated at or after; 0: any */
	enum store_sort	 sort;
	int		 descending;	/* else ascending: oldest, urgent first */
	guint		 limit;		/* 0: no limit */
	guint		 offset;	/* rows to skip first */
};

struct store_attachment {
	char		*name;
	char		*type;
	gsize		 size;
};

/* One queue address a mail was delivered to. */
struct store_delivery {
	char		*queue;
	char		*address;	/* the recipient, "" when the source has none */
};

struct store_message {
	gint64		 id;
	gint64		 ticket_id;
	/*
	 * "in": from a customer; "out": to the customer; "agent": an
	 * agent's mail to us (its text went out in an "out" message);
	 * "note": internal, never sent to the customer.
	 */
	char		*direction;
	char		*source;	/* lmtp, pipe, imap, ticketctl */
	char		*return_path;	/* envelope sender, "" for <> */
	char		*from_name;
	char		*from_addr;
	char		*to;
	char		*cc;
	char		*date;		/* Date: header, ISO 8601 UTC, or NULL */
	char		*message_id;	/* NULL when the mail had none */
	char		*subject;
	char		*body;
	int		 parsed;
	gint64		 received_at;
	char		*author;	/* agent name, NULL for anyone else */
	GPtrArray	*attachments;	/* struct store_attachment * */
	GPtrArray	*deliveries;	/* struct store_delivery * */
};

/* A stored incoming mail that names a Message-ID in its references. */
struct store_referrer {
	gint64		 message_id;	/* row id */
	gint64		 ticket_id;
	char		*from_addr;
	char		*msgid;		/* its own Message-ID, or NULL */
};

struct store_event {
	gint64		 id;
	gint64		 ticket_id;
	gint64		 at;		/* unix seconds, UTC */
	char		*type;		/* created, message, parse_failed, ... */
	char		*detail;
};

/*
 * Agents to be told of something (notify.h), kept in the transaction
 * that caused it and turned into outbox rows after its commit.
 */
struct store_notify {
	gint64		 id;
	gint64		 ticket_id;
	int		 kind;		/* enum notify_kind */
	char		*actor;		/* the agent who acted, or NULL */
	char		*text;		/* the new words, or NULL */
	gint64		 message_id;	/* the mail it is about (row), or 0 */
	gint64		 created_at;
};

/* The outbox at a glance, for ticketctl status. */
struct store_outbox_summary {
	guint		 queued;	/* never tried yet */
	guint		 deferred;	/* queued again after a failure */
	guint		 sending;
	guint		 failed;	/* given up on */
	guint		 failed_since;
	gint64		 oldest_unsent;	/* its created_at; 0 when none */
};

/* A mail waiting for, or done with, the SMTP sender. */
struct store_outbox {
	gint64		 id;
	gint64		 ticket_id;
	char		*kind;		/* ack, reply */
	char		*envelope_from;	/* "" for the null sender */
	char		*rcpt;
	char		*message_id;
	GBytes		*data;		/* the whole message, CRLF */
	char		*status;	/* queued, sending, sent, failed, delayed */
	guint		 attempts;
	gint64		 created_at;
	gint64		 next_attempt_at;
	gint64		 sent_at;	/* 0 until sent */
	char		*last_error;	/* NULL until something failed */
	char		*claimed_by;	/* who sends it, or last did; or NULL */
	gint64		 claimed_at;	/* when; 0 if never claimed */
};

/* What store_message_add() records of an incoming or outgoing mail. */
struct store_message_in {
	gint64			 ticket_id;
	const char		*direction;
	const char		*source;
	const char		*return_path;
	const char		*dedupe_key;	/* see ticket_dedupe_key() */
	gint64			 received_at;
	const struct mail	*mail;		/* its references are kept too */
	GPtrArray		*deliveries;	/* struct store_delivery *, or NULL */
	const char		*author;	/* agent name, or NULL */
	const char		*body;		/* stored text instead of the
						   mail's (quotes stripped), or NULL */
};

/*
 * What search() looks for: messages holding every term (search.h: each
 * folded, NULL-terminated) in their subject, body or addresses.
 */
struct store_search {
	char *const	*terms;
	const char	*queue;		/* tickets of this queue only, or NULL */
	guint		 limit;
	guint		 ranked;	/* how many of the newest matches are
					   ranked to find the best */
	guint		 scan;		/* when no term can use the index: how
					   many of the newest messages are read */
	guint		 tail;		/* how many of the newest messages not
					   yet indexed are read instead */
};

/* What search() says about how far it looked. */
struct store_search_note {
	gint64		 unread;	/* messages past the index, too many
					   to read (0: the result is exact) */
	int		 window;	/* no term could use the index: only
					   the newest q->scan were read */
};

/* A message search() found, with what a list of hits shows. */
struct store_hit {
	gint64		 message_id;
	gint64		 ticket_id;
	char		*status;	/* the ticket's */
	char		*queue;		/* the ticket's */
	char		*subject;	/* the message's, as the rest */
	char		*from_name;
	char		*from_addr;
	char		*date;		/* Date: header, ISO 8601 UTC, or NULL */
	gint64		 received_at;
	char		*body;
	double		 rank;		/* search_rank(): lower is better */
};

struct store;

struct store_sla;
struct store_sla_wait;
struct store_timer;
struct store_report_ticket;
struct store_csat;
struct store_stats;

struct store_ops {
	const char	*name;
	/* Is database (the [ticketd] database string) this backend's? */
	int		 (*match)(const char *database);
	/*
	 * 1 when the database is one local file, named by the string
	 * (its lock and status files go beside it); 0 for a server that
	 * several ticketd nodes may share.
	 */
	int		 local;
	struct store	*(*open)(const char *database, char **cause);
	void		 (*close)(struct store *);

	/*
	 * A write transaction: begin waits for (or takes) whatever the
	 * engine needs so that the writes that follow cannot fail for
	 * another writer's sake halfway; commit returns once the
	 * transaction is durable, so that mail may be acknowledged after
	 * it. Lock waits and durability settings are the backend's own.
	 */
	int		 (*begin)(struct store *, char **cause);
	int		 (*commit)(struct store *, char **cause);
	/*
	 * Ends whatever transaction is open, and is harmless when none is
	 * (callers roll back after a failed begin or commit too). Once an
	 * op failed inside a transaction, only rollback, or
	 * rollback_savepoint of a savepoint taken before it, may follow:
	 * a server engine (PostgreSQL) refuses anything else until then.
	 */
	void		 (*rollback)(struct store *);
	/*
	 * Savepoints inside a transaction; they nest (a savepoint taken
	 * inside another is released or rolled back first), and
	 * rollback_savepoint undoes and ends the innermost.
	 */
	int		 (*savepoint)(struct store *, char **cause);
	int		 (*release)(struct store *, char **cause);
	void		 (*rollback_savepoint)(struct store *);

	int		 (*meta_get)(struct store *, const char *key,
			    GBytes **value, char **cause);
	int		 (*meta_set)(struct store *, const char *key,
			    GBytes *value, char **cause);

	/* The stored mail with this dedupe key: its row and ticket. */
	int		 (*message_find)(struct store *, const char *dedupe_key,
			    gint64 *message_id, gint64 *ticket_id, char **cause);
	/*
	 * The ticket of the oldest stored mail with this Message-ID, one
	 * where address prefer takes part first: different mail may share
	 * a Message-ID.
	 */
	int		 (*msgid_ticket)(struct store *, const char *message_id,
			    const char *prefer, gint64 *ticket_id, char **cause);
	/* Incoming mail citing message_id, oldest first (store_referrer). */
	int		 (*msgid_referrers)(struct store *, const char *message_id,
			    GPtrArray **out, char **cause);
	int		 (*ticket_exists)(struct store *, gint64 id, char **cause);
	/* Is address (any case) one of the ticket's participants? */
	int		 (*participant_find)(struct store *, gint64 ticket_id,
			    const char *address, char **cause);
	int		 (*participant_add)(struct store *, gint64 ticket_id,
			    const char *address, char **cause);
	/* Every participant's address (char *), sorted. */
	int		 (*participant_list)(struct store *, gint64 ticket_id,
			    GPtrArray **addresses, char **cause);
	/* Record one more delivery of a stored mail: 1 new, 0 known, -1. */
	int		 (*delivery_add)(struct store *, gint64 message_id,
			    const struct store_delivery *, char **cause);
	/*
	 * Insert a ticket (with its tags and assignee); sets t->id, and
	 * status_at to created_at.
	 */
	int		 (*ticket_create)(struct store *, struct store_ticket *,
			    char **cause);
	int		 (*message_add)(struct store *,
			    const struct store_message_in *, gint64 *id,
			    char **cause);
	int		 (*event_add)(struct store *, gint64 ticket_id,
			    gint64 at, const char *type, const char *detail,
			    char **cause);

	int		 (*outbox_add)(struct store *, struct store_outbox *,
			    char **cause);
	/*
	 * Claim queued mail due by now, oldest first, at most limit, for
	 * owner: its status becomes "sending", so no other process takes
	 * it until the owner saves what became of it (outbox_update).
	 */
	int		 (*outbox_claim)(struct store *, gint64 now, guint limit,
			    const char *owner, GPtrArray **out, char **cause);
	/*
	 * Queue again every row claimed by another owner than owner, and
	 * return them: only for a sender that knows those owners are gone.
	 */
	int		 (*outbox_unclaim)(struct store *, const char *owner,
			    GPtrArray **out, char **cause);
	/* When the next queued mail is due: 1 and *when, 0 when none. */
	int		 (*outbox_next)(struct store *, gint64 *when,
			    char **cause);
	/*
	 * Save status, attempts, next_attempt_at, sent_at, last_error. A
	 * row a delivery report made failed or delayed keeps that: the
	 * bounce can be stored before the sender records the 250.
	 */
	int		 (*outbox_update)(struct store *,
			    const struct store_outbox *, char **cause);
	/* Every outbox row (ticket 0) or a ticket's, oldest first. */
	int		 (*outbox_list)(struct store *, gint64 ticket_id,
			    GPtrArray **out, char **cause);
	/* How the outbox stands; failed_since counts failures since since. */
	int		 (*outbox_summary)(struct store *, gint64 since,
			    struct store_outbox_summary *, char **cause);
	/* Outbox row id: 1 and *out, 0 when there is none, or -1. */
	int		 (*outbox_get)(struct store *, gint64 id,
			    struct store_outbox **out, char **cause);
	/*
	 * An admin's retry (queued now, a new lifetime, for a queued,
	 * failed or cancelled row) or cancel (of a queued row, not one
	 * being sent): 1 and the row after, 0 when no such row was in a
	 * state for it, -1.
	 */
	int		 (*outbox_admin)(struct store *, gint64 id, int cancel,
			    gint64 now, struct store_outbox **out,
			    char **cause);
	/* Automatic replies since a time: to address, and about ticket. */
	int		 (*autoreply_count)(struct store *, const char *address,
			    gint64 ticket_id, gint64 since, guint *to_address,
			    guint *for_ticket, char **cause);
	int		 (*autoreply_add)(struct store *, const char *address,
			    gint64 ticket_id, gint64 at, char **cause);
	/* Automatic mail since a time to address about ticket_id. */
	int		 (*autoreply_count_pair)(struct store *,
			    const char *address, gint64 ticket_id, gint64 since,
			    guint *count, char **cause);
	/* The outbox row of the mail we sent as message_id: 1, 0 or -1. */
	int		 (*outbox_by_msgid)(struct store *, const char *message_id,
			    struct store_outbox **out, char **cause);
	/*
	 * A delivery report on row id: status "failed" always applies,
	 * "delayed" only to a row that is "sent" or "delayed".
	 */
	int		 (*outbox_report)(struct store *, gint64 id,
			    const char *status, const char *last_error,
			    char **cause);
	/* A hard bounce of mail to address (compared without case). */
	int		 (*bounce_add)(struct store *, const char *address,
			    gint64 ticket_id, gint64 at, const char *status,
			    char **cause);
	/* The newest hard bounce of address since a time: 1, 0 or -1. */
	int		 (*bounce_since)(struct store *, const char *address,
			    gint64 since, gint64 *at, char **status,
			    char **cause);

	int		 (*ticket_list)(struct store *, GPtrArray **tickets,
			    char **cause);
	int		 (*ticket_get)(struct store *, gint64 id,
			    struct store_ticket **, char **cause);
	int		 (*message_list)(struct store *, gint64 ticket_id,
			    GPtrArray **messages, char **cause);
	int		 (*event_list)(struct store *, gint64 ticket_id,
			    GPtrArray **events, char **cause);
	/*
	 * Where an IMAP import stands: the mailbox's UIDVALIDITY and the
	 * highest UID up to which every message is done. 1, 0 or -1.
	 */
	int		 (*imap_state_get)(struct store *, const char *account,
			    const char *mailbox, guint32 *uidvalidity,
			    guint32 *last_uid, char **cause);
	int		 (*imap_state_set)(struct store *, const char *account,
			    const char *mailbox, guint32 uidvalidity,
			    guint32 last_uid, char **cause);
	/* Count one more failure of a message; *count is the new total. */
	int		 (*imap_failure_add)(struct store *, const char *account,
			    const char *mailbox, guint32 uidvalidity, guint32 uid,
			    const char *error, guint *count, char **cause);
	int		 (*imap_failure_clear)(struct store *, const char *account,
			    const char *mailbox, guint32 uidvalidity, guint32 uid,
			    char **cause);
	/* How often a message failed so far: *count, 0 when never. */
	int		 (*imap_failure_count)(struct store *, const char *account,
			    const char *mailbox, guint32 uidvalidity, guint32 uid,
			    guint *count, char **cause);
	/* Flag a ticket for a human to look at. */
	int		 (*ticket_attention)(struct store *, gint64 id,
			    char **cause);
	/* The raw mail of a stored message: 1 and *raw, 0, or -1. */
	int		 (*message_raw)(struct store *, gint64 message_id,
			    GBytes **raw, char **cause);

	/*
	 * Save a ticket's status, status_at, priority, assignee (NULL:
	 * none), attention, updated_at and queue (NULL: unchanged). 0, or
	 * -1 (also when no such ticket).
	 */
	int		 (*ticket_update)(struct store *,
			    const struct store_ticket *, char **cause);
	/* 1 when the tag was added (removed), 0 when it was (not) there. */
	int		 (*tag_add)(struct store *, gint64 ticket_id,
			    const char *tag, char **cause);
	int		 (*tag_remove)(struct store *, gint64 ticket_id,
			    const char *tag, char **cause);
	/* Tickets that pass the filter, with tags and message counts. */
	int		 (*ticket_find)(struct store *, const struct store_filter *,
			    GPtrArray **tickets, char **cause);
	/*
	 * Link two tickets, both ways: each names the other. Linking again
	 * is no error; linking a ticket to itself, or to none, is.
	 */
	int		 (*link_add)(struct store *, gint64 a, gint64 b,
			    char **cause);
	/* The tickets linked to id (gint64), lowest first. */
	int		 (*link_list)(struct store *, gint64 id, GArray **ids,
			    char **cause);
	/* Tickets not closed with an id above after, lowest first, at most limit. */
	int		 (*tickets_live)(struct store *, gint64 after,
			    guint limit, GArray **ids, char **cause);
	/*
	 * Agents who wrote on the ticket (message authors), each once, in
	 * the order they first wrote; *names holds strings (g_free).
	 */
	int		 (*ticket_authors)(struct store *, gint64 ticket_id,
			    GPtrArray **names, char **cause);
	/* Keep a notification to make later; sets its id. */
	int		 (*notify_add)(struct store *, struct store_notify *,
			    char **cause);
	/* The oldest kept notifications, at most limit. */
	int		 (*notify_list)(struct store *, guint limit,
			    GPtrArray **out, char **cause);
	int		 (*notify_delete)(struct store *, gint64 id,
			    char **cause);

	/*
	 * What the rules know of a requester (any case): how many of their
	 * tickets are new, open or pending (counted up to
	 * STORE_FACTS_OPEN_MAX), and whether no mail from them
	 * was ever stored. Read only: the parse pool calls it on a handle
	 * of its own, outside any transaction.
	 */
	int		 (*requester_facts)(struct store *, const char *address,
			    guint *open, int *first, char **cause);

	/*
	 * A ticket's SLA facts (struct store_sla): 1 and *out, or 0 and
	 * *out zeroed (met fields -1) when none were recorded; -1 on error.
	 * sla_put() writes them whole.
	 */
	int		 (*sla_get)(struct store *, gint64 ticket,
			    struct store_sla *out, char **cause);
	int		 (*sla_put)(struct store *, gint64 ticket,
			    const struct store_sla *, char **cause);
	/* The next-response waits: one more; all, oldest first (GArray). */
	int		 (*sla_wait_add)(struct store *, gint64 ticket,
			    const struct store_sla_wait *, char **cause);
	int		 (*sla_wait_list)(struct store *, gint64 ticket,
			    GArray **out, char **cause);

	/*
	 * The deadline queue. timer_set() makes the ticket's unfired
	 * timers exactly want[n]; a fired one fires again only when want
	 * names it with another basis. timer_clear() forgets every timer
	 * of the ticket, fired or not.
	 */
	int		 (*timer_set)(struct store *, gint64 ticket,
			    const struct store_timer *want, guint n,
			    char **cause);
	int		 (*timer_clear)(struct store *, gint64 ticket,
			    char **cause);
	/* Unfired timers due at or before now, soonest first, at most limit. */
	int		 (*timer_due)(struct store *, gint64 now, guint limit,
			    GArray **out, char **cause);
	int		 (*timer_fired)(struct store *, gint64 ticket,
			    const char *kind, char **cause);
	/* Put an unfired timer off until due, after it failed. */
	int		 (*timer_retry)(struct store *, gint64 ticket,
			    const char *kind, gint64 due, char **cause);
	/* The soonest unfired timer: 1 and *due, 0 when none, -1. */
	int		 (*timer_next)(struct store *, gint64 *due, char **cause);

	/*
	 * What reports read, row by row: each(row, arg) for every ticket
	 * of queue (NULL: any) created before to, its messages counted
	 * when it was created at or after from (else 0); every wait
	 * answered in [from, to); every tag of a ticket created before to.
	 * The row's strings live until each returns.
	 */
	int		 (*report_tickets)(struct store *, gint64 from, gint64 to,
			    const char *queue,
			    void (*each)(const struct store_report_ticket *,
			    gpointer), gpointer arg, char **cause);
	int		 (*report_waits)(struct store *, gint64 from, gint64 to,
			    const char *queue,
			    void (*each)(const struct store_report_ticket *,
			    const struct store_sla_wait *, gpointer),
			    gpointer arg, char **cause);
	int		 (*report_tags)(struct store *, gint64 to,
			    void (*each)(gint64 ticket, const char *tag,
			    gpointer), gpointer arg, char **cause);

	/*
	 * A ticket's satisfaction survey and rating (struct store_csat):
	 * 1 and *out, or 0 and *out zeroed; csat_put() writes it whole.
	 * csat_by_msgid(): 1 and *ticket when msgid is a survey's.
	 */
	int		 (*csat_get)(struct store *, gint64 ticket,
			    struct store_csat *out, char **cause);
	int		 (*csat_put)(struct store *, gint64 ticket,
			    const struct store_csat *, char **cause);
	int		 (*csat_by_msgid)(struct store *, const char *msgid,
			    gint64 *ticket, char **cause);

	/*
	 * The gauges of the metrics endpoint (struct store_stats), part by
	 * part, each one read added to out->read. SLA at risk: tickets not
	 * closed with an unfired breach timer due by at_risk, or whose
	 * warning fired and breach has not. A part that fails, or that
	 * would go on past timeout_ms (waiting for a lock included), ends
	 * it: -1 and *cause, out keeping the parts read before.
	 */
	int		 (*stats)(struct store *, gint64 at_risk,
			    guint timeout_ms, struct store_stats *out,
			    char **cause);
	/*
	 * Full-text search: the messages holding every term, best first
	 * (search_rank(), then the newest) among the newest q->ranked
	 * matches in the index and the newest q->tail messages past it,
	 * at most q->limit, as struct store_hit in *hits; *note says
	 * what was left unread.
	 */
	int		 (*search)(struct store *, const struct store_search *q,
			    GPtrArray **hits, struct store_search_note *note,
			    char **cause);
	/*
	 * Index messages not yet in the full-text index, oldest first,
	 * in the caller's transaction: at most max, fewer once their
	 * subjects and bodies reach max_bytes (0: no bound; one message
	 * at least); *indexed: how many.
	 * Messages are indexed apart from the transaction that stores
	 * them, so that mail is not slowed by it (indexer.c).
	 */
	int		 (*search_index)(struct store *, guint max,
			    gsize max_bytes, guint *indexed, char **cause);
	/*
	 * The newest message in the index (*mark; everything up to it is)
	 * and the newest message (*last); 0 for none.
	 */
	int		 (*search_backlog)(struct store *, gint64 *mark,
			    gint64 *last, char **cause);
};

struct store {
	const struct store_ops	*ops;
};

/*
 * What a ticket's service level came to, recorded when it happens and
 * never recomputed: a report run twice gives the same numbers, and a
 * changed policy changes no fact already recorded. Times are unix
 * seconds; durations are wall-clock seconds and business seconds (over
 * the queue's hours and holidays). A met field is 1, 0, or -1 when no
 * policy set that target; a breach sets it to 0 before the answer or
 * resolution comes.
 */
struct store_sla {
	char		*policy;		/* the [sla] of the last fact */
	gint64		 first_response_at;	/* 0: no agent reply yet */
	gint64		 first_response_wall;
	gint64		 first_response_business;
	int		 first_response_met;
	gint64		 resolved_at;		/* the last time; 0: never */
	gint64		 resolution_wall;	/* pending time not counted */
	gint64		 resolution_business;
	int		 resolution_met;
	guint		 reopens;		/* resolved or closed, then open */
	gint64		 reopened_at;		/* the last time; 0: never */
	guint		 agent_replies;		/* public ones */
	gint64		 waiting_since;		/* a customer mail, unanswered */
	gint64		 paused_since;		/* pending, resolved or closed since; 0 */
	gint64		 paused_wall;		/* pending, resolved or closed, all told */
	gint64		 paused_business;
};

void		 store_sla_clear(struct store_sla *);

/* One wait of a customer for an agent's answer, after the first. */
struct store_sla_wait {
	gint64		 since;		/* the customer's mail */
	gint64		 answered_at;	/* the agent's reply */
	gint64		 wall;
	gint64		 business;
	int		 met;		/* next_response: 1, 0, -1: none */
};

/*
 * Something that comes due on a ticket: an SLA warning or breach, or a
 * timed status change. kind names it ("first_response.warn",
 * "pending_resolve"); basis is when its clock started, so a timer that
 * fired fires again only on a new clock (a new customer mail, a new
 * pending spell).
 */
struct store_timer {
	gint64		 ticket_id;
	char		*kind;
	gint64		 due;
	gint64		 basis;
};

void		 store_timer_clear(gpointer);	/* a struct store_timer * */

/* A ticket as reports read it; for a wait, only its first six fields. */
struct store_report_ticket {
	gint64		 id;
	const char	*queue;
	const char	*priority;
	const char	*assignee;	/* NULL: none */
	const char	*status;
	gint64		 created_at;
	guint		 messages;
	struct store_sla sla;		/* policy: NULL */
	int		 csat_rating;	/* 0: none */
	gint64		 csat_rated_at;
	const char	*csat_comment;	/* or NULL */
};

/* The survey a ticket's customer was sent, and the last rating. */
struct store_csat {
	gint64		 survey_at;	/* 0: none sent */
	char		*survey_msgid;
	int		 rating;	/* 1 to 5; 0: none yet */
	char		*comment;	/* or NULL */
	gint64		 rated_at;
};

void		 store_csat_clear(struct store_csat *);

/* A count of tickets by status (NULL in at_risk) and queue. */
struct store_stats_count {
	char		*status;
	char		*queue;
	gint64		 count;
};

enum {
	STORE_STATS_TICKETS	= 1 << 0,
	STORE_STATS_OUTBOX	= 1 << 1,
	STORE_STATS_SLA		= 1 << 2,
};

/* What stats() read; set it to zero first, free with store_stats_clear(). */
struct store_stats {
	int		 read;		/* STORE_STATS_* parts read */
	GPtrArray	*tickets;	/* store_stats_count: not closed */
	struct store_outbox_summary outbox;	/* failed_since: unset */
	GPtrArray	*at_risk;	/* store_stats_count, by queue */
};

void		 store_stats_clear(struct store_stats *);
void		 store_stats_count_free(gpointer);	/* store_stats_count */

/* requester_facts() counts open tickets up to this many. */
#define STORE_FACTS_OPEN_MAX	100

extern const struct store_ops store_sqlite_ops;
extern const struct store_ops store_pg_ops;

/*
 * The backend of database: a URI (scheme://...) goes to the backend
 * whose match() takes it, anything else to SQLite. NULL and *cause
 * when no backend built in takes it.
 */
const struct store_ops *store_backend(const char *database, char **cause);

/* The length of database's URI scheme ("postgresql"); 0: not a URI. */
gsize		 store_uri_scheme(const char *database);

/*
 * The local file that database is, or NULL when it lives on a server
 * (or no backend takes it). Not a copy: it is database itself.
 */
const char	*store_local_path(const char *database);

/*
 * database as messages may show it: a URI without its password. Free
 * with g_free.
 */
char		*store_database_name(const char *database);

/* Open the store of database. NULL and *cause on failure. */
struct store	*store_open(const char *database, char **cause);
void		 store_close(struct store *);

/*
 * The HMAC key for our Message-IDs: read from the store, or made from
 * random bytes and saved on first use. -1 and *cause on failure.
 */
int		 store_thread_key(struct store *, guint8 *key, gsize len,
		    char **cause);

/*
 * Every key our Message-IDs have been signed with, newest first: current
 * (len octets), then the earlier ones kept in the store, which is
 * updated when current is new to it. *keys is a new GBytes of len-octet
 * keys. -1 and *cause on failure.
 */
int		 store_msgid_keys(struct store *, const guint8 *current,
		    gsize len, GBytes **keys, char **cause);

void		 store_ticket_free(struct store_ticket *);
void		 store_message_free(struct store_message *);
void		 store_event_free(struct store_event *);
void		 store_delivery_free(struct store_delivery *);
void		 store_referrer_free(struct store_referrer *);
void		 store_outbox_free(struct store_outbox *);
void		 store_notify_free(struct store_notify *);
void		 store_hit_free(struct store_hit *);

/* Unix seconds, UTC, as "2026-11-23T01:27:58Z". Free with g_free. */
char		*store_time_iso(gint64 t);

#endif
