/*
 * ingest: parse, dedupe, thread and store each incoming mail, and hand
 * it back to its source only once the transaction holding it committed.
 *
 * Threads: a small pool parses (gmime is the CPU cost), one writer owns
 * the store. The writer blocks for the first ready job, then takes
 * whatever else is ready, up to INGEST_BATCH: while one commit waits for
 * the disk, the next batch gathers, so one fsync serves many mails.
 * Parsers finish out of order, so the writer stores jobs strictly in the
 * order they were submitted: a reply that follows its original by a few
 * milliseconds must find the original's ticket.
 */
#include <string.h>

#include "conf.h"
#include "ingest.h"
#include "log.h"
#include "mime.h"
#include "reply.h"
#include "store.h"
#include "thread.h"

#define INGEST_BATCH		512
#define INGEST_PARSERS		2

struct ingest {
	struct store	*store;
	GMainContext	*context;
	guint8		 key[THREAD_KEY_LEN];
	GThreadPool	*parsers;
	GAsyncQueue	*ready;		/* parsed jobs for the writer */
	GThread		*writer;
	guint		 submitted;	/* sequence numbers handed out */
	GHashTable	*parked;	/* seq -> parsed job, waiting its turn */
	guint		 next_seq;	/* the writer's next job */
	void		 (*outbox_ready)(gpointer);
	gpointer	 outbox_arg;
};

/* Pushed to the writer to make it finish. */
static struct ingest_job ingest_stop_marker;

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
	return job;
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
	conf_unref(job->conf);
	if (job->mail != NULL)
		mail_free(job->mail);
	g_free(job->cause);
	g_free(job);
}

/* Message-ID, or for mail without one a digest, so redelivery still dedupes. */
static char *
ingest_dedupe_key(const struct ingest_job *job)
{
	char	*digest, *key;

	if (job->mail->message_id != NULL && *job->mail->message_id != '\0')
		return g_strdup(job->mail->message_id);
	digest = g_compute_checksum_for_bytes(G_CHECKSUM_SHA256, job->raw);
	key = g_strdup_printf("sha256:%s", digest);
	g_free(digest);
	return key;
}

/* Does msgid point into a ticket: one of our signed ids, or a stored mail? */
static int
ingest_match_msgid(struct store *st, const guint8 *key, const char *msgid,
    gint64 *ticket, char **cause)
{
	int	 found;

	if (thread_msgid_verify(key, msgid, ticket)) {
		found = st->ops->ticket_exists(st, *ticket, cause);
		if (found != 0)
			return found;
	}
	return st->ops->msgid_ticket(st, msgid, ticket, cause);
}

/*
 * A subject tag is only a hint: it joins the ticket when the sender is
 * its requester or has written to it before. Anyone else who types
 * "[#42]" gets a ticket of their own, and the tag is noted on it.
 */
static int
ingest_match_tag(struct store *st, struct ingest_job *job, gint64 ticket,
    char **cause)
{
	const char	*sender = *job->mail->from_addr ? job->mail->from_addr :
			    job->return_path;
	int		 found = st->ops->ticket_exists(st, ticket, cause);

	if (found != 1)
		return found;
	found = st->ops->ticket_knows_sender(st, ticket, sender, cause);
	if (found == 0)
		job->foreign_tag = ticket;
	return found;
}

/*
 * The ticket the mail belongs to: In-Reply-To, then References from the
 * newest, then the subject tag. Returns -1, 0 or 1 and sets *how.
 */
static int
ingest_thread_match(struct store *st, const guint8 *key,
    struct ingest_job *job, gint64 *ticket, const char **how,
    char **cause)
{
	const struct mail	*m = job->mail;
	GPtrArray		*refs = m->references;
	int			 found;

	if (m->in_reply_to != NULL) {
		*how = "in-reply-to";
		found = ingest_match_msgid(st, key, m->in_reply_to, ticket, cause);
		if (found != 0)
			return found;
	}
	for (guint i = refs->len; i > 0; i--) {
		*how = "references";
		found = ingest_match_msgid(st, key, g_ptr_array_index(refs, i - 1),
		    ticket, cause);
		if (found != 0)
			return found;
	}
	*how = "subject tag";
	if (!thread_tag_find(job->conf->subject_tag, m->subject, ticket))
		return 0;
	return ingest_match_tag(st, job, *ticket, cause);
}

/* The mail named another ticket in its subject, which it may not join. */
static int
ingest_note_foreign_tag(struct store *st, struct ingest_job *job, char **cause)
{
	char	*detail;
	int	 rc;

	if (job->foreign_tag == 0)
		return 0;
	detail = g_strdup_printf("subject names ticket %" G_GINT64_FORMAT
	    ", but the sender is not on it", job->foreign_tag);
	rc = st->ops->event_add(st, job->ticket_id, job->received_at,
	    "tag_ignored", detail, cause);
	g_free(detail);
	return rc;
}

static int
ingest_create_ticket(struct store *st, struct ingest_job *job, char **cause)
{
	const struct mail	*m = job->mail;
	struct store_ticket	 t = { 0 };
	char			*tags[] = { "unparsed", NULL };
	int			 rc;

	t.subject = thread_subject_strip(m->subject);
	t.requester_name = m->from_name;
	t.requester_addr = *m->from_addr != '\0' ? m->from_addr : job->return_path;
	t.status = "new";
	t.queue = job->queue;
	t.priority = "normal";
	t.attention = !m->parsed || *t.requester_addr == '\0';
	t.created_at = job->received_at;
	t.tags = m->parsed ? NULL : tags;
	rc = st->ops->ticket_create(st, &t, cause);
	g_free(t.subject);
	if (rc != 0)
		return -1;
	job->ticket_id = t.id;
	job->new_ticket = 1;
	if (st->ops->event_add(st, t.id, job->received_at, "created",
	    job->queue, cause) != 0)
		return -1;
	return ingest_note_foreign_tag(st, job, cause);
}

static int
ingest_acknowledge(struct store *st, const guint8 *key, struct ingest_job *job,
    char **cause)
{
	struct reply_trigger	 trig = { job->ticket_id, job->mail,
				    job->return_path, job->queue,
				    job->received_at };

	if (job->no_ack)
		return 0;
	return reply_ack(st, job->conf, key, &trig, &job->queued_mail, cause);
}

static int
ingest_add_message(struct store *st, struct ingest_job *job,
    const char *dedupe_key, const char *how, char **cause)
{
	struct store_message_in	 in = { 0 };
	gint64			 id;
	char			*detail;
	int			 rc;

	in.ticket_id = job->ticket_id;
	in.direction = "in";
	in.source = job->source;
	in.return_path = job->return_path;
	in.dedupe_key = dedupe_key;
	in.received_at = job->received_at;
	in.mail = job->mail;
	if (st->ops->message_add(st, &in, &id, cause) != 0)
		return -1;
	detail = g_strdup_printf("message %" G_GINT64_FORMAT " from <%s> via "
	    "%s%s%s", id, job->mail->from_addr, job->source,
	    how ? ", matched by " : "", how ? how : "");
	rc = st->ops->event_add(st, job->ticket_id, job->received_at,
	    "message", detail, cause);
	g_free(detail);
	if (rc == 0 && !job->mail->parsed)
		rc = st->ops->event_add(st, job->ticket_id, job->received_at,
		    "parse_failed", job->mail->parse_error, cause);
	return rc;
}

/* Store one parsed job inside the current transaction. */
static int
ingest_store(struct store *st, const guint8 *key, struct ingest_job *job,
    char **cause)
{
	char		*dedupe_key = ingest_dedupe_key(job);
	const char	*how = NULL;
	int		 found, rc = -1;

	found = st->ops->message_find(st, dedupe_key, &job->ticket_id, cause);
	if (found == 1) {
		job->status = INGEST_DUPLICATE;
		rc = 0;
		goto out;
	}
	if (found == 0)
		found = ingest_thread_match(st, key, job, &job->ticket_id, &how,
		    cause);
	if (found == -1)
		goto out;
	if (found == 0) {
		how = NULL;
		if (ingest_create_ticket(st, job, cause) != 0)
			goto out;
	}
	rc = ingest_add_message(st, job, dedupe_key, how, cause);
	if (rc == 0 && job->new_ticket)
		rc = ingest_acknowledge(st, key, job, cause);
	job->status = INGEST_STORED;
out:
	g_free(dedupe_key);
	return rc;
}

static void
ingest_log_result(const struct ingest_job *job)
{
	const char	*msgid = job->mail && job->mail->message_id ?
			    job->mail->message_id : "";

	switch (job->status) {
	case INGEST_STORED:
		log_info("ticket %" G_GINT64_FORMAT ": %s <%s> from %s",
		    job->ticket_id, job->new_ticket ? "created by" : "follow-up",
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
}

/* Store one job inside a savepoint, so its failure undoes only itself. */
static void
ingest_store_one(struct store *st, const guint8 *key, struct ingest_job *job)
{
	char	*cause = NULL;

	ingest_from_headers(job);
	if (st->ops->savepoint(st, &cause) != 0) {
		job->status = INGEST_TEMPFAIL;
		job->cause = cause;
		return;
	}
	job->new_ticket = 0;
	job->queued_mail = 0;
	job->foreign_tag = 0;
	if (ingest_store(st, key, job, &cause) == 0 &&
	    st->ops->release(st, &cause) == 0)
		return;
	st->ops->rollback_savepoint(st);
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
ingest_commit_batch(struct store *st, const guint8 *key, GPtrArray *batch)
{
	char	*cause = NULL;

	if (st->ops->begin(st, &cause) != 0) {
		ingest_fail_all(batch, cause);
		g_free(cause);
		return;
	}
	for (guint i = 0; i < batch->len; i++)
		ingest_store_one(st, key, g_ptr_array_index(batch, i));
	if (st->ops->commit(st, &cause) != 0) {
		st->ops->rollback(st);
		ingest_fail_all(batch, cause);
		g_free(cause);
	}
	log_trace(TRACE_INGEST, "ingest: committed %u mails", batch->len);
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

/* Take a parsed job from the parsers; the stop marker sets *stopping. */
static void
ingest_park(struct ingest *in, struct ingest_job *job, int *stopping)
{
	if (job == &ingest_stop_marker)
		*stopping = 1;
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
		ingest_commit_batch(in->store, in->key, batch);
		ingest_outbox_ready(in, batch);
		/* Only now, after COMMIT, may anyone hear about these mails. */
		g_main_context_invoke(in->context, ingest_batch_done, batch);
	}
	return NULL;
}

static void
ingest_parse(gpointer data, gpointer user_data)
{
	struct ingest		*in = user_data;
	struct ingest_job	*job = data;

	job->mail = mime_parse(job->raw, job->conf->fallback_charset);
	g_async_queue_push(in->ready, job);
}

struct ingest *
ingest_start(struct store *st, const struct conf *conf, GMainContext *context,
    void (*outbox_ready)(gpointer), gpointer arg, char **cause)
{
	struct ingest	*in = g_new0(struct ingest, 1);
	GError		*error = NULL;

	in->store = st;
	in->context = context;
	in->outbox_ready = outbox_ready;
	in->outbox_arg = arg;
	if (reply_thread_key(conf, st, in->key, cause) != 0) {
		g_free(in);
		return NULL;
	}
	in->ready = g_async_queue_new();
	in->parked = g_hash_table_new(NULL, NULL);
	in->parsers = g_thread_pool_new(ingest_parse, in, INGEST_PARSERS, TRUE,
	    &error);
	if (in->parsers == NULL) {
		*cause = g_strdup(error->message);
		g_error_free(error);
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
	g_thread_pool_free(in->parsers, FALSE, TRUE);
	g_async_queue_push(in->ready, &ingest_stop_marker);
	g_thread_join(in->writer);
	g_async_queue_unref(in->ready);
	g_hash_table_destroy(in->parked);
	store_close(in->store);
	g_free(in);
}

void
ingest_run_batch(struct store *st, const guint8 key[THREAD_KEY_LEN],
    GPtrArray *jobs)
{
	for (guint i = 0; i < jobs->len; i++) {
		struct ingest_job *job = jobs->pdata[i];

		if (job->mail == NULL)
			job->mail = mime_parse(job->raw,
			    job->conf->fallback_charset);
	}
	ingest_commit_batch(st, key, jobs);
	for (guint i = 0; i < jobs->len; i++)
		ingest_log_result(jobs->pdata[i]);
}

void
ingest_run_one(struct store *st, const guint8 key[THREAD_KEY_LEN],
    struct ingest_job *job)
{
	GPtrArray	*one = g_ptr_array_new();

	g_ptr_array_add(one, job);
	ingest_run_batch(st, key, one);
	g_ptr_array_free(one, TRUE);
}
