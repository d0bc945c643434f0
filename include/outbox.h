/*
 * outbox: the sender. One thread reads due mail from the store's outbox
 * and hands it to SMTP; it is the only way mail leaves ticketd.
 *
 * A mail the server accepted is marked sent at once, before the next one
 * is picked; 4xx and connection failures are retried with exponential
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

/* Start the sender thread on its own store handle. */
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
