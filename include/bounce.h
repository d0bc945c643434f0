/*
 * bounce: what a delivery status notification about mail we sent does
 * to the store, inside the writer's transaction, and how a hard bounce
 * holds back later automatic mail.
 *
 * A DSN is about our mail when the Message-ID of the mail it returns is
 * one we signed for a ticket that exists (decided in ticket.c). Then the
 * DSN belongs to that ticket: its outbox row becomes "failed" (or
 * "delayed", which is not a failure) with the status and diagnostic in
 * last_error, the ticket gets a "bounced" event, and a 5.x.x status
 * holds automatic mail to that address for [autoreply] bounce_suppress.
 * A report of success only adds a "delivered" event.
 * A DSN of other mail is left to the usual ticket policy.
 */
#ifndef BOUNCE_H
#define BOUNCE_H

#include <glib.h>

struct conf;
struct dsn;
struct store;

/*
 * Apply a DSN about our mail of ticket (the policy in ticket.c checked
 * the signed Message-ID it returns), received at received_at: update
 * its outbox row, hold the address on a hard bounce, add the event.
 * 0, or -1 and *cause on a store error.
 */
int	 bounce_apply(struct store *, const struct conf *, const struct dsn *,
	    gint64 ticket, gint64 received_at, char **cause);

/*
 * Is automatic mail to address held back at now by a hard bounce? 1 and
 * *why (g_free) when it is, 0 when not, -1 and *cause.
 */
int	 bounce_held(struct store *, const struct conf *, const char *address,
	    gint64 now, char **why, char **cause);

#endif
