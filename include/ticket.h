/*
 * ticket: the ticket policy for incoming mail. It decides whether a
 * mail is one already stored, which ticket it joins, or that it opens
 * one; then it records the mail, its deliveries, the ticket's
 * participants and the events that explain the decision.
 *
 * Identity is earned: a mail joins a ticket through one of our own
 * signed Message-IDs, or through a stored mail it cites (In-Reply-To,
 * References) or a subject tag only when its sender is a participant of
 * that ticket. A mail also joins the ticket of a stored mail that cites
 * it, when that mail's sender is on this one's From, To or Cc: a reply
 * that arrived before its original. So the outcome does not depend on
 * the order in which a thread's mails arrive.
 *
 * Everything here runs on the writer thread inside the mail's savepoint,
 * except ticket_dedupe_key(), which is pure and runs in the parse pool.
 */
#ifndef TICKET_H
#define TICKET_H

#include <glib.h>

#include "csat.h"

#include "thread.h"

struct conf;
struct dsn;
struct mail;
struct rules_matches;
struct store;

/* One incoming mail, as the pipeline hands it over. */
struct ticket_mail {
	const struct mail	*mail;
	const char		*dedupe_key;	/* from ticket_dedupe_key() */
	const char		*source;	/* lmtp, pipe, imap */
	const char		*return_path;	/* "" for the null sender */
	const char		*queue;		/* where a new ticket goes */
	GPtrArray		*deliveries;	/* struct store_delivery *, >= 1 */
	gint64			 received_at;
	int			 no_ack;	/* archive import */
	const char		*attention;	/* flag the ticket, and why; or NULL */
	const struct dsn	*dsn;		/* a bounce, or NULL */
	const struct conf	*conf;
	/*
	 * The rules' conditions, matched in the parse pool (rules.h), or
	 * NULL when the conf has no rules or the facts could not be read
	 * (then rules_error says why). A new ticket or a customer's
	 * follow-up gets their actions; agents' mail, bounces and
	 * duplicates get none.
	 */
	const struct rules_matches *rules;
	const char		*rules_error;
};

enum ticket_outcome {
	TICKET_DUPLICATE,	/* stored before: only new deliveries are kept */
	TICKET_FOLLOW_UP,	/* joined an existing ticket */
	TICKET_NEW,		/* opened a ticket */
	TICKET_AGENT,		/* an agent's mail, acted on (agent.h) */
};

/* What ticket_decide() found. Free its strings with ticket_decision_clear(). */
struct ticket_decision {
	enum ticket_outcome	 outcome;
	gint64			 ticket_id;	/* joined, or the duplicate's */
	gint64			 message_id;	/* DUPLICATE: the stored mail */
	const char		*how;		/* FOLLOW_UP: what matched */
	char			*ref;		/* FOLLOW_UP: the Message-ID, or NULL */
	char			*sender;	/* lower case, "" when none */
	gint64			 refused_ticket; /* a ticket it cites but may not join */
	char			*refused_why;	/* for the events on both tickets */
	gint64			 foreign_tag;	/* a tagged ticket it may not join */
	int			 bounce;	/* FOLLOW_UP: a DSN of our mail */
	GArray			*related;	/* gint64: other tickets of replies
						   to it that came first, or NULL */
	gint64			 closed;	/* NEW: the closed ticket it
						   answers, linked to the new one */
	int			 agent;		/* enum agent_verdict */
	const struct conf_agent	*agent_who;	/* AGENT, or the COPY's */
	char			*agent_why;	/* why a claim was refused */
	char			*agent_queue;	/* AGENT: the ticket's queue */
	struct csat_rating	 csat;		/* FOLLOW_UP: a rating, when
						   csat.rating is set */
};

struct ticket_result {
	enum ticket_outcome	 outcome;
	gint64			 ticket_id;
	int			 queued_mail;	/* put something in the outbox */
	int			 notified;	/* kept notifications (notify.h) */
};

/*
 * The dedupe key of a mail: its Message-ID with the originator's own
 * fields (From address, Date), never transport headers; without a
 * Message-ID, a digest of the mail without its trace headers and with
 * LF line ends. A partial mail (headers only) gets a key of its own.
 * Free with g_free.
 */
char	*ticket_dedupe_key(const struct mail *, int partial);

/* Decide where the mail goes, writing nothing. -1 and *cause on error. */
int	 ticket_decide(struct store *, const struct ticket_mail *,
	    struct ticket_decision *, char **cause);
void	 ticket_decision_clear(struct ticket_decision *);

/*
 * Decide, then record the mail in the open transaction: its message,
 * deliveries, participants, events and, for a new ticket, the
 * acknowledgement. -1 and *cause on error (the caller rolls back).
 */
int	 ticket_file(struct store *, const struct ticket_mail *,
	    struct ticket_result *, char **cause);

#endif
