/*
 * lifecycle: what happens to a ticket after it opens.
 *
 * Statuses: new (nobody answered yet), open (the customer waits),
 * pending (we wait for the customer), resolved, closed. An agent's
 * public reply sets pending unless the agent said otherwise; a
 * customer's mail on a pending or resolved ticket opens it again; a
 * resolved ticket closes after close_after. A ticket has at most one
 * assignee; the first agent to answer an unassigned ticket becomes it.
 *
 * Everything an agent does by mail, and an admin with ticketctl, is one
 * struct lifecycle_action, applied in the caller's open transaction:
 * every change is an event that names who caused it, by which path and
 * why, and the mail it causes (to the customer, to other agents) goes
 * into the outbox in the same transaction.
 */
#ifndef LIFECYCLE_H
#define LIFECYCLE_H

#include <glib.h>

#include "sla.h"

struct conf;
struct mail;
struct store;

/* What one agent, or an admin, does to one ticket. */
struct lifecycle_action {
	gint64			 ticket_id;
	const char		*agent;		/* who: an agent, or NULL */
	const char		*via;		/* "mail", "ticketctl" */
	GPtrArray		*commands;	/* struct agent_command *, or NULL */
	const char		*text;		/* the words, or NULL */
	int			 note;		/* internal: never to the customer */
	int			 stored_only;	/* keep the mail, do nothing else */
	GPtrArray		*attachments;	/* struct mail_attachment *, or NULL */
	/* The agent's mail, stored on the ticket; NULL from ticketctl. */
	const struct mail	*mail;
	const char		*source;
	const char		*dedupe_key;
	GPtrArray		*deliveries;
	gint64			 now;
};

/*
 * Apply the action: store the agent's mail (or the note), queue the
 * reply to the customer, carry out the commands, and notify. -1 and
 * *cause when the ticket does not exist, the agent may not act on it,
 * or the store fails (the caller rolls back).
 */
int	 lifecycle_act(struct store *, const struct conf *,
	    const struct lifecycle_action *, char **cause);

/*
 * Does text say anything (more than white space)? Only such words make
 * a reply to the customer, or a note.
 */
int	 lifecycle_has_words(const char *text);

/*
 * A customer's mail (stored as row message; text: their new words)
 * joined ticket id: open it again when it was pending or resolved, and
 * tell the agents.
 */
int	 lifecycle_customer_mail(struct store *, const struct conf *, gint64 id,
	    const struct mail *, gint64 message, const char *text, gint64 now,
	    char **cause);

/* A customer's mail (row message) opened ticket id: tell the agents. */
int	 lifecycle_new_ticket(struct store *, const struct conf *, gint64 id,
	    gint64 message, const char *text, gint64 now, char **cause);

/*
 * Set the status of ticket id, as who (an agent, or NULL) via a path,
 * with an event saying why, and its SLA facts by conf's policies.
 * Setting the status it has is no change.
 */
int	 lifecycle_set_status(struct store *, const struct conf *, gint64 id,
	    const char *status, const char *who, const char *via,
	    const char *why, gint64 now, char **cause);

/*
 * Apply what the rules decided (rules.h) to ticket id, which mail m
 * (from return_path) just opened or joined, in the open transaction.
 * Each action of each rule that fired is an event of type "rule" whose
 * detail is exactly "rule NAME (FILE:LINE): KEY = VALUE" (ticketctl why
 * reads these), and the change it makes carries the usual event too. An
 * action that cannot apply to this ticket (an agent who does not work
 * in its queue, a canned reply to mail no automatic reply may answer)
 * is skipped with a "rule_skipped" event, never an error: -1 and *cause
 * only on a store or template error.
 */
struct rules_result;
int	 lifecycle_rules(struct store *, const struct conf *, gint64 id,
	    const struct rules_result *, const struct mail *m,
	    const char *return_path, gint64 now, char **cause);

/* The canned reply that reminds the customer of a pending ticket. */
#define LIFECYCLE_REMIND_TEMPLATE	"pending-remind"

/*
 * The deadlines that run on ticket t with SLA facts f under conf: the
 * policy that applies, or NULL (and no deadline) when none does, and
 * due[k] and warn_at[k] as sla_deadlines() gives them.
 */
struct conf_sla;
struct store_sla;
struct store_ticket;
struct store_timer;
const struct conf_sla *lifecycle_deadlines(const struct conf *,
	    const struct store_ticket *t, const struct store_sla *f,
	    gint64 due[SLA_KINDS], gint64 warn_at[SLA_KINDS]);

/*
 * Fire timer tm at now, in the open transaction: an SLA warning or
 * breach (its event, the agents' notification and, at a breach, the
 * breached tag), the reminder of a pending ticket, or a timed status
 * change; then the ticket's timers are worked out again and tm is
 * marked fired, all in the same transaction, so it fires once. When
 * the ticket no longer stands as tm assumed (a reload changed its
 * policy), tm is only put where it now belongs and *fired is 0. -1 and
 * *cause on a store or template error: the caller undoes it all.
 */
int	 lifecycle_timer_fire(struct store *, const struct conf *,
	    const struct store_timer *tm, gint64 now, int *fired,
	    char **cause);

/*
 * Ticket id was rated (1 to 5; was: the rating before, 0 for none), in
 * the open transaction: a low one (2 or less) tags it csat-low, and its
 * assignee, or the queue's agents, hear of it with text; a better one
 * takes the tag off. -1 and *cause on a store error.
 */
#define LIFECYCLE_CSAT_LOW	2
#define LIFECYCLE_CSAT_LOW_TAG	"csat-low"
int	 lifecycle_rated(struct store *, const struct conf *, gint64 id,
	    int rating, int was, const char *text, gint64 now, char **cause);

/*
 * Work out again the timers of up to limit tickets that are not closed,
 * those above *after by id; *after becomes the last one seen and *done
 * counts them. At start and after a reload: the conf may have changed.
 */
int	 lifecycle_timers_rebuild(struct store *, const struct conf *,
	    gint64 *after, guint limit, guint *done, char **cause);

#endif
