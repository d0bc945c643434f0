/*
 * timer: the deadline queue (see timer.h), after OpenSMTPD's runq.
 *
 * The queue itself is the store's timers table, written by lifecycle.c
 * in the transaction that changes a ticket, so it needs no rebuilding
 * from memory after a crash. This thread reads the soonest deadline on
 * a handle of its own and sleeps until then, or for TIMER_POLL at most,
 * as the outbox does: ticketctl, another process, may set a sooner one.
 * The firing is a writer task, so it is serialised with mail, and each
 * timer fires in a savepoint of its own: one that fails is put off and
 * holds up no other.
 */
#include "conf.h"
#include "ingest.h"
#include "lifecycle.h"
#include "log.h"
#include "notify.h"
#include "store.h"
#include "timer.h"

#define TIMER_POLL	1	/* seconds: timers set by other processes */
#define TIMER_BATCH	64	/* timers fired per writer task */
#define TIMER_REBUILD	500	/* tickets worked out again per writer task */
#define TIMER_RETRY	60	/* seconds before a failed timer fires again */
#define TIMER_BACKOFF	5	/* seconds after a task that was rolled back */
#define TIMER_FLUSH	60	/* seconds: notifications ticketctl left kept */

struct timer {
	struct ingest	*ingest;
	struct store	*reader;	/* the thread's: reads the soonest */
	GThread		*thread;
	GMutex		 lock;		/* over what follows */
	GCond		 cond;
	struct conf	*conf;
	int		 stopping;
	int		 woken;
	int		 busy;		/* a task of ours is queued or running */
	int		 failed;	/* ... and it was rolled back */
	int		 rebuild;	/* tickets' timers to work out again */
	guint		 generation;	/* ... for the conf of this reload */
	gint64		 rebuild_after;	/* ... above this ticket id */
	guint		 rebuilt;
	gint64		 rebuild_started;
	gint64		 flushed;	/* monotonic: the last fire task */
};

/* One writer task of ours. */
struct timer_task {
	struct timer	*t;
	struct conf	*conf;
	int		 rebuilding;
	guint		 generation;
	gint64		 after;		/* the rebuild's last ticket */
	guint		 done;		/* tickets it worked out */
	int		 ok;		/* it ran and committed */
};

static int
timer_fire_one(struct store *st, const struct conf *conf,
    const struct store_timer *tm, gint64 now, char **cause)
{
	char	*why = NULL;
	int	 fired;

	if (st->ops->savepoint(st, cause) != 0)
		return -1;
	if (lifecycle_timer_fire(st, conf, tm, now, &fired, &why) == 0) {
		if (fired)
			log_info("ticket %" G_GINT64_FORMAT ": %s fired",
			    tm->ticket_id, tm->kind);
		return st->ops->release(st, cause);
	}
	st->ops->rollback_savepoint(st);
	log_warn("ticket %" G_GINT64_FORMAT ": %s failed, trying again in "
	    "%ds: %s", tm->ticket_id, tm->kind, TIMER_RETRY,
	    why ? why : "unknown error");
	g_free(why);
	return st->ops->timer_retry(st, tm->ticket_id, tm->kind,
	    now + TIMER_RETRY, cause);
}

/* On the writer: fire what is due, and make the agents' mail it kept. */
static int
timer_fire_task(struct store *st, gpointer arg, int *queued, char **cause)
{
	struct timer_task	*tt = arg;
	gint64			 now = g_get_real_time() / G_USEC_PER_SEC;
	GArray			*due;
	guint			 made = 0;
	int			 rc = 0;

	if (st->ops->timer_due(st, now, TIMER_BATCH, &due, cause) != 0)
		return -1;
	for (guint i = 0; i < due->len && rc == 0; i++)
		rc = timer_fire_one(st, tt->conf, &g_array_index(due,
		    struct store_timer, i), now, cause);
	if (rc == 0)
		rc = notify_flush(st, tt->conf, &made, cause);
	/* A reminder goes straight to the outbox. */
	*queued = due->len > 0 || made > 0;
	g_array_free(due, TRUE);
	tt->ok = rc == 0;
	return rc;
}

static int
timer_rebuild_task(struct store *st, gpointer arg, int *queued,
    char **cause)
{
	struct timer_task	*tt = arg;
	guint			 made = 0;

	/* First, what a crash left kept: the agents' notifications. */
	tt->ok = (tt->after != 0 || notify_flush(st, tt->conf, &made,
	    cause) == 0) && lifecycle_timers_rebuild(st, tt->conf, &tt->after,
	    TIMER_REBUILD, &tt->done, cause) == 0;
	*queued = made > 0;
	return tt->ok ? 0 : -1;
}

/* A rebuild chunk of the current conf is done: on to the next, or stop. */
static void
timer_rebuilt(struct timer *t, const struct timer_task *tt)
{
	if (tt->generation != t->generation || !tt->ok)
		return;
	t->rebuild_after = tt->after;
	t->rebuilt += tt->done;
	if (tt->done < TIMER_REBUILD) {
		t->rebuild = 0;
		log_info("timers: worked out for %u ticket%s in %.1fs",
		    t->rebuilt, t->rebuilt == 1 ? "" : "s",
		    (g_get_monotonic_time() - t->rebuild_started) /
		    (double)G_USEC_PER_SEC);
	}
}

/* On the writer, after the commit or rollback (or at ingest_stop()). */
static void
timer_task_done(gpointer arg, int committed)
{
	struct timer_task	*tt = arg;
	struct timer		*t = tt->t;

	tt->ok = tt->ok && committed;
	g_mutex_lock(&t->lock);
	t->busy = 0;
	t->failed = !tt->ok;
	if (tt->rebuilding)
		timer_rebuilt(t, tt);
	g_cond_signal(&t->cond);
	g_mutex_unlock(&t->lock);
	conf_unref(tt->conf);
	g_free(tt);
}

static void
timer_submit(struct timer *t, ingest_task_fn fn)
{
	struct timer_task	*tt = g_new0(struct timer_task, 1);

	tt->t = t;
	tt->conf = conf_ref(t->conf);
	tt->rebuilding = fn == timer_rebuild_task;
	tt->generation = t->generation;
	tt->after = t->rebuild_after;
	t->busy = 1;
	if (fn == timer_fire_task)
		t->flushed = g_get_monotonic_time();
	ingest_task_then(t->ingest, fn, tt, timer_task_done);
}

/* Under the lock: sleep for us at most, or until woken. */
static void
timer_sleep(struct timer *t, gint64 us)
{
	gint64	 end = g_get_monotonic_time() + us;

	while (!t->stopping && !t->woken)
		if (!g_cond_wait_until(&t->cond, &t->lock, end))
			break;
	t->woken = 0;
}

/*
 * Fire what is due: 1 when a task went. Also every TIMER_FLUSH, for the
 * notifications another process kept. *next: the soonest, or 0.
 */
static int
timer_fire_due(struct timer *t, gint64 *next)
{
	gint64	 due = 0;
	char	*cause = NULL;
	int	 found;

	*next = 0;
	g_mutex_unlock(&t->lock);
	found = t->reader->ops->timer_next(t->reader, &due, &cause);
	g_mutex_lock(&t->lock);
	if (found < 0) {
		log_warn("timers: %s", cause);
		g_free(cause);
		t->failed = 1;
		return 0;
	}
	if ((found == 1 && due * G_USEC_PER_SEC <= g_get_real_time()) ||
	    g_get_monotonic_time() - t->flushed >= TIMER_FLUSH * G_USEC_PER_SEC) {
		timer_submit(t, timer_fire_task);
		return 1;
	}
	*next = found == 1 ? due : 0;
	return 0;
}

/* Sleep until the soonest timer, or TIMER_POLL at most. */
static void
timer_wait(struct timer *t, gint64 next)
{
	gint64	 wait = TIMER_POLL * G_USEC_PER_SEC;

	if (next != 0)
		wait = MIN(wait, next * G_USEC_PER_SEC - g_get_real_time());
	timer_sleep(t, wait);
}

static gpointer
timer_thread(gpointer arg)
{
	struct timer	*t = arg;

	gint64		 next;

	g_mutex_lock(&t->lock);
	while (!t->stopping) {
		if (t->busy)
			g_cond_wait(&t->cond, &t->lock);
		else if (t->failed) {
			t->failed = 0;
			timer_sleep(t, TIMER_BACKOFF * G_USEC_PER_SEC);
		} else if (timer_fire_due(t, &next) || t->failed)
			continue;
		/* A rebuild goes a chunk at a time, what is due in between. */
		else if (t->rebuild)
			timer_submit(t, timer_rebuild_task);
		else
			timer_wait(t, next);
	}
	g_mutex_unlock(&t->lock);
	return NULL;
}

/* Under the lock: every ticket's timers, again, for t->conf. */
static void
timer_rebuild_all(struct timer *t)
{
	t->rebuild = 1;
	t->generation++;
	t->rebuild_after = 0;
	t->rebuilt = 0;
	t->rebuild_started = g_get_monotonic_time();
}

struct timer *
timer_start(struct conf *conf, struct ingest *ingest, char **cause)
{
	struct timer	*t = g_new0(struct timer, 1);

	if ((t->reader = store_open(conf->database, cause)) == NULL) {
		g_free(t);
		return NULL;
	}
	t->ingest = ingest;
	t->conf = conf_ref(conf);
	g_mutex_init(&t->lock);
	g_cond_init(&t->cond);
	timer_rebuild_all(t);
	t->thread = g_thread_new("timer", timer_thread, t);
	return t;
}

void
timer_reload(struct timer *t, struct conf *conf)
{
	g_mutex_lock(&t->lock);
	conf_unref(t->conf);
	t->conf = conf_ref(conf);
	timer_rebuild_all(t);
	t->woken = 1;
	g_cond_signal(&t->cond);
	g_mutex_unlock(&t->lock);
}

void
timer_stop(struct timer *t)
{
	if (t == NULL || t->thread == NULL)
		return;
	g_mutex_lock(&t->lock);
	t->stopping = 1;
	g_cond_signal(&t->cond);
	g_mutex_unlock(&t->lock);
	g_thread_join(t->thread);
	t->thread = NULL;
}

void
timer_free(struct timer *t)
{
	if (t == NULL)
		return;
	timer_stop(t);
	store_close(t->reader);
	conf_unref(t->conf);
	g_mutex_clear(&t->lock);
	g_cond_clear(&t->cond);
	g_free(t);
}
