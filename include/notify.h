/*
 * notify: telling agents what happened on a ticket, by mail.
 *
 * A notification goes through the outbox like every mail we write. Its
 * Reply-To carries a token bound to the ticket and to the agent it goes
 * to, and so does its Message-ID, so that the agent can answer it from
 * any mail client and be recognised (see agent.h). Its body starts with
 * a marker line above which the agent types.
 *
 * Who is told:
 * - a new ticket: the agents of its queue;
 * - a customer's mail: the assignee, or the queue's agents when none;
 * - a note or an assignment: the assignee and the other agents who
 *   wrote on the ticket.
 * Never the agent who acted, never an agent with notify = none, and
 * with notify = assigned only about their own tickets.
 */
#ifndef NOTIFY_H
#define NOTIFY_H

#include <glib.h>

struct conf;
struct mail;
struct store;
struct store_ticket;

/* The line in every notification above which the agent types. */
#define NOTIFY_MARKER	"##- Please type your reply above this line -##"

enum notify_kind {
	NOTIFY_NEW,		/* a customer opened the ticket */
	NOTIFY_REPLY,		/* a customer wrote again */
	NOTIFY_NOTE,		/* an agent added an internal note */
	NOTIFY_ASSIGN,		/* the ticket was assigned */
	NOTIFY_SLA_WARN,	/* an SLA target comes near */
	NOTIFY_SLA_BREACH,	/* an SLA target passed: escalate hears too */
	NOTIFY_CSAT_LOW,	/* the customer rated us 1 or 2 */
};

struct notify_event {
	enum notify_kind	 kind;
	const struct store_ticket *ticket;
	const char		*actor;		/* the agent who acted, or NULL */
	const char		*text;		/* the new words, or NULL */
	gint64			 message_id;	/* the mail it is about (row), or 0 */
	gint64			 now;
};

/*
 * Keep ev in the open transaction, to be made into notifications by
 * notify_flush() once it has committed: fifty agents' mail is rendered
 * after the mail that caused it has its 250. -1 and *cause on a store
 * error.
 */
int	 notify_agents(struct store *, const struct conf *,
	    const struct notify_event *ev, char **cause);

/*
 * Make the kept notifications, in the open transaction: an outbox row
 * and a "notified" event for each agent told (rate limits per agent and
 * ticket apply as for automatic replies), and the kept row goes. *queued
 * counts the outbox rows. -1 and *cause on a store or template error.
 */
int	 notify_flush(struct store *, const struct conf *, guint *queued,
	    char **cause);
/* The same in a transaction of its own, for ticketctl and pipe mode. */
int	 notify_flush_commit(struct store *, const struct conf *,
	    guint *queued, char **cause);

#endif
