/*
 * indexer: the full-text index follows the mail (see indexer.h).
 *
 * The thread looks, on a handle of its own, at how far the index is
 * behind the newest message, every INDEXER_POLL or at once after a
 * batch, and hands one batch at a time to the writer as a task, so that
 * mail is stored between batches. When and how much depends on the
 * mail: while it flows (new mail at every look) a short slice once every
 * INDEXER_LAG, under one per cent of the writer's time, so a burst of
 * mail is taken at full speed and indexed after; as soon as a look finds
 * no new mail, one batch after another, each short enough (about 50 ms)
 * that a mail arriving meanwhile hardly waits. Mail at an ordinary pace
 * is indexed within about a second. A batch is measured in octets of
 * text, as that is what indexing takes time by. Like the timers' queue,
 * it needs no state of its own: the mark is in the store, written with
 * the batch that moves it.
 */
#include "conf.h"
#include "indexer.h"
#include "ingest.h"
#include "log.h"
#include "store.h"

#define INDEXER_POLL	250	/* ms between looks for new mail */
#define INDEXER_BATCH	500	/* messages a task, at most */
/* Indexing takes about 0.1 us an octet of text: the time, in octets. */
#define INDEXER_SLICE	(512 * 1024)	/* a task, mail quiet: ~50 ms */
#define INDEXER_BUSY	(64 * 1024)	/* a task, mail flowing: ~7 ms */
#define INDEXER_LAG	1000	/* ms a flow of mail waits for a task */
#define INDEXER_BACKOFF	5000	/* ms after a task that failed */
#define INDEXER_LOUD	10000	/* a backlog worth a log line */

struct indexer {
	struct ingest	*ingest;
	struct store	*reader;	/* the thread's: reads the backlog */
	GThread		*thread;
	GMutex		 lock;		/* over what follows */
	GCond		 cond;
	int		 stopping;
	int		 busy;		/* a task of ours is queued or running */
	int		 failed;	/* ... and it was rolled back */
	gint64		 seen;		/* the newest message at the last look */
	gint64		 since;		/* monotonic: the index was caught up,
					   or a task ran */
	gint64		 run_started;	/* monotonic: a long run was logged */
	guint64		 run_done;	/* messages it indexed */
};

struct indexer_task {
	struct indexer	*x;
	gsize		 bytes;		/* of text to index, about */
	guint		 indexed;
	int		 ok;
};

/* On the writer. */
static int
indexer_task(struct store *st, gpointer arg, int *queued, char **cause)
{
	struct indexer_task	*it = arg;

	*queued = 0;
	it->ok = st->ops->search_index(st, INDEXER_BATCH, it->bytes,
	    &it->indexed, cause) == 0;
	return it->ok ? 0 : -1;
}

/* On the writer, after the commit or rollback (or at ingest_stop()). */
static void
indexer_task_done(gpointer arg, int committed)
{
	struct indexer_task	*it = arg;
	struct indexer		*x = it->x;

	g_mutex_lock(&x->lock);
	x->busy = 0;
	x->failed = !(it->ok && committed);
	if (!x->failed)
		x->run_done += it->indexed;
	g_cond_signal(&x->cond);
	g_mutex_unlock(&x->lock);
	g_free(it);
}

/* Under the lock: sleep for ms at most, or until stopped. */
static void
indexer_sleep(struct indexer *x, gint64 ms)
{
	gint64	 end = g_get_monotonic_time() + ms * 1000;

	while (!x->stopping)
		if (!g_cond_wait_until(&x->cond, &x->lock, end))
			break;
}

/* Under the lock: hand one batch to the writer and wait for it. */
static void
indexer_run(struct indexer *x, gsize bytes)
{
	struct indexer_task	*it = g_new0(struct indexer_task, 1);

	it->x = x;
	it->bytes = bytes;
	x->busy = 1;
	ingest_task_then(x->ingest, indexer_task, it, indexer_task_done);
	/* Stopping, it may stay queued: indexer_free() comes after. */
	while (x->busy && !x->stopping)
		g_cond_wait(&x->cond, &x->lock);
}

/* A long run (an older database's mail, or the daemon's downtime). */
static void
indexer_log(struct indexer *x, gint64 backlog)
{
	if (backlog > 0 && backlog >= INDEXER_LOUD && x->run_started == 0) {
		log_info("search: indexing %" G_GINT64_FORMAT " messages",
		    backlog);
		x->run_started = g_get_monotonic_time();
		x->run_done = 0;
	} else if (backlog == 0 && x->run_started != 0) {
		log_info("search: indexed %" G_GUINT64_FORMAT " messages in "
		    "%.1fs", x->run_done, (g_get_monotonic_time() -
		    x->run_started) / (double)G_USEC_PER_SEC);
		x->run_started = 0;
	}
}

/* Under the lock: one look, and a batch if there is anything to index. */
static void
indexer_step(struct indexer *x)
{
	gint64	 mark = 0, last = 0;
	char	*cause = NULL;
	int	 rc, flowing;

	g_mutex_unlock(&x->lock);
	rc = x->reader->ops->search_backlog(x->reader, &mark, &last, &cause);
	g_mutex_lock(&x->lock);
	if (rc != 0) {
		log_warn("search: %s", cause);
		g_free(cause);
		x->failed = 1;
		return;
	}
	indexer_log(x, MAX(0, last - mark));
	flowing = last != x->seen;
	x->seen = last;
	if (last <= mark)
		x->since = g_get_monotonic_time();
	if (last <= mark || (flowing && g_get_monotonic_time() - x->since <
	    INDEXER_LAG * 1000)) {
		indexer_sleep(x, INDEXER_POLL);
		return;
	}
	indexer_run(x, flowing ? INDEXER_BUSY : INDEXER_SLICE);
	x->since = g_get_monotonic_time();
}

static gpointer
indexer_thread(gpointer arg)
{
	struct indexer	*x = arg;

	g_mutex_lock(&x->lock);
	while (!x->stopping) {
		if (x->failed) {
			x->failed = 0;
			indexer_sleep(x, INDEXER_BACKOFF);
		} else
			indexer_step(x);
	}
	g_mutex_unlock(&x->lock);
	return NULL;
}

struct indexer *
indexer_start(struct conf *conf, struct ingest *ingest, char **cause)
{
	struct indexer	*x = g_new0(struct indexer, 1);

	if ((x->reader = store_open(conf->database, cause)) == NULL) {
		g_free(x);
		return NULL;
	}
	x->ingest = ingest;
	g_mutex_init(&x->lock);
	g_cond_init(&x->cond);
	x->thread = g_thread_new("indexer", indexer_thread, x);
	return x;
}

void
indexer_stop(struct indexer *x)
{
	if (x == NULL || x->thread == NULL)
		return;
	g_mutex_lock(&x->lock);
	x->stopping = 1;
	g_cond_signal(&x->cond);
	g_mutex_unlock(&x->lock);
	g_thread_join(x->thread);
	x->thread = NULL;
}

void
indexer_free(struct indexer *x)
{
	if (x == NULL)
		return;
	indexer_stop(x);
	store_close(x->reader);
	g_mutex_clear(&x->lock);
	g_cond_clear(&x->cond);
	g_free(x);
}
