/*
 * reply: the mail ticketd writes, acknowledgements and canned replies.
 *
 * Both are rendered from the admin's templates, built with gmime and
 * written to the outbox inside the caller's transaction, together with
 * the event that caused them and an outgoing message on the ticket, so
 * a crash can lose neither. Nothing here talks to the network.
 *
 * Loop protection (RFC 3834 and more) decides whether an automatic reply
 * may go out at all; every suppression is recorded on the ticket.
 */
#ifndef REPLY_H
#define REPLY_H

#include <glib.h>

struct conf;
struct conf_queue;
struct mail;
struct store;
struct store_ticket;
struct template_vars;

/*
 * One mail ticketd writes about a ticket, to its customers or to an
 * agent. Unset fields take the ticket's defaults, as noted.
 */
struct reply_mail {
	const char		*kind;		/* ack, reply, agent_reply,
						   notify, agent_error */
	const struct store_ticket *ticket;
	const struct conf_queue	*queue;
	const struct mail	*parent;	/* the mail answered, or NULL */
	const char		*template;	/* NULL: subject and text */
	const char		*lang;		/* template language, or NULL */
	const struct template_vars *vars;	/* values over the ticket's */
	const char		*preface;	/* a line above the body, or NULL */
	const char		*subject;	/* without template */
	const char		*text;		/* without template */
	const char		*from_name;	/* NULL: the queue's name */
	const char		*to_name;	/* with to_addr; NULL: */
	const char		*to_addr;	/*   the requester */
	GPtrArray		*cc;		/* char *: more recipients */
	const char		*reply_to;	/* or NULL */
	const char		*agent;		/* bind the Message-ID to */
	const char		*author;	/* agent who wrote it, or NULL */
	GPtrArray		*attachments;	/* struct mail_attachment * */
	const char		*envelope_from;	/* NULL: the From address */
	int			 automatic;	/* Auto-Submitted: not "no" */
	int			 on_ticket;	/* also an "out" message */
	gint64			 received_at;	/* what {{received}} shows */
	gint64			 now;
	char			**sent_msgid;	/* set to its Message-ID
						   (g_free), or NULL */
};

/* What caused an acknowledgement: a mail that opened a new ticket. */
struct reply_trigger {
	gint64			 ticket_id;
	const struct mail	*mail;
	const char		*return_path;	/* "" for the null sender */
	const char		*queue;
	gint64			 received_at;
	const char		*why_not;	/* known reason for none, or NULL */
};

/*
 * Why the mail's headers say a machine wrote it, or would not want an
 * automatic answer (Auto-Submitted, Precedence, a report, a list, our
 * loop marker), or NULL. A static string.
 */
const char	*reply_automatic(const struct mail *);

/*
 * Why no automatic reply may answer this mail, or NULL when one may.
 * The string is static or owned by the mail.
 */
const char	*reply_suppress_reason(const struct conf *, const struct mail *,
		    const char *return_path);

/*
 * Queue the acknowledgement for a new ticket, or record why not. Sets
 * *queued to 1 when a mail went into the outbox. -1 and *cause on a
 * store error (the caller's transaction must then be undone).
 */
int		 reply_ack(struct store *, const struct conf *,
		    const struct reply_trigger *, int *queued, char **cause);

/*
 * Render and build m, and put one outbox row per recipient into the
 * open transaction, with an event and, for on_ticket, the outgoing
 * message. -1 and *cause on a template or store error.
 */
int		 reply_send(struct store *, const struct conf *,
		    const struct reply_mail *m, char **cause);

/*
 * The newest mail of the ticket from its customers, parsed again from
 * its raw form, and when it came; NULL (and *cause NULL) when none.
 */
struct mail	*reply_last_incoming(struct store *, const struct conf *,
		    gint64 id, gint64 *received, char **cause);

/*
 * The queue a ticket belongs to; its first queue when the configuration
 * no longer has it.
 */
const struct conf_queue *reply_queue_of(const struct conf *,
		    const struct store_ticket *);

/*
 * Queue the canned reply name to ticket id's requester and record it on
 * the ticket, as written by agent author (NULL: by nobody in particular).
 * -1 and *cause when the ticket or template does not exist or the store
 * fails.
 */
int		 reply_canned(struct store *, const struct conf *, gint64 id,
		    const char *name, const char *author, gint64 now,
		    char **cause);

/*
 * The canned reply name that a rule sends in answer to a customer's mail
 * on ticket id: an automatic reply (Auto-Submitted: auto-replied, from
 * [autoreply] envelope_sender), so it counts against the [autoreply]
 * limits and is held back by them and by a recent hard bounce, as an
 * acknowledgement is. 1 when queued; 0 with *why (g_free) when held
 * back; -1 and *cause as for reply_canned().
 */
int		 reply_canned_auto(struct store *, const struct conf *,
		    gint64 id, const char *name, gint64 now, char **why,
		    char **cause);

/*
 * The same for any automatic mail of a template to the requester: of
 * kind (the outbox's), with vars over the ticket's, and *sent_msgid set
 * to its Message-ID when sent_msgid is not NULL.
 */
struct reply_auto {
	const char			*kind;
	const struct template_vars	*vars;
	char				**sent_msgid;
};
int		 reply_auto_send(struct store *, const struct conf *,
		    gint64 id, const char *name, const struct reply_auto *,
		    gint64 now, char **why, char **cause);

/*
 * Fill conf->msgid_keys, before the conf is shared: the key that signs
 * is the SHA-256 of secret_file when set, else one made once and kept
 * in the store; every key used before stays (in the store) and still
 * verifies, so replies to mail signed before a change of secret_file
 * keep finding their ticket.
 */
int		 reply_keys_load(struct conf *, struct store *, char **cause);

/* 1 and *id when msgid is one of ours, under any of conf's keys. */
int		 reply_msgid_verify(const struct conf *, const char *msgid,
		    gint64 *id);

#endif
