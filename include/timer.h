/*
 * timer: the deadline queue. What comes due on tickets (SLA warnings
 * and breaches, reminders, timed status changes) is kept in the store
 * by lifecycle.c, in the transaction of the change that set it; this
 * thread sleeps until the soonest of it and hands the firing to the
 * writer, so a deadline missed while ticketd was down fires at once on
 * start, and one that fired never fires again.
 */
#ifndef TIMER_H
#define TIMER_H

#include <glib.h>

struct conf;
struct ingest;

struct timer;

/*
 * Start on conf's database, firing through ingest's writer. Every
 * ticket's timers are worked out again first, in the background, since
 * the conf may have changed while ticketd was down. NULL and *cause
 * when the store cannot be opened.
 */
struct timer	*timer_start(struct conf *, struct ingest *, char **cause);
/* A new conf: its policies and durations apply to every ticket's timers. */
void		 timer_reload(struct timer *, struct conf *);
/* Stop the thread; what is due stays in the store. Before ingest_stop(). */
void		 timer_stop(struct timer *);
/* After ingest_stop(): no task of ours is left. */
void		 timer_free(struct timer *);

#endif
