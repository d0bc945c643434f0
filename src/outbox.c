/*
 * outbox: the sender thread. It owns an SMTP connection and a store
 * handle of its own, so a slow or dead SMTP server never holds up
 * ingest: mail simply waits in the outbox table.
 *
 * Rows are claimed (status "sending") in one statement before they are
 * sent, so no other process can send them too. What became of them is
 * saved as "marks" in one synchronous (FULL) commit per group: after the
 * group is sent, or sooner when a slow server makes it old, and always
 * before further rows are claimed. A crash between the server's 250 and
 * that commit leaves the rows claimed; the next ticketd to start on the
 * database (it holds the database lock, so the claimant is gone) queues
 * them again and says so on their tickets: at worst a mail goes twice,
 * under the same Message-ID, never not at all. There is no lease that
 * expires a live claim: a slow server must never let a second sender
 * take a row that is still being sent.
 */
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "log.h"
#include "outbox.h"
#include "sender.h"
#include "store.h"
#include "tally.h"

#define OUTBOX_BATCH	32
#define OUTBOX_POLL	1	/* seconds: mail queued by other processes */
#define OUTBOX_MARK_AGE	(G_USEC_PER_SEC / 5)	/* oldest unsaved mark */

/* What became of one claimed row, until it is saved. */
struct outbox_mark {
	struct store_outbox	*o;		/* the row, updated */
	const char		*event;		/* on its ticket, or NULL */
	char			*detail;
};

struct outbox {
	struct store	*store;
	char		*owner;		/* "host:pid", in claimed_by */
	GThread		*thread;
	GMutex		 lock;
	GCond		 cond;
	struct conf	*conf;		/* under lock: swapped on reload */
	int		 woken;
	int		 stopping;

	struct conf	*sender_conf;	/* the conf sender was made from */
	struct sender	*sender;

	GArray		*marks;		/* struct outbox_mark, unsaved */
	gint64		 marks_since;	/* monotonic time of the first */
};

guint
outbox_backoff(const struct conf *conf, guint attempts)
{
	guint64	 delay = conf->smtp_retry_min;

	for (guint i = 1; i < attempts && delay < conf->smtp_retry_max; i++)
		delay *= 2;
	return MIN(delay, conf->smtp_retry_max);
}

static struct conf *
outbox_conf(struct outbox *ob)
{
	struct conf	*conf;

	g_mutex_lock(&ob->lock);
	conf = conf_ref(ob->conf);
	g_mutex_unlock(&ob->lock);
	return conf;
}

/* A sender for conf's settings, made anew after a reload. */
static struct sender *
outbox_sender(struct outbox *ob, struct conf *conf, char **cause)
{
	if (ob->sender != NULL && ob->sender_conf == conf)
		return ob->sender;
	sender_close(ob->sender);
	if (ob->sender_conf != NULL)
		conf_unref(ob->sender_conf);
	ob->sender_conf = NULL;
	if ((ob->sender = sender_open(conf, cause)) != NULL)
		ob->sender_conf = conf_ref(conf);
	return ob->sender;
}

static void
outbox_mark_clear(struct outbox_mark *m)
{
	g_free(m->detail);
}

/* Save every mark, with their events, in one commit. */
static int
outbox_marks_commit(struct outbox *ob, char **cause)
{
	struct store	*st = ob->store;
	gint64		 now = g_get_real_time() / G_USEC_PER_SEC;

	if (st->ops->begin(st, cause) != 0)
		return -1;
	for (guint i = 0; i < ob->marks->len; i++) {
		struct outbox_mark *m = &g_array_index(ob->marks,
		    struct outbox_mark, i);

		if (st->ops->outbox_update(st, m->o, cause) != 0 ||
		    (m->event != NULL && m->o->ticket_id != 0 &&
		    st->ops->event_add(st, m->o->ticket_id, now, m->event,
		    m->detail, cause) != 0)) {
			st->ops->rollback(st);
			return -1;
		}
	}
	if (st->ops->commit(st, cause) != 0) {
		st->ops->rollback(st);
		return -1;
	}
	return 0;
}

/*
 * Save the marks. The server has the mail they record as sent, so this
 * does not give up lightly; when it must, the rows stay claimed and are
 * sent again only by the next ticketd to start.
 */
static void
outbox_marks_save(struct outbox *ob)
{
	char	*cause = NULL;

	if (ob->marks->len == 0)
		return;
	for (int i = 0; outbox_marks_commit(ob, &cause) != 0; i++) {
		log_warn("outbox: cannot record %u results: %s", ob->marks->len,
		    cause);
		g_clear_pointer(&cause, g_free);
		if (i == 2) {
			log_warn("outbox: %u mails stay claimed by %s until "
			    "ticketd restarts", ob->marks->len, ob->owner);
			break;
		}
		g_usleep(G_USEC_PER_SEC);
	}
	g_array_set_size(ob->marks, 0);
}

static void
outbox_mark(struct outbox *ob, struct store_outbox *o, const char *status,
    const char *event, char *detail)
{
	struct outbox_mark	 m = { o, event, detail };

	g_free(o->status);
	o->status = g_strdup(status);
	if (ob->marks->len == 0)
		ob->marks_since = g_get_monotonic_time();
	g_array_append_val(ob->marks, m);
}

static void
outbox_sent(struct outbox *ob, struct store_outbox *o, gint64 now)
{
	o->sent_at = now;
	o->attempts++;
	log_info("outbox %" G_GINT64_FORMAT ": %s <%s> sent to <%s>", o->id,
	    o->kind, o->message_id, o->rcpt);
	if (strcmp(o->kind, "ack") == 0)
		tally_count(TALLY_ACK_SENT, 1);
	outbox_mark(ob, o, "sent", "sent", g_strdup_printf("%s to <%s>, "
	    "outbox %" G_GINT64_FORMAT, o->kind, o->rcpt, o->id));
}

static void
outbox_failed(struct outbox *ob, struct store_outbox *o, const char *why)
{
	log_warn("ticket %" G_GINT64_FORMAT ": outbox %" G_GINT64_FORMAT
	    ": %s to <%s> failed for good: %s", o->ticket_id, o->id, o->kind,
	    o->rcpt, why);
	if (strcmp(o->kind, "ack") == 0)
		tally_count(TALLY_ACK_FAILED, 1);
	outbox_mark(ob, o, "failed", "send_failed", g_strdup_printf("%s to "
	    "<%s>, outbox %" G_GINT64_FORMAT ": %s", o->kind, o->rcpt, o->id,
	    why));
}

static void
outbox_deferred(struct outbox *ob, struct conf *conf, struct store_outbox *o,
    gint64 now)
{
	char	*why;

	if (now - o->created_at >= conf->smtp_queue_lifetime) {
		why = g_strdup_printf("gave up after %u attempts: %s",
		    o->attempts, o->last_error);
		outbox_failed(ob, o, why);
		g_free(why);
		return;
	}
	o->next_attempt_at = now + outbox_backoff(conf, o->attempts);
	tally_count(TALLY_OUTBOX_DEFERRALS, 1);
	log_warn("outbox %" G_GINT64_FORMAT ": %s to <%s> deferred, attempt %u, "
	    "next in %" G_GINT64_FORMAT "s: %s", o->id, o->kind, o->rcpt,
	    o->attempts, o->next_attempt_at - now, o->last_error);
	outbox_mark(ob, o, "queued", NULL, NULL);
}

static void
outbox_deliver(struct outbox *ob, struct conf *conf, struct store_outbox *o)
{
	struct sender		*sender;
	char			*detail = NULL;
	enum sender_result	 result = SENDER_TEMPFAIL;
	gint64			 now;

	if ((sender = outbox_sender(ob, conf, &detail)) != NULL)
		result = sender->ops->send(sender, o->envelope_from, o->rcpt,
		    o->data, &detail);
	now = g_get_real_time() / G_USEC_PER_SEC;
	switch (result) {
	case SENDER_SENT:
		outbox_sent(ob, o, now);
		break;
	case SENDER_PERMFAIL:
		o->attempts++;
		g_free(o->last_error);
		o->last_error = g_strdup(detail);
		outbox_failed(ob, o, detail);
		break;
	case SENDER_TEMPFAIL:
		o->attempts++;
		g_free(o->last_error);
		o->last_error = g_strdup(detail);
		outbox_deferred(ob, conf, o, now);
		break;
	}
	g_free(detail);
}

/* Take due rows for this process alone; NULL when none or on error. */
static GPtrArray *
outbox_claim(struct outbox *ob)
{
	struct store	*st = ob->store;
	GPtrArray	*due = NULL;
	char		*cause = NULL;

	if (st->ops->begin(st, &cause) == 0 &&
	    st->ops->outbox_claim(st, g_get_real_time() / G_USEC_PER_SEC,
	    OUTBOX_BATCH, ob->owner, &due, &cause) == 0 &&
	    st->ops->commit(st, &cause) == 0)
		return due;
	st->ops->rollback(st);
	log_warn("outbox: %s", cause);
	g_free(cause);
	if (due != NULL)
		g_ptr_array_free(due, TRUE);
	return NULL;
}

/*
 * Send what is due. Returns how many rows were due, or -1 when nothing
 * can be sent now (no [smtp] url, or the store failed).
 */
static int
outbox_run(struct outbox *ob)
{
	struct conf		*conf = outbox_conf(ob);
	GPtrArray		*due = NULL;
	struct store_outbox	*o;
	int			 n = -1;

	if (conf->smtp_url != NULL)
		due = outbox_claim(ob);
	for (guint i = 0; due != NULL && i < due->len; i++) {
		o = due->pdata[i];
		if (g_atomic_int_get(&ob->stopping))
			/* Not tried: give it back as it was. */
			outbox_mark(ob, o, "queued", NULL, NULL);
		else
			outbox_deliver(ob, conf, o);
		if (g_get_monotonic_time() - ob->marks_since >= OUTBOX_MARK_AGE)
			outbox_marks_save(ob);
	}
	outbox_marks_save(ob);
	if (due != NULL) {
		n = due->len;
		g_ptr_array_free(due, TRUE);
	}
	conf_unref(conf);
	return n;
}

/*
 * Sleep until woken, the next retry is due, or the poll interval ends;
 * the whole interval when nothing could be sent (idle).
 */
static void
outbox_sleep(struct outbox *ob, int idle)
{
	struct store	*st = ob->store;
	gint64		 next = 0, now = g_get_real_time() / G_USEC_PER_SEC;
	gint64		 secs = OUTBOX_POLL;
	char		*cause = NULL;

	if (!idle && st->ops->outbox_next(st, &next, &cause) == 1)
		secs = CLAMP(next - now, 0, OUTBOX_POLL);
	g_free(cause);
	g_mutex_lock(&ob->lock);
	if (!ob->woken && !ob->stopping && secs > 0)
		g_cond_wait_until(&ob->cond, &ob->lock,
		    g_get_monotonic_time() + secs * G_USEC_PER_SEC);
	ob->woken = 0;
	g_mutex_unlock(&ob->lock);
}

static gpointer
outbox_thread(gpointer arg)
{
	struct outbox	*ob = arg;

	int		 n;

	while (!g_atomic_int_get(&ob->stopping))
		if ((n = outbox_run(ob)) < OUTBOX_BATCH)
			outbox_sleep(ob, n < 0);
	return NULL;
}

/*
 * Queue again the rows that a process that has ended left claimed, and
 * say on their tickets that the recipient may get them twice.
 */
static int
outbox_recover(struct outbox *ob, char **cause)
{
	struct store	*st = ob->store;
	GPtrArray	*rows = NULL;
	gint64		 now = g_get_real_time() / G_USEC_PER_SEC;

	if (st->ops->begin(st, cause) != 0 ||
	    st->ops->outbox_unclaim(st, ob->owner, &rows, cause) != 0)
		goto fail;
	for (guint i = 0; i < rows->len; i++) {
		struct store_outbox	*o = rows->pdata[i];
		char			*at = store_time_iso(o->claimed_at);
		char			*detail;
		int			 rc = 0;

		detail = g_strdup_printf("%s to <%s>, outbox %" G_GINT64_FORMAT
		    ": %s stopped at %s while sending it; sending it again, so "
		    "it may arrive twice", o->kind, o->rcpt, o->id,
		    o->claimed_by, at);
		log_warn("ticket %" G_GINT64_FORMAT ": %s", o->ticket_id, detail);
		if (o->ticket_id != 0)
			rc = st->ops->event_add(st, o->ticket_id, now,
			    "send_interrupted", detail, cause);
		g_free(detail);
		g_free(at);
		if (rc != 0)
			goto fail;
	}
	if (st->ops->commit(st, cause) != 0)
		goto fail;
	g_ptr_array_free(rows, TRUE);
	return 0;
fail:
	st->ops->rollback(st);
	if (rows != NULL)
		g_ptr_array_free(rows, TRUE);
	return -1;
}

struct outbox *
outbox_start(struct conf *conf, char **cause)
{
	struct outbox	*ob = g_new0(struct outbox, 1);

	ob->owner = g_strdup_printf("%s:%ld", g_get_host_name(),
	    (long)getpid());
	if ((ob->store = store_open(conf->database, cause)) == NULL ||
	    outbox_recover(ob, cause) != 0) {
		store_close(ob->store);
		g_free(ob->owner);
		g_free(ob);
		return NULL;
	}
	ob->marks = g_array_new(FALSE, FALSE, sizeof(struct outbox_mark));
	g_array_set_clear_func(ob->marks, (GDestroyNotify)outbox_mark_clear);
	g_mutex_init(&ob->lock);
	g_cond_init(&ob->cond);
	ob->conf = conf_ref(conf);
	ob->thread = g_thread_new("outbox", outbox_thread, ob);
	return ob;
}

void
outbox_wake(gpointer arg)
{
	struct outbox	*ob = arg;

	g_mutex_lock(&ob->lock);
	ob->woken = 1;
	g_cond_signal(&ob->cond);
	g_mutex_unlock(&ob->lock);
}

void
outbox_reload(struct outbox *ob, struct conf *conf)
{
	g_mutex_lock(&ob->lock);
	conf_unref(ob->conf);
	ob->conf = conf_ref(conf);
	ob->woken = 1;
	g_cond_signal(&ob->cond);
	g_mutex_unlock(&ob->lock);
}

void
outbox_stop(struct outbox *ob)
{
	g_mutex_lock(&ob->lock);
	g_atomic_int_set(&ob->stopping, 1);
	g_cond_signal(&ob->cond);
	g_mutex_unlock(&ob->lock);
	g_thread_join(ob->thread);
	sender_close(ob->sender);
	if (ob->sender_conf != NULL)
		conf_unref(ob->sender_conf);
	conf_unref(ob->conf);
	store_close(ob->store);
	g_array_free(ob->marks, TRUE);
	g_free(ob->owner);
	g_mutex_clear(&ob->lock);
	g_cond_clear(&ob->cond);
	g_free(ob);
}
