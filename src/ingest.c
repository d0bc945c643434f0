/*
 * ingest: the pipeline. Parse each incoming mail, hand it to the ticket
 * policy (ticket.c) on the one writer, and hand it back to its source
 * only once the transaction holding it committed.
 *
 * Threads: a small pool parses (gmime is the CPU cost), one writer owns
 * the store. The writer blocks for the first ready job, then takes
 * whatever else is ready, up to INGEST_BATCH: while one commit waits for
 * the disk, the next batch gathers, so one fsync serves many mails.
 * Parsers finish out of order, so the writer stores jobs strictly in the
 * order they were submitted. That is not always the order in which mail
 * was sent (parallel connections, other sources): the ticket policy
 * threads a reply and its original together in either order.
 *
 * The rules' conditions are pure, so they are matched in the parse pool
 * too (rules_match); the writer only decides which rules apply once it
 * knows whether the mail opens a ticket, and applies them. The facts
 * they read from the store (the requester's open tickets, first
 * contact) come from one read handle shared by the parsers behind a
 * mutex: a lookup is two indexed queries, far below the parse itself,
 * and one handle closes with the pipeline, where a handle per pool
 * thread would need a thread-exit destructor on threads GLib owns. The
 * store's engines never make a reader wait for the writer (SQLite in
 * WAL mode, PostgreSQL by MVCC), and so it sees the last commit: facts may be stale by the mails of the batch being committed
 * (two first mails from one address in one batch are both "first
 * contact").
 */
#include <string.h>

#include "conf.h"
#include "dsn.h"
#include "ingest.h"
#include "log.h"
#include "mime.h"
#include "notify.h"
#include "reply.h"
#include "rules.h"
#include "sla.h"
#include "store.h"
#include "tally.h"
#include "template.h"
#include "thread.h"
#include "ticket.h"

#define INGEST_BATCH		512
#define INGEST_PARSERS		2

struct ingest {
	struct store	*store;
	GMainContext	*context;
	GThreadPool	*parsers;
	GAsyncQueue	*ready;		/* parsed jobs for the writer */
	GThread		*writer;
	guint		 submitted;	/* sequence numbers handed out */
	GHashTable	*parked;	/* seq -> parsed job, waiting its turn */
	guint		 next_seq;	/* the writer's next job */
	struct store	*reader;	/* the parsers', for the rules' facts */
	GMutex		 reader_lock;
	void		 (*outbox_ready)(gpointer);
	gpointer	 outbox_arg;
	int		 notify_queued;	/* a notify task waits: the writer's */
};

/* What the notify task needs: one is queued at a time. */
struct ingest_notify {
	struct ingest	*in;
	struct conf	*conf;
};

/* Pushed to the writer to make it finish. */
static struct ingest_job ingest_stop_marker;

/* A task rides the ready queue as a job with no mail. */
struct ingest_task {
	struct ingest_job	 job;		/* must be first */
	ingest_task_fn		 fn;
	gpointer		 arg;
	GDestroyNotify		 free_arg;
	void			 (*done)(gpointer arg, int committed);
};

struct ingest_job *
ingest_job_new(GBytes *raw, const char *source, const char *origin,
    const char *return_path, const char *queue, struct conf *conf)
{
	struct ingest_job	*job = g_new0(struct ingest_job, 1);

	job->raw = raw;
	job->source = g_strdup(source);
	job->origin = g_strdup(origin);
	job->return_path = g_strdup(return_path ? return_path : "");
	job->queue = g_strdup(queue);
	job->received_at = g_get_real_time() / G_USEC_PER_SEC;
	job->conf = conf_ref(conf);
	job->deliveries = g_ptr_array_new_with_free_func(
	    (GDestroyNotify)store_delivery_free);
	return job;
}

void
ingest_job_deliver(struct ingest_job *job, const char *queue,
    const char *address)
{
	struct store_delivery	*d = g_new0(struct store_delivery, 1);

	d->queue = g_strdup(queue);
	d->address = g_strdup(address ? address : "");
	g_ptr_array_add(job->deliveries, d);
}

void
ingest_job_free(struct ingest_job *job)
{
	if (job == NULL)
		return;
	g_bytes_unref(job->raw);
	g_free(job->source);
	g_free(job->origin);
	g_free(job->return_path);
	g_free(job->queue);
	g_free(job->attention);
	conf_unref(job->conf);
	g_ptr_array_unref(job->deliveries);
	if (job->mail != NULL)
		mail_free(job->mail);
	g_free(job->dedupe_key);
	dsn_free(job->dsn);
	g_free(job->cause);
	rules_matches_free(job->rules);
	g_free(job->rules_error);
	g_free(job);
}

/* Store one parsed job inside the current transaction. */
static int
ingest_store(struct store *st, struct ingest_job *job, char **cause)
{
	struct ticket_mail	 tm = { job->mail, job->dedupe_key, job->source,
				    job->return_path, job->queue,
				    job->deliveries, job->received_at,
				    job->no_ack, job->attention, job->dsn,
				    job->conf, job->rules, job->rules_error };
	struct ticket_result	 res;

	if (ticket_file(st, &tm, &res, cause) != 0)
		return -1;
	job->ticket_id = res.ticket_id;
	job->queued_mail = res.queued_mail;
	job->notified = res.notified;
	/* In the job's savepoint: counted once the batch commits. */
	tally_count(tally_source_slot(job->source), 1);
	tally_count(res.outcome == TICKET_DUPLICATE ? TALLY_DUPLICATES :
	    res.outcome == TICKET_NEW ? TALLY_TICKETS_CREATED :
	    res.outcome == TICKET_AGENT ? TALLY_AGENT_MAILS : TALLY_FOLLOW_UPS, 1);
	switch (res.outcome) {
	case TICKET_DUPLICATE:
		job->status = INGEST_DUPLICATE;
		return 0;
	case TICKET_FOLLOW_UP:
	case TICKET_AGENT:
	case TICKET_NEW:
		job->new_ticket = res.outcome == TICKET_NEW;
		job->agent_mail = res.outcome == TICKET_AGENT;
		job->status = INGEST_STORED;
		return 0;
	}
	g_assert_not_reached();
}

static void
ingest_log_result(const struct ingest_job *job)
{
	const char	*msgid = job->mail && job->mail->message_id ?
			    job->mail->message_id : "";

	switch (job->status) {
	case INGEST_STORED:
		log_info("ticket %" G_GINT64_FORMAT ": %s <%s> from %s",
		    job->ticket_id, job->new_ticket ? "created by" :
		    job->agent_mail ? "agent mail" : "follow-up",
		    msgid, job->origin);
		return;
	case INGEST_DUPLICATE:
		log_info("ticket %" G_GINT64_FORMAT ": duplicate <%s> from %s "
		    "ignored", job->ticket_id, msgid, job->origin);
		return;
	case INGEST_TEMPFAIL:
		log_warn("%s: message <%s> not stored: %s", job->origin, msgid,
		    job->cause);
		return;
	}
}

/*
 * What the source could not know before parsing: a mailbox has no
 * envelope, so the Return-Path header (or From) stands in for it; an
 * archive import keeps the date the mail was written.
 */
static void
ingest_from_headers(struct ingest_job *job)
{
	const char	*rp;

	if (job->no_envelope) {
		rp = mail_header(job->mail, "return-path");
		g_free(job->return_path);
		job->return_path = rp != NULL ?
		    g_strstrip(g_strdelimit(g_strdup(rp), "<>", ' ')) :
		    g_strdup(job->mail->from_addr);
		job->no_envelope = 0;
	}
	if (job->keep_date && job->mail->date != NULL)
		job->received_at = g_date_time_to_unix(job->mail->date);
	if (job->deliveries->len == 0)
		ingest_job_deliver(job, job->queue, NULL);
}

/* Store one job inside a savepoint, so its failure undoes only itself. */
static void
ingest_store_one(struct store *st, struct ingest_job *job)
{
	char	*cause = NULL;

	if (st->ops->savepoint(st, &cause) != 0) {
		job->status = INGEST_TEMPFAIL;
		job->cause = cause;
		return;
	}
	tally_savepoint();
	job->new_ticket = 0;
	job->queued_mail = 0;
	if (ingest_store(st, job, &cause) == 0 &&
	    st->ops->release(st, &cause) == 0) {
		tally_release();
		return;
	}
	st->ops->rollback_savepoint(st);
	tally_rollback_savepoint();
	job->status = INGEST_TEMPFAIL;
	job->queued_mail = 0;
	job->cause = cause;
}

static void
ingest_fail_all(GPtrArray *batch, const char *cause)
{
	for (guint i = 0; i < batch->len; i++) {
		struct ingest_job *job = g_ptr_array_index(batch, i);

		job->queued_mail = 0;
		if (job->status == INGEST_TEMPFAIL)
			continue;
		job->status = INGEST_TEMPFAIL;
		g_free(job->cause);
		job->cause = g_strdup(cause);
	}
}

/* In the main context: answer every job of one committed batch. */
static int
ingest_batch_done(gpointer data)
{
	GPtrArray	*batch = data;

	for (guint i = 0; i < batch->len; i++) {
		struct ingest_job *job = g_ptr_array_index(batch, i);

		ingest_log_result(job);
		job->done(job, job->arg);
	}
	g_ptr_array_free(batch, TRUE);
	return G_SOURCE_REMOVE;
}

/* One transaction for the whole batch; each job in its own savepoint. */
static void
ingest_commit_batch(struct store *st, GPtrArray *batch)
{
	gint64	 start = g_get_monotonic_time();
	char	*cause = NULL;

	if (st->ops->begin(st, &cause) != 0) {
		ingest_fail_all(batch, cause);
		g_free(cause);
		return;
	}
	tally_begin();
	for (guint i = 0; i < batch->len; i++)
		ingest_store_one(st, g_ptr_array_index(batch, i));
	if (st->ops->commit(st, &cause) != 0) {
		st->ops->rollback(st);
		tally_rollback();
		ingest_fail_all(batch, cause);
		g_free(cause);
	} else {
		tally_commit();
		tally_observe(TALLY_COMMIT_SECONDS, g_get_monotonic_time() -
		    start);
	}
	log_trace(TRACE_INGEST, "ingest: committed %u mails", batch->len);
}

/* The conf of a job in batch that kept notifications, or NULL. */
static struct conf *
ingest_batch_notified(GPtrArray *batch)
{
	for (guint i = 0; i < batch->len; i++) {
		struct ingest_job *job = batch->pdata[i];

		if (job->notified && job->status == INGEST_STORED)
			return job->conf;
	}
	return NULL;
}

/*
 * On the writer, after the commit that kept them: tell the agents. The
 * notifications of every batch committed before it runs go together.
 */
static int
ingest_notify_task(struct store *st, gpointer arg, int *queued, char **cause)
{
	struct ingest_notify	*n = arg;
	guint			 made;

	n->in->notify_queued = 0;
	if (notify_flush(st, n->conf, &made, cause) != 0)
		return -1;
	*queued = made > 0;
	return 0;
}

static void
ingest_notify_free(gpointer arg)
{
	struct ingest_notify	*n = arg;

	conf_unref(n->conf);
	g_free(n);
}

static void
ingest_notify_later(struct ingest *in, GPtrArray *batch)
{
	struct conf		*conf = ingest_batch_notified(batch);
	struct ingest_notify	*n;

	if (conf == NULL || in->notify_queued)
		return;
	n = g_new0(struct ingest_notify, 1);
	n->in = in;
	n->conf = conf_ref(conf);
	in->notify_queued = 1;
	ingest_task(in, ingest_notify_task, n, ingest_notify_free);
}

/* Pipe mode and imports: the same in a transaction of their own. */
static void
ingest_notify_now(struct store *st, GPtrArray *batch)
{
	struct conf	*conf = ingest_batch_notified(batch);
	char		*cause = NULL;
	guint		 n;

	if (conf != NULL && notify_flush_commit(st, conf, &n, &cause) != 0) {
		log_warn("ingest: notifications wait for the daemon: %s", cause);
		g_free(cause);
	}
}

static void
ingest_outbox_ready(struct ingest *in, GPtrArray *batch)
{
	for (guint i = 0; i < batch->len; i++)
		if (((struct ingest_job *)batch->pdata[i])->queued_mail) {
			if (in->outbox_ready != NULL)
				in->outbox_ready(in->outbox_arg);
			return;
		}
}

static void
ingest_task_free(struct ingest_task *t, int committed)
{
	if (t->done != NULL)
		t->done(t->arg, committed);
	else if (t->free_arg != NULL)
		t->free_arg(t->arg);
	g_free(t);
}

static void
ingest_run_task(struct ingest *in, struct ingest_task *t)
{
	struct store	*st = in->store;
	char		*cause = NULL;
	int		 queued = 0, committed = 1;

	tally_begin();
	if (st->ops->begin(st, &cause) != 0 ||
	    t->fn(st, t->arg, &queued, &cause) != 0 ||
	    st->ops->commit(st, &cause) != 0) {
		st->ops->rollback(st);
		tally_rollback();
		log_warn("ingest: task failed, rolled back: %s", cause);
		g_free(cause);
		queued = committed = 0;
	} else
		tally_commit();
	if (queued && in->outbox_ready != NULL)
		in->outbox_ready(in->outbox_arg);
	ingest_task_free(t, committed);
}

static void
ingest_task_push(struct ingest *in, ingest_task_fn fn, gpointer arg,
    GDestroyNotify free_arg, void (*done)(gpointer, int))
{
	struct ingest_task	*t = g_new0(struct ingest_task, 1);

	t->job.is_task = 1;
	t->fn = fn;
	t->arg = arg;
	t->free_arg = free_arg;
	t->done = done;
	g_async_queue_push(in->ready, t);
}

void
ingest_task(struct ingest *in, ingest_task_fn fn, gpointer arg,
    GDestroyNotify free_arg)
{
	ingest_task_push(in, fn, arg, free_arg, NULL);
}

void
ingest_task_then(struct ingest *in, ingest_task_fn fn, gpointer arg,
    void (*done)(gpointer arg, int committed))
{
	ingest_task_push(in, fn, arg, NULL, done);
}

/*
 * Take a parsed job from the parsers; the stop marker sets *stopping. A
 * task runs at once: the writer holds no transaction between batches.
 */
static void
ingest_park(struct ingest *in, struct ingest_job *job, int *stopping)
{
	if (job == &ingest_stop_marker)
		*stopping = 1;
	else if (job->is_task)
		ingest_run_task(in, (struct ingest_task *)job);
	else
		g_hash_table_insert(in->parked, GUINT_TO_POINTER(job->seq), job);
}

/* The jobs that are next in submission order, up to INGEST_BATCH. */
static GPtrArray *
ingest_next_batch(struct ingest *in)
{
	GPtrArray		*batch = g_ptr_array_new();
	struct ingest_job	*job;

	while (batch->len < INGEST_BATCH && (job = g_hash_table_lookup(
	    in->parked, GUINT_TO_POINTER(in->next_seq))) != NULL) {
		g_hash_table_remove(in->parked, GUINT_TO_POINTER(in->next_seq));
		g_ptr_array_add(batch, job);
		in->next_seq++;
	}
	return batch;
}

static gpointer
ingest_writer(gpointer data)
{
	struct ingest		*in = data;
	GPtrArray		*batch;
	struct ingest_job	*job;
	int			 stopping = 0;

	for (;;) {
		if (!g_hash_table_contains(in->parked,
		    GUINT_TO_POINTER(in->next_seq))) {
			/* At the marker every submitted job has been parked. */
			if (stopping)
				break;
			ingest_park(in, g_async_queue_pop(in->ready), &stopping);
			continue;
		}
		while ((job = g_async_queue_try_pop(in->ready)) != NULL)
			ingest_park(in, job, &stopping);
		batch = ingest_next_batch(in);
		ingest_commit_batch(in->store, batch);
		ingest_outbox_ready(in, batch);
		ingest_notify_later(in, batch);
		/* Only now, after COMMIT, may anyone hear about these mails. */
		g_main_context_invoke(in->context, ingest_batch_done, batch);
	}
	return NULL;
}

/* The requester's facts, when the rules read them: 0, or -1 and *cause. */
static int
ingest_rules_facts(struct ingest_job *job, struct rules_input *ri,
    struct store *reader, GMutex *lock, char **cause)
{
	const char	*who = *job->mail->from_addr != '\0' ?
			    job->mail->from_addr : job->return_path;
	int		 rc;

	if (!rules_uses(job->conf->rules, RULES_FACT_REQUESTER))
		return 0;
	if (reader == NULL) {
		*cause = g_strdup("no store to read open-tickets and "
		    "first-contact from");
		return -1;
	}
	if (lock != NULL)
		g_mutex_lock(lock);
	rc = reader->ops->requester_facts(reader, who, &ri->open_tickets,
	    &ri->first_contact, cause);
	if (lock != NULL)
		g_mutex_unlock(lock);
	return rc;
}

/*
 * Match the rules of the job's conf: a reload after the job came in
 * applies to the next mail. Agents' mail gets no rules, but only the
 * writer knows a mail is an agent's: one with an agent's From that fails
 * the check is a customer's, and the rules apply to it.
 */
static void
ingest_rules_match(struct ingest_job *job, struct store *reader, GMutex *lock)
{
	const struct conf	*conf = job->conf;
	const struct mail	*m = job->mail;
	const struct conf_queue	*q = job->queue != NULL ?
				    conf_queue_by_name(conf, job->queue) : NULL;
	const struct store_delivery *d = job->deliveries->pdata[0];
	struct rules_input	 ri = { 0 };
	char			*cause = NULL;

	if (conf->rules == NULL)
		return;
	ri.mail = m;
	ri.sender = job->return_path;
	ri.recipient = d->address;
	ri.queue = job->queue;
	ri.size = g_bytes_get_size(job->raw);
	if (q != NULL && rules_uses(conf->rules, RULES_FACT_HOURS))
		ri.inside_hours = sla_hours_open(&q->hours, q->timezone,
		    job->received_at);
	if (rules_uses(conf->rules, RULES_FACT_LANGUAGE))
		ri.language = template_detect_language(m->content_language,
		    m->body);
	if (ingest_rules_facts(job, &ri, reader, lock, &cause) != 0) {
		job->rules_error = g_strdup_printf("rules not run: %s", cause);
		g_free(cause);
		return;
	}
	job->rules = rules_match(conf->rules, &ri, 0);
}

/* The pure work, done in the parse pool rather than on the writer. */
static void
ingest_parse_job(struct ingest_job *job, struct store *reader, GMutex *lock)
{
	if (job->mail == NULL)
		job->mail = mime_parse(job->raw, job->conf->fallback_charset);
	/* IMAP has no envelope yet: the mail's own headers decide. */
	if (job->dsn == NULL)
		job->dsn = dsn_parse(job->mail, job->no_envelope ? NULL :
		    job->return_path);
	if (job->dedupe_key == NULL)
		job->dedupe_key = ticket_dedupe_key(job->mail,
		    job->attention != NULL);
	ingest_from_headers(job);
	if (job->rules == NULL && job->rules_error == NULL)
		ingest_rules_match(job, reader, lock);
}

static void
ingest_parse(gpointer data, gpointer user_data)
{
	struct ingest		*in = user_data;
	struct ingest_job	*job = data;

	ingest_parse_job(job, in->reader, &in->reader_lock);
	g_async_queue_push(in->ready, job);
}

struct ingest *
ingest_start(struct store *st, struct store *reader, GMainContext *context,
    void (*outbox_ready)(gpointer), gpointer arg, char **cause)
{
	struct ingest	*in = g_new0(struct ingest, 1);
	GError		*error = NULL;

	in->store = st;
	in->reader = reader;
	g_mutex_init(&in->reader_lock);
	in->context = context;
	in->outbox_ready = outbox_ready;
	in->outbox_arg = arg;
	in->ready = g_async_queue_new();
	in->parked = g_hash_table_new(NULL, NULL);
	in->parsers = g_thread_pool_new(ingest_parse, in, INGEST_PARSERS, TRUE,
	    &error);
	if (in->parsers == NULL) {
		*cause = g_strdup(error->message);
		g_error_free(error);
		g_mutex_clear(&in->reader_lock);
		g_async_queue_unref(in->ready);
		g_hash_table_destroy(in->parked);
		g_free(in);
		return NULL;
	}
	in->writer = g_thread_new("writer", ingest_writer, in);
	return in;
}

void
ingest_submit(struct ingest *in, struct ingest_job *job)
{
	job->seq = (guint)g_atomic_int_add((gint *)&in->submitted, 1);
	g_thread_pool_push(in->parsers, job, NULL);
}

void
ingest_stop(struct ingest *in)
{
	struct ingest_task	*task;

	g_thread_pool_free(in->parsers, FALSE, TRUE);
	g_async_queue_push(in->ready, &ingest_stop_marker);
	g_thread_join(in->writer);
	/* Tasks queued after the marker: what they would do is kept. */
	while ((task = g_async_queue_try_pop(in->ready)) != NULL) {
		g_assert(task->job.is_task);
		ingest_task_free(task, 0);
	}
	g_async_queue_unref(in->ready);
	g_hash_table_destroy(in->parked);
	store_close(in->store);
	store_close(in->reader);
	g_mutex_clear(&in->reader_lock);
	g_free(in);
}

void
ingest_run_batch(struct store *st, GPtrArray *jobs)
{
	/* Between transactions: the writer's handle reads the facts. */
	for (guint i = 0; i < jobs->len; i++)
		ingest_parse_job(jobs->pdata[i], st, NULL);
	ingest_commit_batch(st, jobs);
	ingest_notify_now(st, jobs);
	for (guint i = 0; i < jobs->len; i++)
		ingest_log_result(jobs->pdata[i]);
}

void
ingest_run_one(struct store *st, struct ingest_job *job)
{
	GPtrArray	*one = g_ptr_array_new();

	g_ptr_array_add(one, job);
	ingest_run_batch(st, one);
	g_ptr_array_free(one, TRUE);
}
