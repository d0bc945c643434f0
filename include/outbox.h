/*
 * outbox: the sender. One thread reads due mail from the store's outbox
 * and hands it to SMTP; it is the only way mail leaves ticketd.
 *
 * Due rows are claimed before they are sent, so that no other process
 * sends them too. A mail the server accepted is marked sent in a
 * synchronous commit, grouped with the other results of its batch (32
 * mails, or what a fifth of a second saw), before more rows are claimed;
 * rows a crashed ticketd left claimed are queued again when the next
 * one starts. 4xx and connection failures are retried with exponential
 * backoff (retry_min, doubling, capped at retry_max) until
 * queue_lifetime; 5xx fails for good. Both failures are written to the
 * ticket's event log. Mail queued by other processes (ticketctl,
 * ticketd deliver) is found by polling once a second.
 */
#ifndef OUTBOX_H
#define OUTBOX_H

#include <glib.h>

struct conf;
struct outbox;

/*
 * Start the sender thread on its own store handle, after queueing again
 * the rows that ended processes left claimed. Only for the holder of
 * the database lock (dblock.h): it alone may judge those processes gone.
 */
struct outbox	*outbox_start(struct conf *, char **cause);
/* Something was queued: look now. Safe from any thread. */
void		 outbox_wake(gpointer outbox);
/* Use conf from the next mail on (SMTP settings, limits). */
void		 outbox_reload(struct outbox *, struct conf *);
/* Finish the mail under way, stop the thread, close the store. */
void		 outbox_stop(struct outbox *);

/* The delay before retry number attempts (1 = the first retry). */
guint		 outbox_backoff(const struct conf *, guint attempts);

#endif
